package bench_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/milvbench/milvbench/bench"
)

// outageTarget fails every search as unavailable from its first search
// for outage (forever when outage < 0, until end when 0), like a server
// that is restarting.
type outageTarget struct {
	bench.Target
	outage time.Duration
	mu     sync.Mutex
	first  time.Time
	over   bool
}

// end ends an open-ended outage (outage 0).
func (o *outageTarget) end() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.over = true
}

func (o *outageTarget) Search(ctx context.Context, req bench.SearchRequest) (bench.SearchResult, error) {
	o.mu.Lock()
	if o.first.IsZero() {
		o.first = time.Now()
	}
	down := !o.over && (o.outage <= 0 || time.Since(o.first) < o.outage)
	o.mu.Unlock()
	if down {
		return bench.SearchResult{}, classErr(bench.ClassUnavailable)
	}
	return o.Target.Search(ctx, req)
}

// TestOnError runs two plan points whose first meets an outage: the
// on_error policy decides whether the run stops, records the failed trial
// and goes on, or measures the point again, keeping only the attempt that
// succeeded (with a note of what the others failed with) so that a point
// is never counted twice.
func TestOnError(t *testing.T) {
	src := `name: onerror
dataset: {size: 1000, dim: 8, queries: 50, seed: 3}
indexes: [{type: FLAT}]
load: {concurrency: [1, 2], warmup: 0s, duration: 100ms, on_error: %s}
`
	tests := []struct {
		policy  string
		outage  time.Duration
		wantErr string
		// per trial: how many requests failed ("all" or "none"), and a note
		trials []string
		// points the journal (OnPoint) received
		points int
	}{
		{policy: "abort", outage: -1, wantErr: "trial 1: all", trials: []string{"all"}, points: 0},
		{policy: "continue", outage: 0, trials: []string{"all", "none"}, points: 2},
		{policy: "retry_trial", outage: 0, trials: []string{"none: attempt 2 of this point; the 1 before failed and their trials were dropped: trial 1: all", "none"}, points: 2},
		{policy: "retry_trial", outage: -1, wantErr: "trial 1: all", trials: []string{"all: attempt 3 of this point; the 2 before failed and their trials were dropped: trial 1: all"}, points: 0},
	}
	for _, tt := range tests {
		t.Run(tt.policy+"/"+map[bool]string{true: "recovers", false: "down"}[tt.outage >= 0 && tt.wantErr == ""], func(t *testing.T) {
			r := embeddedRunner(t, strings.Replace(src, "%s", tt.policy, 1))
			ot := &outageTarget{Target: r.Target, outage: tt.outage}
			r.Target = ot
			r.OnError = r.Plan.Spec.Load.OnError
			r.RetryPause = 200 * time.Millisecond
			// An open-ended outage ends when the run retries the point
			// (retry_trial) or goes on to the next (continue), whatever
			// the machine's speed.
			if tt.outage == 0 {
				r.Progress = lineHook{"on_error retry_trial: attempt 2", ot.end}
			}
			points := 0
			r.OnPoint = func(_ bench.PointKey, trials []bench.Trial) {
				points++
				ot.end()
				for _, tr := range trials {
					if len(tt.trials) > 0 && strings.Contains(tt.trials[0], "attempt") && tr.ID == 1 && len(tr.Notes) == 0 {
						t.Errorf("the journal got trial 1 without its retry note")
					}
				}
			}
			res, err := r.Run(context.Background())
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("run: err = %v, want %q", err, tt.wantErr)
			}
			if res == nil {
				t.Fatal("no result")
			}
			if len(res.Trials) != len(tt.trials) {
				t.Fatalf("%d trials, want %d", len(res.Trials), len(tt.trials))
			}
			for i, want := range tt.trials {
				tr := res.Trials[i]
				failed, note, _ := strings.Cut(want, ": ")
				if got := tr.Requests > 0 && tr.Errors.Total == tr.Requests; got != (failed == "all") || (failed == "none" && tr.Errors.Total != 0) {
					t.Errorf("trial %d: %d of %d requests failed, want %s", tr.ID, tr.Errors.Total, tr.Requests, failed)
				}
				if got := strings.Join(tr.Notes, "\n"); !strings.Contains(got, note) || (note == "") != (got == "") {
					t.Errorf("trial %d notes %q, want one containing %q", tr.ID, got, note)
				}
			}
			if points != tt.points {
				t.Errorf("OnPoint called for %d points, want %d", points, tt.points)
			}
		})
	}
}

// lineHook is a progress writer calling f when a line containing s is
// written.
type lineHook struct {
	s string
	f func()
}

func (h lineHook) Write(p []byte) (int, error) {
	if strings.Contains(string(p), h.s) {
		h.f()
	}
	return len(p), nil
}
