package datasets

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
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
		// several query panels of 16 (the last one partial) and chunks
		// across workers; tiles of 128 rows at 384-d, a row count that is
		// not a multiple of the kernel's 6
		{n: 1003, d: 384, nq: 37, k: 10},
		{n: 9001, d: 50, nq: 70, k: 10, filter: even, fname: "even"},
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

// BenchmarkExactTopKScale is the ground-truth scale check (make gt-scale):
// exact top-100 of 10,000 queries over 1M×768 base vectors streamed from
// the synthetic generator (never held in memory), on all cores. It reports
// the seconds and the process's peak resident memory (Linux VmHWM) beside
// the streaming bound: one base batch + the query block + the candidate
// heaps + the answer (GTMemoryBound), under the GC target milvbench's runs
// use (25%).
// MILVBENCH_GT_SCALE=ROWSxDIMxQUERIES (default 1000000x768x10000) sets the
// shape; without MILVBENCH_GT_SCALE set it is skipped (minutes of work).
func BenchmarkExactTopKScale(b *testing.B) {
	shape := os.Getenv("MILVBENCH_GT_SCALE")
	if shape == "" {
		b.Skip("set MILVBENCH_GT_SCALE=1 (or ROWSxDIMxQUERIES) to run the ground-truth scale check (make gt-scale)")
	}
	rows, dim, nq := 1_000_000, 768, 10_000
	if shape != "1" {
		if _, err := fmt.Sscanf(shape, "%dx%dx%d", &rows, &dim, &nq); err != nil {
			b.Fatalf("MILVBENCH_GT_SCALE=%q: want ROWSxDIMxQUERIES, e.g. 1000000x768x10000", shape)
		}
	}
	const k = 100
	// The GC target milvbench's runs set (cmd/milvbench runGCPercent),
	// unless GOGC says otherwise.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(25))
	}
	ctx := context.Background()
	ds, err := NewSynthetic(ctx, workloads.DatasetSpec{Source: workloads.SourceSynthetic, Distribution: workloads.DistGaussian, Size: rows, Dim: dim, Queries: nq, Seed: 11, Metric: workloads.L2})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := ExactTopK(ctx, ds.Base, ds.Queries, workloads.L2, GTOptions{K: k}); err != nil {
			b.Fatal(err)
		}
	}
	hwm := peakRSS(b)
	bound := GTMemoryBound(dim, nq, k)
	b.ReportMetric(float64(hwm)/(1<<20), "peakRSS-MiB")
	b.ReportMetric(float64(bound)/(1<<20), "bound-MiB")
	b.Logf("%d×%d base, %d queries, top-%d: peak RSS %.0f MiB; streaming bound (one batch + queries + heaps + answer) %.0f MiB; ratio %.2f",
		rows, dim, nq, k, float64(hwm)/(1<<20), float64(bound)/(1<<20), float64(hwm)/float64(bound))
}

// peakRSS reads the process's peak resident set size (VmHWM) on Linux.
func peakRSS(b *testing.B) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skipf("no /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb << 10
		}
	}
	return 0
}
