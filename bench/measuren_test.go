package bench_test

import (
	"context"
	"testing"

	"github.com/milvbench/milvbench/workloads"
)

// TestMeasureN checks that MeasureN sends exactly n requests, whatever the
// concurrency, and that FLAT answers them exactly.
func TestMeasureN(t *testing.T) {
	src := `name: measuren
dataset: {size: 2000, dim: 8, queries: 50, seed: 5}
indexes: [{type: FLAT}]
search: {topk: 5, nq: [1, 3]}
load: {concurrency: 1, duration: 100ms}
`
	r := embeddedRunner(t, src)
	ctx, plan, ds := context.Background(), r.Plan, r.Data
	s, err := r.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if _, err := s.MeasureN(ctx, plan.Builds[0].Points[0], 1); err == nil {
		t.Error("MeasureN before Build: want an error")
	}
	if err := s.Build(ctx, plan.Builds[0].Index); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ n, conc, nq int }{{1, 1, 1}, {7, 3, 1}, {120, 4, 3}, {2, 8, 1}}
	for _, tc := range tests {
		pt := workloads.SearchPoint{TopK: 5, NQ: tc.nq, Concurrency: tc.conc, Selectivity: 1, Repeat: 1}
		tr, err := s.MeasureN(ctx, pt, tc.n)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Requests != int64(tc.n) || tr.Errors.Total != 0 {
			t.Errorf("n=%d c=%d: %d requests, %d errors", tc.n, tc.conc, tr.Requests, tr.Errors.Total)
		}
		if want := min(tc.n*tc.nq, len(ds.Queries)); tr.RecallN != want || tr.Recall != 1 {
			t.Errorf("n=%d nq=%d: recall %g over %d queries, want 1 over %d", tc.n, tc.nq, tr.Recall, tr.RecallN, want)
		}
		if tr.LatencyMS.P99 <= 0 || tr.QPS <= 0 {
			t.Errorf("n=%d: no latency or QPS: %+v", tc.n, tr.LatencyMS)
		}
	}
	if len(s.Result().Trials) != 0 {
		t.Errorf("MeasureN added %d trials to the session's result", len(s.Result().Trials))
	}
}
