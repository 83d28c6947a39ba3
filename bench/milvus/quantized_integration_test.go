package milvus_test

import (
	"context"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/bench/milvus"
	"github.com/milvbench/milvbench/workloads"
)

// TestHNSWSQOnMilvus builds HNSW_SQ with Milvus's parameter names (sq_type,
// refine, refine_type, refine_k) on the server: SQ8 alone, SQ8 refined with
// a float32 copy over 2·topk candidates, and FP16. Every trial answers
// without errors, and each config's recall at a wide beam is high: the
// server took the parameters as a valid HNSW_SQ. Milvus Lite 3.x accepts
// HNSW_SQ on FLOAT_VECTOR fields; it has no FLOAT16, BFLOAT16 or INT8
// vector fields (refused at validate for the milvus target).
func TestHNSWSQOnMilvus(t *testing.T) {
	uri := serverURI(t)
	if err := fieldsTargetPlain(t).CheckIndex(workloads.IndexConfig{Type: "HNSW_SQ"}); err != nil {
		t.Skip(err) // Milvus 2.6+; make test-standalone runs 2.3
	}
	src := `name: it_hnsw_sq
dataset: {size: 3000, dim: 32, queries: 50}
indexes:
  - type: HNSW_SQ
    build: {M: 16, efConstruction: 64, sq_type: SQ8}
    search: {ef: [10, 128]}
  - type: HNSW_SQ
    build: {M: 16, efConstruction: 64, sq_type: SQ8, refine: true, refine_type: FP32}
    search: {ef: [10, 128], refine_k: 2}
  - type: HNSW_SQ
    build: {M: 16, efConstruction: 64, sq_type: FP16}
    search: {ef: [10, 128]}
search: {topk: 10}
load: {duration: 300ms}
`
	trials := runSpec(t, uri, src, t.TempDir())
	if len(trials) != 6 {
		t.Fatalf("%d trials, want 6", len(trials))
	}
	for _, tr := range trials {
		t.Logf("%s %v: recall %.4f qps %.0f memory %d", tr.Index, tr.Search.Params, tr.Recall, tr.QPS, tr.IndexBytes)
		if tr.Search.Params.Int("ef", 0) == 128 && tr.Recall < 0.9 {
			t.Errorf("%s at ef=128: recall %.4f, want ≥ 0.9", tr.Index, tr.Recall)
		}
	}
}

// TestFloat16OnMilvus sends a float16 workload to the server: a server
// with FLOAT16_VECTOR fields (Milvus 2.4+) runs it, and FLAT must then be
// exact against the float16 ground truth; Milvus Lite 3.x, which has no
// such fields, refuses the collection in Create, before any row is sent,
// with an error naming the type.
func TestFloat16OnMilvus(t *testing.T) {
	uri := serverURI(t)
	for _, vt := range []string{"float16", "bfloat16"} {
		t.Run(vt, func(t *testing.T) {
			spec, err := workloads.Parse("w.yaml", []byte("name: it_"+vt+"\ndataset: {size: 2000, dim: 16, queries: 20, vector_type: "+vt+"}\nindexes: [{type: FLAT}]\nload: {duration: 300ms}\n"), noEnv)
			if err != nil {
				t.Fatal(err)
			}
			plan, ds, truths, cfg := prepare(t, spec, uri, t.TempDir())
			ctx := context.Background()
			tgt, err := milvus.New(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer tgt.Close()
			r := &bench.Runner{Target: tgt, Plan: plan, Data: ds, Truths: truths, Collection: "milvbench_it_" + vt, RunID: "it-" + vt}
			res, err := r.Run(ctx)
			if err != nil {
				if !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(vt)+"vector") && !strings.Contains(err.Error(), vt+" vectors needs Milvus 2.4 or later") {
					t.Fatalf("err = %v, want the server's refusal naming %sVector", err, vt)
				}
				t.Logf("the server refuses %s vector fields: %v", vt, err)
				return
			}
			for _, tr := range res.Trials {
				if tr.Recall != 1 || tr.Errors.Total != 0 {
					t.Errorf("FLAT over %s: recall %g, %d errors (%s)", vt, tr.Recall, tr.Errors.Total, tr.Errors.Last)
				}
			}
		})
	}
}
