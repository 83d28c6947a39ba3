package expr

import (
	"sort"
)

// Expr is a parsed filter expression. It is immutable and safe for
// concurrent use.
type Expr struct {
	root node
	src  string
	// rowwise: the expression reads a JSON path or calls an array function,
	// so Milvus Lite evaluates it row by row (Python) rather than by
	// column (Arrow); the two differ on `in` over nulls and on `like`
	// escapes (see the package doc).
	rowwise bool
}

// Parse parses a Milvus boolean filter expression in the subset described in
// the package doc. A malformed expression is an *Error naming the column
// and what was expected there.
func Parse(src string) (*Expr, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks}
	n, err := p.or()
	if err == nil {
		n, err = p.cond(n, 0)
	}
	if err == nil && p.peek().kind != tEOF {
		err = p.expected("and, or, or end of expression")
	}
	if err != nil {
		return nil, err
	}
	return newExpr(n, src), nil
}

func newExpr(n node, src string) *Expr {
	e := &Expr{root: n, src: src}
	walk(n, func(x node) {
		switch x.(type) {
		case pathNode, lenNode, containsNode:
			e.rowwise = true
		}
	})
	return e
}

// Placeholders lists the names of the expression's placeholders, sorted,
// each once.
func (e *Expr) Placeholders() []string {
	seen := map[string]bool{}
	walk(e.root, func(x node) {
		if p, ok := x.(phNode); ok {
			seen[p.name] = true
		}
	})
	return sortedKeys(seen)
}

// Fields lists the fields the expression reads (JSON paths by their
// field), sorted, each once.
func (e *Expr) Fields() []string {
	seen := map[string]bool{}
	walk(e.root, func(x node) {
		switch t := x.(type) {
		case fieldNode:
			seen[t.name] = true
		case pathNode:
			seen[t.field] = true
		case truthNode:
			seen[t.field] = true
		}
	})
	return sortedKeys(seen)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

type parser struct {
	src  string
	toks []token
	i    int
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) take() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) isPunct(s string) bool {
	t := p.peek()
	return t.kind == tPunct && t.text == s
}

func (p *parser) expected(what string) error {
	t := p.peek()
	return errAt(p.src, t.pos, "expected %s, found %s", what, t.describe())
}

func (p *parser) want(s string) error {
	if !p.isPunct(s) {
		return p.expected(s)
	}
	p.take()
	return nil
}

// cond turns an operand in a boolean position into a condition: a bool
// field is one (truthNode); other operands are errors.
func (p *parser) cond(n node, pos int) (node, error) {
	switch t := n.(type) {
	case fieldNode:
		return truthNode{field: t.name}, nil
	case litNode, listNode, phNode, pathNode, lenNode:
		return nil, errAt(p.src, pos, "expected a condition, found a value (compare it with ==, <, in, ...)")
	}
	return n, nil
}

func (p *parser) or() (node, error) {
	pos := p.peek().pos
	x, err := p.and()
	if err != nil || p.peek().kind != tOr {
		return x, err
	}
	if x, err = p.cond(x, pos); err != nil {
		return nil, err
	}
	xs := flatten(nil, x, true)
	for p.peek().kind == tOr {
		p.take()
		pos := p.peek().pos
		y, err := p.and()
		if err == nil {
			y, err = p.cond(y, pos)
		}
		if err != nil {
			return nil, err
		}
		xs = flatten(xs, y, true)
	}
	return orNode{xs: xs}, nil
}

func (p *parser) and() (node, error) {
	pos := p.peek().pos
	x, err := p.relation()
	if err != nil || p.peek().kind != tAnd {
		return x, err
	}
	if x, err = p.cond(x, pos); err != nil {
		return nil, err
	}
	xs := flatten(nil, x, false)
	for p.peek().kind == tAnd {
		p.take()
		pos := p.peek().pos
		y, err := p.relation()
		if err == nil {
			y, err = p.cond(y, pos)
		}
		if err != nil {
			return nil, err
		}
		xs = flatten(xs, y, false)
	}
	return andNode{xs: xs}, nil
}

// flatten appends x to xs, splicing in x's operands when x is the same
// connective (and/or are associative), so the tree does not depend on
// parentheses that do not change the meaning.
func flatten(xs []node, x node, or bool) []node {
	if or {
		if o, ok := x.(orNode); ok {
			return append(xs, o.xs...)
		}
	} else if a, ok := x.(andNode); ok {
		return append(xs, a.xs...)
	}
	return append(xs, x)
}

func (p *parser) isCmp() bool {
	t := p.peek()
	if t.kind != tPunct {
		return false
	}
	switch t.text {
	case "==", "!=", "<", "<=", ">", ">=":
		return true
	}
	return false
}

