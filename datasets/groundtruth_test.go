package datasets

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/milvbench/milvbench/workloads"
)

// naiveTopK is the reference: every allowed row's exact distance, sorted by
// (distance, id), cut at k plus ties.
func naiveTopK(base, queries [][]float32, m workloads.Metric, k int, filter func(int64) bool) *GroundTruth {
	dist := Distance(m)
	gt := &GroundTruth{K: k}
	for _, q := range queries {
		q = Prepare(m, q)
		var all []candidate
		for j, x := range base {
			if filter == nil || filter(int64(j)) {
				all = append(all, candidate{e: dist(q, Prepare(m, x)), id: int64(j)})
			}
		}
		slices.SortFunc(all, byExact)
		ids, ds := cut(all, k)
		gt.IDs, gt.Dists = append(gt.IDs, ids), append(gt.Dists, ds)
	}
	return gt
}

func randVecs(rng *rand.Rand, n, d, levels int) [][]float32 {
	out := make([][]float32, n)
	for i := range out {
		out[i] = make([]float32, d)
		for j := range out[i] {
			if levels > 0 { // few distinct values: many exact ties
				out[i][j] = float32(rng.IntN(levels))
			} else {
				out[i][j] = float32(rng.NormFloat64())
			}
		}
	}
	return out
}

func TestExactTopKMatchesNaive(t *testing.T) {
	even := func(id int64) bool { return id%2 == 0 }
	rare := func(id int64) bool { return id%37 == 5 }
	tests := []struct {
		n, d, nq, k, levels int
		filter              func(int64) bool
		fname               string
	}{
		{n: 1, d: 3, nq: 2, k: 5},
		{n: 500, d: 16, nq: 7, k: 10},
		{n: 1000, d: 13, nq: 9, k: 50},
		{n: 2000, d: 8, nq: 5, k: 10, levels: 2}, // massive ties → exact second pass
		{n: 700, d: 5, nq: 6, k: 20, levels: 3},  // ties, odd dimension
		{n: 9000, d: 24, nq: 11, k: 100},         // more than one block
		{n: 900, d: 16, nq: 5, k: 10, filter: even, fname: "even"},
		{n: 900, d: 7, nq: 5, k: 10, filter: rare, fname: "rare"}, // fewer rows pass than k
		{n: 800, d: 4, nq: 5, k: 30, levels: 2, filter: even, fname: "even"},
	}
	for _, tc := range tests {
		for _, m := range []workloads.Metric{workloads.L2, workloads.IP, workloads.Cosine} {
			name := fmt.Sprintf("%s/n%d_d%d_k%d_lv%d_%s", m, tc.n, tc.d, tc.k, tc.levels, tc.fname)
			t.Run(name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(tc.n), uint64(tc.d)))
				base := randVecs(rng, tc.n, tc.d, tc.levels)
				queries := randVecs(rng, tc.nq, tc.d, tc.levels)
				want := naiveTopK(base, queries, m, tc.k, tc.filter)
				for _, workers := range []int{1, 3} {
					got, err := ExactTopK(context.Background(), Vectors(base), queries, m, GTOptions{K: tc.k, Filter: tc.filter, Workers: workers})
					if err != nil {
						t.Fatal(err)
					}
					for qi := range queries {
						if !reflect.DeepEqual(got.IDs[qi], want.IDs[qi]) || !reflect.DeepEqual(got.Dists[qi], want.Dists[qi]) {
							t.Fatalf("workers=%d query %d:\n got %v %v\nwant %v %v", workers, qi, got.IDs[qi], got.Dists[qi], want.IDs[qi], want.Dists[qi])
						}
					}
				}
			})
		}
	}
}

func BenchmarkExactTopK(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	base := randVecs(rng, 100_000, 128, 0)
	queries := randVecs(rng, 1000, 128, 0)
	b.ResetTimer()
	for b.Loop() {
		if _, err := ExactTopK(context.Background(), Vectors(base), queries, workloads.L2, GTOptions{K: 100}); err != nil {
			b.Fatal(err)
		}
	}
}
