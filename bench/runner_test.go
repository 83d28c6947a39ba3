package bench_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/bench/embedded"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// TestRunEmbedded runs a small plan end to end on the embedded target: FLAT
// must be exact and HNSW recall must not fall as ef grows.
func TestRunEmbedded(t *testing.T) {
	src := `name: e2e
dataset: {size: 3000, dim: 16, queries: 200, seed: 7}
indexes:
  - type: FLAT
  - type: HNSW
    build: {M: 8, efConstruction: 40}
    search: {ef: [10, 40, 160]}
search: {topk: 10, nq: [1, 4]}
load: {concurrency: 2, warmup: 20ms, duration: 150ms}
`
	r := embeddedRunner(t, src)
	ctx, plan := context.Background(), r.Plan
	res, err := r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Trials) != plan.Trials() {
		t.Fatalf("%d trials, plan has %d", len(res.Trials), plan.Trials())
	}
	recallAt := map[int64]float64{}
	for _, tr := range res.Trials {
		if tr.Errors.Total != 0 || tr.QPS <= 0 || tr.Requests == 0 || tr.LatencyMS.P99 <= 0 || tr.Histogram == "" {
			t.Errorf("trial %d: %+v", tr.ID, tr)
		}
		if tr.LatencyMS.P50 > tr.LatencyMS.P99 || tr.LatencyMS.P99 > tr.LatencyMS.Max {
			t.Errorf("trial %d: percentiles out of order %+v", tr.ID, tr.LatencyMS)
		}
		if tr.Load.WindowS < 0.15 {
			t.Errorf("trial %d: window %.3fs shorter than duration", tr.ID, tr.Load.WindowS)
		}
		if tr.QueriesPerS != tr.QPS*float64(tr.Search.NQ) {
			t.Errorf("trial %d: queries/s %g != qps %g × nq %d", tr.ID, tr.QueriesPerS, tr.QPS, tr.Search.NQ)
		}
		switch tr.Index.Type {
		case "FLAT":
			if tr.Recall != 1 {
				t.Errorf("FLAT recall %g, want 1", tr.Recall)
			}
		case "HNSW":
			if tr.TimingsS.Build <= 0 || tr.IndexBytes <= 0 {
				t.Errorf("HNSW timings %+v memory %d", tr.TimingsS, tr.IndexBytes)
			}
			if tr.Search.NQ == 1 {
				recallAt[tr.Search.Params["ef"].(int64)] = tr.Recall
			}
		}
	}
	if !(recallAt[10] <= recallAt[40] && recallAt[40] <= recallAt[160] && recallAt[160] > 0.95) {
		t.Errorf("HNSW recall by ef: %v", recallAt)
	}
	if res.Provenance.Target.Kind != "embedded" || res.Dataset.Checksum == "" || res.Provenance.Started.After(time.Now()) {
		t.Errorf("provenance %+v dataset %+v", res.Provenance, res.Dataset)
	}
}

