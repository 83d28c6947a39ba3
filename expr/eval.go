package expr

import (
	"fmt"
	"unicode/utf8"
)

// tri is a three-valued truth value (Kleene logic); unknown comes from
// null operands and ends as false at the top.
type tri uint8

const (
	fls tri = iota
	tru
	unk
)

func triOf(b bool) tri {
	if b {
		return tru
	}
	return fls
}

func (t tri) not() tri {
	switch t {
	case fls:
		return tru
	case tru:
		return fls
	}
	return unk
}

// Eval reports whether row passes the expression, with Milvus Lite's
// semantics (package doc). The expression must have no placeholders (Bind
// it first). Errors: a field the row lacks, an unbound placeholder, or a
// field whose kind the operator cannot take (comparing a varchar field with
// a number, a path into a scalar field, ...), which Milvus rejects when it
// plans the query.
func (e *Expr) Eval(row Row) (bool, error) {
	ev := evaluator{row: row, rowwise: e.rowwise}
	t, err := ev.cond(e.root)
	return t == tru, err
}

type evaluator struct {
	row     Row
	rowwise bool
}

func (ev *evaluator) field(name string) (Value, error) {
	v, ok := ev.row.Field(name)
	if !ok {
		return Value{}, fmt.Errorf("field %q: not in the row", name)
	}
	return v, nil
}

func (ev *evaluator) cond(n node) (tri, error) {
	switch t := n.(type) {
	case andNode:
		out := tru
		for _, x := range t.xs {
			r, err := ev.cond(x)
			if err != nil {
				return fls, err
			}
			if r == fls {
				return fls, nil
			}
			if r == unk {
				out = unk
			}
		}
		return out, nil
	case orNode:
		out := fls
		for _, x := range t.xs {
			r, err := ev.cond(x)
			if err != nil {
				return fls, err
			}
			if r == tru {
				return tru, nil
			}
			if r == unk {
				out = unk
			}
		}
		return out, nil
	case notNode:
		r, err := ev.cond(t.x)
		return r.not(), err
	case truthNode:
		v, err := ev.field(t.field)
		if err != nil {
			return fls, err
		}
		switch v.kind {
		case KindNull:
			return unk, nil
		case KindBool:
			return triOf(v.i != 0), nil
		}
		return fls, fmt.Errorf("field %q is %s: a bare field as a condition must be bool", t.field, v.kind)
	case cmpNode:
		return ev.compare(t.op, t.l, t.r)
	case rangeNode:
		a, err := ev.compare(t.lop, t.lo, t.x)
		if err != nil || a == fls {
			return a, err
		}
		b, err := ev.compare(t.hop, t.x, t.hi)
		if err != nil || b == fls {
			return b, err
		}
		if a == unk || b == unk {
			return unk, nil
		}
		return tru, nil
	case inNode:
		return ev.in(t)
	case likeNode:
		return ev.like(t)
	case nullNode:
		if f, ok := t.x.(fieldNode); ok {
			v, err := ev.field(f.name)
			return triOf(v.kind == KindNull != t.not), err
		}
		v, _, err := ev.value(t.x)
		if err != nil {
			return fls, err
		}
		return triOf((v == nil) != t.not), nil
	case containsNode:
		return ev.contains(t)
	case phNode:
		return fls, fmt.Errorf("placeholder {%s} has no value: Bind the expression first", t.name)
	}
	return fls, fmt.Errorf("internal: %T is not a condition", n)
}

