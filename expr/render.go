package expr

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// String is the expression in canonical form: lower-case keywords, strings
// in double quotes, ranges as lo < x < hi, `not (…)`, placeholders as
// {name}. Parse(e.String()) gives the same tree. Milvus Lite reads the
// canonical form of every expression without placeholders or ranges.
func (e *Expr) String() string {
	var b strings.Builder
	render(&b, e.root, false)
	return b.String()
}

// render writes n; inAnd: n is an operand of and (an or needs parentheses).
func render(b *strings.Builder, n node, inAnd bool) {
	switch t := n.(type) {
	case litNode:
		b.WriteString(literal(t.v))
	case listNode:
		b.WriteByte('[')
		for i, x := range t.elems {
			if i > 0 {
				b.WriteString(", ")
			}
			render(b, x, false)
		}
		b.WriteByte(']')
	case phNode:
		b.WriteString("{" + t.name + "}")
	case fieldNode:
		b.WriteString(t.name)
	case truthNode:
		b.WriteString(t.field)
	case pathNode:
		b.WriteString(t.field)
		for _, s := range t.steps {
			if k, ok := s.(string); ok {
				b.WriteString("[" + quote(k) + "]")
			} else {
				fmt.Fprintf(b, "[%d]", s)
			}
		}
	case lenNode:
		b.WriteString("array_length(")
		render(b, t.arg, false)
		b.WriteByte(')')
	case andNode:
		for i, x := range t.xs {
			if i > 0 {
				b.WriteString(" and ")
			}
			render(b, x, true)
		}
	case orNode:
		if inAnd {
			b.WriteByte('(')
		}
		for i, x := range t.xs {
			if i > 0 {
				b.WriteString(" or ")
			}
			render(b, x, false)
		}
		if inAnd {
			b.WriteByte(')')
		}
	case notNode:
		b.WriteString("not (")
		render(b, t.x, false)
		b.WriteByte(')')
	case cmpNode:
		render(b, t.l, false)
		b.WriteString(" " + t.op + " ")
		render(b, t.r, false)
	case rangeNode:
		render(b, t.lo, false)
		b.WriteString(" " + t.lop + " ")
		render(b, t.x, false)
		b.WriteString(" " + t.hop + " ")
		render(b, t.hi, false)
	case inNode:
		render(b, t.x, false)
		if t.not {
			b.WriteString(" not in ")
		} else {
			b.WriteString(" in ")
		}
		render(b, t.list, false)
	case likeNode:
		render(b, t.x, false)
		b.WriteString(" like " + quote(t.pat))
	case nullNode:
		render(b, t.x, false)
		if t.not {
			b.WriteString(" is not null")
		} else {
			b.WriteString(" is null")
		}
	case containsNode:
		b.WriteString(t.fn + "(")
		render(b, t.x, false)
		b.WriteString(", ")
		render(b, t.arg, false)
		b.WriteByte(')')
	}
}

// literal renders a scalar so that both Milvus and Milvus Lite read it back
// as the same value and type.
func literal(v any) string {
	switch t := v.(type) {
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		s := strconv.FormatFloat(t, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEn") { // "n": NaN and Inf never get here
			s += ".0"
		}
		if i := strings.IndexAny(s, "eE"); i >= 0 && !strings.Contains(s[:i], ".") {
			s = s[:i] + ".0" + s[i:]
		}
		return s
	case bool:
		return strconv.FormatBool(t)
	case string:
		return quote(t)
	}
	return fmt.Sprint(v)
}

// quote writes s in double quotes escaping only \ " and the line breaks and
// tab, the escapes Milvus and Milvus Lite both decode; other characters
// are written as they are.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Params binds placeholders to values: int, int8 … int64, uint8 … uint32,
// float32, float64, bool, string, or a slice of one of those (for `in`,
// array_contains_all and array_contains_any); []any holding numbers of
// mixed kinds becomes a float list. Names the expression does not use are
// ignored.
type Params map[string]any

