package bench

import (
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// TestLiveTruthMatchesRecomputation grows and shrinks a collection in
// batches and checks after every step that the live ground truth equals an
// exact computation from scratch over the rows visible then, for every
// metric, with and without a filter, with duplicate vectors (ties).
func TestLiveTruthMatchesRecomputation(t *testing.T) {
	const n, dim, k = 1200, 8, 10
	r := rand.New(rand.NewPCG(1, 2))
	base := make(datasets.Vectors, n)
	for i := range base {
		if i%7 == 3 { // exact duplicates make ties at the k-th distance
			base[i] = base[i-1]
			continue
		}
		base[i] = make([]float32, dim)
		for j := range base[i] {
			base[i][j] = float32(r.IntN(41)) / 8 // a coarse grid: some equal distances
		}
	}
	queries := make([][]float32, 40)
	for i := range queries {
		queries[i] = make([]float32, dim)
		for j := range queries[i] {
			queries[i][j] = float32(r.NormFloat64())
		}
	}
	for _, m := range []workloads.Metric{workloads.L2, workloads.IP, workloads.Cosine} {
		for _, filtered := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/filter=%v", m, filtered), func(t *testing.T) {
				ctx := context.Background()
				var filter func(int64) bool
				if filtered {
					filter = func(id int64) bool { return id%3 != 0 }
				}
				visible := make([]bool, n)
				for i := range 300 {
					visible[i] = true
				}
				lt, err := newLiveTruth(ctx, base, m, queries, filter, k, 300, func(id int64) bool { return visible[id] })
				if err != nil {
					t.Fatal(err)
				}
				check := func(step string) {
					t.Helper()
					admit := func(id int64) bool { return visible[id] && (filter == nil || filter(id)) }
					want, err := datasets.ExactTopK(ctx, base, queries, m, datasets.GTOptions{K: k, Filter: admit})
					if err != nil {
						t.Fatal(err)
					}
					for qi := range queries {
						exp := map[int64]bool{}
						for _, id := range want.Relevant(qi, k) {
							exp[id] = true
						}
						if got := lt.relevant(qi, k); !maps.Equal(got, exp) {
							t.Fatalf("%s: query %d: live %v, exact %v", step, qi, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(exp)))
						}
					}
				}
				check("initial")
				// Insert the rest in shuffled batches, deleting the oldest
				// rows as we go (deep enough to force recomputation).
				rest := r.Perm(n - 300)
				next := 0
				for step := 0; next < len(rest); step++ {
					b := min(1+r.IntN(120), len(rest)-next)
					ids := make([]int64, b)
					vecs := make([][]float32, b)
					for i := range ids {
						ids[i] = int64(300 + rest[next+i])
						vecs[i] = base[ids[i]]
						visible[ids[i]] = true
					}
					next += b
					lt.inserted(lt.begin(), ids, vecs)
					check(fmt.Sprintf("insert %d", step))
					// Delete the current nearest rows of two queries (so
					// lists run short and must be recomputed) and a few of
					// the oldest rows.
					var del []int64
					for _, qi := range []int{step % len(queries), (step * 7) % len(queries)} {
						for id := range lt.relevant(qi, k) {
							if !slices.Contains(del, id) {
								del = append(del, id)
							}
						}
					}
					for id := int64(step * 10); id < int64(step*10+10) && id < 300; id++ {
						if visible[id] && !slices.Contains(del, id) {
							del = append(del, id)
						}
					}
					for _, id := range del {
						visible[id] = false
					}
					if err := lt.deleted(ctx, lt.begin(), del); err != nil {
						t.Fatal(err)
					}
					check(fmt.Sprintf("delete %d", step))
				}
				if rows, _ := lt.counts(); rows != countTrue(visible) {
					t.Errorf("visible rows %d, want %d", rows, countTrue(visible))
				}
				if lt.low != lt.sent {
					t.Errorf("settled %d of %d writes", lt.low, lt.sent)
				}
			})
		}
	}
}

func countTrue(b []bool) int {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return n
}

func TestJudgeAnswer(t *testing.T) {
	inf := float32(math.Inf(1))
	// Rows 1..6 at distances 1..6; k = 3.
	list := func(ids ...int64) truthList {
		l := truthList{bound: inf}
		for _, id := range ids {
			l.ids = append(l.ids, id)
			l.dists = append(l.dists, float32(id))
		}
		return l
	}
	tests := []struct {
		name          string
		got           []int64
		before, after truthList
		recall        float64
	}{
		{"exact", []int64{1, 2, 3}, list(1, 2, 3, 4), list(1, 2, 3, 4), 1},
		{"order does not matter", []int64{3, 1, 2}, list(1, 2, 3, 4), list(1, 2, 3, 4), 1},
		{"one wrong", []int64{1, 2, 4}, list(1, 2, 3, 4), list(1, 2, 3, 4), 2.0 / 3},
		{"unknown id", []int64{1, 2, 99}, list(1, 2, 3, 4), list(1, 2, 3, 4), 2.0 / 3},
		{"duplicates count once", []int64{1, 1, 1}, list(1, 2, 3, 4), list(1, 2, 3, 4), 1.0 / 3},
		// Row 2 deleted and row 0 inserted during the request: the
		// collection passed through {1, 3, 4, ...} where 4 is third.
		{"delete and insert in flight", []int64{1, 3, 4}, list(1, 2, 3, 4, 5), list(0, 1, 3, 4, 5), 1},
		{"state before", []int64{1, 2, 3}, list(1, 2, 3, 4, 5), list(0, 1, 3, 4, 5), 1},
		{"state after", []int64{0, 1, 3}, list(1, 2, 3, 4, 5), list(0, 1, 3, 4, 5), 1},
		{"too far in any state", []int64{1, 3, 5}, list(1, 2, 3, 4, 5), list(0, 1, 3, 4, 5), 2.0 / 3},
		{"beyond a list's bound", []int64{1, 2, 6}, truthList{ids: []int64{1, 2, 6}, dists: []float32{1, 2, 6}, bound: 2}, list(1, 2, 6), 2.0 / 3},
		{"fewer rows than k", []int64{1, 2}, list(1, 2), list(1, 2), 1},
	}
	for _, tt := range tests {
		if j := judgeAnswer(tt.got, tt.before, tt.after, 3, 100); math.Abs(j.recall-tt.recall) > 1e-9 {
			t.Errorf("%s: recall %g, want %g", tt.name, j.recall, tt.recall)
		}
	}
	// Ties at the k-th distance are all correct.
	tie := truthList{ids: []int64{1, 2, 3, 4}, dists: []float32{1, 2, 3, 3}, bound: inf}
	if j := judgeAnswer([]int64{1, 2, 4}, tie, tie, 3, 100); j.recall != 1 {
		t.Errorf("tie at the k-th distance: recall %g", j.recall)
	}
	// New rows (id ≥ preload) are judged only when the lists agree.
	if j := judgeAnswer([]int64{1, 2, 3}, list(1, 2, 3), list(1, 2, 3), 3, 2); j.newTrue != 2 || j.newJudged != 2 || j.newFound != 2 {
		t.Errorf("stable new rows %+v", j)
	}
	if j := judgeAnswer([]int64{0, 1, 2}, list(1, 2, 3), list(0, 1, 2), 3, 2); j.newTrue != 1 || j.newJudged != 0 {
		t.Errorf("changing lists %+v", j)
	}
}
