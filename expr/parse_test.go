package expr

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// dump writes a tree with its literal types and without source positions,
// to compare trees.
func dump(n node) string {
	var b strings.Builder
	var d func(n node)
	list := func(tag string, xs []node) {
		b.WriteString("(" + tag)
		for _, x := range xs {
			b.WriteByte(' ')
			d(x)
		}
		b.WriteByte(')')
	}
	d = func(n node) {
		switch t := n.(type) {
		case litNode:
			switch v := t.v.(type) {
			case float64:
				b.WriteString("f:" + strconv.FormatFloat(v, 'g', -1, 64))
			case string:
				b.WriteString("s:" + strconv.Quote(v))
			default:
				fmt.Fprintf(&b, "%T:%v", v, v)
			}
		case listNode:
			list("list", t.elems)
		case phNode:
			b.WriteString("{" + t.name + "}")
		case fieldNode:
			b.WriteString("field:" + t.name)
		case truthNode:
			b.WriteString("truth:" + t.field)
		case pathNode:
			fmt.Fprintf(&b, "path:%s%#v", t.field, t.steps)
		case lenNode:
			list("len", []node{t.arg})
		case andNode:
			list("and", t.xs)
		case orNode:
			list("or", t.xs)
		case notNode:
			list("not", []node{t.x})
		case cmpNode:
			list(t.op, []node{t.l, t.r})
		case rangeNode:
			list("range "+t.lop+" "+t.hop, []node{t.lo, t.x, t.hi})
		case inNode:
			list(fmt.Sprintf("in not=%v", t.not), []node{t.x, t.list})
		case likeNode:
			list("like "+strconv.Quote(t.pat), []node{t.x})
		case nullNode:
			list(fmt.Sprintf("null not=%v", t.not), []node{t.x})
		case containsNode:
			list(t.fn, []node{t.x, t.arg})
		default:
			fmt.Fprintf(&b, "?%T", n)
		}
	}
	d(n)
	return b.String()
}

func TestParseCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{`a == 1`, `a == 1`},
		{`1 == a`, `1 == a`},
		{`price<=2.5`, `price <= 2.5`},
		{`price > -3`, `price > -3`},
		{`price > - 3.25`, `price > -3.25`},
		{`x == 1e3`, `x == 1000.0`},
		{`x == 1.5e-7`, `x == 1.5e-07`},
		{`x == 1e300`, `x == 1.0e+300`},
		{`x == -9223372036854775808`, `x == -9223372036854775808`},
		{`b == True and c == FALSE`, `b == true and c == false`},
		{`s == 'it\'s'`, `s == "it's"`},
		{`s == "say \"hi\""`, `s == "say \"hi\""`},
		{`s == "a\\b\tc\nd"`, `s == "a\\b\tc\nd"`},
		{`s == "\x41\101\u00e9\U0001F600\a"`, "s == \"AAé😀\a\""},
		{`meta["brand"]["x"] == "y"`, `meta["brand"]["x"] == "y"`},
		{`meta['a'][0][12] != 3`, `meta["a"][0][12] != 3`},
		{`10 < price < 100`, `10 < price < 100`},
		{`100 >= price > 10`, `10 < price <= 100`},
		{`{lo} <= meta["p"] < {hi}`, `{lo} <= meta["p"] < {hi}`},
		{`a in [1, 2, 3,]`, `a in [1, 2, 3]`},
		{`a IN []`, `a in []`},
		{`a not in ["x", 'y']`, `a not in ["x", "y"]`},
		{`a NOT IN { ids }`, `a not in {ids}`},
		{`a in [{x}, 2]`, `a in [{x}, 2]`},
		{`name LIKE "ab%"`, `name like "ab%"`},
		{`meta["k"] like '%x_'`, `meta["k"] like "%x_"`},
		{`a is null`, `a is null`},
		{`a IS NOT NULL`, `a is not null`},
		{`meta["k"] is  not  null`, `meta["k"] is not null`},
		{`ARRAY_CONTAINS(tags, 3)`, `array_contains(tags, 3)`},
		{`json_contains(meta["t"], "x")`, `array_contains(meta["t"], "x")`},
		{`array_contains_all(tags, [1, 2])`, `array_contains_all(tags, [1, 2])`},
		{`array_contains_any(tags, {t})`, `array_contains_any(tags, {t})`},
		{`array_length(tags) >= 2`, `array_length(tags) >= 2`},
		{`array_length(meta["a"]) == 0`, `array_length(meta["a"]) == 0`},
		{`flag`, `flag`},
		{`!flag`, `not (flag)`},
		{`not not flag`, `not (not (flag))`},
		{`not a is null`, `not (a is null)`},
		{`not array_contains(t, 1)`, `not (array_contains(t, 1))`},
		{`a == 1 && b == 2 || c == 3`, `a == 1 and b == 2 or c == 3`},
		{`a == 1 and (b == 2 or c == 3)`, `a == 1 and (b == 2 or c == 3)`},
		{`(a == 1 and b == 2) and c == 3`, `a == 1 and b == 2 and c == 3`},
		{`a == 1 or (b == 2 or c == 3)`, `a == 1 or b == 2 or c == 3`},
		{`((a)) == 1`, `a == 1`},
		{`not (a == 1 or b == 2) and c`, `not (a == 1 or b == 2) and c`},
		{"a == 1\n\tand\r\nb == 2", `a == 1 and b == 2`},
		{`x < {p}`, `x < {p}`},
	}
	for _, tt := range tests {
		e, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := e.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
		e2, err := Parse(e.String())
		if err != nil {
			t.Errorf("re-parse of %q: %v", e.String(), err)
		} else if dump(e2.root) != dump(e.root) {
			t.Errorf("%q: re-parsed tree %s, want %s", tt.in, dump(e2.root), dump(e.root))
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in   string
		col  int
		want string
	}{
		{``, 1, "expected a field, literal, placeholder, not, ( or function, found end of expression"},
		{`a ==`, 5, "found end of expression"},
		{`a = 1`, 3, "equality is =="},
		{`a == 1 and`, 11, "found end of expression"},
		{`a == 1 b == 2`, 8, "expected and, or, or end of expression"},
		{`(a == 1`, 8, "expected ), found end of expression"},
		{`a == "abc`, 6, "expected closing \" of the string"},
		{"a == 'x\ny'", 6, "expected closing '"},
		{`a == "\q"`, 7, "known escape"},
		{`a == "it\'s"`, 9, "double-quoted string"},
		{`a == "\xZZ"`, 7, "base-16 digits"},
		{`a == "\xff"`, 6, "valid UTF-8"},
		{`a == "\ud800"`, 7, "valid code point"},
		{`a == 010`, 6, "leading zeros"},
		{`a == 0x10`, 6, "hex and binary"},
		{`a == 1.`, 8, "digit after '.'"},
		{`a == .5`, 6, "write 0.5"},
		{`a == 1e`, 8, "exponent digits"},
		{`a == 1e999`, 6, "float64 range"},
		{`a == 9223372036854775808`, 6, "int64 range"},
		{`a == -9223372036854775809`, 7, "int64 range"},
		{`a == 12abc`, 8, "expected an operator after number"},
		{`And == 1`, 1, "reserved word"},
		{`Null == 1`, 1, "reserved word"},
		{`Array_Contains(a, 1)`, 1, "(mixed case)"},
		{`exists == 1`, 1, "reserved word"},
		{`not a == 1`, 7, "'not' applies to the next term only"},
		{`not a in [1]`, 7, "'not' applies to the next term only"},
		{`a == b`, 6, "comparing two fields"},
		{`1 == 2`, 1, "field or JSON path on one side"},
		{`a == 1 == 2`, 8, "only < <= > >= chain"},
		{`1 < a == 2`, 7, "only < <= > >= chain"},
		{`a < 1 < 2`, 1, "first bound"},
		{`1 < a > 3`, 7, "both bounds"},
		{`1 < a < b`, 9, "second bound"},
		{`1 < 2 < 3`, 5, "between the range's bounds"},
		{`1 < a < 2 < 3`, 11, "at most two comparisons"},
		{`a in 3`, 6, "a list [...] or a placeholder"},
		{`a in [b]`, 7, "a literal or placeholder in the list"},
		{`a in [1 2]`, 9, ", or ] in the list"},
		{`1 in [1]`, 1, "field or JSON path before in"},
		{`a like b`, 8, "quoted pattern after like"},
		{`a like {p}`, 8, "quoted pattern after like"},
		{`a is 1`, 6, "null after is"},
		{`1 is null`, 1, "expected a condition"},
		{`meta [0] == 1`, 6, "expected and, or, or end of expression"},
		{`meta[x] == 1`, 6, "quoted key or an index"},
		{`meta["a" ] == 1`, 9, "expected ] in path"},
		{`meta[01] == 1`, 6, "leading zeros"},
		{`array_contains(1, 2)`, 16, "first argument"},
		{`array_contains(a, [1])`, 19, "second argument"},
		{`array_contains_all(a, 1)`, 23, "a list [...] or a placeholder"},
		{`array_length(a, 1)`, 15, "expected ), found \",\""},
		{`{} == 1`, 2, "placeholder name"},
		{`{a == 1`, 4, "expected }"},
		{`a`, 1, ""}, // a bare field parses (bool checked by Check/Eval)
		{`meta["a"]`, 1, "expected a condition"},
		{`5`, 1, "expected a condition"},
		{`a == 1 and 5`, 12, "expected a condition"},
		{`(a == 1) == 2`, 10, "after a condition"},
		{`a + 1 == 2`, 3, "arithmetic and bit operators are not supported"},
		{`a == "é" and ¤`, 14, "unexpected character"},
		{`$meta["a"] == 1`, 1, "unexpected character"},
		{`text_match(a, "x")`, 1, "reserved word"},
		{`a =~ "x"`, 3, "equality is =="},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if tt.want == "" {
			if err != nil {
				t.Errorf("Parse(%q): %v", tt.in, err)
			}
			continue
		}
		pe, ok := err.(*Error)
		if !ok {
			t.Errorf("Parse(%q) = %v, want an *Error", tt.in, err)
			continue
		}
		if pe.Col != tt.col || !strings.Contains(pe.Msg, tt.want) || strings.Contains(pe.Error(), "\n") {
			t.Errorf("Parse(%q) = %q, want column %d and %q", tt.in, pe.Error(), tt.col, tt.want)
		}
	}
}

