package expr

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// testRow has a value of every kind; the "null_*" fields are null.
func testRow(t testing.TB) Fields {
	var meta any
	d := json.NewDecoder(strings.NewReader(`{"brand": "acme", "n": 3, "f": 2.5, "t": true, "s": "7", "nil": null,
		"arr": [1, 2.0, "x", true], "obj": {"k": [10, {"z": "deep"}]}, "empty": []}`))
	d.UseNumber()
	if err := d.Decode(&meta); err != nil {
		t.Fatal(err)
	}
	return Fields{
		"i": Int(5), "f": Float(2.5), "b": Bool(true), "nb": Bool(false), "s": String(`it's a "q" \ 100%`),
		"nl": String("ab\n"), "tags": IntArray([]int64{1, 2, 3}), "none": IntArray(nil), "labels": StringArray([]string{"red", "é"}),
		"meta": JSON(meta), "list": JSON([]any{1, int64(2), float32(3)}),
		"null_i": Null(), "null_s": Null(), "null_b": Null(), "null_tags": Null(), "null_meta": Null(),
	}
}

func TestEval(t *testing.T) {
	row := testRow(t)
	tests := []struct {
		expr string
		want bool
	}{
		{`i == 5`, true}, {`i != 5`, false}, {`i > 4.5`, true}, {`5 <= i`, true}, {`i < 5`, false},
		{`f == 2.5`, true}, {`f > 2`, true}, {`-3 < f`, true},
		{`3 < i < 6`, true}, {`5 < i < 6`, false}, {`5 <= i <= 5`, true}, {`6 > i >= 5`, true},
		{`b`, true}, {`nb`, false}, {`not nb`, true}, {`b == true`, true}, {`b != false`, true},
		{`s == "it's a \"q\" \\ 100%"`, true}, {`s > "it"`, true},
		{`i in [1, 5]`, true}, {`i in [1.0, 5.0]`, true}, {`i not in [1, 5]`, false}, {`i in []`, false}, {`i not in []`, true},
		// nulls: comparisons unknown, not keeps unknown, and/or Kleene
		{`null_i == 1`, false}, {`null_i != 1`, false}, {`not (null_i == 1)`, false}, {`null_i < 1`, false},
		{`null_i == 1 or i == 5`, true}, {`not (null_i == 1 and i == 6)`, true}, {`not (null_i == 1 or i == 6)`, false},
		{`null_b`, false}, {`not null_b`, false}, {`null_i is null`, true}, {`null_i is not null`, false}, {`i is null`, false},
		{`null_s like "%"`, false}, {`not (null_s like "%")`, false}, {`3 < null_i < 6`, false},
		// Lite column-wise: a null is not a member; row-wise: unknown
		{`null_i in [1]`, false}, {`null_i not in [1]`, true}, {`not (null_i in [1])`, true}, {`null_i not in []`, true},
		{`null_i not in [1] and array_contains(tags, 1)`, false}, {`not (null_i in [1]) or array_length(tags) == 9`, false},
		// like: column-wise with \ escapes, row-wise without
		{`s like "it%"`, true}, {`s like "%100\\%"`, true}, {`s like "%10\\0\\%"`, true}, {`s like "%\\\\ 1%"`, true},
		{`s like "_t's%"`, true}, {`s like "t%"`, false}, {`s like "%q_ %"`, true}, {`s like "it's"`, false},
		{`nl like "ab"`, false}, {`nl like "ab_"`, true}, {`nl like "ab" and array_length(tags) == 3`, true},
		{`s like "%\\ 100\\%" and b`, true}, {`s like "%\\ 100\\%" and array_length(tags) == 3`, false},
		{`labels[1] like "_"`, true}, {`meta["brand"] like "a%e"`, true}, {`meta["n"] like "%"`, false}, {`not (meta["n"] like "%")`, true},
		// arrays: null and empty
		{`array_contains(tags, 2)`, true}, {`array_contains(tags, 2.0)`, true}, {`array_contains(tags, 9)`, false},
		{`array_contains(none, 1)`, false}, {`not array_contains(none, 1)`, true}, {`array_contains(null_tags, 1)`, false},
		{`not array_contains(null_tags, 1)`, true}, {`array_contains_all(tags, [1, 3])`, true}, {`array_contains_all(tags, [1, 4])`, false},
		{`array_contains_all(tags, [])`, true}, {`array_contains_all(null_tags, [])`, false}, {`array_contains_any(tags, [4, 3])`, true},
		{`array_contains_any(tags, [])`, false}, {`array_contains(labels, "é")`, true},
		{`array_length(tags) == 3`, true}, {`array_length(none) == 0`, true}, {`array_length(null_tags) == 0`, true},
		{`tags is null`, false}, {`none is null`, false}, {`null_tags is null`, true}, {`tags[2] == 3`, true}, {`tags[3] is null`, true},
		// JSON: paths, missing keys, nulls, mixed types
		{`meta["brand"] == "acme"`, true}, {`meta["brand"] != "acme"`, false}, {`meta["missing"] == 1`, false},
		{`meta["missing"] != 1`, false}, {`meta["missing"] is null`, true}, {`meta["nil"] is null`, true}, {`meta["nil"] == 1`, false},
		{`meta["brand"] is not null`, true}, {`null_meta["brand"] is null`, true}, {`null_meta is null`, true}, {`meta is null`, false},
		{`meta["n"] == 3`, true}, {`meta["n"] == 3.0`, true}, {`meta["n"] > 2.5`, true}, {`meta["f"] > 2`, true},
		{`meta["s"] == 7`, false}, {`meta["s"] != 7`, true}, {`meta["s"] < 8`, false}, {`not (meta["s"] < 8)`, false},
		{`meta["s"] == "7"`, true}, {`meta["t"] == true`, true}, {`meta["t"] == 1`, true}, {`meta["t"] > 0`, true},
		{`meta["arr"] == 1`, false}, {`meta["arr"] != 1`, true}, {`meta["arr"] > 1`, false},
		{`meta["arr"][1] == 2`, true}, {`meta["arr"][2] == "x"`, true}, {`meta["arr"][9] is null`, true},
		{`meta["obj"]["k"][1]["z"] == "deep"`, true}, {`meta["obj"][0] is null`, true}, {`meta["brand"]["x"] is null`, true},
		{`array_contains(meta["arr"], "x")`, true}, {`array_contains(meta["arr"], 2)`, true}, {`array_contains(meta["arr"], true)`, true},
		{`array_contains(meta["brand"], "a")`, false}, {`not array_contains(meta["missing"], 1)`, true},
		{`array_contains_all(meta["arr"], [1, "x"])`, true}, {`array_length(meta["arr"]) == 4`, true}, {`array_length(meta["brand"]) == 0`, true},
		{`array_length(meta["empty"]) == 0`, true}, {`meta["brand"] in ["x", "acme"]`, true}, {`meta["missing"] not in ["x"]`, false},
		{`array_contains(list, 3)`, true}, {`array_length(list) == 3`, true},
	}
	for _, tt := range tests {
		e, err := Parse(tt.expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.expr, err)
			continue
		}
		got, err := e.Eval(row)
		if err != nil {
			t.Errorf("Eval(%q): %v", tt.expr, err)
		} else if got != tt.want {
			t.Errorf("Eval(%q) = %v, want %v", tt.expr, got, tt.want)
		}
	}
}