// relation: term [cmp term [cmp term]] | term [not] in list | term like str.
func (p *parser) relation() (node, error) {
	lpos := p.peek().pos
	l, err := p.term()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	notIn := t.kind == tNot && p.toks[p.i+1].kind == tIn
	if !p.isCmp() && t.kind != tIn && !notIn && t.kind != tLike {
		return l, nil
	}
	switch l.(type) {
	case fieldNode, pathNode, lenNode, litNode, phNode:
	case notNode:
		return nil, errAt(p.src, t.pos, "expected and, or, or ) after a negated term, found %s ('not' applies to the next term only: write not (a == 1))", t.describe())
	default:
		return nil, errAt(p.src, t.pos, "expected and, or, or ) after a condition, found %s", t.describe())
	}
	switch {
	case t.kind == tLike:
		p.take()
		if _, ok := l.(fieldNode); !ok {
			if _, ok := l.(pathNode); !ok {
				return nil, errAt(p.src, lpos, "expected a field or JSON path before like")
			}
		}
		s := p.peek()
		if s.kind != tStr {
			return nil, p.expected("a quoted pattern after like")
		}
		p.take()
		return likeNode{x: l, pat: s.s, esc: compileLike(s.s, true), raw: compileLike(s.s, false)}, nil
	case t.kind == tIn || notIn:
		p.take()
		if notIn {
			p.take()
		}
		switch l.(type) {
		case fieldNode, pathNode:
		default:
			return nil, errAt(p.src, lpos, "expected a field or JSON path before in")
		}
		list, err := p.listOrPlaceholder("in")
		if err != nil {
			return nil, err
		}
		return inNode{x: l, not: notIn, list: list}, nil
	}
	op := p.take().text
	rpos := p.peek().pos
	r, err := p.term()
	if err != nil {
		return nil, err
	}
	if !p.isCmp() {
		return p.compare(op, l, r, lpos, rpos)
	}
	// A chained range: const < column <= const, or const > column >= const.
	op2 := p.peek()
	p.take()
	hpos := p.peek().pos
	h, err := p.term()
	if err != nil {
		return nil, err
	}
	up := func(o string) bool { return o == "<" || o == "<=" }
	down := func(o string) bool { return o == ">" || o == ">=" }
	switch {
	case op == "==" || op == "!=" || op2.text == "==" || op2.text == "!=":
		return nil, errAt(p.src, op2.pos, "expected and, or, or ) (only < <= > >= chain, as a range lo < x < hi), found %s", op2.describe())
	case !(up(op) && up(op2.text)) && !(down(op) && down(op2.text)):
		return nil, errAt(p.src, op2.pos, "expected a range with both bounds < / <= or both > / >=, found %s after %s", op2.describe(), op)
	case !isConst(l):
		return nil, errAt(p.src, lpos, "expected a literal or placeholder as the range's first bound")
	case !isColumn(r):
		return nil, errAt(p.src, rpos, "expected a field or JSON path between the range's bounds")
	case !isConst(h):
		return nil, errAt(p.src, hpos, "expected a literal or placeholder as the range's second bound")
	}
	if p.isCmp() {
		return nil, p.expected("and, or, or ) after a range (at most two comparisons chain)")
	}
	if up(op) {
		return rangeNode{lo: l, lop: op, x: r, hop: op2.text, hi: h}, nil
	}
	return rangeNode{lo: h, lop: flipOp(op2.text), x: r, hop: flipOp(op), hi: l}, nil
}

// flipOp is the comparison with its operands swapped: a < b is b > a.
func flipOp(op string) string {
	switch op {
	case "<":
		return ">"
	case "<=":
		return ">="
	case ">":
		return "<"
	case ">=":
		return "<="
	}
	return op
}

func (p *parser) compare(op string, l, r node, lpos, rpos int) (node, error) {
	switch {
	case isColumn(l) && isConst(r), isConst(l) && isColumn(r):
		return cmpNode{op: op, l: l, r: r}, nil
	case isColumn(l) && isColumn(r):
		return nil, errAt(p.src, rpos, "expected a literal or placeholder, found a field (comparing two fields is not supported)")
	case isConst(l) && isConst(r):
		return nil, errAt(p.src, lpos, "expected a field or JSON path on one side of %s", op)
	case !isColumn(l) && !isConst(l):
		return nil, errAt(p.src, lpos, "expected a field, JSON path, literal or placeholder before %s", op)
	}
	return nil, errAt(p.src, rpos, "expected a field, JSON path, literal or placeholder after %s", op)
}