// value reads an operand: its dynamic value (nil for null, a missing JSON
// key or a JSON null) and, for a plain field, the field's kind (KindJSON
// for values found through a path, whose type is only known per row).
func (ev *evaluator) value(n node) (dyn, Kind, error) {
	switch t := n.(type) {
	case litNode:
		return t.v, kindOfLit(t.v), nil
	case phNode:
		return nil, KindNull, fmt.Errorf("placeholder {%s} has no value: Bind the expression first", t.name)
	case fieldNode:
		v, err := ev.field(t.name)
		return v.toDyn(), v.kind, err
	case pathNode:
		v, err := ev.field(t.field)
		if err != nil {
			return nil, KindJSON, err
		}
		switch v.kind {
		case KindNull:
			return nil, KindJSON, nil
		case KindJSON, KindIntArray, KindStringArray:
		default:
			return nil, KindJSON, fmt.Errorf("field %q is %s: paths apply to JSON and ARRAY fields", t.field, v.kind)
		}
		if i, ok := t.steps[0].(int); ok && len(t.steps) == 1 && v.kind != KindJSON {
			// An ARRAY element, without converting the whole array.
			switch {
			case v.kind == KindIntArray && i < len(v.ia):
				return v.ia[i], KindJSON, nil
			case v.kind == KindStringArray && i < len(v.sa):
				return v.sa[i], KindJSON, nil
			}
			return nil, KindJSON, nil
		}
		x := v.toDyn()
		for _, s := range t.steps {
			switch k := s.(type) {
			case string:
				m, ok := x.(map[string]any)
				if !ok {
					return nil, KindJSON, nil
				}
				x = normJSON(m[k])
			case int:
				l, ok := x.([]any)
				if !ok || k >= len(l) {
					return nil, KindJSON, nil
				}
				x = normJSON(l[k])
			}
			if x == nil {
				return nil, KindJSON, nil
			}
		}
		return x, KindJSON, nil
	case lenNode:
		if f, ok := t.arg.(fieldNode); ok {
			v, err := ev.field(f.name)
			switch v.kind {
			case KindIntArray:
				return int64(len(v.ia)), KindInt, err
			case KindStringArray:
				return int64(len(v.sa)), KindInt, err
			}
		}
		x, k, err := ev.value(t.arg)
		if err != nil {
			return nil, KindInt, err
		}
		if _, ok := t.arg.(fieldNode); ok && k != KindNull && k != KindJSON && k != KindIntArray && k != KindStringArray {
			return nil, KindInt, fmt.Errorf("array_length: field is %s, not an ARRAY or JSON", k)
		}
		// Milvus Lite: a null or non-array value has length 0.
		l, _ := x.([]any)
		return int64(len(l)), KindInt, nil
	}
	return nil, KindNull, fmt.Errorf("internal: %T is not a value", n)
}

func kindOfLit(v any) Kind {
	switch v.(type) {
	case int64:
		return KindInt
	case float64:
		return KindFloat
	case bool:
		return KindBool
	case string:
		return KindString
	}
	return KindNull
}

// compatible reports whether a plain field of kind k can be compared with
// a literal of kind lit (Milvus rejects other pairs when it plans the
// query); a whole JSON or ARRAY field compares with nothing. Values found
// through a path are not checked: they compare with anything, per row.
func compatible(k, lit Kind) bool {
	switch k {
	case KindNull:
		return true
	case KindInt, KindFloat:
		return lit == KindInt || lit == KindFloat
	case KindBool, KindString:
		return lit == k
	}
	return false
}

func (ev *evaluator) compare(op string, l, r node) (tri, error) {
	col, lit := l, r
	if isConst(l) {
		col, lit = r, l
		op = flipOp(op)
	}
	if f, ok := col.(fieldNode); ok {
		if l, ok := lit.(litNode); ok {
			v, err := ev.field(f.name)
			if err != nil {
				return fls, err
			}
			if c, ok := cmpScalar(v, l.v); ok {
				return opResult(op, c), nil
			}
		}
	}
	a, k, err := ev.value(col)
	if err != nil {
		return fls, err
	}
	b, lk, err := ev.value(lit)
	if err != nil {
		return fls, err
	}
	_, isField := col.(fieldNode)
	_, isLen := col.(lenNode)
	if (isField || isLen) && !compatible(k, lk) {
		return fls, fmt.Errorf("cannot compare a %s field with a %s literal", k, lk)
	}
	if a == nil {
		return unk, nil
	}
	switch op {
	case "==":
		return triOf(pyEqual(a, b)), nil
	case "!=":
		return triOf(!pyEqual(a, b)), nil
	}
	c, ok := pyOrder(a, b)
	if !ok {
		return unk, nil // Python raises TypeError; Lite turns it into null
	}
	return opResult(op, c), nil
}

