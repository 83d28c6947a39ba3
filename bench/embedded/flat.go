package embedded

import "github.com/milvbench/milvbench/workloads"

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

// searchBatch answers several queries in one pass over the data, block by
// block, so each block of rows is read from memory once per batch rather
// than once per query.
func (f *flat) searchBatch(qs [][]float32, k int, _ workloads.Params, allow *bitset) [][]cand {
	hs := make([]maxHeap, len(qs))
	for i := range hs {
		hs[i] = make(maxHeap, 0, k+1)
	}
	var out [flatBlock]float32
	n, d := f.s.len(), f.s.dim
	for b := 0; b < n; b += flatBlock {
		e := min(b+flatBlock, n)
		rows := f.s.data[b*d : e*d]
		for qi, q := range qs {
			f.s.distRows(q, rows, out[:e-b])
			hs[qi].offerBlock(out[:e-b], uint32(b), k, allow)
		}
	}
	res := make([][]cand, len(qs))
	for i := range hs {
		res[i] = hs[i].sorted()
	}
	return res
}

func (f *flat) memoryBytes() int64 { return int64(len(f.s.data)) * 4 }
