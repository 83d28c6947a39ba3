package tuner

import (
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// TestIteratorAnsweredApart: each batch size is its own question, like a
// range radius: a faster iteration in bigger batches does not answer for
// smaller ones, and each answer names its batch size and limit.
func TestIteratorAnsweredApart(t *testing.T) {
	flat := workloads.IndexConfig{Type: "FLAT"}
	trial := func(id, batch int, qps float64) bench.Trial {
		return bench.Trial{ID: id, Index: flat, Search: bench.SearchInfo{TopK: 5000, NQ: 1, Selectivity: 1, Kind: workloads.KindIterator,
			Iterator: &workloads.IteratorPoint{BatchSize: batch, Limit: 5000}},
			Load: bench.LoadInfo{Model: workloads.LoadClosed, Concurrency: 1}, Recall: 1, QPS: qps, QueriesPerS: qps, Requests: 100,
			LatencyMS: bench.LatencyMS{P99: 10, P95: 9}}
	}
	res := &bench.Result{Dataset: datasets.Info{Size: 20000, Dim: 64}, Provenance: bench.Provenance{Cores: 2, Target: bench.TargetInfo{Kind: "embedded"}},
		Trials: []bench.Trial{trial(1, 100, 20), trial(2, 1000, 90)}}
	rec, err := Recommend(res, Inputs{Goals: workloads.Goals{Recall: 0.95}, Pricing: defaults(t)})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"iterator batch_size=100,limit=5000", "iterator batch_size=1000,limit=5000"}
	if len(rec.Answers) != len(want) {
		t.Fatalf("%d answers, want %d: %+v", len(rec.Answers), len(want), rec.Answers)
	}
	for i, a := range rec.Answers {
		if a.Shape.Kind != want[i] || a.Choice == nil || a.Choice.TrialIDs[0] != i+1 {
			t.Errorf("answer %d: shape %q choice %+v, want %q from trial %d", i, a.Shape.Kind, a.Choice, want[i], i+1)
		}
	}
}
