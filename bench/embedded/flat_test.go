package embedded

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/milvbench/milvbench/workloads"
)

// TestFlatBatchMatchesSingle: the blocked batch path returns exactly what
// one scan per query returns, for every metric, with and without a filter,
// on data with many exact ties (duplicated rows).
func TestFlatBatchMatchesSingle(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, m := range []workloads.Metric{workloads.L2, workloads.IP} {
		s := newStore(24, m)
		for i := range 900 {
			if i%3 == 2 { // duplicate the previous row: exact ties
				s.data = append(s.data, s.data[len(s.data)-24:]...)
				continue
			}
			for range 24 {
				s.data = append(s.data, float32(rng.NormFloat64()))
			}
		}
		qs := make([][]float32, 20)
		for i := range qs {
			qs[i] = append([]float32(nil), s.row(uint32(rng.IntN(900)))...)
			qs[i][0] += 0.01
		}
		allow := &bitset{words: make([]uint64, (900+63)/64)}
		for i := range uint32(900) {
			if i%5 != 0 {
				allow.words[i>>6] |= 1 << (i & 63)
				allow.count++
			}
		}
		f := &flat{s: s}
		for _, a := range []*bitset{nil, allow} {
			batch := f.searchBatch(qs, 10, nil, a)
			for i, q := range qs {
				single := f.search(q, 10, nil, a)
				if !sameResults(batch[i], single) {
					t.Fatalf("%s filter=%v query %d:\nbatch  %v\nsingle %v", m, a != nil, i, batch[i], single)
				}
			}
		}
	}
}

// sameResults compares two closest-first lists as distance multisets and
// id sets within each run of equal distances (ties may come in any order).
func sameResults(a, b []cand) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].d != b[i].d {
			return false
		}
	}
	ids := func(cs []cand) []uint32 {
		out := make([]uint32, len(cs))
		for i, c := range cs {
			out[i] = c.id
		}
		slices.Sort(out)
		return out
	}
	// Only the last run of equal distances may differ in membership.
	last := a[len(a)-1].d
	var ia, ib []cand
	for i := range a {
		if a[i].d != last {
			ia, ib = append(ia, a[i]), append(ib, b[i])
		}
	}
	return slices.Equal(ids(ia), ids(ib))
}
