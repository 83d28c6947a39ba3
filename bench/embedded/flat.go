package embedded

import (
	"context"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// flat is exact search: every query scans every stored vector.
type flat struct{ s *store }

func (f *flat) add(int) {}

// flatBlock is how many rows one kernel call scores: 256 rows of 128-d
// vectors (128 KiB) stay in L2 while a batch of queries scans them.
const flatBlock = 256

func (f *flat) search(q []float32, k int, _ workloads.Params, allow *bitset) []cand {
	h := make(maxHeap, 0, k+1)
	var out [flatBlock]float32
	n, d := f.s.len(), f.s.dim
	for b := 0; b < n; b += flatBlock {
		e := min(b+flatBlock, n)
		f.s.distRows(q, f.s.data[b*d:e*d], out[:e-b])
		h.offerBlock(out[:e-b], uint32(b), k, allow)
	}
	return h.sorted()
}

// batchExact is the batch size from which FLAT answers a request with the
// blocked ground-truth scan (the packed-panel kernel, 16 queries × 6 rows
// register-blocked, then an exact re-rank with a proven error margin)
// rather than one scan per query.
const batchExact = 8

// searchBatch answers several queries in one pass over the data. From
// batchExact queries on it reuses datasets.ExactTopK, single-threaded (the
// load's workers are the parallelism), so FLAT stays exact by construction.
func (f *flat) searchBatch(qs [][]float32, k int, p workloads.Params, allow *bitset) [][]cand {
	res := make([][]cand, len(qs))
	oneByOne := func() [][]cand {
		for i, q := range qs {
			res[i] = f.search(q, k, p, allow)
		}
		return res
	}
	if len(qs) < batchExact || k > datasets.MaxK {
		return oneByOne()
	}
	metric := workloads.IP // COSINE rows and queries are stored normalised
	if f.s.l2 {
		metric = workloads.L2
	}
	var filter func(int64) bool
	if allow != nil {
		filter = func(id int64) bool { return allow.has(uint32(id)) }
	}
	gt, err := datasets.ExactTopK(context.Background(), storeBase{f.s}, qs, metric, datasets.GTOptions{K: k, Filter: filter, Workers: 1})
	if err != nil { // only on input Search has already ruled out
		return oneByOne()
	}
	for i := range qs {
		n := min(k, len(gt.IDs[i]))
		res[i] = make([]cand, n)
		for j := range n {
			res[i][j] = cand{gt.Dists[i][j], uint32(gt.IDs[i][j])}
		}
	}
	return res
}

// storeBase lets the ground-truth scanner read the store in place.
type storeBase struct{ s *store }

func (b storeBase) Size() int { return b.s.len() }
func (b storeBase) Dim() int  { return b.s.dim }

func (b storeBase) Scan(ctx context.Context, batch int, fn func(first int64, vecs [][]float32) error) error {
	rows := make([][]float32, 0, batch)
	n := b.s.len()
	for first := 0; first < n; first += batch {
		rows = rows[:0]
		for r := first; r < min(first+batch, n); r++ {
			rows = append(rows, b.s.row(uint32(r)))
		}
		if err := fn(int64(first), rows); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (f *flat) memoryBytes() int64 { return f.s.rawBytes() }
