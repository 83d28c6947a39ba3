package embedded

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// kindsFields are the fields of the end-to-end workloads: a dense vector,
// a synthetic text field and a synthetic sparse field.
const kindsFields = `fields:
  - {name: vector, type: dense}
  - {name: text, type: text, data: {source: synthetic, vocabulary: 4000, doc_words: 40}}
  - {name: sp, type: sparse, data: {source: synthetic, dims: 4000, nnz: 50, query_nnz: 16}}
`

// kindsRun is what a run of a workload needs, prepared the way
// cmd/milvbench prepares it (openWorkload): the dataset (RowsOnly without
// a dense field), the fields' values, ann ground truth when the search is
// ann, and the other kinds' exact ground truth fused as the Milvus server
// fuses.
type kindsRun struct {
	spec   *workloads.Spec
	plan   *workloads.Plan
	ds     *datasets.Dataset
	fields []*bench.FieldValues
	truths map[float64]bench.Truth
	kt     map[string]*datasets.GroundTruth
}

func prepareKinds(t testing.TB, src string) *kindsRun {
	t.Helper()
	ctx := context.Background()
	spec, err := workloads.Parse("kinds.yaml", []byte(src), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	k := &kindsRun{spec: spec, plan: workloads.NewPlan(spec)}
	if _, dense := spec.DenseField(); !dense {
		k.ds = bench.RowsOnly(spec, spec.Dataset.Size, spec.Dataset.Queries)
	} else if k.ds, err = datasets.NewSynthetic(ctx, spec.Dataset); err != nil {
		t.Fatal(err)
	}
	if k.fields, err = bench.LoadFields(ctx, spec, t.TempDir(), k.ds.Base.Size(), len(k.ds.Queries)); err != nil {
		t.Fatal(err)
	}
	if spec.HasANN() {
		if k.truths, err = bench.Truths(ctx, k.ds, k.plan, datasets.GTCache{}, nil); err != nil {
			t.Fatal(err)
		}
	}
	style := bench.FusionStyleOf(bench.TargetInfo{Kind: "embedded", Version: Version})
	if style != bench.FusionMilvus {
		t.Fatalf("the embedded target fuses as %s, want %s", style, bench.FusionMilvus)
	}
	if k.kt, err = bench.KindTruths(ctx, k.ds, k.fields, k.plan, style, datasets.GTCache{}, nil); err != nil {
		t.Fatal(err)
	}
	return k
}

func (k *kindsRun) runner(tg bench.Target) *bench.Runner {
	return &bench.Runner{Target: tg, Plan: k.plan, Data: k.ds, Truths: k.truths, Fields: k.fields, KindTruths: k.kt,
		Collection: "milvbench_" + k.spec.Name, RunID: "t"}
}

// TestHybridMatchesKindTruths: with exact sub-requests (FLAT on the dense
// field, drop ratios 0 on the others) the target's hybrid answer is
// bench.KindTruths' fused ground truth, id for id, for RRF and for the
// weighted ranker with and without score normalisation.
func TestHybridMatchesKindTruths(t *testing.T) {
	for _, ranker := range []string{
		"ranker: rrf\n    k: [60, 5]",
		"ranker: weighted\n    weights: [[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]]",
		"ranker: weighted\n    weights: [0.6, 0.2, 0.2]\n    norm_score: true",
	} {
		t.Run(strings.Fields(ranker)[1], func(t *testing.T) {
			k := prepareKinds(t, `name: hyb
dataset: {size: 2000, dim: 16, queries: 30, seed: 4, metric: COSINE}
`+kindsFields+`indexes:
  - {type: FLAT}
search:
  kind: hybrid
  topk: 10
  hybrid:
    requests:
      - {field: vector, limit: [10, 30]}
      - {field: text, limit: [20]}
      - {field: sp, limit: [15]}
    `+ranker+`
`)
			ctx := context.Background()
			tg := New()
			r := k.runner(tg)
			if _, err := r.Open(ctx); err != nil {
				t.Fatal(err)
			}
			b := k.plan.Builds[0]
			for _, cfg := range b.Indexes() {
				if err := tg.BuildIndex(ctx, cfg); err != nil {
					t.Fatal(err)
				}
			}
			if err := tg.Load(ctx); err != nil {
				t.Fatal(err)
			}
			values := map[string]*bench.FieldValues{}
			for _, f := range k.fields {
				values[f.Name] = f
			}
			seen := map[string]bool{}
			for _, pt := range b.Points {
				key := bench.TruthKey(b.Indexes(), pt)
				if seen[key] {
					continue
				}
				seen[key] = true
				req := bench.SearchRequest{Kind: workloads.KindHybrid, TopK: pt.TopK, Hybrid: pt.Hybrid, Subs: make([]bench.SubQueries, len(pt.Hybrid.Requests))}
				for i, sub := range pt.Hybrid.Requests {
					switch sub.Kind {
					case workloads.KindANN:
						req.Subs[i].Vectors = k.ds.Queries
					case workloads.KindSparse:
						req.Subs[i].Sparse = values[sub.Field].SparseQueries
					case workloads.KindBM25:
						req.Subs[i].Texts = values[sub.Field].TextQueries
					}
				}
				res, err := tg.Search(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				gt := k.kt[key]
				for q, ids := range res.IDs {
					want := gt.IDs[q][:min(pt.TopK, len(gt.IDs[q]))]
					if !slices.Equal(ids, want) {
						t.Errorf("%s query %d: %v, fused ground truth %v", pt.Hybrid, q, ids, want)
					}
					if r := bench.Recall(gt, q, pt.TopK, ids); r != 1 {
						t.Errorf("%s query %d: recall %.3f", pt.Hybrid, q, r)
					}
				}
			}
			if len(seen) < 2 {
				t.Errorf("%d hybrid points checked, want every limit and ranker setting", len(seen))
			}
		})
	}
}

// TestKindsThroughRunner runs sparse, bm25 and hybrid workloads through
// bench.Runner on the embedded target: recall 1 at drop_ratio_search 0
// for every algorithm, below 1 (and above 0) at 0.6.
func TestKindsThroughRunner(t *testing.T) {
	load := "load: {model: closed, concurrency: [2], warmup: 0s, duration: 150ms}\n"
	for _, tc := range []struct {
		name, src string
	}{
		{"sparse", `dataset: {size: 3000, dim: 8, queries: 40, seed: 2}
` + kindsFields + `indexes:
  - type: SPARSE_INVERTED_INDEX
    field: sp
    build: {inverted_index_algo: [DAAT_MAXSCORE, DAAT_WAND, TAAT_NAIVE]}
    search: {drop_ratio_search: [0, 0.6]}
search: {kind: sparse, topk: 10, nq: [1, 4]}
`},
		{"bm25", `dataset: {size: 3000, queries: 40, seed: 3}
fields:
  - {name: text, type: text, data: {source: synthetic, vocabulary: 4000, doc_words: 40, query_words: [3, 8]}}
  - {name: sp, type: sparse, data: {source: synthetic, dims: 4000, nnz: 50, query_nnz: 16}}
indexes:
  - type: SPARSE_INVERTED_INDEX
    field: text
    build: {inverted_index_algo: [DAAT_MAXSCORE, DAAT_WAND, TAAT_NAIVE], bm25_k1: [1.2, 1.6], bm25_b: 0.75}
    search: {drop_ratio_search: [0, 0.6]}
search: {kind: bm25, topk: 10}
`},
		{"hybrid", `dataset: {size: 3000, dim: 8, queries: 40, seed: 5}
` + kindsFields + `indexes:
  - type: SPARSE_INVERTED_INDEX
    field: sp
    search: {drop_ratio_search: [0, 0.6]}
search:
  kind: hybrid
  topk: 10
  hybrid:
    requests:
      - {field: vector, limit: [20]}
      - {field: text, limit: [20], params: {drop_ratio_search: [0]}}
      - {field: sp, limit: [20]}
    ranker: rrf
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := prepareKinds(t, "name: "+tc.name+"\n"+tc.src+load)
			tg := New()
			res, err := k.runner(tg).Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Trials) != k.plan.Trials() || len(res.Trials) == 0 {
				t.Fatalf("%d trials, plan has %d", len(res.Trials), k.plan.Trials())
			}
			for _, tr := range res.Trials {
				drop := tr.Search.Params.Float("drop_ratio_search", 0)
				what := fmt.Sprintf("%s %s drop_ratio_search=%g nq=%d", tc.name, workloads.FormatParams(tr.Index.Build), drop, tr.Search.NQ)
				t.Logf("%s: recall %.3f, %.0f qps, p50 %.2fms, index %d bytes", what, tr.Recall, tr.QPS, tr.LatencyMS.P50, tr.IndexBytes)
				if tr.Errors.Total > 0 || tr.Requests == 0 {
					t.Errorf("%s: %d requests, %d errors", what, tr.Requests, tr.Errors.Total)
				}
				switch {
				case drop == 0 && tr.Recall != 1:
					t.Errorf("%s: recall %.4f, want 1", what, tr.Recall)
				case drop > 0 && (tr.Recall >= 1 || tr.Recall <= 0):
					t.Errorf("%s: recall %.4f, want in (0, 1)", what, tr.Recall)
				}
				if tr.IndexBytes <= 0 {
					t.Errorf("%s: index_memory_bytes %d", what, tr.IndexBytes)
				}
			}
		})
	}
}
