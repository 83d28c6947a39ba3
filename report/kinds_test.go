package report

import (
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
)

// TestHybridBesideSingle: a hybrid trial is paired with the ann trial of
// the same index, params, shape and level, and the two get different
// TrialNames (compare must not match them to each other).
func TestHybridBesideSingle(t *testing.T) {
	ix := workloads.IndexConfig{Type: "HNSW", Build: workloads.Params{"M": int64(16)}, Field: "vector"}
	h := &workloads.HybridPoint{Ranker: workloads.RankerRRF, K: 60, Requests: []workloads.SubRequest{
		{Field: "vector", Kind: workloads.KindANN, Limit: 20, Params: workloads.Params{"ef": int64(32)}},
		{Field: "text", Kind: workloads.KindBM25, Limit: 20},
	}}
	mk := func(id int, kind string, hy *workloads.HybridPoint, qps float64, c int) bench.Trial {
		return bench.Trial{ID: id, Index: ix, QPS: qps, Recall: 0.9,
			Search: bench.SearchInfo{Params: workloads.Params{"ef": int64(32)}, TopK: 10, NQ: 1, Kind: kind, Field: "vector", Hybrid: hy},
			Load:   bench.LoadInfo{Model: workloads.LoadClosed, Concurrency: c}}
	}
	for _, tc := range []struct {
		name   string
		trials []bench.Trial
		want   []string // substrings of the section; nil: no section
	}{
		{"paired at equal level", []bench.Trial{mk(1, workloads.KindANN, nil, 1000, 2), mk(2, workloads.KindHybrid, h, 400, 2)},
			[]string{"## Hybrid requests beside", "| 2 | rrf(k=60)[vector:20(ef=32),text:20] | 1 | ann | c=2 | 400.0 | 1000.0 | 0.40 |"}},
		{"no pair at another level", []bench.Trial{mk(1, workloads.KindANN, nil, 1000, 1), mk(2, workloads.KindHybrid, h, 400, 2)}, nil},
		{"no hybrid", []bench.Trial{mk(1, workloads.KindANN, nil, 1000, 2)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			writeHybridCost(&b, &doc{res: &bench.Result{Trials: tc.trials}})
			got := b.String()
			if tc.want == nil && got != "" {
				t.Fatalf("unexpected section:\n%s", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("section lacks %q:\n%s", w, got)
				}
			}
		})
	}
	a, hy := TrialName(mk(1, workloads.KindANN, nil, 0, 2)), TrialName(mk(2, workloads.KindHybrid, h, 0, 2))
	if a == hy || !strings.Contains(hy, "kind=hybrid") || !strings.Contains(a, "field=vector") {
		t.Errorf("names %q and %q", a, hy)
	}
}

func TestRecallPerQueryFlagsSkew(t *testing.T) {
	for _, tc := range []struct {
		name string
		dist *bench.RecallDist
		want []string
	}{
		{"skewed", &bench.RecallDist{Mean: 0.9, P1: 0, P5: 0.2, P10: 0.6, Min: 0, Zero: 0.03, Queries: 200}, []string{"**1 trial** (⚠)", "| 1 ⚠ | HNSW | ef=32 | - | 0.9000 | 0.0000 | 0.2000 | 0.6000 | 0.0000 | 3.0% | 200 |"}},
		// A filter that leaves most queries with nothing: p5 is not far
		// below a mean that is itself near 0, but the zero share flags it.
		{"collapsed", &bench.RecallDist{Mean: 0.003, P1: 0, P5: 0, P10: 0, Min: 0, Zero: 0.97, Queries: 100}, []string{"**1 trial** (⚠)", "| 1 ⚠ | HNSW | ef=32 | - | 0.0030 |"}},
		{"even", &bench.RecallDist{Mean: 0.9, P1: 0.8, P5: 0.85, P10: 0.86, Min: 0.7, Queries: 200}, []string{"No trial's p5 sits more than 0.1 below", "| 1 | HNSW |"}},
		{"few zeros", &bench.RecallDist{Mean: 0.95, P1: 0, P5: 0.9, P10: 0.9, Min: 0, Zero: 0.02, Queries: 100}, []string{"No trial's p5 sits more than 0.1 below", "| 1 | HNSW |"}},
		{"not recorded", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := bench.Trial{ID: 1, Index: workloads.IndexConfig{Type: "HNSW"}, RecallDist: tc.dist,
				Search: bench.SearchInfo{Params: workloads.Params{"ef": int64(32)}, TopK: 10, NQ: 1}}
			var b strings.Builder
			writeRecallPerQuery(&b, &doc{res: &bench.Result{Trials: []bench.Trial{tr}}})
			if tc.want == nil && b.Len() > 0 {
				t.Fatalf("section without distributions:\n%s", b.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("lacks %q:\n%s", w, b.String())
				}
			}
		})
	}
}
