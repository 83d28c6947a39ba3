package expr

// The syntax tree. Nodes are immutable once parsed; Bind builds a new tree.
// Positions (pos, a byte offset into the source) are kept only where a later
// step reports an error against the source: placeholders.

type node interface{ isNode() }

// Value-producing nodes (operands).
type (
	// litNode is a literal scalar: int64, float64, bool or string.
	litNode struct{ v any }
	// listNode is a list literal: each element is a litNode or phNode.
	listNode struct{ elems []node }
	// phNode is a placeholder {name}, bound by Bind or sent as a template
	// parameter.
	phNode struct {
		name string
		pos  int
	}
	// fieldNode is a field by name.
	fieldNode struct{ name string }
	// pathNode is a JSON path or array element: field["k"][0]…; each step
	// is a string key or an int index.
	pathNode struct {
		field string
		steps []any
	}
	// lenNode is array_length(field or path).
	lenNode struct{ arg node }
)

// Boolean nodes.
type (
	andNode struct{ xs []node }
	orNode  struct{ xs []node }
	notNode struct{ x node }
	// cmpNode is l op r; exactly one side is a field, path or lenNode.
	cmpNode struct {
		op   string
		l, r node
	}
	// rangeNode is lo lop x hop hi with lop, hop in {<, <=}.
	rangeNode struct {
		lo       node
		lop, hop string
		x        node
		hi       node
	}
	// inNode is x [not] in list; list is a listNode or phNode.
	inNode struct {
		x    node
		not  bool
		list node
	}
	// likeNode is x like "pattern", the pattern compiled with \ escapes
	// (column-wise) and without (row-wise).
	likeNode struct {
		x        node
		pat      string
		esc, raw []likeTok
	}
	// nullNode is x is [not] null.
	nullNode struct {
		x   node
		not bool
	}
	// containsNode is array_contains[_all|_any](x, arg).
	containsNode struct {
		fn  string // "array_contains", "array_contains_all", "array_contains_any"
		x   node
		arg node
	}
	// truthNode is a bool field used as a condition.
	truthNode struct{ field string }
)

func (litNode) isNode()      {}
func (listNode) isNode()     {}
func (phNode) isNode()       {}
func (fieldNode) isNode()    {}
func (pathNode) isNode()     {}
func (lenNode) isNode()      {}
func (andNode) isNode()      {}
func (orNode) isNode()       {}
func (notNode) isNode()      {}
func (cmpNode) isNode()      {}
func (rangeNode) isNode()    {}
func (inNode) isNode()       {}
func (likeNode) isNode()     {}
func (nullNode) isNode()     {}
func (containsNode) isNode() {}
func (truthNode) isNode()    {}

// isColumn reports whether n reads a row (a field, a path or array_length).
func isColumn(n node) bool {
	switch n.(type) {
	case fieldNode, pathNode, lenNode:
		return true
	}
	return false
}

// isConst reports whether n is a scalar literal or a placeholder.
func isConst(n node) bool {
	switch n.(type) {
	case litNode, phNode:
		return true
	}
	return false
}

// walk calls f on n and every node below it.
func walk(n node, f func(node)) {
	f(n)
	switch t := n.(type) {
	case listNode:
		for _, e := range t.elems {
			walk(e, f)
		}
	case lenNode:
		walk(t.arg, f)
	case andNode:
		for _, x := range t.xs {
			walk(x, f)
		}
	case orNode:
		for _, x := range t.xs {
			walk(x, f)
		}
	case notNode:
		walk(t.x, f)
	case cmpNode:
		walk(t.l, f)
		walk(t.r, f)
	case rangeNode:
		walk(t.lo, f)
		walk(t.x, f)
		walk(t.hi, f)
	case inNode:
		walk(t.x, f)
		walk(t.list, f)
	case likeNode:
		walk(t.x, f)
	case nullNode:
		walk(t.x, f)
	case containsNode:
		walk(t.x, f)
		walk(t.arg, f)
	}
}
