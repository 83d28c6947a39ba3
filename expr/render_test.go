package expr

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/milvus-io/milvus/client/v2/milvusclient"
)

func TestTemplateAndInline(t *testing.T) {
	tests := []struct {
		expr     string
		params   Params
		template map[string]any
		inline   string
	}{
		{`price < {p}`, Params{"p": 10}, map[string]any{"p": int64(10)}, `price < 10`},
		{`price < {p}`, Params{"p": float32(2.5), "unused": "x"}, map[string]any{"p": 2.5}, `price < 2.5`},
		{`price < {p}`, Params{"p": 3.0}, map[string]any{"p": 3.0}, `price < 3.0`},
		{`{lo} <= price < {hi}`, Params{"lo": int8(-1), "hi": 1e21}, map[string]any{"lo": int64(-1), "hi": 1e21}, `-1 <= price < 1.0e+21`},
		{`cat in {cats}`, Params{"cats": []string{`it's`, `a "b"`, `c\d`, "e\nf"}},
			map[string]any{"cats": []string{`it's`, `a "b"`, `c\d`, "e\nf"}}, `cat in ["it's", "a \"b\"", "c\\d", "e\nf"]`},
		{`id in {ids}`, Params{"ids": []int{1, 2}}, map[string]any{"ids": []int64{1, 2}}, `id in [1, 2]`},
		{`id in {ids}`, Params{"ids": []int64{}}, map[string]any{"ids": []int64{}}, `id in []`},
		{`id in {ids}`, Params{"ids": []any{1, 2.5}}, map[string]any{"ids": []float64{1, 2.5}}, `id in [1.0, 2.5]`},
		{`id in [{a}, 3]`, Params{"a": uint16(7)}, map[string]any{"a": int64(7)}, `id in [7, 3]`},
		{`array_contains(tags, {t}) and flag == {f}`, Params{"t": "x", "f": false},
			map[string]any{"t": "x", "f": false}, `array_contains(tags, "x") and flag == false`},
		{`array_contains_all(tags, {ts})`, Params{"ts": []bool{true}}, map[string]any{"ts": []bool{true}}, `array_contains_all(tags, [true])`},
		{`meta["brand"] == {b}`, Params{"b": "acme"}, map[string]any{"b": "acme"}, `meta["brand"] == "acme"`},
		{`a == 1`, nil, map[string]any{}, `a == 1`},
	}
	for _, tt := range tests {
		e, err := Parse(tt.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.expr, err)
		}
		text, params, err := e.Template(tt.params)
		if err != nil {
			t.Errorf("Template(%q): %v", tt.expr, err)
			continue
		}
		if text != e.String() || !reflect.DeepEqual(params, tt.template) {
			t.Errorf("Template(%q) = %q, %#v; want %q, %#v", tt.expr, text, params, e.String(), tt.template)
		}
		// client/v2 must accept every value as a template parameter.
		opt := milvusclient.NewQueryOption("c").WithFilter(text)
		for k, v := range params {
			opt.WithTemplateParam(k, v)
		}
		req, err := opt.Request()
		if err != nil || len(req.GetExprTemplateValues()) != len(params) {
			t.Errorf("%q: client/v2 query request: %v (%d template values)", tt.expr, err, len(req.GetExprTemplateValues()))
		}
		inline, err := e.Inline(tt.params)
		if err != nil || inline != tt.inline {
			t.Errorf("Inline(%q) = %q, %v; want %q", tt.expr, inline, err, tt.inline)
			continue
		}
		if _, err := Parse(inline); err != nil {
			t.Errorf("Inline(%q) = %q does not parse: %v", tt.expr, inline, err)
		}
	}
}

func TestBindErrors(t *testing.T) {
	tests := []struct {
		expr   string
		params Params
		want   string
	}{
		{`a == {p}`, nil, "column 6: placeholder {p}: expected a value in the parameters, found none"},
		{`a in {p}`, Params{}, "column 6: placeholder {p}: expected a list in the parameters"},
		{`a == 1 and b < {p}`, Params{"p": []int{1}}, "column 16: placeholder {p}: expected a scalar, found a list"},
		{`a in {p}`, Params{"p": 1}, "placeholder {p}: expected a list, found scalar 1"},
		{`array_contains(t, {p})`, Params{"p": []string{"x"}}, "expected a scalar, found a list"},
		{`array_contains_any(t, {p})`, Params{"p": "x"}, "expected a list, found scalar x"},
		{`a == {p}`, Params{"p": math.NaN()}, "expected a finite number"},
		{`a in {p}`, Params{"p": []float64{math.Inf(1)}}, "expected finite numbers"},
		{`a == {p}`, Params{"p": uint64(1)}, "unsupported type uint64"},
		{`a == {p}`, Params{"p": nil}, "nil value"},
		{`a in {p}`, Params{"p": []any{1, "x"}}, "mixes kinds"},
		{`a in {p}`, Params{"p": [][]int{{1}}}, "nested list"},
		{`a == {p}`, Params{"p": "\xff"}, "not valid UTF-8"},
		{`a in {p}`, Params{"p": []string{"ok", "\xff"}}, "not valid UTF-8"},
		{`a in [{p}]`, Params{"p": []int{1}}, "expected a scalar"},
		{`s == "é" or a == {p}`, nil, "column 18: placeholder {p}"},
	}
	for _, tt := range tests {
		e, err := Parse(tt.expr)
		if err != nil {
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%q): %v", tt.expr, err)
			}
			continue
		}
		_, err = e.Bind(tt.params)
		_, _, terr := e.Template(tt.params)
		_, ierr := e.Inline(tt.params)
		if err == nil || !strings.Contains(err.Error(), tt.want) || terr == nil || ierr == nil {
			t.Errorf("Bind(%q, %v) = %v, want %q (Template: %v, Inline: %v)", tt.expr, tt.params, err, tt.want, terr, ierr)
		}
	}
}

func TestBindEval(t *testing.T) {
	e, err := Parse(`i in {ids} and {lo} < f <= {hi} and array_contains_any(tags, {ts})`)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Bind(Params{"ids": []int{4, 5}, "lo": 2, "hi": 2.5, "ts": []int64{9, 3}})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := b.Eval(testRow(t)); !ok || err != nil {
		t.Errorf("Eval = %v, %v; want true", ok, err)
	}
	if len(b.Placeholders()) != 0 || len(e.Placeholders()) != 4 {
		t.Errorf("placeholders: bound %v, original %v", b.Placeholders(), e.Placeholders())
	}
}
