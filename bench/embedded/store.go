package embedded

import (
	"github.com/milvbench/milvbench/internal/vecmath"
	"github.com/milvbench/milvbench/workloads"
)

// store holds the raw vectors row-major; row i is the i-th inserted vector.
// Vectors for COSINE are stored normalised, so every metric is either squared
// L2 or negative inner product over stored rows.
//
// A collection of FLOAT16, BFLOAT16 or INT8 vectors (vt) keeps the values
// those types hold, converted on insert, as float32 so the float32 kernels
// serve every type; the memory it reports counts them at the type's size
// (rawBytes), which is what a server storing that type holds.
type store struct {
	dim  int
	l2   bool
	data []float32
	vt   string // "" or workloads.VectorFloat: float32
	// metric is the collection's; the binary indexes (binary.go) read
	// HAMMING or JACCARD from it.
	metric workloads.Metric
}

func newStore(dim int, m workloads.Metric) *store {
	return &store{dim: dim, l2: m == workloads.L2, metric: m}
}

// len is the number of rows stored (0 without a dense field, dim 0).
func (s *store) len() int {
	if s.dim == 0 {
		return 0
	}
	return len(s.data) / s.dim
}

func (s *store) row(i uint32) []float32 {
	o := int(i) * s.dim
	return s.data[o : o+s.dim : o+s.dim]
}

// dist is the internal distance (smaller is closer) between q and row i.
func (s *store) dist(q []float32, i uint32) float32 {
	if s.l2 {
		return vecmath.L2Sq(q, s.row(i))
	}
	return -vecmath.Dot(q, s.row(i))
}

func (s *store) distVec(a, b []float32) float32 {
	if s.l2 {
		return vecmath.L2Sq(a, b)
	}
	return -vecmath.Dot(a, b)
}

// typed reports whether rows are stored as a type other than float32.
func (s *store) typed() bool { return s.vt != "" && s.vt != workloads.VectorFloat }

// rawBytes is the size of the stored vectors at their type's size.
func (s *store) rawBytes() int64 {
	return workloads.VectorRawBytes(s.vt, int64(len(s.data)))
}

// prepare implements space: queries are compared as they are.
func (s *store) prepare(q, _ []float32) []float32 { return q }

// node implements space: row i is its own query form.
func (s *store) node(i uint32, _ []float32) []float32 { return s.row(i) }

// distIDs sets out[i] to the internal distance between q and row ids[i].
func (s *store) distIDs(q []float32, ids []uint32, out []float32) {
	if s.l2 {
		vecmath.L2SqRows(q, s.data, ids, out)
		return
	}
	vecmath.DotRows(q, s.data, ids, out)
	for i := range out[:len(ids)] {
		out[i] = -out[i]
	}
}

// distRows sets out[i] to the internal distance between q and the i-th of
// the len(out) vectors stored back to back in rows.
func (s *store) distRows(q, rows, out []float32) {
	if s.l2 {
		vecmath.L2SqBatch(q, rows, out)
		return
	}
	vecmath.DotBatch(q, rows, out)
	for i := range out {
		out[i] = -out[i]
	}
}
