package bench_test

import (
	"bytes"
	"context"
	"sync"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/milvbench/milvbench/bench"
)

// runWorkload runs a workload source on the embedded target.
func runWorkload(t *testing.T, src string, edit func(r *bench.Runner)) *bench.Result {
	t.Helper()
	r := embeddedRunner(t, src)
	ctx := context.Background()
	if edit != nil {
		edit(r)
	}
	res, err := r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestOpenLoopEmbedded: open-loop trials on the embedded target hold their
// rate, carry the three latencies, time series per interval, and an
// interval log whose histograms, read back by hdrhistogram-go, merge into
// exactly the trial's histograms. Live status reaches Runner.Watch.
func TestOpenLoopEmbedded(t *testing.T) {
	src := `name: open
dataset: {size: 2000, dim: 16, queries: 100, seed: 5}
indexes: [{type: HNSW, build: {M: 8, efConstruction: 40}, search: {ef: 32}}]
search: {topk: 10}
load: {model: open, rate: [200, 400], arrivals: poisson, warmup: 150ms, duration: 600ms, interval: 200ms}
`
	var mu sync.Mutex
	var statuses []bench.TrialStatus
	res := runWorkload(t, src, func(r *bench.Runner) {
		r.WatchEvery = 50_000_000 // 50ms
		r.Watch = func(st bench.TrialStatus) {
			mu.Lock()
			statuses = append(statuses, st)
			mu.Unlock()
		}
	})
	if len(res.Trials) != 2 {
		t.Fatalf("%d trials", len(res.Trials))
	}
	for _, tr := range res.Trials {
		l := tr.Load
		if l.Model != "open" || l.Arrivals != "poisson" || l.AchievedRate < 0.8*l.Rate || l.SendLagMS == nil || tr.Errors.Total != 0 {
			t.Errorf("trial %d load %+v errors %d", tr.ID, l, tr.Errors.Total)
		}
		if tr.ServiceMS == nil || tr.ClientMS == nil || tr.ServiceMS.P50 > tr.LatencyMS.P50 || tr.ClientMS.P99 > tr.LatencyMS.P99 || tr.Recall < 0.8 {
			t.Errorf("trial %d latency %+v service %+v client %+v recall %g", tr.ID, tr.LatencyMS, tr.ServiceMS, tr.ClientMS, tr.Recall)
		}
		if len(tr.Series) != 2 || len(tr.Series[0].Points) < 2 || tr.Started.IsZero() {
			t.Fatalf("trial %d series %+v started %s", tr.ID, tr.Series, tr.Started)
		}
		var n int64
		for _, p := range tr.Series[0].Points {
			n += p.Count
		}
		if n != tr.Requests || n == 0 {
			t.Errorf("trial %d: intervals hold %d requests of %d", tr.ID, n, tr.Requests)
		}
	}
	var buf bytes.Buffer
	if err := bench.WriteIntervalLog(&buf, res); err != nil {
		t.Fatal(err)
	}
	got := map[string]*hdrhistogram.Histogram{}
	lr := hdrhistogram.NewHistogramLogReader(&buf)
	for {
		h, err := lr.NextIntervalHistogram()
		if err != nil {
			t.Fatal(err)
		}
		if h == nil {
			break
		}
		if got[h.Tag()] == nil {
			got[h.Tag()] = bench.NewHistogram()
		}
		got[h.Tag()].Merge(h)
	}
	for _, tr := range res.Trials {
		for op, enc := range map[string]string{bench.OpSearch: tr.Histogram, bench.OpSearchService: tr.ServiceHistogram} {
			want, err := bench.DecodeHistogram(enc)
			if err != nil {
				t.Fatal(err)
			}
			g := got[bench.IntervalTag(tr.ID, op)]
			if g == nil || !g.Equals(want) {
				t.Errorf("trial %d %s: latency.hlog merges to a different histogram than the trial's (%d samples)", tr.ID, op, want.TotalCount())
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	var warm, live bool
	for _, st := range statuses {
		warm = warm || st.WarmUp
		if !st.WarmUp && len(st.Ops) == 2 && st.Ops[0].Op == bench.OpSearch && st.Ops[0].Interval && st.Ops[0].QPS > 0 && st.Trials == 2 && st.Label != "" {
			live = true
		}
	}
	if !warm || !live {
		t.Errorf("%d live statuses, warm-up seen %v, live QPS seen %v", len(statuses), warm, live)
	}
}

// TestCapacityEmbedded: a capacity search on the embedded target finds a
// knee: each probe is a trial with its verdict, the knee probe held, the
// failing probe says why, and the bracket meets the precision.
func TestCapacityEmbedded(t *testing.T) {
	if testing.Short() {
		t.Skip("a capacity search")
	}
	src := `name: cap
dataset: {size: 2000, dim: 16, queries: 200, seed: 5}
indexes: [{type: HNSW, build: {M: 8, efConstruction: 40}, search: {ef: 64}}]
search: {topk: 10}
load: {model: capacity, start_rate: 20, ramp_factor: 8, max_rate: 2000000, precision: 0.5, max_in_flight: 200, warmup: 50ms, duration: 300ms, interval: 100ms}
goals: {p99: 200ms, recall: 0.8}
`
	var points map[bench.PointKey][]bench.Trial
	res := runWorkload(t, src, func(r *bench.Runner) {
		r.OnPoint = func(k bench.PointKey, trials []bench.Trial) {
			if points == nil {
				points = map[bench.PointKey][]bench.Trial{}
			}
			points[k] = trials
		}
	})
	if len(res.Capacity) != 1 {
		t.Fatalf("%d capacity results", len(res.Capacity))
	}
	c := res.Capacity[0]
	t.Logf("%s", c.Summary())
	// Resumed, the journaled probes are adopted and the knee rebuilt.
	resumed := runWorkload(t, src, func(r *bench.Runner) { r.Done = points })
	if len(resumed.Capacity) != 1 || resumed.Capacity[0].KneeRate != res.Capacity[0].KneeRate || len(resumed.Trials) != len(res.Trials) {
		t.Errorf("resumed capacity %+v, first run %+v", resumed.Capacity, res.Capacity)
	}

	if c.KneeRate < 20 || c.FailRate <= c.KneeRate || c.FailRate/c.KneeRate-1 > 0.5 || len(c.FailReasons) == 0 || len(c.Probes) != len(res.Trials) {
		t.Fatalf("capacity %+v over %d trials", c, len(res.Trials))
	}
	for _, tr := range res.Trials {
		p := tr.Capacity
		if p == nil || p.Search != 1 || (p.Step != "ramp" && p.Step != "bisect") || p.Pass != (len(p.Reasons) == 0) || tr.Load.Rate == 0 {
			t.Errorf("trial %d: probe %+v rate %g", tr.ID, p, tr.Load.Rate)
			continue
		}
		if tr.ID == c.KneeTrial && (!p.Pass || tr.Load.Rate != c.KneeRate) {
			t.Errorf("knee trial %d: %+v at %g/s", tr.ID, p, tr.Load.Rate)
		}
		if tr.ID == c.FailTrial && (p.Pass || tr.Load.Rate != c.FailRate) {
			t.Errorf("failing trial %d: %+v at %g/s", tr.ID, p, tr.Load.Rate)
		}
		if p.Pass && tr.Load.Rate > c.KneeRate {
			t.Errorf("trial %d held at %g/s, above the knee %g/s", tr.ID, tr.Load.Rate, c.KneeRate)
		}
	}
}
