package bench_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
)

// runSpec parses src and runs it on a fresh embedded target.
func runSpec(t *testing.T, src string) (*bench.Result, *workloads.Plan) {
	t.Helper()
	r := embeddedRunner(t, src)
	ctx, plan := context.Background(), r.Plan
	res, err := r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Trials) != plan.Trials() {
		t.Fatalf("%d trials, plan has %d", len(res.Trials), plan.Trials())
	}
	return res, plan
}

// TestMixedEmbedded runs searches beside insert, delete and upsert streams:
// FLAT must score recall 1 at every checkpoint against the live exact
// ground truth (which only holds if both track the same visible rows),
// and the true neighbours must shift towards the new rows as they arrive.
func TestMixedEmbedded(t *testing.T) {
	res, _ := runSpec(t, `name: mixed
dataset: {size: 6000, dim: 16, queries: 200, seed: 3, preload: 2000}
indexes:
  - type: FLAT
  - type: HNSW
    build: {M: 8, efConstruction: 32}
    search: {ef: 64}
search: {topk: 10}
load: {model: mixed, concurrency: 2, insert_rate: 2000, insert_batch: 50, delete_rate: 300, upsert_rate: 300, checkpoints: 3, warmup: 50ms, duration: 1s}
`)
	for i, tr := range res.Trials {
		if tr.QPS <= 0 || tr.Histogram == "" || tr.Errors.Total != 0 || tr.Load.Model != "mixed" || tr.Load.InsertRate != 2000 {
			t.Errorf("trial %d: search side %+v", tr.ID, tr.Load)
		}
		for _, op := range []string{bench.OpInsert, bench.OpDelete, bench.OpUpsert} {
			st := tr.Operations[op]
			if st == nil || st.Calls == 0 || st.Rows == 0 || st.Errors.Total != 0 || st.Histogram == "" || st.ServiceMS == nil || st.LatencyMS.P99 < st.ServiceMS.P50 {
				t.Fatalf("trial %d: %s stream %+v", tr.ID, op, st)
			}
		}
		ins := tr.Operations[bench.OpInsert]
		// Each write stream has interval series (latency.hlog) whose
		// counts add up to its calls.
		series := map[string]int64{}
		for _, sr := range tr.Series {
			for _, p := range sr.Points {
				series[sr.Op] += p.Count
			}
		}
		for _, op := range []string{bench.OpInsert, bench.OpDelete, bench.OpUpsert} {
			if series[op] != tr.Operations[op].Calls || series[op+"_service"] != tr.Operations[op].Calls {
				t.Errorf("trial %d: %s series counts %v, %d calls", tr.ID, op, series, tr.Operations[op].Calls)
			}
		}
		// 2000 rows/s in calls of 50 for 1s: 40 calls are due; each was
		// sent, or counted unsent when the target fell behind (as a
		// loaded machine under -race can), or when the last call's timer
		// fired after the window ended (the generator late, not the
		// target: no saturation).
		if ins.Calls+ins.Unsent != 40 || ins.Rows != 50*ins.Calls || ins.OfferedRowsPerS != 2000 || (ins.Unsent > 1 && !ins.Saturated) {
			t.Errorf("trial %d: %d calls (%d rows) and %d unsent at 2000 rows/s in calls of 50 for 1s, saturated %v", tr.ID, ins.Calls, ins.Rows, ins.Unsent, ins.Saturated)
		}
		cps := tr.Checkpoints
		if len(cps) != 3 || tr.Mixed == nil || tr.Mixed.PreloadRows != 2000 {
			t.Fatalf("trial %d: checkpoints %+v mixed %+v", tr.ID, cps, tr.Mixed)
		}
		first, last := cps[0], cps[len(cps)-1]
		if !(first.Rows < last.Rows && last.Inserted == ins.Rows && last.Deleted == tr.Operations[bench.OpDelete].Rows) {
			t.Errorf("trial %d: visible rows %d → %d, last %+v", tr.ID, first.Rows, last.Rows, last)
		}
		if want := 2000 + int(ins.Rows) - int(last.Deleted); i == 0 && last.Rows != want {
			t.Errorf("trial %d: %d rows visible at the end, want %d", tr.ID, last.Rows, want)
		}
		if !(first.NewShare < last.NewShare && last.NewShare > 0.1) {
			t.Errorf("trial %d: new rows' share of true neighbours %.3f → %.3f", tr.ID, first.NewShare, last.NewShare)
		}
		for _, cp := range cps {
			if cp.Queries != 200 || cp.Errors != 0 {
				t.Errorf("trial %d: checkpoint %+v", tr.ID, cp)
			}
			switch tr.Index.Type {
			case "FLAT":
				if cp.Recall != 1 || (cp.NewShare > 0 && cp.NewRecall != 1) {
					t.Errorf("FLAT checkpoint at %.2fs: recall %g new %g, want 1", cp.AtS, cp.Recall, cp.NewRecall)
				}
			case "HNSW":
				if cp.Recall < 0.9 {
					t.Errorf("HNSW checkpoint at %.2fs: recall %g", cp.AtS, cp.Recall)
				}
			}
		}
	}
}

