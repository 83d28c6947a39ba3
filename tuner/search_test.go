package tuner

import (
	"context"
	"math"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// model is a deterministic stand-in for a target: recall rises and speed
// falls with the search parameters, two cores saturate, and batching
// queries (nq) amortises part of each request's cost.
type model struct {
	index  *workloads.IndexConfig
	trials []bench.Trial
	recall int // recall passes
	// batchExp is, per index type, the exponent of a request's cost in nq
	// (default 0.8: a batch of nq costs nq^0.8 single queries).
	batchExp map[string]float64
}

func (m *model) recallOf(idx workloads.IndexConfig, p workloads.Params) float64 {
	switch idx.Type {
	case "HNSW":
		return max(0, 1-4/(float64(p.Int("ef", 0))*float64(idx.Build.Int("M", 16))/8))
	case "IVF_FLAT":
		return 1 - 0.8/float64(p.Int("nprobe", 1))
	}
	return 1
}

// costMS is the service time of one request.
func (m *model) costMS(idx workloads.IndexConfig, pt workloads.SearchPoint) float64 {
	per := 2.0 // FLAT
	switch idx.Type {
	case "HNSW":
		per = 0.002 * float64(pt.Params.Int("ef", 0)) * (float64(idx.Build.Int("M", 16))/16 + 0.5)
	case "IVF_FLAT":
		per = 0.05 * float64(pt.Params.Int("nprobe", 1))
	}
	exp, ok := m.batchExp[idx.Type]
	if !ok {
		exp = 0.8
	}
	return per * math.Pow(float64(pt.NQ), exp)
}

func (m *model) Build(_ context.Context, cfg workloads.IndexConfig) error {
	m.index = &cfg
	return nil
}

func (m *model) Unbuild(context.Context) error {
	m.index = nil
	return nil
}

func (m *model) Recall(_ context.Context, pt workloads.SearchPoint) (float64, error) {
	m.recall++
	return m.recallOf(*m.index, pt.Params), nil
}

func (m *model) Measure(_ context.Context, pt workloads.SearchPoint) ([]bench.Trial, error) {
	cost := m.costMS(*m.index, pt)
	queue := max(1, float64(pt.Concurrency)/2)
	qps := float64(pt.Concurrency) / (cost * queue) * 1000
	tr := bench.Trial{
		ID: len(m.trials) + 1, Index: *m.index,
		Search:      bench.SearchInfo{Params: pt.Params, TopK: pt.TopK, NQ: pt.NQ, Selectivity: pt.Selectivity},
		Load:        bench.LoadInfo{Model: workloads.LoadClosed, Concurrency: pt.Concurrency, Repeat: pt.Repeat},
		Recall:      m.recallOf(*m.index, pt.Params),
		QPS:         qps,
		QueriesPerS: qps * float64(pt.NQ),
		Requests:    1000,
		LatencyMS:   bench.LatencyMS{P50: cost * queue, P95: 1.3 * cost * queue, P99: 1.5 * cost * queue},
	}
	m.trials = append(m.trials, tr)
	return []bench.Trial{tr}, nil
}

func (m *model) result(spec *workloads.Spec) *bench.Result {
	return &bench.Result{Workload: spec, Dataset: datasets.Info{Size: spec.Dataset.Size, Dim: spec.Dataset.Dim},
		Provenance: bench.Provenance{Cores: 2, Target: bench.TargetInfo{Kind: "embedded"}}, Trials: m.trials}
}

const sweep = `name: sweep
dataset: {size: 200000, dim: 128}
indexes:
  - type: FLAT
  - type: HNSW
    build: {M: [8, 16], efConstruction: 100}
    search: {ef: [10, 20, 40, 80, 160, 320]}
  - type: IVF_FLAT
    build: {nlist: 256}
    search: {nprobe: [1, 2, 4, 8, 16, 32, 64, 128]}
search: {topk: 10, nq: [1, 10, 50]}
load: {concurrency: [1, 2, 4]}
`

// TestTuneMatchesGrid checks that the adaptive search reaches the grid's
// recommendation, for each kind of goal, with a fraction of its trials.
func TestTuneMatchesGrid(t *testing.T) {
	tests := []struct {
		name      string
		goals     string
		batchExp  map[string]float64
		want      string
		maxShare  float64
		wantError bool
	}{
		// By hand: HNSW M=16 needs ef ≥ 40 (1−4/80 = 0.95), 0.08 ms per
		// query; M=8 needs ef 80 at 0.08 ms too, but more recall passes;
		// IVF needs nprobe 16 at 0.8 ms. nq=50 costs 50^0.8 = 22.9× one
		// query: 1.83 ms, p99 at c=4 is 2·1.5·1.83 = 5.5 ms > 5, at c=2
		// 2.75 ms: 50 queries per 1.83 ms on 2 cores.
		{"recall and p99", "goals: {recall: 0.95, p99: 5ms}", nil, "HNSW(M=16,efConstruction=100) ef=40 nq=50", 0.4, false},
		// A tight p99 rules out big batches: nq=10 costs 6.3× (0.50 ms),
		// p99 at c=2 is 0.76 ms; nq=50 at c=1 2.75 ms.
		{"tight p99", "goals: {recall: 0.95, p99: 1ms}", nil, "HNSW(M=16,efConstruction=100) ef=40 nq=1", 0.4, false},
		// IVF batches well (a request of 50 costs 50^0.3 = 3.2 queries):
		// 2 cores / (0.8 ms × 3.2) × 50 = 38.7k queries/s at nq=50 beats
		// HNSW's 2 / (0.12 ms × 50^0.9) × 50 = 24.6k, though IVF is 7× slower
		// at nq=1: the probe must compare at HNSW's best point, not nq=1.
		{"batching favours IVF", "goals: {recall: 0.95, p99: 20ms}", map[string]float64{"IVF_FLAT": 0.3, "HNSW": 0.9},
			"IVF_FLAT(nlist=256) nprobe=16 nq=50", 0.4, false},
		// Latency alone: the most thorough ef within 0.2 ms p99 at c=1,
		// nq=1: ef ≤ 0.2/(1.5·0.002·1.5) = 44 for M=16 (recall 0.95), ≤ 66 for
		// M=8 (ef 40, recall 0.9): the most accurate is M=16 ef=40.
		{"latency only", "goals: {p99: 200us}", nil, "HNSW(M=16,efConstruction=100) ef=40 nq=1", 0.4, false},
		{"no goals", "goals: {qps: 100}", nil, "", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := workloads.Parse("sweep.yaml", []byte(sweep+tt.goals+"\n"), func(string) (string, bool) { return "", false })
			if err != nil {
				t.Fatal(err)
			}
			plan := workloads.NewPlan(spec)
			grid := &model{batchExp: tt.batchExp}
			for _, b := range plan.Builds {
				_ = grid.Build(context.Background(), b.Index)
				for _, pt := range b.Points {
					_, _ = grid.Measure(context.Background(), pt)
				}
			}
			tuned := &model{batchExp: tt.batchExp}
			info, err := Tune(context.Background(), tuned, plan, nil)
			if tt.wantError {
				if err == nil {
					t.Fatal("tune without a recall or latency goal did not fail")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			in := Inputs{Goals: spec.Goals, Pricing: defaults(t)}
			want, err := Recommend(grid.result(spec), in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Recommend(tuned.result(spec), in)
			if err != nil {
				t.Fatal(err)
			}
			if !want.Answers[0].Met || !got.Answers[0].Met {
				t.Fatalf("no answer: grid %s / tune %s", want.Answers[0].Summary, got.Answers[0].Summary)
			}
			g, w := got.Answers[0].Choice.Name(), want.Answers[0].Choice.Name()
			if g != w {
				t.Errorf("tune recommends %s, the grid %s", g, w)
			}
			if tt.want != "" && w != tt.want {
				t.Errorf("grid recommends %s, by hand %s", w, tt.want)
			}
			if info.Trials != len(tuned.trials) || info.GridTrials != len(grid.trials) || info.RecallPasses != tuned.recall {
				t.Errorf("counts %+v: measured %d, grid %d, recall passes %d", info, len(tuned.trials), len(grid.trials), tuned.recall)
			}
			if share := float64(info.Trials) / float64(info.GridTrials); share > tt.maxShare {
				t.Errorf("tune ran %d of %d trials (%.0f%%), want ≤ %.0f%%", info.Trials, info.GridTrials, 100*share, 100*tt.maxShare)
			}
			t.Logf("%s: tune %d trials + %d recall passes, grid %d", g, info.Trials, info.RecallPasses, info.GridTrials)
			for _, l := range info.Log {
				t.Log(l)
			}
		})
	}
}
