package bench_test

import (
	"context"
	"testing"
)

// TestIndexVectorTypeTruth runs FLAT over float data and FLAT over the
// same data stored as float16 and as bfloat16 (index entries' own
// vector_type): each is exact over the values it stores, so each must
// score recall 1 against its own type's ground truth, and the run
// refuses to start without that ground truth.
func TestIndexVectorTypeTruth(t *testing.T) {
	src := `name: vt
dataset: {size: 3000, dim: 8, queries: 50, distribution: gaussian}
indexes:
  - {type: FLAT}
  - {type: FLAT, vector_type: float16}
  - {type: FLAT, vector_type: bfloat16}
search: {topk: 10}
load: {duration: 100ms, warmup: 0s}
`
	r := embeddedRunner(t, src)
	for sel, tr := range r.Truths {
		if tr.Typed["float16"] == nil || tr.Typed["bfloat16"] == nil || tr.Typed["float"] != nil {
			t.Fatalf("selectivity %g: typed truths %v", sel, tr.Typed)
		}
	}
	res, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Trials) != 3 {
		t.Fatalf("%d trials, want 3", len(res.Trials))
	}
	for _, tr := range res.Trials {
		if tr.Recall != 1 {
			t.Errorf("%s recall %.4f, want 1 against ground truth over its own vector type", tr.Index, tr.Recall)
		}
	}
	// Without the typed truths the run does not start.
	r2 := embeddedRunner(t, src)
	for sel, tr := range r2.Truths {
		tr.Typed = nil
		r2.Truths[sel] = tr
	}
	if _, err := r2.Run(context.Background()); err == nil {
		t.Error("ran without ground truth over float16")
	}
}