func TestFieldsAndPlaceholders(t *testing.T) {
	e, err := Parse(`a > {x} and meta["k"] in {ys} or flag and array_length(tags) > {x} and array_contains(m, {z})`)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(e.Fields()); got != "[a flag m meta tags]" {
		t.Errorf("Fields = %s", got)
	}
	if got := fmt.Sprint(e.Placeholders()); got != "[x ys z]" {
		t.Errorf("Placeholders = %s", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`a == 1`, `10 < price <= 100`, `100 >= p > 1`, `a in [1, -2.5, "x", true, {p}]`, `a not in {ids}`,
		`name like "a\\%_%"`, `meta["a"][0]["b"] is not null`, `not (a == 1 or b) and c`, `!flag || x != 'q\'"'`,
		`array_contains_any(tags, [1, 2]) && array_length(meta["t"]) > 0`, `json_contains_all(m["x"], {v})`,
		`s == "\x41\101\u00e9\U0001F600\a\b\f\v\r\n\t"`, `x == -9223372036854775808`, `x == 1.0e+300`,
	} {
		f.Add(s)
	}
	row := testRow(f)
	kinds := map[string]Kind{"a": KindInt, "b": KindBool, "s": KindString, "tags": KindIntArray, "meta": KindJSON}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			if pe, ok := err.(*Error); !ok || pe.Col < 1 || strings.Contains(pe.Error(), "\n") {
				t.Fatalf("Parse(%q): error %v is not a one-line *Error with a column", s, err)
			}
			return
		}
		out := e.String()
		e2, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q does not parse: %v", s, out, err)
		}
		if a, b := dump(e.root), dump(e2.root); a != b {
			t.Fatalf("Parse(%q): tree %s, re-parsed from %q: %s", s, a, out, b)
		}
		if e2.String() != out {
			t.Fatalf("String not stable: %q then %q", out, e2.String())
		}
		// Neither checking, binding nor evaluating panics; a bound
		// expression inlines to text that parses, without placeholders.
		_ = e.Check(kinds)
		_, _ = e.Eval(row)
		for _, v := range []any{int64(3), []int64{1, 2}, "x"} {
			p := Params{}
			for _, name := range e.Placeholders() {
				p[name] = v
			}
			in, err := e.Inline(p)
			if err != nil {
				continue
			}
			b, err := Parse(in)
			if err != nil || len(b.Placeholders()) != 0 {
				t.Fatalf("Inline(%q) = %q: %v, placeholders %v", s, in, err, b.Placeholders())
			}
			_, _ = b.Eval(row)
		}
	})
}
