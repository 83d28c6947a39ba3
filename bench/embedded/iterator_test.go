package embedded

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
)

// TestIteratorFLATTies: FLAT iterates every row exactly once in
// distance order for L2, IP and COSINE, also when many rows share a
// distance across batch boundaries (each vector stored 5 times, batch
// sizes that cut tie groups), and stops at the limit, one exact search
// per batch.
func TestIteratorFLATTies(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var base [][]float32
	for range 60 {
		v := []float32{r.Float32() - 0.5, r.Float32() - 0.5, r.Float32() - 0.5, r.Float32() - 0.5}
		for range 5 {
			base = append(base, slices.Clone(v))
		}
	}
	q := []float32{0.1, -0.2, 0.3, 0.05}
	for _, m := range []workloads.Metric{workloads.L2, workloads.IP, workloads.Cosine} {
		tg := newLoaded(t, workloads.IndexConfig{Type: "FLAT"}, m, base)
		full, err := tg.Search(t.Context(), bench.SearchRequest{Vectors: [][]float32{q}, TopK: len(base), Kind: workloads.KindANN})
		if err != nil {
			t.Fatal(err)
		}
		dist := map[int64]float64{} // by the exact top-k's order: its rank of the row's vector
		for i, id := range full.IDs[0] {
			dist[id] = float64(i / 5)
		}
		for _, tc := range []struct{ batch, limit int }{{1, 300}, {3, 300}, {7, 300}, {64, 300}, {300, 300}, {7, 123}, {16384, 299}} {
			t.Run(fmt.Sprintf("%s batch=%d limit=%d", m, tc.batch, tc.limit), func(t *testing.T) {
				res, err := tg.Search(t.Context(), bench.SearchRequest{Vectors: [][]float32{q}, Kind: workloads.KindIterator,
					Iterator: &workloads.IteratorPoint{BatchSize: tc.batch, Limit: tc.limit}})
				if err != nil {
					t.Fatal(err)
				}
				got, st := res.IDs[0], res.Iter
				if len(got) != tc.limit || st == nil || st.Path != bench.IterEmbedded || st.OrderViolations != 0 || st.Batches != (tc.limit+tc.batch-1)/tc.batch || st.Requests != st.Batches {
					t.Fatalf("%d results, stats %+v; want %d in %d batches", len(got), st, tc.limit, (tc.limit+tc.batch-1)/tc.batch)
				}
				seen := map[int64]bool{}
				for i, id := range got {
					if seen[id] {
						t.Fatalf("row %d returned twice", id)
					}
					seen[id] = true
					if i > 0 && dist[id] < dist[got[i-1]] {
						t.Fatalf("result %d (row %d) is nearer than result %d", i, id, i-1)
					}
				}
				if tc.limit == len(base) && len(seen) != len(base) {
					t.Fatalf("%d distinct rows, want all %d", len(seen), len(base))
				}
			})
		}
	}
}

// TestIteratorBadRequests: an iterator request without parameters or
// with several queries is refused in one line.
func TestIteratorBadRequests(t *testing.T) {
	tg := newLoaded(t, workloads.IndexConfig{Type: "FLAT"}, workloads.L2, [][]float32{{1, 2}, {3, 4}})
	for _, req := range []bench.SearchRequest{
		{Vectors: [][]float32{{1, 2}}, Kind: workloads.KindIterator},
		{Vectors: [][]float32{{1, 2}}, Kind: workloads.KindIterator, Iterator: &workloads.IteratorPoint{BatchSize: 0, Limit: 2}},
		{Vectors: [][]float32{{1, 2}, {3, 4}}, Kind: workloads.KindIterator, Iterator: &workloads.IteratorPoint{BatchSize: 1, Limit: 2}},
		{Vectors: [][]float32{{1, 2, 3}}, Kind: workloads.KindIterator, Iterator: &workloads.IteratorPoint{BatchSize: 1, Limit: 2}},
	} {
		if _, err := tg.Search(t.Context(), req); err == nil {
			t.Errorf("%+v: no error", req)
		}
	}
}