// listOrPlaceholder reads [lit, ...] or {name}.
func (p *parser) listOrPlaceholder(after string) (node, error) {
	if p.isPunct("{") {
		return p.placeholder()
	}
	if !p.isPunct("[") {
		return nil, p.expected("a list [...] or a placeholder {name} after " + after)
	}
	p.take()
	var elems []node
	for !p.isPunct("]") {
		e, err := p.scalar("a literal or placeholder in the list")
		if err != nil {
			return nil, err
		}
		elems = append(elems, e)
		if p.isPunct(",") {
			p.take()
			continue
		}
		if !p.isPunct("]") {
			return nil, p.expected(", or ] in the list")
		}
	}
	p.take()
	return listNode{elems: elems}, nil
}

// scalar reads a literal (numbers with an optional minus) or a placeholder.
func (p *parser) scalar(what string) (node, error) {
	t := p.peek()
	switch {
	case t.kind == tInt || t.kind == tFloat || t.kind == tStr || t.kind == tBool || p.isPunct("-"):
		return p.term()
	case p.isPunct("{"):
		return p.placeholder()
	}
	return nil, p.expected(what)
}

func (p *parser) placeholder() (node, error) {
	open := p.take()
	t := p.peek()
	if t.kind != tIdent {
		return nil, p.expected("a placeholder name after {")
	}
	p.take()
	if err := p.want("}"); err != nil {
		return nil, err
	}
	return phNode{name: t.s, pos: open.pos}, nil
}

// term: literal | -number | {name} | field | path | field is [not] null |
// not term | ( expr ) | function call.
func (p *parser) term() (node, error) {
	t := p.peek()
	switch t.kind {
	case tInt:
		p.take()
		if t.i > 1<<63-1 {
			return nil, errAt(p.src, t.pos, "expected an integer within int64 range, found %q", t.text)
		}
		return litNode{v: int64(t.i)}, nil
	case tFloat:
		p.take()
		return litNode{v: t.f}, nil
	case tStr:
		p.take()
		return litNode{v: t.s}, nil
	case tBool:
		p.take()
		return litNode{v: t.b}, nil
	case tIdent, tPath:
		p.take()
		var x node = fieldNode{name: t.s}
		if t.kind == tPath {
			x = pathNode{field: t.s, steps: t.steps}
		}
		if p.peek().kind != tIs {
			return x, nil
		}
		p.take()
		not := p.peek().kind == tNot
		if not {
			p.take()
		}
		if p.peek().kind != tNull {
			return nil, p.expected("null after is")
		}
		p.take()
		return nullNode{x: x, not: not}, nil
	case tNot:
		p.take()
		pos := p.peek().pos
		x, err := p.term()
		if err == nil {
			x, err = p.cond(x, pos)
		}
		if err != nil {
			return nil, err
		}
		return notNode{x: x}, nil
	case tFunc:
		return p.call()
	}
	switch {
	case p.isPunct("("):
		p.take()
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		if err := p.want(")"); err != nil {
			return nil, err
		}
		return x, nil
	case p.isPunct("{"):
		return p.placeholder()
	case p.isPunct("-"):
		p.take()
		n := p.peek()
		switch n.kind {
		case tInt:
			p.take()
			if n.i > 1<<63 {
				return nil, errAt(p.src, n.pos, "expected an integer within int64 range, found -%s", n.text)
			}
			return litNode{v: int64(-n.i)}, nil // -(1<<63) wraps to MinInt64
		case tFloat:
			p.take()
			return litNode{v: -n.f}, nil
		}
		return nil, p.expected("a number after - (arithmetic is not supported)")
	}
	return nil, p.expected("a field, literal, placeholder, not, ( or function")
}

// call: array_contains(x, v) | array_contains_all(x, list) |
// array_contains_any(x, list) | array_length(x).
func (p *parser) call() (node, error) {
	fn := p.take().s
	if err := p.want("("); err != nil {
		return nil, err
	}
	a := p.peek()
	if a.kind != tIdent && a.kind != tPath {
		return nil, p.expected("a field or JSON path as " + fn + "'s first argument")
	}
	p.take()
	var x node = fieldNode{name: a.s}
	if a.kind == tPath {
		x = pathNode{field: a.s, steps: a.steps}
	}
	if fn == "array_length" {
		if err := p.want(")"); err != nil {
			return nil, err
		}
		return lenNode{arg: x}, nil
	}
	if err := p.want(","); err != nil {
		return nil, err
	}
	var arg node
	var err error
	if fn == "array_contains" {
		arg, err = p.scalar("a literal or placeholder as array_contains's second argument")
	} else {
		arg, err = p.listOrPlaceholder(fn + "(field,")
	}
	if err != nil {
		return nil, err
	}
	if err := p.want(")"); err != nil {
		return nil, err
	}
	return containsNode{fn: fn, x: x, arg: arg}, nil
}
