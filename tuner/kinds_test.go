package tuner

import (
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// TestKindsAnsweredApart: a hybrid request and the dense request on the
// same index answer different questions, so each kind gets its own answer
// (the faster dense one does not win over the hybrid), hybrid requests with
// different limits are different configs, and the answer names the
// request; sparse-only answers carry no dense rule of thumb.
func TestKindsAnsweredApart(t *testing.T) {
	hnsw := workloads.IndexConfig{Type: "HNSW", Build: workloads.Params{"M": int64(16)}, Field: "vector"}
	hy := func(limit int) *workloads.HybridPoint {
		return &workloads.HybridPoint{Ranker: workloads.RankerRRF, K: 60, Requests: []workloads.SubRequest{
			{Field: "vector", Kind: workloads.KindANN, Limit: limit}, {Field: "text", Kind: workloads.KindBM25, Limit: 20}}}
	}
	trial := func(id int, ix workloads.IndexConfig, kind string, h *workloads.HybridPoint, recall, qps float64) bench.Trial {
		return bench.Trial{ID: id, Index: ix, Search: bench.SearchInfo{Params: workloads.Params{"ef": int64(32)}, TopK: 10, NQ: 1, Selectivity: 1, Kind: kind, Field: ix.Field, Hybrid: h},
			Load: bench.LoadInfo{Model: workloads.LoadClosed, Concurrency: 1}, Recall: recall, QPS: qps, QueriesPerS: qps, Requests: 100,
			LatencyMS: bench.LatencyMS{P99: 1, P95: 1}}
	}
	res := &bench.Result{Dataset: datasets.Info{Size: 20000, Dim: 64}, Provenance: bench.Provenance{Cores: 2, Target: bench.TargetInfo{Kind: "embedded"}},
		Trials: []bench.Trial{
			trial(1, hnsw, workloads.KindANN, nil, 0.98, 30000),
			trial(2, hnsw, workloads.KindHybrid, hy(20), 0.99, 5000),
			trial(3, hnsw, workloads.KindHybrid, hy(50), 0.995, 4000),
		}}
	rec, err := Recommend(res, Inputs{Goals: workloads.Goals{Recall: 0.95}, Pricing: defaults(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Answers) != 2 || rec.Answers[0].Shape.Kind != "" || rec.Answers[1].Shape.Kind != workloads.KindHybrid {
		t.Fatalf("answers %+v", rec.Answers)
	}
	h := rec.Answers[1]
	if h.Choice == nil || !strings.Contains(h.Choice.Name(), "hybrid rrf(k=60)[vector:20,text:20]") || !strings.Contains(h.Summary, "sent as hybrid rrf(k=60)[vector:20,text:20]") {
		t.Errorf("hybrid answer %q: %s", h.Choice.Name(), h.Summary)
	}
	if h.Rule != nil {
		t.Errorf("hybrid answer has the dense rule of thumb: %+v", h.Rule)
	}
	if rec.Answers[0].Rule == nil {
		t.Error("dense answer lost its rule of thumb")
	}
	sp := workloads.IndexConfig{Type: workloads.IndexSparseInverted, Field: "sp"}
	res = &bench.Result{Dataset: datasets.Info{Size: 20000}, Provenance: res.Provenance, Trials: []bench.Trial{trial(1, sp, workloads.KindSparse, nil, 1, 500)}}
	if rec, err = Recommend(res, Inputs{Goals: workloads.Goals{Recall: 0.95}, Pricing: defaults(t)}); err != nil {
		t.Fatal(err)
	}
	if a := rec.Answers[0]; a.Rule != nil || a.Memory != nil || a.Shape.Kind != workloads.KindSparse {
		t.Errorf("sparse answer: rule %+v memory %+v shape %+v", a.Rule, a.Memory, a.Shape)
	}
}
