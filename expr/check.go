package expr

import "fmt"

// Check validates the expression against a collection's fields (name →
// kind; KindNull is not a field kind): every field it reads exists, and
// every operator takes its operands' kinds as Milvus requires when it plans
// the query — a numeric field compares with numbers, varchar with strings,
// bool with bools; like takes varchar or a JSON path; array functions take
// ARRAY or JSON; paths start at a JSON field or index an ARRAY; a bare
// field used as a condition is bool. Placeholders are checked when bound
// (Bind), not here. The error is one line naming the field.
func (e *Expr) Check(fields map[string]Kind) error {
	var err error
	walk(e.root, func(n node) {
		if err == nil {
			err = check(n, fields)
		}
	})
	return err
}

func check(n node, fields map[string]Kind) error {
	kind := func(name string) (Kind, error) {
		k, ok := fields[name]
		if !ok || k == KindNull {
			return 0, fmt.Errorf("field %q: not in the collection", name)
		}
		return k, nil
	}
	// fieldKind is the kind of a plain field operand (ok false for other
	// operands, which need no static check).
	fieldKind := func(x node) (Kind, bool, error) {
		switch t := x.(type) {
		case fieldNode:
			k, err := kind(t.name)
			return k, err == nil, err
		case lenNode:
			return KindInt, true, nil
		}
		return 0, false, nil
	}
	isArrayish := func(k Kind) bool { return k == KindIntArray || k == KindStringArray || k == KindJSON }
	switch t := n.(type) {
	case fieldNode:
		_, err := kind(t.name)
		return err
	case truthNode:
		k, err := kind(t.field)
		if err == nil && k != KindBool {
			err = fmt.Errorf("field %q is %s: a bare field as a condition must be bool", t.field, k)
		}
		return err
	case pathNode:
		k, err := kind(t.field)
		if err != nil {
			return err
		}
		switch k {
		case KindJSON:
		case KindIntArray, KindStringArray:
			if _, ok := t.steps[0].(int); !ok || len(t.steps) != 1 {
				return fmt.Errorf("field %q is %s: index it with one number, as %s[0]", t.field, k, t.field)
			}
		default:
			return fmt.Errorf("field %q is %s: paths apply to JSON and ARRAY fields", t.field, k)
		}
	case lenNode:
		if f, ok := t.arg.(fieldNode); ok {
			k, err := kind(f.name)
			if err == nil && !isArrayish(k) {
				err = fmt.Errorf("array_length: field %q is %s, not ARRAY or JSON", f.name, k)
			}
			return err
		}
	case cmpNode:
		col, lit := t.l, t.r
		if isConst(col) {
			col, lit = lit, col
		}
		k, ok, err := fieldKind(col)
		if err != nil || !ok {
			return err
		}
		if !takes(k, lit) {
			return fmt.Errorf("%s: cannot compare a %s field with %s", render1(t), k, describeLit(lit))
		}
	case rangeNode:
		k, ok, err := fieldKind(t.x)
		if err != nil || !ok {
			return err
		}
		for _, b := range []node{t.lo, t.hi} {
			if !takes(k, b) || k == KindBool {
				return fmt.Errorf("%s: a %s field has no range over %s", render1(t), k, describeLit(b))
			}
		}
	case inNode:
		k, ok, err := fieldKind(t.x)
		if err != nil || !ok {
			return err
		}
		if k == KindIntArray || k == KindStringArray || k == KindJSON {
			return fmt.Errorf("%s: in needs a scalar field or a JSON path, the field is %s", render1(t), k)
		}
		if l, isList := t.list.(listNode); isList {
			for _, el := range l.elems {
				if lit, isLit := el.(litNode); isLit && !compatible(k, kindOfLit(lit.v)) {
					return fmt.Errorf("%s: the list holds %s, the field is %s", render1(t), describeLit(el), k)
				}
			}
		}
	case likeNode:
		if k, ok, err := fieldKind(t.x); err != nil || ok && k != KindString {
			if err == nil {
				err = fmt.Errorf("%s: like needs varchar or a JSON path, the field is %s", render1(t), k)
			}
			return err
		}
	case containsNode:
		if k, ok, err := fieldKind(t.x); err != nil || ok && !isArrayish(k) {
			if err == nil {
				err = fmt.Errorf("%s: needs an ARRAY or JSON field, the field is %s", render1(t), k)
			}
			return err
		}
	}
	return nil
}

// takes reports whether a field of kind k compares with the literal or
// placeholder c (a placeholder with any scalar field; its value is checked
// by Bind and Eval).
func takes(k Kind, c node) bool {
	if l, ok := c.(litNode); ok {
		return compatible(k, kindOfLit(l.v))
	}
	return k != KindIntArray && k != KindStringArray && k != KindJSON
}

func render1(n node) string { return (&Expr{root: n}).String() }

func describeLit(n node) string {
	if l, ok := n.(litNode); ok {
		return "a " + kindOfLit(l.v).String() + " literal"
	}
	return "placeholder " + render1(n)
}
