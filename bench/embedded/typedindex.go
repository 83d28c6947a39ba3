package embedded

import (
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// typedIndex is an index entry built over the collection's float vectors
// stored as another type (its own vector_type: float16 or bfloat16): the
// index has its own store holding the rows as that type holds them,
// converted from the collection's, and converts each query as the server
// would. Rows the collection gains are converted when the index adds them.
// Its memory is its own store's (at the type's size) and its structure's.
type typedIndex struct {
	index
	src, s *store
}

func (x *typedIndex) add(from int) {
	d := x.s.dim
	for i := x.s.len(); i < x.src.len(); i++ {
		x.s.data = append(x.s.data, x.src.row(uint32(i))...)
		// Float16 conversion fails only on overflow, which the run's
		// ground truth over the type (computed first) has already
		// refused in one line naming the row.
		_ = datasets.StoreAs(x.s.vt, x.s.data[len(x.s.data)-d:])
	}
	x.index.add(from)
}

func (x *typedIndex) search(q []float32, k int, p workloads.Params, allow *bitset) []cand {
	c := append([]float32(nil), q...)
	_ = datasets.StoreAs(x.s.vt, c)
	return x.index.search(c, k, p, allow)
}
