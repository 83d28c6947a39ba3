package bench_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/milvbench/milvbench/bench"
)

// classErr is a target error of a given class.
type classErr string

func (e classErr) Error() string      { return "test server: " + string(e) }
func (e classErr) ErrorClass() string { return string(e) }

// faultTarget wraps a target's searches with two failures a capacity
// search meets. Overload: while searches arrive faster than limit per
// second (tripWindow arrivals within tripWindow/limit seconds) every
// search is refused as rate limited, until none arrived for quiet, like a
// proxy shedding load until its queue drains. Gone: after goneAfter
// searches every search fails as unavailable, as when the server went
// away.
type faultTarget struct {
	bench.Target
	limit     float64
	goneAfter int

	mu       sync.Mutex
	arrivals []time.Time // the last tripWindow, oldest first
	last     time.Time
	tripped  bool
	searches int
}

const (
	tripWindow = 100
	quiet      = 200 * time.Millisecond
	// tripAfter: the 50/s and 400/s probes of TestCapacityFailedProbe send
	// at most 30 + 240 searches (warm-up and window).
	tripAfter = 285
)

func (f *faultTarget) Search(ctx context.Context, req bench.SearchRequest) (bench.SearchResult, error) {
	f.mu.Lock()
	now := time.Now()
	f.searches++
	if f.goneAfter > 0 && f.searches > f.goneAfter {
		f.mu.Unlock()
		return bench.SearchResult{}, classErr(bench.ClassUnavailable)
	}
	alone := now.Sub(f.last) >= quiet
	if alone {
		f.tripped = false
	}
	f.last = now
	f.arrivals = append(f.arrivals, now)
	if len(f.arrivals) > tripWindow {
		f.arrivals = f.arrivals[1:]
	}
	if f.limit > 0 && len(f.arrivals) == tripWindow && now.Sub(f.arrivals[0]).Seconds() < tripWindow/f.limit {
		f.tripped = true
	}
	// On a loaded host the generator may never reach limit/s: after the
	// searches the probes below the limit send (tripAfter), any search
	// that is not alone trips it too, so the probe above the limit fails
	// whatever rate it achieved.
	if f.limit > 0 && f.searches > tripAfter && !alone {
		f.tripped = true
	}
	tripped := f.tripped
	f.mu.Unlock()
	if tripped {
		return bench.SearchResult{}, classErr(bench.ClassRateLimited)
	}
	return f.Target.Search(ctx, req)
}

// TestCapacityFailedProbe: a capacity probe at which every request fails
// is a capacity answer when the server still answers the same search sent
// alone afterwards (overload): the search goes on, under on_error abort,
// and the failing rate names the error rate and its class. When the search
// fails also alone (the server is gone), the run ends there with the
// reason, and no knee is claimed from probes the server never saw.
func TestCapacityFailedProbe(t *testing.T) {
	src := `name: capfail
dataset: {size: 2000, dim: 16, queries: 100, seed: 5}
indexes: [{type: FLAT}]
search: {topk: 10}
load: {model: capacity, start_rate: 50, ramp_factor: 8, max_rate: 100000, precision: 0.9, max_in_flight: 500, warmup: 100ms, duration: 500ms, interval: 250ms, on_error: abort}
goals: {p99: 1s}
`
	tests := []struct {
		name      string
		limit     float64
		goneAfter int
		// gone: the run must stop at the probe the server went away in.
		gone bool
	}{
		// 50/s and 400/s hold; 3200/s trips the limit of 1000/s.
		{name: "overload", limit: 1000},
		// 50/s for 0.6 s is 30 searches; the server goes during the
		// 400/s probe's warm-up.
		{name: "server gone", goneAfter: 40, gone: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := embeddedRunner(t, src)
			r.Target = &faultTarget{Target: r.Target, limit: tt.limit, goneAfter: tt.goneAfter}
			res, err := r.Run(context.Background())
			if res == nil {
				t.Fatalf("no result (%v)", err)
			}
			var failed []bench.Trial // probes whose every request failed
			for _, tr := range res.Trials {
				if tr.Capacity == nil {
					t.Fatalf("trial %d is no capacity probe", tr.ID)
				}
				if tr.Requests > 0 && tr.Errors.Total == tr.Requests {
					failed = append(failed, tr)
				}
			}
			if len(failed) == 0 {
				t.Fatalf("no probe failed every request: %d probes", len(res.Trials))
			}
			f := failed[0]
			if f.Capacity.Pass || !strings.Contains(strings.Join(f.Capacity.Reasons, "; "), "error rate 100.00% > max_error_rate 0.1%") {
				t.Errorf("probe %d at %g/s: %+v", f.ID, f.Load.Rate, f.Capacity)
			}
			if !tt.gone {
				if err != nil || !res.Complete {
					t.Fatalf("a probe failing under load ended the run: %v", err)
				}
				if len(res.Capacity) != 1 {
					t.Fatalf("%d capacity results", len(res.Capacity))
				}
				c := res.Capacity[0]
				t.Logf("%s", c.Summary())
				if c.KneeRate < 50 || c.FailRate <= c.KneeRate || c.FailRate > f.Load.Rate || len(c.Probes) != len(res.Trials) {
					t.Errorf("capacity %+v; probe %d at %g/s failed every request", c, f.ID, f.Load.Rate)
				}
				if !strings.Contains(strings.Join(f.Capacity.Reasons, "; "), "rate_limited") || !strings.Contains(strings.Join(f.Notes, " "), "sent alone after the probe succeeded") {
					t.Errorf("probe %d: reasons %q notes %q", f.ID, f.Capacity.Reasons, f.Notes)
				}
				return
			}
			if err == nil || res.Complete || !strings.Contains(err.Error(), "sent alone after it failed too") || !strings.Contains(res.Stopped, "capacity probe at 400/s") {
				t.Fatalf("run error %v, stopped %q: want the run ended at the 400/s probe", err, res.Stopped)
			}
			last := res.Trials[len(res.Trials)-1]
			if len(res.Trials) != 2 || last.ID != f.ID || !strings.Contains(strings.Join(last.Notes, " "), "the server is gone") {
				t.Errorf("%d probes, the last %d with notes %q", len(res.Trials), last.ID, last.Notes)
			}
			if len(res.Capacity) != 0 {
				t.Errorf("a knee was claimed after the server went away: %+v", res.Capacity)
			}
		})
	}
}