// TestMixedRunsOutOfRows offers more rows than the dataset has: the
// insert stream stops when they run out, says so, and never reuses an id.
func TestMixedRunsOutOfRows(t *testing.T) {
	res, _ := runSpec(t, `name: mixedout
dataset: {size: 2000, dim: 8, queries: 50, seed: 3, preload: 1500}
indexes: [{type: FLAT}]
load: {model: mixed, concurrency: 1, insert_rate: [2000, 1000], insert_batch: 100, checkpoints: 2, duration: 500ms}
`)
	total := int64(0)
	for _, tr := range res.Trials {
		total += tr.Operations[bench.OpInsert].Rows
	}
	if total != 500 {
		t.Errorf("%d rows inserted over the trials, want the 500 beyond the preload", total)
	}
	last := res.Trials[len(res.Trials)-1]
	if ex := last.Operations[bench.OpInsert].Exhausted; !strings.Contains(ex, "no rows left") || len(last.Notes) == 0 {
		t.Errorf("exhausted %q, notes %q", ex, last.Notes)
	}
	for _, cp := range last.Checkpoints {
		if cp.Recall != 1 || cp.Rows != 2000 {
			t.Errorf("checkpoint %+v after every row is in", cp)
		}
	}
}

// TestMixedOpenLoopEmbedded runs the mixed model's search stream open loop
// (load.rate) beside an insert stream: the trial carries what an open
// trial carries (offered and achieved rate, the generator's verdict, send
// lag, the latency from the intended send time beside the client-observed
// latency and the service time, each with its histogram), and the writes
// and checkpoints run as with a closed-loop search stream.
func TestMixedOpenLoopEmbedded(t *testing.T) {
	res, _ := runSpec(t, `name: mixedopen
dataset: {size: 4000, dim: 16, queries: 200, seed: 3, preload: 2000}
indexes: [{type: FLAT}]
search: {topk: 10}
load: {model: mixed, rate: [100, 300], insert_rate: 1000, insert_batch: 50, checkpoints: 2, warmup: 100ms, duration: 1s}
`)
	for i, tr := range res.Trials {
		rate := []float64{100, 300}[i]
		l := tr.Load
		if l.Model != workloads.LoadMixed || l.Rate != rate || l.Concurrency != 0 || l.Arrivals != workloads.ArrivalsConstant || l.InsertRate != 1000 {
			t.Fatalf("trial %d: load %+v", tr.ID, l)
		}
		if !strings.Contains(l.Latency, "intended send time") || !strings.Contains(l.Latency, "while the writes run") {
			t.Errorf("trial %d: latency means %q", tr.ID, l.Latency)
		}
		// Constant arrivals for 1s: rate requests scheduled, each sent
		// (and answered: the embedded target does not fail) or counted
		// unsent, which marks the trial generator bound.
		if tr.Requests+l.Unsent != int64(rate) || tr.Errors.Total != 0 || (l.Unsent > 0 && !l.GeneratorBound) {
			t.Errorf("trial %d: %d requests + %d unsent at %g/s for 1s (bound %v)", tr.ID, tr.Requests, l.Unsent, rate, l.GeneratorBound)
		}
		if l.SendLagMS == nil || l.AchievedRate <= 0 || (!l.GeneratorBound && math.Abs(l.AchievedRate/rate-1) > 0.05) {
			t.Errorf("trial %d: achieved %g/s of %g/s, send lag %+v, bound %v (%s)", tr.ID, l.AchievedRate, rate, l.SendLagMS, l.GeneratorBound, l.GeneratorReason)
		}
		if tr.Histogram == "" || tr.ServiceHistogram == "" || tr.ClientHistogram == "" || tr.ClientMS == nil || tr.ServiceMS == nil {
			t.Fatalf("trial %d: histograms latency %t service %t client %t", tr.ID, tr.Histogram != "", tr.ServiceHistogram != "", tr.ClientHistogram != "")
		}
		// Per request: from the intended send ≥ from the actual send ≥
		// the successful attempt; so at every percentile.
		if tr.LatencyMS.P99 < tr.ClientMS.P99 || tr.ClientMS.P99 < tr.ServiceMS.P99 || tr.LatencyMS.P50 < tr.ClientMS.P50 || tr.ClientMS.P50 < tr.ServiceMS.P50 {
			t.Errorf("trial %d: p50/p99 intended %g/%g client %g/%g service %g/%g", tr.ID, tr.LatencyMS.P50, tr.LatencyMS.P99, tr.ClientMS.P50, tr.ClientMS.P99, tr.ServiceMS.P50, tr.ServiceMS.P99)
		}
		h, err := bench.DecodeHistogram(tr.ClientHistogram)
		if err != nil || h.TotalCount() != tr.Requests {
			t.Errorf("trial %d: client histogram of %d requests (%v), want %d", tr.ID, h.TotalCount(), err, tr.Requests)
		}
		ins := tr.Operations[bench.OpInsert]
		if ins == nil || ins.Calls+ins.Unsent != 20 || ins.Errors.Total != 0 {
			t.Fatalf("trial %d: insert stream %+v", tr.ID, ins)
		}
		cps := tr.Checkpoints
		if len(cps) != 2 || cps[0].Rows >= cps[1].Rows || tr.Recall != 1 {
			t.Errorf("trial %d: recall %g, checkpoints %+v", tr.ID, tr.Recall, cps)
		}
		for _, cp := range cps {
			if cp.Recall != 1 || cp.Queries != 200 {
				t.Errorf("trial %d: FLAT checkpoint %+v", tr.ID, cp)
			}
		}
	}
}