func TestRunRefusesUnsupportedIndexBeforeWork(t *testing.T) {
	spec, err := workloads.Parse("x.yaml", []byte("name: x\ndataset: {size: 100, dim: 8}\nindexes: [{type: DISKANN}]\n"), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	tgt := embedded.New()
	r := &bench.Runner{Target: tgt, Plan: workloads.NewPlan(spec), Collection: "milvbench_x"}
	if _, err := r.Run(context.Background()); err == nil {
		t.Fatal("DISKANN accepted by the embedded target")
	}
}

// TestRunEmbeddedFiltered: under int and category filters, exhaustive
// searches are exact against the filtered ground truth and HNSW stays high
// (including the brute-force path for a 1% filter).
func TestRunEmbeddedFiltered(t *testing.T) {
	for _, kind := range []string{"int", "category"} {
		t.Run(kind, func(t *testing.T) {
			src := `name: filt
dataset: {size: 4000, dim: 16, queries: 100, seed: 3, labels: ` + kind + `}
indexes:
  - type: FLAT
  - type: IVF_FLAT
    build: {nlist: 16}
    search: {nprobe: 16}
  - type: HNSW
    build: {M: 12, efConstruction: 80}
    search: {ef: 128}
search: {topk: 10, selectivity: [1, 0.3, 0.01]}
load: {concurrency: 1, duration: 100ms}
`
			spec, err := workloads.Parse("f.yaml", []byte(src), func(string) (string, bool) { return "", false })
			if err != nil {
				t.Fatal(err)
			}
			plan := workloads.NewPlan(spec)
			ctx := context.Background()
			ds, _, err := datasets.Open(ctx, spec.Dataset, ".")
			if err != nil {
				t.Fatal(err)
			}
			truths, err := bench.Truths(ctx, ds, plan, datasets.GTCache{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			r := &bench.Runner{Target: embedded.New(), Plan: plan, Data: ds, Truths: truths, Collection: "milvbench_filt", RunID: "t"}
			res, err := r.Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, tr := range res.Trials {
				want := 1.0
				if tr.Index.Type == "HNSW" {
					want = 0.9
				}
				if tr.Recall < want {
					t.Errorf("%s selectivity %g (%s): recall %g, want ≥ %g", tr.Index.Type, tr.Search.Selectivity, tr.Search.Filter, tr.Recall, want)
				}
			}
		})
	}
}

// TestRunEmbeddedFileDatasets: workloads reading fvecs and parquet files run
// on the embedded target, FLAT exact against the harness's ground truth.
func TestRunEmbeddedFileDatasets(t *testing.T) {
	ctx := context.Background()
	gen, err := datasets.NewSynthetic(ctx, workloads.DatasetSpec{Source: "synthetic", Distribution: "clustered", Clusters: 8, Size: 1500, Dim: 16, Queries: 40, Seed: 2, Metric: workloads.L2})
	if err != nil {
		t.Fatal(err)
	}
	var base [][]float32
	_ = gen.Base.Scan(ctx, 500, func(_ int64, vecs [][]float32) error {
		for _, v := range vecs {
			base = append(base, append([]float32(nil), v...))
		}
		return nil
	})
	tests := []struct {
		name, src string
		write     func(dir string) error
	}{
		{"fvecs", "dataset: {source: fvecs, base_file: b.fvecs, query_file: q.fvecs}", func(dir string) error {
			if err := datasets.WriteFvecs(filepath.Join(dir, "b.fvecs"), base); err != nil {
				return err
			}
			return datasets.WriteFvecs(filepath.Join(dir, "q.fvecs"), gen.Queries)
		}},
		{"parquet", "dataset: {source: parquet, path: .}", func(dir string) error {
			if err := datasets.WriteParquetVectors(filepath.Join(dir, "train.parquet"), 0, base); err != nil {
				return err
			}
			return datasets.WriteParquetVectors(filepath.Join(dir, "test.parquet"), 0, gen.Queries)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := tt.write(dir); err != nil {
				t.Fatal(err)
			}
			src := "name: files\n" + tt.src + "\nindexes: [{type: FLAT}, {type: HNSW, build: {M: 8, efConstruction: 64}, search: {ef: 64}}]\nload: {duration: 100ms}\n"
			spec, err := workloads.Parse(filepath.Join(dir, "w.yaml"), []byte(src), func(string) (string, bool) { return "", false })
			if err != nil {
				t.Fatal(err)
			}
			ds, _, err := datasets.Open(ctx, spec.Dataset, dir)
			if err != nil {
				t.Fatal(err)
			}
			if ds.Info.Size != len(base) || ds.Info.Queries != len(gen.Queries) {
				t.Fatalf("read %d×%d, %d queries", ds.Info.Size, ds.Info.Dim, ds.Info.Queries)
			}
			plan := workloads.NewPlan(spec)
			truths, err := bench.Truths(ctx, ds, plan, datasets.GTCache{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			r := &bench.Runner{Target: embedded.New(), Plan: plan, Data: ds, Truths: truths, Collection: "milvbench_files", RunID: "t"}
			res, err := r.Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if res.Trials[0].Recall != 1 || res.Trials[1].Recall < 0.9 {
				t.Errorf("recall FLAT %g HNSW %g", res.Trials[0].Recall, res.Trials[1].Recall)
			}
		})
	}
}

// TestSessionRecall drives a session by hand, as the tuner does: quick
// recall is exact for FLAT, rises with HNSW ef, and agrees with the recall
// a measured trial reports for the same point.
func TestSessionRecall(t *testing.T) {
	src := `name: sess
dataset: {size: 3000, dim: 16, queries: 200, seed: 3}
indexes:
  - type: HNSW
    build: {M: 8, efConstruction: 40}
search: {topk: 10, nq: [1, 7]}
load: {concurrency: 1, duration: 100ms}
`
	r := embeddedRunner(t, src)
	ctx, ds := context.Background(), r.Data
	s, err := r.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Rows() != 3000 {
		t.Errorf("Rows() = %d, want 3000", s.Rows())
	}
	tests := []struct {
		index  workloads.IndexConfig
		params workloads.Params
		nq     int
		exact  bool
	}{
		{workloads.IndexConfig{Type: "FLAT"}, nil, 1, true},
		{workloads.IndexConfig{Type: "FLAT"}, nil, 7, true},
		{workloads.IndexConfig{Type: "HNSW", Build: workloads.Params{"M": int64(8), "efConstruction": int64(40)}}, workloads.Params{"ef": int64(10)}, 1, false},
		{workloads.IndexConfig{Type: "HNSW", Build: workloads.Params{"M": int64(8), "efConstruction": int64(40)}}, workloads.Params{"ef": int64(200)}, 7, false},
	}
	var hnsw []float64
	for _, tt := range tests {
		if err := s.Build(ctx, tt.index); err != nil {
			t.Fatal(err)
		}
		pt := workloads.SearchPoint{Params: tt.params, TopK: 10, NQ: tt.nq, Concurrency: 1, Selectivity: 1, Repeat: 1}
		got, err := s.Recall(ctx, pt)
		if err != nil {
			t.Fatal(err)
		}
		trials, err := s.Measure(ctx, pt)
		if err != nil {
			t.Fatal(err)
		}
		// The measured window may not reach every query on a slow machine;
		// when it does, both recalls average the same answers.
		if len(trials) != 1 || (trials[0].RecallN == len(ds.Queries) && trials[0].Recall != got) {
			t.Errorf("%s %v nq=%d: quick recall %g, measured trial %+v", tt.index, tt.params, tt.nq, got, trials)
		}
		if tt.exact && got != 1 {
			t.Errorf("FLAT nq=%d recall %g, want 1", tt.nq, got)
		}
		if !tt.exact {
			hnsw = append(hnsw, got)
		}
		if err := s.Unbuild(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if !(hnsw[0] < hnsw[1] && hnsw[1] > 0.95) {
		t.Errorf("HNSW recall ef=10 %g, ef=200 %g", hnsw[0], hnsw[1])
	}
	res, err := s.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Trials) != len(tests) || res.Trials[3].ID != 4 || res.Trials[3].Load.Repeat != 1 {
		t.Errorf("result trials %d, last %+v", len(res.Trials), res.Trials[len(res.Trials)-1].Load)
	}
}