func TestEvalErrors(t *testing.T) {
	row := testRow(t)
	tests := []struct{ expr, want string }{
		{`nope == 1`, `field "nope": not in the row`},
		{`i == {p}`, "placeholder {p} has no value"},
		{`i in {p}`, "placeholder {p} has no value"},
		{`i == "5"`, "cannot compare a int64 field with a varchar literal"},
		{`s == 1`, "cannot compare a varchar field"},
		{`b == 1`, "cannot compare a bool field"},
		{`tags == 1`, "cannot compare a array<int64> field"},
		{`meta == "x"`, "cannot compare a json field"},
		{`i`, "a bare field as a condition must be bool"},
		{`i like "5"`, "like: field is int64"},
		{`i in ["a"]`, "in: list holds a varchar"},
		{`array_contains(i, 1)`, "field is int64, not an ARRAY or JSON"},
		{`array_length(s) == 1`, "array_length: field is varchar"},
		{`array_length(tags) == "x"`, "cannot compare a int64 field with a varchar literal"},
		{`s[0] == 1`, "paths apply to JSON and ARRAY fields"},
	}
	for _, tt := range tests {
		e, err := Parse(tt.expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.expr, err)
			continue
		}
		if _, err := e.Eval(row); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Eval(%q) error = %v, want %q", tt.expr, err, tt.want)
		}
	}
}

func TestCheck(t *testing.T) {
	fields := map[string]Kind{"i": KindInt, "f": KindFloat, "b": KindBool, "s": KindString,
		"tags": KindIntArray, "labels": KindStringArray, "meta": KindJSON}
	tests := []struct{ expr, want string }{
		{`i > 1 and f < 2 and b and s like "x%" and array_contains(tags, 1) and meta["a"]["b"] in [1, "x"]`, ""},
		{`i in {ids} and {lo} < f < {hi} and s == {s} and b == {b} and array_contains_any(labels, {ls})`, ""},
		{`tags[0] == 1 and array_length(meta) > 0 and array_length(meta["a"]) > 0 and meta is null`, ""},
		{`nope == 1`, `field "nope": not in the collection`},
		{`nope is null`, `field "nope": not in the collection`},
		{`array_contains(nope, 1)`, `field "nope": not in the collection`},
		{`nope["a"] == 1`, `field "nope": not in the collection`},
		{`i == "1"`, `i == "1": cannot compare a int64 field with a varchar literal`},
		{`b == 1`, `cannot compare a bool field with a int64 literal`},
		{`s < 3`, `cannot compare a varchar field`},
		{`meta == {p}`, `cannot compare a json field with placeholder {p}`},
		{`tags == {p}`, `cannot compare a array<int64> field`},
		{`1 < b < 3`, `a bool field has no range`},
		{`"a" < i < "b"`, `a int64 field has no range over a varchar literal`},
		{`i`, `a bare field as a condition must be bool`},
		{`s in [1]`, `the list holds a int64 literal, the field is varchar`},
		{`tags in [1]`, `in needs a scalar field`},
		{`i like "1"`, `like needs varchar`},
		{`array_contains(s, "a")`, `needs an ARRAY or JSON field`},
		{`array_length(i) == 1`, `array_length: field "i" is int64`},
		{`i[0] == 1`, `paths apply to JSON and ARRAY fields`},
		{`tags["a"] == 1`, `index it with one number`},
		{`tags[0][1] == 1`, `index it with one number`},
	}
	for _, tt := range tests {
		e, err := Parse(tt.expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.expr, err)
			continue
		}
		err = e.Check(fields)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("Check(%q) = %v, want %q", tt.expr, err, tt.want)
		}
	}
}

