package embedded

import "github.com/milvbench/milvbench/workloads"

// flat is exact search: every query scans every stored vector.
type flat struct{ s *store }

func (f *flat) add(int) {}

func (f *flat) search(q []float32, k int, _ workloads.Params) []cand {
	h := make(maxHeap, 0, k+1)
	n := uint32(f.s.len())
	for i := uint32(0); i < n; i++ {
		h.offer(cand{f.s.dist(q, i), i}, k)
	}
	return h.sorted()
}

func (f *flat) memoryBytes() int64 { return int64(len(f.s.data)) * 4 }
