package milvus_test

import (
	"testing"
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