// opResult is the outcome of comparison op given c, the operands' order
// (-1, 0, 1, or 2 for unordered: only != holds).
func opResult(op string, c int) tri {
	switch op {
	case "==":
		return triOf(c == 0)
	case "!=":
		return triOf(c != 0)
	case "<":
		return triOf(c == -1)
	case "<=":
		return triOf(c == -1 || c == 0)
	case ">":
		return triOf(c == 1)
	}
	return triOf(c == 1 || c == 0)
}

// cmpScalar orders a non-null scalar field value and a literal of a kind it
// compares with, without boxing (the evaluator's hot path); ok is false
// for every other pair, which takes the general path.
func cmpScalar(v Value, lit any) (int, bool) {
	switch v.kind {
	case KindInt:
		switch b := lit.(type) {
		case int64:
			return cmp3(v.i, b), true
		case float64:
			return cmpIntFloat(v.i, b), true
		}
	case KindFloat:
		switch b := lit.(type) {
		case int64:
			c := cmpIntFloat(b, v.f)
			if c != 2 {
				c = -c
			}
			return c, true
		case float64:
			if v.f != v.f || b != b {
				return 2, true
			}
			return cmp3(v.f, b), true
		}
	case KindString:
		if b, ok := lit.(string); ok {
			return cmp3(v.s, b), true
		}
	case KindBool:
		if b, ok := lit.(bool); ok {
			return cmp3(v.i, boolInt(b)), true
		}
	}
	return 0, false
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func (ev *evaluator) list(n node) ([]dyn, error) {
	l, ok := n.(listNode)
	if !ok {
		_, _, err := ev.value(n) // an unbound placeholder
		if err == nil {
			err = fmt.Errorf("internal: %T is not a list", n)
		}
		return nil, err
	}
	out := make([]dyn, len(l.elems))
	for i, e := range l.elems {
		v, _, err := ev.value(e)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (ev *evaluator) in(t inNode) (tri, error) {
	if f, ok := t.x.(fieldNode); ok {
		if l, ok := t.list.(listNode); ok {
			v, err := ev.field(f.name)
			if err != nil {
				return fls, err
			}
			if r, ok := ev.inScalar(v, l, t.not); ok {
				return r, nil
			}
		}
	}
	a, k, err := ev.value(t.x)
	if err != nil {
		return fls, err
	}
	list, err := ev.list(t.list)
	if err != nil {
		return fls, err
	}
	if _, isField := t.x.(fieldNode); isField {
		for _, x := range list {
			if !compatible(k, kindOfLit(x)) {
				return fls, fmt.Errorf("in: list holds a %s, the field is %s", kindOfLit(x), k)
			}
		}
		if a == nil && !ev.rowwise {
			// Lite's column-wise evaluator (Arrow is_in): a null is not a
			// member, so `not in` keeps the row.
			return triOf(t.not), nil
		}
	}
	if a == nil {
		return unk, nil
	}
	found := false
	for _, x := range list {
		if pyEqual(a, x) {
			found = true
			break
		}
	}
	return triOf(found != t.not), nil
}

// inScalar is in over a non-null scalar field and a list of literals the
// field compares with, without boxing; ok is false otherwise.
func (ev *evaluator) inScalar(v Value, l listNode, not bool) (tri, bool) {
	if v.kind == KindNull {
		return fls, false
	}
	found := false
	for _, e := range l.elems {
		lit, ok := e.(litNode)
		if !ok {
			return fls, false
		}
		c, ok := cmpScalar(v, lit.v)
		if !ok {
			return fls, false
		}
		if c == 0 {
			found = true
		}
	}
	return triOf(found != not), true
}

func (ev *evaluator) like(t likeNode) (tri, error) {
	a, k, err := ev.value(t.x)
	if err != nil {
		return fls, err
	}
	if _, isField := t.x.(fieldNode); isField && k != KindString && k != KindNull {
		return fls, fmt.Errorf("like: field is %s, not varchar", k)
	}
	if a == nil {
		return unk, nil
	}
	s, ok := a.(string)
	if !ok {
		return fls, nil
	}
	if ev.rowwise {
		return triOf(likePython(s, t.raw)), nil
	}
	return triOf(matchLike(s, t.esc)), nil
}

func (ev *evaluator) contains(t containsNode) (tri, error) {
	if f, ok := t.x.(fieldNode); ok {
		v, err := ev.field(f.name)
		if err != nil {
			return fls, err
		}
		if v.kind == KindIntArray || v.kind == KindStringArray {
			want, err := ev.wanted(t)
			if err != nil {
				return fls, err
			}
			has := func(x dyn) bool {
				for _, e := range v.ia {
					if c, ok := cmpScalar(Value{kind: KindInt, i: e}, x); ok && c == 0 {
						return true
					}
					if b, ok := x.(bool); ok && e == boolInt(b) { // Python: True == 1
						return true
					}
				}
				if xs, ok := x.(string); ok {
					for _, e := range v.sa {
						if e == xs {
							return true
						}
					}
				}
				return false
			}
			return containsResult(t.fn, want, has), nil
		}
	}
	a, k, err := ev.value(t.x)
	if err != nil {
		return fls, err
	}
	if _, isField := t.x.(fieldNode); isField && k != KindNull && k != KindJSON && k != KindIntArray && k != KindStringArray {
		return fls, fmt.Errorf("%s: field is %s, not an ARRAY or JSON", t.fn, k)
	}
	want, err := ev.wanted(t)
	if err != nil {
		return fls, err
	}
	arr, ok := a.([]any)
	if !ok {
		return fls, nil // Milvus Lite: null or not an array is false, not null
	}
	has := func(x dyn) bool {
		for _, e := range arr {
			if pyEqual(normJSON(e), x) {
				return true
			}
		}
		return false
	}
	return containsResult(t.fn, want, has), nil
}

// containsResult applies array_contains[_all|_any] given the wanted values
// and a membership test.
func containsResult(fn string, want []dyn, has func(dyn) bool) tri {
	for _, x := range want {
		h := has(x)
		if fn == "array_contains_all" && !h {
			return fls
		}
		if fn != "array_contains_all" && h {
			return tru
		}
	}
	return triOf(fn == "array_contains_all")
}

// wanted is the value or values an array_contains* looks for.
func (ev *evaluator) wanted(t containsNode) ([]dyn, error) {
	if t.fn != "array_contains" {
		return ev.list(t.arg)
	}
	if l, ok := t.arg.(litNode); ok {
		return []dyn{l.v}, nil
	}
	v, _, err := ev.value(t.arg)
	return []dyn{v}, err
}

// likeTok is one element of a like pattern: a literal rune, % (any run)
// or _ (any one character).
type likeTok struct {
	r    rune
	kind byte // 'r' literal, '%' any run, '_' any one
}

// compileLike splits a pattern; with escapes, \ makes the next character
// literal and a trailing \ is dropped (Arrow's match_like, which Milvus
// Lite uses column-wise).
func compileLike(pat string, escapes bool) []likeTok {
	var out []likeTok
	esc := false
	for _, r := range pat {
		switch {
		case esc:
			out = append(out, likeTok{r: r, kind: 'r'})
			esc = false
		case escapes && r == '\\':
			esc = true
		case r == '%':
			out = append(out, likeTok{kind: '%'})
		case r == '_':
			out = append(out, likeTok{kind: '_'})
		default:
			out = append(out, likeTok{r: r, kind: 'r'})
		}
	}
	return out
}

// likePython is Milvus Lite's row-wise like: no escapes, and, as Python's
// re `$` also matches before a final newline, a value ending in "\n" also
// matches when the value without it does.
func likePython(s string, p []likeTok) bool {
	if matchLike(s, p) {
		return true
	}
	return len(s) > 0 && s[len(s)-1] == '\n' && matchLike(s[:len(s)-1], p)
}

// matchLike matches s against p, every character counting as one (%
// and _ match newlines too).
func matchLike(s string, p []likeTok) bool {
	// Greedy matching with backtracking to the last %; i and mark are byte
	// offsets of characters in s.
	i, j, star, mark := 0, 0, -1, 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case j < len(p) && (p[j].kind == '_' || p[j].kind == 'r' && p[j].r == r):
			i += size
			j++
		case j < len(p) && p[j].kind == '%':
			star, mark = j, i
			j++
		case star >= 0:
			_, msize := utf8.DecodeRuneInString(s[mark:])
			mark += msize
			i, j = mark, star+1
		default:
			return false
		}
	}
	for j < len(p) && p[j].kind == '%' {
		j++
	}
	return j == len(p)
}
