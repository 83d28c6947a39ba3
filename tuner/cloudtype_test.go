package tuner

import (
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// TestCloudCapacityFollowsTypeAndLevel: the Zilliz Cloud capacity CUs read
// the published per-CU table at the dimension of a float vector of the
// same raw size (a FLOAT16 768-d vector sizes as a 384-d float one), and
// at the build_level of the chosen AUTOINDEX build when the goals set none.
func TestCloudCapacityFollowsTypeAndLevel(t *testing.T) {
	auto := func(level int64) workloads.IndexConfig {
		ix := workloads.IndexConfig{Type: "AUTOINDEX", Build: workloads.Params{}}
		if level >= 0 {
			ix.Build["build_level"] = level
		}
		return ix
	}
	lvl := func(v int) *int { return &v }
	tests := []struct {
		name  string
		vt    string
		index workloads.IndexConfig
		goal  *int
		// want is the performance-optimized capacity CUs for 30M rows of
		// 768-d: 30M / 1.5M = 20 for float vectors.
		want  int
		words string
	}{
		{"float", workloads.VectorFloat, auto(-1), nil, 20, ""},
		// 384-d float: 3M per CU (interpolated in 1/dim between 256 and 512: 3.0M).
		{"float16", workloads.VectorFloat16, auto(-1), nil, 10, "sized as 384-d float vectors"},
		// 192-d float: 5.5M per CU (1/dim between 128 and 256) → 5.45 → 6.
		{"int8", workloads.VectorInt8, auto(-1), nil, 6, "sized as 192-d float vectors"},
		// balanced build_level on a performance CU: × 1.6 → 30M / 2.4M = 12.5 → 13.
		{"trial build_level", workloads.VectorFloat, auto(1), nil, 13, "build_level 1"},
		// The goals' build_level wins over the trial's.
		{"goal build_level", workloads.VectorFloat, auto(1), lvl(0), 16, "build_level 0"},
		// HNSW has no build_level, whatever its params.
		{"not autoindex", workloads.VectorFloat, workloads.IndexConfig{Type: "HNSW", Build: workloads.Params{"build_level": int64(1)}}, nil, 20, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := bench.Trial{ID: 1, Index: tt.index, Search: bench.SearchInfo{TopK: 10, NQ: 1, Selectivity: 1},
				Load: bench.LoadInfo{Model: workloads.LoadClosed, Concurrency: 1}, Recall: 0.99, QPS: 500, QueriesPerS: 500, Requests: 100,
				LatencyMS: bench.LatencyMS{P99: 1, P95: 1}}
			res := &bench.Result{Dataset: datasets.Info{Size: 10000, Dim: 768, VectorType: tt.vt},
				Provenance: bench.Provenance{Cores: 2, Target: bench.TargetInfo{Kind: "embedded"}}, Trials: []bench.Trial{tr}}
			rec, err := Recommend(res, Inputs{Goals: workloads.Goals{Recall: 0.9, Rows: 30_000_000, BuildLevel: tt.goal, CUTypes: []string{CUPerformance}}, Pricing: defaults(t)})
			if err != nil {
				t.Fatal(err)
			}
			cl := rec.Answers[0].Cloud
			if len(cl) != 1 {
				t.Fatalf("cloud options %+v", cl)
			}
			if got := cl[0].CUs * cl[0].Replicas; got != tt.want {
				t.Errorf("CUs %d, want %d (%s)", got, tt.want, cl[0].CapacityCUs.Source)
			}
			if src := cl[0].CapacityCUs.Source; tt.words != "" && !strings.Contains(src, tt.words) {
				t.Errorf("capacity source %q does not say %q", src, tt.words)
			}
		})
	}
}

func TestSizingDim(t *testing.T) {
	for _, tt := range []struct {
		dim  int
		vt   string
		want int
	}{{768, "", 768}, {768, workloads.VectorFloat, 768}, {768, workloads.VectorBFloat16, 384}, {769, workloads.VectorFloat16, 385}, {3, workloads.VectorInt8, 1}, {1024, workloads.VectorBinary, 32}, {8, workloads.VectorBinary, 1}} {
		if got, _ := sizingDim(tt.dim, tt.vt); got != tt.want {
			t.Errorf("sizingDim(%d, %s) = %d, want %d", tt.dim, tt.vt, got, tt.want)
		}
	}
}
