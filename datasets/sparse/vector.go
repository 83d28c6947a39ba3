// Package sparse provides the data and exact ground truth for sparse-vector,
// full-text (BM25) and — by fusing these — hybrid search: sparse vectors
// (Vector) streamed from CSR binary files (the big-ann-benchmarks sparse
// track's format), parquet files or a seeded generator; text documents
// streamed from line, JSONL or parquet files or a seeded generator; the
// analyzers that turn text into terms as Milvus and Milvus Lite do; and the
// exact top-k under sparse inner product (ExactIP) and BM25 (ExactBM25),
// both as datasets.GroundTruth so recall code works unchanged, cached by
// GTKey through datasets.GTCache.
//
// Nothing here holds a base or corpus whole: both are scanned in batches,
// and each ground-truth function states the memory it holds.
package sparse

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// Vector is a sparse vector: Indices strictly increasing, Values[i] the
// weight of dimension Indices[i]. Dimensions not listed are zero.
type Vector struct {
	Indices []uint32
	Values  []float32
}

// Len is the number of non-zeros listed.
func (v Vector) Len() int { return len(v.Indices) }

// Check reports the first broken rule of a Vector: as many values as
// indices, indices strictly increasing, values finite.
func (v Vector) Check() error {
	if len(v.Indices) != len(v.Values) {
		return fmt.Errorf("%d indices but %d values", len(v.Indices), len(v.Values))
	}
	for i, x := range v.Values {
		if i > 0 && v.Indices[i] <= v.Indices[i-1] {
			return fmt.Errorf("index %d follows %d (indices must increase strictly)", v.Indices[i], v.Indices[i-1])
		}
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("value of dimension %d is %v (values must be finite)", v.Indices[i], x)
		}
	}
	return nil
}

// Clone returns a copy that does not share memory with v.
func (v Vector) Clone() Vector {
	return Vector{Indices: slices.Clone(v.Indices), Values: slices.Clone(v.Values)}
}

// Dot is the inner product of a and b: the products over their shared
// dimensions summed in float64 in increasing dimension order, then rounded
// to float32. ExactIP scores every row in exactly this way.
func Dot(a, b Vector) float32 {
	var s float64
	i, j := 0, 0
	for i < len(a.Indices) && j < len(b.Indices) {
		switch {
		case a.Indices[i] < b.Indices[j]:
			i++
		case a.Indices[i] > b.Indices[j]:
			j++
		default:
			s += float64(a.Values[i]) * float64(b.Values[j])
			i++
			j++
		}
	}
	return float32(s)
}

// shares reports whether a and b have a dimension in common.
func shares(a, b Vector) bool {
	i, j := 0, 0
	for i < len(a.Indices) && j < len(b.Indices) {
		switch {
		case a.Indices[i] < b.Indices[j]:
			i++
		case a.Indices[i] > b.Indices[j]:
			j++
		default:
			return true
		}
	}
	return false
}

// sortRow sorts a row's (index, value) pairs by index in place and reports
// an index listed twice.
func sortRow(idx []uint32, val []float32) error {
	sorted := true
	for i := 1; i < len(idx); i++ {
		if idx[i] <= idx[i-1] {
			sorted = false
			break
		}
	}
	if sorted {
		return nil
	}
	perm := make([]int, len(idx))
	for i := range perm {
		perm[i] = i
	}
	slices.SortFunc(perm, func(a, b int) int {
		switch {
		case idx[a] < idx[b]:
			return -1
		case idx[a] > idx[b]:
			return 1
		}
		return 0
	})
	ni, nv := make([]uint32, len(idx)), make([]float32, len(idx))
	for i, p := range perm {
		ni[i], nv[i] = idx[p], val[p]
		if i > 0 && ni[i] == ni[i-1] {
			return fmt.Errorf("dimension %d is listed twice", ni[i])
		}
	}
	copy(idx, ni)
	copy(val, nv)
	return nil
}

// Base streams sparse base vectors in row order.
type Base interface {
	// Size is the number of rows.
	Size() int
	// Dims is the dimension space: every index is below it.
	Dims() int64
	// Scan calls fn with consecutive batches of at most batch rows; first
	// is the row number (and id) of the batch's first row. The batch and
	// its vectors are only valid during the call.
	Scan(ctx context.Context, batch int, fn func(first int64, rows []Vector) error) error
}

// Vectors is a Base held in memory (queries, tests, small sets); dims is
// its dimension space.
type Vectors struct {
	Rows    []Vector
	DimsLen int64
}

// Size implements Base.
func (v Vectors) Size() int { return len(v.Rows) }

// Dims implements Base.
func (v Vectors) Dims() int64 { return v.DimsLen }

// Scan implements Base.
func (v Vectors) Scan(ctx context.Context, batch int, fn func(first int64, rows []Vector) error) error {
	if batch < 1 {
		return fmt.Errorf("sparse: batch must be ≥ 1, got %d", batch)
	}
	for first := 0; first < len(v.Rows); first += batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(int64(first), v.Rows[first:min(first+batch, len(v.Rows))]); err != nil {
			return err
		}
	}
	return nil
}