// param normalises a parameter to int64, float64, bool, string or a
// []int64, []float64, []bool, []string (the types client/v2's
// WithTemplateParam turns into template values).
func param(v any) (any, error) {
	switch t := v.(type) {
	case string:
		if !utf8.ValidString(t) {
			return nil, fmt.Errorf("string %q is not valid UTF-8", t)
		}
		return v, nil
	case []string:
		for _, s := range t {
			if !utf8.ValidString(s) {
				return nil, fmt.Errorf("string %q is not valid UTF-8", s)
			}
		}
		return v, nil
	case int64, float64, bool, []int64, []float64, []bool:
		return v, nil
	case int:
		return int64(t), nil
	case int8:
		return int64(t), nil
	case int16:
		return int64(t), nil
	case int32:
		return int64(t), nil
	case uint8:
		return int64(t), nil
	case uint16:
		return int64(t), nil
	case uint32:
		return int64(t), nil
	case float32:
		return float64(t), nil
	case []any:
		return anyList(t)
	case nil:
		return nil, fmt.Errorf("nil value")
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice {
		return nil, fmt.Errorf("unsupported type %T", v)
	}
	xs := make([]any, rv.Len())
	for i := range xs {
		xs[i] = rv.Index(i).Interface()
	}
	l, err := anyList(xs)
	if err != nil {
		return nil, fmt.Errorf("%T: %w", v, err)
	}
	return l, nil
}

// anyList normalises a list of scalars to a typed slice.
func anyList(xs []any) (any, error) {
	var ints []int64
	var floats []float64
	var bools []bool
	var strs []string
	for _, x := range xs {
		s, err := param(x)
		if err != nil {
			return nil, err
		}
		switch t := s.(type) {
		case int64:
			ints = append(ints, t)
			floats = append(floats, float64(t))
		case float64:
			floats = append(floats, t)
		case bool:
			bools = append(bools, t)
		case string:
			strs = append(strs, t)
		default:
			return nil, fmt.Errorf("nested list")
		}
	}
	switch n := len(xs); {
	case n == 0 || len(ints) == n:
		if ints == nil {
			ints = []int64{}
		}
		return ints, nil
	case len(floats) == n:
		return floats, nil
	case len(bools) == n:
		return bools, nil
	case len(strs) == n:
		return strs, nil
	}
	return nil, fmt.Errorf("list mixes kinds (numbers, bools, strings)")
}

// Template is the expression text with its placeholders as {name} and the
// values to send with it as filter_params (client/v2:
// WithTemplateParam(name, value) for each entry): one entry per placeholder
// the expression uses, normalised to int64, float64, bool, string or a
// slice of one of those. Errors as Bind.
func (e *Expr) Template(p Params) (string, map[string]any, error) {
	if _, err := e.Bind(p); err != nil {
		return "", nil, err
	}
	out := map[string]any{}
	for _, name := range e.Placeholders() {
		v, _ := param(p[name])
		out[name] = v
	}
	return e.String(), out, nil
}

// Inline is the expression with every placeholder replaced by its value as
// a literal, for servers without expression templates (Milvus Lite, and
// Milvus releases before templates such as 2.3). Errors as Bind.
func (e *Expr) Inline(p Params) (string, error) {
	b, err := e.Bind(p)
	if err != nil {
		return "", err
	}
	return b.String(), nil
}

// Bind returns the expression with its placeholders replaced by the values
// in p. It is an *Error at the placeholder's column when a placeholder has
// no value, a value of an unsupported type, a list where a scalar belongs
// (comparisons, ranges, array_contains, list elements) or a scalar where a
// list belongs (in, array_contains_all/any), or a float that is NaN or
// infinite.
func (e *Expr) Bind(p Params) (*Expr, error) {
	var err error
	root := e.bind(e.root, p, &err)
	if err != nil {
		return nil, err
	}
	return newExpr(root, e.src), nil
}

func (e *Expr) bind(n node, p Params, errp *error) node {
	if *errp != nil {
		return n
	}
	fail := func(ph phNode, format string, args ...any) node {
		*errp = errAt(e.src, ph.pos, "placeholder {%s}: "+format, append([]any{ph.name}, args...)...)
		return n
	}
	scalar := func(x node) node {
		ph, ok := x.(phNode)
		if !ok {
			return x
		}
		raw, ok := p[ph.name]
		if !ok {
			return fail(ph, "expected a value in the parameters, found none")
		}
		v, err := param(raw)
		if err != nil {
			return fail(ph, "expected a scalar, found %v", err)
		}
		switch t := v.(type) {
		case int64, bool, string:
			return litNode{v: v}
		case float64:
			if math.IsNaN(t) || math.IsInf(t, 0) {
				return fail(ph, "expected a finite number, found %v", t)
			}
			return litNode{v: v}
		}
		return fail(ph, "expected a scalar, found a list %v", v)
	}
	list := func(x node) node {
		switch t := x.(type) {
		case listNode:
			out := listNode{elems: make([]node, len(t.elems))}
			for i, el := range t.elems {
				out.elems[i] = scalar(el)
			}
			return out
		case phNode:
			raw, ok := p[t.name]
			if !ok {
				return fail(t, "expected a list in the parameters, found none")
			}
			v, err := param(raw)
			if err != nil {
				return fail(t, "expected a list, found %v", err)
			}
			rv := reflect.ValueOf(v)
			if rv.Kind() != reflect.Slice {
				return fail(t, "expected a list, found scalar %v", v)
			}
			out := listNode{elems: make([]node, rv.Len())}
			for i := range out.elems {
				el := rv.Index(i).Interface()
				if f, ok := el.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
					return fail(t, "expected finite numbers, found %v", f)
				}
				out.elems[i] = litNode{v: el}
			}
			return out
		}
		return x
	}
	switch t := n.(type) {
	case phNode:
		return scalar(t)
	case andNode:
		out := andNode{xs: make([]node, len(t.xs))}
		for i, x := range t.xs {
			out.xs[i] = e.bind(x, p, errp)
		}
		return out
	case orNode:
		out := orNode{xs: make([]node, len(t.xs))}
		for i, x := range t.xs {
			out.xs[i] = e.bind(x, p, errp)
		}
		return out
	case notNode:
		return notNode{x: e.bind(t.x, p, errp)}
	case cmpNode:
		return cmpNode{op: t.op, l: scalar(t.l), r: scalar(t.r)}
	case rangeNode:
		return rangeNode{lo: scalar(t.lo), lop: t.lop, x: t.x, hop: t.hop, hi: scalar(t.hi)}
	case inNode:
		return inNode{x: t.x, not: t.not, list: list(t.list)}
	case containsNode:
		if t.fn == "array_contains" {
			return containsNode{fn: t.fn, x: t.x, arg: scalar(t.arg)}
		}
		return containsNode{fn: t.fn, x: t.x, arg: list(t.arg)}
	}
	return n
}