func TestMatchLike(t *testing.T) {
	tests := []struct {
		s, pat string
		esc    bool
		want   bool
	}{
		{"", "", true, true}, {"", "%", true, true}, {"a", "", true, false}, {"abc", "a%c", true, true},
		{"abc", "%%c", true, true}, {"abc", "a_c", true, true}, {"ac", "a_c", true, false}, {"aXbXc", "a%b%c", true, true},
		{"a\nb", "a_b", true, true}, {"a\nb", "a%", true, true}, {"éé", "__", true, true}, {"a%", `a\%`, true, true},
		{"ab", `a\%`, true, false}, {"a", `a\`, true, true}, {`a\`, `a\\`, true, true}, {"ab", `a\b`, true, true},
		{`a\b`, `a\b`, false, true}, {"ab", `a\b`, false, false}, {"mississippi", "%iss%ppi", true, true},
		{"mississippi", "%issip%i", true, true}, {"mississippi", "m%ss%x", true, false},
	}
	for _, tt := range tests {
		if got := matchLike(tt.s, compileLike(tt.pat, tt.esc)); got != tt.want {
			t.Errorf("matchLike(%q, %q, escapes=%v) = %v, want %v", tt.s, tt.pat, tt.esc, got, tt.want)
		}
	}
}

func TestCmpNum(t *testing.T) {
	tests := []struct {
		a, b dyn
		want int
	}{
		{int64(1), 1.0, 0}, {int64(1), 1.5, -1}, {int64(2), 1.5, 1}, {int64(-2), -1.5, -1}, {int64(-1), -1.5, 1},
		{int64(1<<62 + 1), float64(1 << 62), 1}, {int64(9007199254740993), 9007199254740992.0, 1},
		{int64(-9223372036854775808), -9.223372036854775808e18, 0}, {int64(9223372036854775807), 9.3e18, -1}, {int64(9223372036854775807), 0x1p63, -1},
		{int64(-9223372036854775808), -0x1p63 - 2048, 1}, {int64(9223372036854775807), 9.2233720368547748e18, 1},
		{true, int64(1), 0}, {false, 0.5, -1}, {2.5, int64(2), 1},
	}
	for _, tt := range tests {
		got, ok := pyOrder(tt.a, tt.b)
		if !ok || got != tt.want {
			t.Errorf("pyOrder(%v, %v) = %d, %v; want %d", tt.a, tt.b, got, ok, tt.want)
		}
	}
}

// FuzzLike checks matchLike against the regular expression Milvus Lite
// builds for a like pattern (% → .*, _ → ., \ escaping the next character
// column-wise, dot matching newlines).
func FuzzLike(f *testing.F) {
	for _, s := range [][2]string{{"abc", "a%c"}, {"a\nb", "a_b"}, {"100%", `100\%`}, {`a\`, `a\\`}, {"éx", "_x%"}, {"mississippi", "%iss%ppi"}} {
		f.Add(s[0], s[1], true)
		f.Add(s[0], s[1], false)
	}
	f.Fuzz(func(t *testing.T, s, pat string, esc bool) {
		if !utf8.ValidString(s) || !utf8.ValidString(pat) {
			return
		}
		var re strings.Builder
		re.WriteString(`(?s)^`)
		for _, tok := range compileLike(pat, esc) {
			switch tok.kind {
			case '%':
				re.WriteString(".*")
			case '_':
				re.WriteString(".")
			default:
				re.WriteString(regexp.QuoteMeta(string(tok.r)))
			}
		}
		re.WriteString(`$`)
		want := regexp.MustCompile(re.String()).MatchString(s)
		if got := matchLike(s, compileLike(pat, esc)); got != want {
			t.Fatalf("matchLike(%q, %q, escapes=%v) = %v, regexp %s says %v", s, pat, esc, got, re.String(), want)
		}
	})
}
