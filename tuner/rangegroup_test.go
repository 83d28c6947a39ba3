package tuner

import (
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// TestRangeGroupAnsweredApart: each radius and each group size is its
// own question: a faster trial at another radius or group size does not
// answer for it, and the answer names the request.
func TestRangeGroupAnsweredApart(t *testing.T) {
	hnsw := workloads.IndexConfig{Type: "HNSW", Build: workloads.Params{"M": int64(16)}}
	trial := func(id int, r *workloads.RangePoint, g *workloads.GroupPoint, qps float64) bench.Trial {
		kind := workloads.KindANN
		switch {
		case r != nil:
			kind = workloads.KindRange
		case g != nil:
			kind = workloads.KindGroup
		}
		return bench.Trial{ID: id, Index: hnsw, Search: bench.SearchInfo{Params: workloads.Params{"ef": int64(32)}, TopK: 10, NQ: 1, Selectivity: 1, Kind: kind, Range: r, Group: g},
			Load: bench.LoadInfo{Model: workloads.LoadClosed, Concurrency: 1}, Recall: 0.99, QPS: qps, QueriesPerS: qps, Requests: 100,
			LatencyMS: bench.LatencyMS{P99: 1, P95: 1}}
	}
	res := &bench.Result{Dataset: datasets.Info{Size: 20000, Dim: 64}, Provenance: bench.Provenance{Cores: 2, Target: bench.TargetInfo{Kind: "embedded"}},
		Trials: []bench.Trial{
			trial(1, &workloads.RangePoint{Radius: 0.5}, nil, 3000),
			trial(2, &workloads.RangePoint{Radius: 0.7}, nil, 2000),
			trial(3, nil, &workloads.GroupPoint{Field: "doc", GroupSize: 1}, 2500),
			trial(4, nil, &workloads.GroupPoint{Field: "doc", GroupSize: 3}, 1500),
		}}
	rec, err := Recommend(res, Inputs{Goals: workloads.Goals{Recall: 0.95}, Pricing: defaults(t)})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"range radius=0.5", "range radius=0.7", "group doc:1", "group doc:3"}
	if len(rec.Answers) != len(want) {
		t.Fatalf("%d answers, want %d: %+v", len(rec.Answers), len(want), rec.Answers)
	}
	for i, a := range rec.Answers {
		if a.Shape.Kind != want[i] || a.Choice == nil || a.Choice.TrialIDs[0] != i+1 {
			t.Errorf("answer %d: shape %q choice %+v, want %q from trial %d", i, a.Shape.Kind, a.Choice, want[i], i+1)
		}
	}
}
