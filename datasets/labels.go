package datasets

import (
	"fmt"
	"github.com/milvbench/milvbench/expr"
	"math/rand/v2"
)

// Labels are seeded scalar labels for filtered search: row i's labels depend
// only on (seed, i), so they need no storage and any reader agrees.
type Labels struct {
	Seed uint64
	// Categories is the number of categorical values ("c0", "c1", ...).
	Categories int
	// Kind is the label searches filter on: LabelInt or LabelCategory.
	Kind string
}

// Label kinds.
const (
	LabelInt      = "int"
	LabelCategory = "category"
)

func (l Labels) rng(id int64) *rand.Rand {
	return rand.New(rand.NewPCG(l.Seed^0x6c6162656c73, uint64(id)*0x9E3779B97F4A7C15+7))
}

// Int is row id's integer label, uniform in 0..9999.
func (l Labels) Int(id int64) int64 { return int64(l.rng(id).IntN(10000)) }

// Category is row id's categorical label: "c0" for about half the rows, then
// geometrically rarer values, down to c(Categories-1).
func (l Labels) Category(id int64) string {
	r := l.rng(id)
	r.IntN(10000) // the integer label's draw, so the two are independent
	c := 0
	for c < l.Categories-1 && r.IntN(2) == 1 {
		c++
	}
	return fmt.Sprintf("c%d", c)
}

// Filter is a predicate on row ids with the Milvus expression that selects
// the same rows and a key identifying it (for the ground-truth cache).
type Filter struct {
	Expr  string
	Key   string
	Allow func(id int64) bool
	// Set for search.filters filters (see Payload.QueryFilters): the
	// expression template and its filter_params, the bound expression
	// (what an in-process target evaluates), the search hint ("" none)
	// and how many rows pass.
	Template string
	Params   map[string]any
	Bound    *expr.Expr
	Hint     string
	Passing  int
	// Tenanted marks tenancy's filter: the request is for tenant Tenant,
	// which a target routes by its layout (a partition, a collection)
	// rather than filter where the layout keeps tenants apart.
	Tenanted bool
	Tenant   int64
}

// SelectivityFilter returns a filter on the kind of label that passes the
// given fraction of rows (for example 0.01, 0.1, 0.5, 0.99). For integer
// labels the fraction is exact up to 1/10000 in expectation; for categories
// the filter picks the set of values whose shares sum nearest to it.
func (l Labels) SelectivityFilter(kind string, selectivity float64) (Filter, error) {
	if selectivity <= 0 || selectivity > 1 {
		return Filter{}, fmt.Errorf("labels: selectivity must be in (0, 1], got %g", selectivity)
	}
	key := func(expr string) string { return fmt.Sprintf("labels-v1/%d/%d/%s", l.Seed, l.Categories, expr) }
	switch kind {
	case LabelInt:
		bound := int64(selectivity*10000 + 0.5)
		expr := fmt.Sprintf("label < %d", bound)
		return Filter{Expr: expr, Key: key(expr), Allow: func(id int64) bool { return l.Int(id) < bound }}, nil
	case LabelCategory:
		if l.Categories < 2 {
			return Filter{}, fmt.Errorf("labels: category filter needs at least 2 categories")
		}
		// Shares: c_i has 2^-(i+1), the last takes the remainder.
		share := func(i int) float64 {
			if i == l.Categories-1 {
				return 1 / float64(uint64(1)<<uint(i))
			}
			return 1 / float64(uint64(2)<<uint(i))
		}
		chosen := map[string]bool{}
		total, list := 0.0, ""
		for i := 0; i < l.Categories; i++ {
			if s := share(i); total+s <= selectivity+1e-9 || (total == 0 && i == l.Categories-1) {
				name := fmt.Sprintf("c%d", i)
				chosen[name] = true
				total += s
				if list != "" {
					list += ", "
				}
				list += fmt.Sprintf("%q", name)
			}
		}
		if len(chosen) == 0 {
			name := fmt.Sprintf("c%d", l.Categories-1)
			chosen[name], list = true, fmt.Sprintf("%q", name)
		}
		expr := fmt.Sprintf("category in [%s]", list)
		return Filter{Expr: expr, Key: key(expr), Allow: func(id int64) bool { return chosen[l.Category(id)] }}, nil
	}
	return Filter{}, fmt.Errorf("labels: kind must be %s or %s, got %q", LabelInt, LabelCategory, kind)
}
