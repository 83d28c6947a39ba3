package embedded

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/milvbench/milvbench/workloads"
)

// TestSQ8ScanMatchesDecoded checks the batched SQ8 list scan against the
// distance to the decoded vectors (vmin + code·step), for L2 and IP, on a
// dim that is not a multiple of 8, with and without a filter.
func TestSQ8ScanMatchesDecoded(t *testing.T) {
	const dim, n, k = 37, 203, 10
	r := rand.New(rand.NewPCG(21, 22))
	for _, m := range []workloads.Metric{workloads.L2, workloads.IP} {
		s := newStore(dim, m)
		for range n * dim {
			s.data = append(s.data, float32(r.NormFloat64()))
		}
		ix := &ivf{s: s, nlist: 1, lists: make([]ivfList, 1)}
		c := &ivfSQ8{}
		c.train(ix, s.data, nil)
		l := &ix.lists[0]
		for i := range n {
			l.ids = append(l.ids, uint32(i))
			c.encode(ix, 0, s.row(uint32(i)), l)
		}
		q := make([]float32, dim)
		for j := range q {
			q[j] = float32(r.NormFloat64())
		}
		allow := &bitset{words: make([]uint64, (n+63)/64)}
		for i := 0; i < n; i += 3 {
			allow.words[i>>6] |= 1 << (uint(i) & 63)
		}
		for _, al := range []*bitset{nil, allow} {
			h := make(maxHeap, 0, k+1)
			c.scanner(ix, q).scan(0, 0, l, &h, k, al)
			got := h.sorted()

			dec := make([]float32, dim)
			want := make(maxHeap, 0, k+1)
			for i := range n {
				if !al.has(uint32(i)) {
					continue
				}
				for j := range dim {
					dec[j] = c.vmin[j] + float32(l.codes[i*dim+j])*c.step[j]
				}
				want.offer(cand{s.distVec(q, dec), uint32(i)}, k)
			}
			exp := want.sorted()
			if len(got) != len(exp) {
				t.Fatalf("metric %v: %d results, want %d", m, len(got), len(exp))
			}
			for i := range exp {
				if !al.has(got[i].id) {
					t.Errorf("metric %v: result %d (row %d) is filtered out", m, i, got[i].id)
				}
				if math.Abs(float64(got[i].d-exp[i].d)) > 1e-3*math.Max(1, math.Abs(float64(exp[i].d))) {
					t.Errorf("metric %v: result %d distance %v, want %v", m, i, got[i].d, exp[i].d)
				}
			}
		}
	}
}
