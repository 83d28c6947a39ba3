package milvus_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/bench/milvus"
	"github.com/milvbench/milvbench/workloads"
)

// runOnServer parses src, points it at the server and runs it.
func runOnServer(t *testing.T, src string) (*bench.Result, *workloads.Plan) {
	t.Helper()
	uri := serverURI(t)
	spec, err := workloads.Parse("it.yaml", []byte(src), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	plan, ds, truths, cfg := prepare(t, spec, uri, ".")
	cfg.MetricsURL = os.Getenv("MILVUS_METRICS_URL")
	ctx := context.Background()
	tgt, err := milvus.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	r := &bench.Runner{Target: tgt, Plan: plan, Data: ds, Truths: truths, Collection: "milvbench_" + spec.Name,
		RunID: "it-" + time.Now().Format("150405.000"), Progress: testWriter{t}}
	res, err := r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A capacity search is one plan point of several probes.
	if n := len(res.Trials); n != plan.Trials() && (spec.Load.Model != workloads.LoadCapacity || n < plan.Trials()) {
		t.Fatalf("%d trials, plan has %d", n, plan.Trials())
	}
	return res, plan
}

// TestMixedOnMilvus searches while rows are inserted and deleted: search and
// insert histograms, recall checkpoints against the rows visible at each
// (FLAT finds the new rows as they arrive), and the server's health on
// every interval.
func TestMixedOnMilvus(t *testing.T) {
	res, _ := runOnServer(t, `name: it_mixed
dataset: {size: 8000, dim: 32, queries: 100, seed: 5, preload: 4000}
indexes: [{type: FLAT}]
search: {topk: 10}
load: {model: mixed, concurrency: 2, insert_rate: 1000, insert_batch: 100, delete_rate: 100, checkpoints: 3, duration: 2s, interval: 500ms}
`)
	if res.ServerBefore == nil || (res.ServerBefore.Healthy == nil && res.ServerBefore.HealthError == "") {
		t.Errorf("server before the run: %+v", res.ServerBefore)
	}
	tr := res.Trials[0]
	ins, del := tr.Operations[bench.OpInsert], tr.Operations[bench.OpDelete]
	if tr.QPS <= 0 || tr.Histogram == "" || tr.Errors.Total != 0 {
		t.Errorf("search: qps %g errors %+v", tr.QPS, tr.Errors)
	}
	// 1000 rows/s in calls of 100 for 2s: 20 calls due, each sent or
	// counted unsent if the server fell behind.
	if ins == nil || ins.Calls+ins.Unsent != 20 || ins.Calls < 5 || ins.Errors.Total != 0 || ins.Histogram == "" || del == nil || del.Rows == 0 || del.Errors.Total != 0 {
		t.Fatalf("insert %+v delete %+v", ins, del)
	}
	cps := tr.Checkpoints
	if len(cps) != 3 {
		t.Fatalf("checkpoints %+v", cps)
	}
	for i, cp := range cps {
		if cp.Errors != 0 || cp.Queries != 100 || cp.Recall < 0.99 {
			t.Errorf("checkpoint %d: %+v", i, cp)
		}
		// Rows and the new rows' share of the true neighbours cannot fall
		// as rows arrive; either may stay (400 late rows on a slow server
		// entered no top-10 on 2.3 standalone, and a checkpoint pass of
		// 1.5 s on a loaded host came after the last insert).
		if i > 0 && !(cp.Rows >= cps[i-1].Rows && cp.NewShare >= cps[i-1].NewShare) {
			t.Errorf("checkpoint %d: rows %d new share %.3f after %d %.3f", i, cp.Rows, cp.NewShare, cps[i-1].Rows, cps[i-1].NewShare)
		}
	}
	if last := cps[len(cps)-1]; last.Rows <= cps[0].Rows || last.NewShare < 0.1 || last.NewRecall < 0.99 {
		t.Errorf("last checkpoint %+v: new rows should be found", last)
	}
	if len(tr.Server) < 4 {
		t.Errorf("%d server samples over 2s at 500ms", len(tr.Server))
	}
	for _, s := range tr.Server {
		if s.Healthy == nil && s.HealthError == "" {
			t.Errorf("server sample without health or a reason: %+v", s)
		}
	}
	// With a metrics endpoint (make test-standalone) every sample has the
	// server's memory, and later ones its CPU and its own search count.
	if os.Getenv("MILVUS_METRICS_URL") != "" {
		searched := 0.0
		for i, s := range tr.Server {
			if s.MetricsError != "" || s.RSSBytes <= 0 || (i > 0 && (s.CPUCores == nil || s.SearchQPS == nil)) {
				t.Errorf("server sample %d: %+v", i, s)
				continue
			}
			if i > 0 {
				searched += *s.SearchQPS
			}
		}
		if searched <= 0 {
			t.Errorf("the server counted no searches while the trial searched at %.0f/s", tr.QPS)
		}
	}
	t.Logf("checkpoints: %+v", cps)
	t.Logf("server before: %s", res.ServerBefore.Describe())
}

// TestMixedOpenLoopOnMilvus runs the mixed model's search stream open loop
// (load.rate) while rows are inserted: the trial has the open-loop fields
// (offered and achieved rate, generator verdict, send lag, latency from
// the intended send beside client-observed and service time) and the
// insert stream and checkpoints run beside it.
func TestMixedOpenLoopOnMilvus(t *testing.T) {
	res, _ := runOnServer(t, `name: it_mixed_open
dataset: {size: 6000, dim: 32, queries: 100, seed: 5, preload: 4000}
indexes: [{type: FLAT}]
search: {topk: 10}
load: {model: mixed, rate: 50, arrivals: poisson, max_in_flight: 100, insert_rate: 500, insert_batch: 100, checkpoints: 2, warmup: 200ms, duration: 2s, interval: 500ms}
`)
	tr := res.Trials[0]
	l := tr.Load
	if l.Rate != 50 || l.Arrivals != workloads.ArrivalsPoisson || l.AchievedRate <= 0 || l.SendLagMS == nil || l.Concurrency != 0 {
		t.Fatalf("load %+v", l)
	}
	if tr.QPS <= 0 || tr.Errors.Total != 0 || tr.Histogram == "" || tr.ServiceHistogram == "" || tr.ClientHistogram == "" || tr.ClientMS == nil {
		t.Fatalf("search: qps %g errors %+v, histograms latency %t service %t client %t", tr.QPS, tr.Errors, tr.Histogram != "", tr.ServiceHistogram != "", tr.ClientHistogram != "")
	}
	if tr.LatencyMS.P99 < tr.ClientMS.P99 || tr.ClientMS.P99 < tr.ServiceMS.P99 {
		t.Errorf("p99 from the intended send %gms < client %gms or < service %gms", tr.LatencyMS.P99, tr.ClientMS.P99, tr.ServiceMS.P99)
	}
	// 500 rows/s in calls of 100 for 2s: 10 calls due.
	if ins := tr.Operations[bench.OpInsert]; ins == nil || ins.Calls+ins.Unsent != 10 || ins.Calls < 3 || ins.Errors.Total != 0 {
		t.Fatalf("insert %+v", ins)
	}
	cps := tr.Checkpoints
	if len(cps) != 2 || cps[1].Rows <= cps[0].Rows {
		t.Fatalf("checkpoints %+v", cps)
	}
	for i, cp := range cps {
		if cp.Errors != 0 || cp.Queries != 100 || cp.Recall < 0.99 {
			t.Errorf("checkpoint %d: %+v", i, cp)
		}
	}
	t.Logf("offered %g/s achieved %.1f/s (bound %v %s), p99 %.2fms from the intended send, client %.2fms, service %.2fms, send lag p99 %.3fms",
		l.Rate, l.AchievedRate, l.GeneratorBound, l.GeneratorReason, tr.LatencyMS.P99, tr.ClientMS.P99, tr.ServiceMS.P99, l.SendLagMS.P99)
}

// TestIngestOnMilvus sweeps insert batch sizes 1..1000 briefly.
func TestIngestOnMilvus(t *testing.T) {
	res, _ := runOnServer(t, `name: it_ingest
dataset: {size: 16000, dim: 32, queries: 10, seed: 5, preload: 1000}
indexes: [{type: FLAT}]
load: {model: ingest, insert_batch: [1, 10, 100, 1000], duration: 1s}
`)
	for _, tr := range res.Trials {
		ins, ing := tr.Operations[bench.OpInsert], tr.Ingest
		if ins == nil || ing == nil || ins.Rows == 0 || ins.Errors.Total != 0 || !ing.Searchable || ing.FlushS <= 0 {
			t.Errorf("batch %d: %+v %+v", tr.Load.InsertBatch, ins, ing)
			continue
		}
		t.Logf("batch %4d: %8.0f rows/s %6.0f calls/s p99 %.2fms flush %.3fs searchable after %.3fs (%d probes)",
			ins.Batch, ins.RowsPerS, ins.CallsPerS, ins.LatencyMS.P99, ing.FlushS, ing.SearchableS, ing.Probes)
	}
}

// TestServerSamplesInEveryModelOnMilvus: closed, open-loop and ingest
// trials and every probe of a capacity search carry the server's samples
// (TestMixedOnMilvus checks the mixed model's): at the window's start, every load.interval and at its end,
// each with the server's health (or why it has none) and, with a metrics
// endpoint (make test-standalone), its memory and, after the first, its
// CPU and its own search rate.
func TestServerSamplesInEveryModelOnMilvus(t *testing.T) {
	for _, tc := range []struct{ name, dataset, load, goals string }{
		{"closed", "{size: 2000, dim: 16, queries: 50, seed: 5}", "{concurrency: [1, 2], duration: 1s, interval: 250ms}", ""},
		{"open", "{size: 2000, dim: 16, queries: 50, seed: 5}", "{model: open, rate: [20, 40], duration: 1s, interval: 250ms}", ""},
		{"capacity", "{size: 2000, dim: 16, queries: 50, seed: 5}", "{model: capacity, start_rate: 10, ramp_factor: 4, max_rate: 40, precision: 0.5, duration: 1s, interval: 250ms}", "goals: {p99: 10s}\n"},
		{"ingest", "{size: 6000, dim: 16, queries: 50, seed: 5, preload: 2000}", "{model: ingest, insert_batch: [1, 100], insert_concurrency: 1, duration: 1s, interval: 250ms}", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, _ := runOnServer(t, "name: it_signals_"+tc.name+"\ndataset: "+tc.dataset+`
indexes: [{type: FLAT}]
search: {topk: 10}
load: `+tc.load+"\n"+tc.goals)
			if len(res.Trials) < 2 {
				t.Fatalf("%d trials", len(res.Trials))
			}
			metrics := os.Getenv("MILVUS_METRICS_URL") != ""
			for _, tr := range res.Trials {
				// One at the window's start, one every 250ms, one at the
				// end (an ingest trial ends early when its rows run out).
				if n := len(tr.Server); n < 2 || tr.Server[n-1].AtS < 0.9*tr.Load.WindowS || (tr.Load.WindowS >= 0.99 && n < 4) {
					t.Errorf("trial %d (%s): %d server samples over a %.2fs window at 250ms", tr.ID, tr.Load.Model, n, tr.Load.WindowS)
					continue
				}
				for i, s := range tr.Server {
					if s.Healthy == nil && s.HealthError == "" {
						t.Errorf("trial %d sample %d without health or a reason: %+v", tr.ID, i, s)
					}
					if metrics && (s.MetricsError != "" || s.RSSBytes <= 0 || (i > 0 && (s.CPUCores == nil || s.SearchQPS == nil))) {
						t.Errorf("trial %d sample %d: %+v", tr.ID, i, s)
					}
				}
			}
		})
	}
}
