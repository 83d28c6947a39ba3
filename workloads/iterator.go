package workloads

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// KindIterator: a search iterator over the one dense field, asking for
// the limit nearest rows of each query in batches of batch_size, nearest
// first; one measured operation is one whole iteration.
const KindIterator = "iterator"

// IteratorSweep is search.iterator: the batch sizes to sweep and the
// total results wanted per query (which may exceed MaxTopK).
type IteratorSweep struct {
	BatchSize []int `json:"batch_size"`
	Limit     int   `json:"limit"`
	Line      int   `json:"-"`
}

// IteratorPoint is one point of an iterator sweep.
type IteratorPoint struct {
	BatchSize int `json:"batch_size"`
	Limit     int `json:"limit"`
}

// String renders the point as batch_size=B,limit=L ("" for nil).
func (p *IteratorPoint) String() string {
	if p == nil {
		return ""
	}
	return fmt.Sprintf("batch_size=%d,limit=%d", p.BatchSize, p.Limit)
}

// Batches is the fewest batches a complete iteration takes.
func (p *IteratorPoint) Batches() int { return (p.Limit + p.BatchSize - 1) / p.BatchSize }

func (d *decoder) iteratorSweep(dst **IteratorSweep) fieldFunc {
	return func(n *yaml.Node, p string) error {
		it := &IteratorSweep{Line: n.Line}
		*dst = it
		return d.mapping(n, p, map[string]fieldFunc{
			"batch_size": d.intList(&it.BatchSize),
			"limit":      d.integer(&it.Limit),
		}, "batch_size", "limit")
	}
}

// validateIterator checks search.iterator against the kinds and the
// dataset's size.
func validateIterator(s *Spec, e func(field, format string, args ...any) error) error {
	kinds := s.SearchKinds()
	has := slices.Contains(kinds, KindIterator)
	if s.Search.Iterator != nil && !has {
		return e("search.iterator", "applies to kind iterator only (search.kind is %s)", strings.Join(kinds, ", "))
	}
	if !has {
		return nil
	}
	if s.MultiField() {
		return e("search.kind", "iterator searches the one dense field of a workload without sparse, text or further dense fields")
	}
	if s.Tenancy != nil {
		return e("search.kind", "iterator runs without tenancy")
	}
	it := s.Search.Iterator
	if it == nil {
		return e("search.iterator", "is missing: kind iterator needs batch_size (a list to sweep) and limit (results per query)")
	}
	for j, b := range it.BatchSize {
		if b < 1 || b > MaxTopK {
			return e(fmt.Sprintf("search.iterator.batch_size[%d]", j), "%d is out of range (Milvus allows 1..%d per batch)", b, MaxTopK)
		}
	}
	if it.Limit < 1 {
		return e("search.iterator.limit", "%d is out of range: at least 1 result per query", it.Limit)
	}
	if n := s.Dataset.Size; n > 0 && it.Limit > n {
		return e("search.iterator.limit", "%d is more than the %d rows of dataset.size: an iteration returns at most every row", it.Limit, n)
	}
	if it.Limit > MaxIteratorLimit {
		return e("search.iterator.limit", "%d is out of range: at most %d (the exact answer is held in memory per query)", it.Limit, MaxIteratorLimit)
	}
	if s.Target.Kind != TargetMilvus {
		return nil
	}
	for i, ix := range s.Indexes {
		for j, v := range ix.Search["ef"] {
			ef, ok := v.(int64)
			if !ok {
				continue
			}
			for _, b := range it.BatchSize {
				if ef < int64(b) {
					return e(fmt.Sprintf("indexes[%d].search.ef[%d]", i, j), "%d is below search.iterator.batch_size %d: on Milvus both SDKs' iterators need ef >= batch_size", ef, b)
				}
			}
		}
	}
	return nil
}

// MaxIteratorLimit bounds search.iterator.limit: the ground truth keeps
// limit ids and distances per query in memory.
const MaxIteratorLimit = 1 << 20

// iteratorPoints are the iterator points of index search point sp, one
// per batch size, before load levels. An iteration is one query (the
// SDKs iterate over one vector), so NQ is 1, and TopK is the limit: recall
// is of the whole iteration against the exact top-limit.
func iteratorPoints(s *Spec, sp Params) []SearchPoint {
	it := s.Search.Iterator
	if it == nil || !slices.Contains(s.SearchKinds(), KindIterator) {
		return nil
	}
	var out []SearchPoint
	for _, b := range it.BatchSize {
		pt := SearchPoint{Params: sp, TopK: it.Limit, NQ: 1, Selectivity: 1, Kind: KindIterator,
			Iterator: &IteratorPoint{BatchSize: b, Limit: it.Limit}}
		out = append(out, repeatPoints(levels(s.Load, pt), s.Load.Repeat)...)
	}
	return out
}
