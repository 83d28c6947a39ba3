package bench

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/milvbench/milvbench/workloads"
)

// TestSchedule: constant spacing sends exactly rate×duration requests at
// i/rate; Poisson arrivals have mean gap 1/rate, the coefficient of
// variation of an exponential (1), and repeat for the same seed.
func TestSchedule(t *testing.T) {
	tests := []struct {
		arrivals string
		rate     float64
		dur      time.Duration
	}{
		{workloads.ArrivalsConstant, 1000, time.Second},
		{workloads.ArrivalsConstant, 333, 3 * time.Second},
		{workloads.ArrivalsPoisson, 1000, 20 * time.Second},
		{workloads.ArrivalsPoisson, 50, 400 * time.Second},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %g/s", tt.arrivals, tt.rate), func(t *testing.T) {
			offsets := func(seed uint64) []time.Duration {
				s := newSchedule(openConfig{rate: tt.rate, arrivals: tt.arrivals, seed: seed})
				var out []time.Duration
				for off := s.next(); off < tt.dur; off = s.next() {
					out = append(out, off)
				}
				return out
			}
			got := offsets(7)
			want := tt.rate * tt.dur.Seconds()
			var sum, sq float64
			for i := 1; i < len(got); i++ {
				if got[i] < got[i-1] {
					t.Fatalf("offset %d (%s) before offset %d (%s)", i, got[i], i-1, got[i-1])
				}
				gap := (got[i] - got[i-1]).Seconds()
				sum += gap
				sq += gap * gap
			}
			n := float64(len(got) - 1)
			mean := sum / n
			cv := math.Sqrt(sq/n-mean*mean) / mean
			if tt.arrivals == workloads.ArrivalsConstant {
				if float64(len(got)) != math.Ceil(want) || cv > 1e-3 {
					t.Errorf("%d requests (want %g), gap cv %g", len(got), math.Ceil(want), cv)
				}
				return
			}
			if math.Abs(float64(len(got))-want) > 4*math.Sqrt(want) || math.Abs(mean*tt.rate-1) > 0.05 || math.Abs(cv-1) > 0.05 {
				t.Errorf("%d requests (want %g ± %g), mean gap %gs (want %gs), cv %g (want 1)", len(got), want, 4*math.Sqrt(want), mean, 1/tt.rate, cv)
			}
			again, other := offsets(7), offsets(8)
			if len(again) != len(got) || again[len(got)/2] != got[len(got)/2] || (len(other) == len(got) && other[len(got)/2] == got[len(got)/2]) {
				t.Error("a seed does not reproduce its schedule, or two seeds give the same")
			}
		})
	}
}

// runOpen measures one open-loop window against tgt.
func runOpen(t testing.TB, tgt Target, oc openConfig, dur time.Duration) window {
	t.Helper()
	if oc.maxInFlight == 0 {
		oc.maxInFlight = 10000
	}
	st := &searchStream{target: tgt, queries: [][]float32{{0}, {1}}, pt: workloads.SearchPoint{TopK: 1, NQ: 1}}
	return measureWindow(t, searchLoad{st: st, open: &oc}, dur, 100*time.Millisecond)
}

// TestOpenLoop: at a rate the generator and target keep up with, every
// scheduled request is sent and answered, the trial is not generator
// bound, and latency from the intended send is never below the client-
// observed latency, which is never below the service time.
func TestOpenLoop(t *testing.T) {
	for _, arrivals := range []string{workloads.ArrivalsConstant, workloads.ArrivalsPoisson} {
		t.Run(arrivals, func(t *testing.T) {
			tgt := searchFunc(func(SearchRequest) (SearchResult, error) {
				time.Sleep(200 * time.Microsecond)
				return SearchResult{IDs: [][]int64{{0}}}, nil
			})
			dur := 500 * time.Millisecond
			w := runOpen(t, tgt, openConfig{rate: 400, arrivals: arrivals, seed: 1}, dur)
			s := newSchedule(openConfig{rate: 400, arrivals: arrivals, seed: 1})
			var scheduled int64
			for s.next() < dur {
				scheduled++
			}
			if w.gen.sent+w.gen.unsent != scheduled || w.ok != w.gen.sent || w.errs.Total != 0 || w.gen.inFlightBound {
				t.Fatalf("scheduled %d, sent %d, unsent %d, answered %d, errors %d, in-flight bound %v", scheduled, w.gen.sent, w.gen.unsent, w.ok, w.errs.Total, w.gen.inFlightBound)
			}
			// At 400/s the pacer keeps its schedule, unless the machine
			// runs it late (jitter the latency counts); then the trial
			// must say so.
			bound, why := w.gen.verdict(10000)
			switch {
			case !bound && w.gen.unsent == 0:
				// Within 1%, plus what the latest send's lag (below the
				// generator-bound verdict on a loaded host) stretches the
				// window by.
				tol := 0.01 + float64(w.gen.lag.Max())/1e6/dur.Seconds()
				if got := w.gen.achieved(dur); math.Abs(got/(float64(scheduled)/dur.Seconds())-1) > tol {
					t.Errorf("achieved %g/s for %d requests in %s (tolerance %.1f%%)", got, scheduled, dur, 100*tol)
				}
			case bound && (strings.Contains(why, "late") || strings.Contains(why, "not sent")):
				t.Logf("the machine ran the pacer late: %s", why)
			default:
				t.Errorf("generator bound %v (%s) with %d unsent", bound, why, w.gen.unsent)
			}
			for _, q := range []float64{50, 99, 100} {
				lat, cli, svc := w.latency.ValueAtQuantile(q), w.client.ValueAtQuantile(q), w.service.ValueAtQuantile(q)
				if lat < cli || cli < svc {
					t.Errorf("p%g: from intended %dµs, client %dµs, service %dµs: must not decrease", q, lat, cli, svc)
				}
			}
			t.Logf("send lag p50 %dµs p90 %dµs p99 %dµs", w.gen.lag.ValueAtQuantile(50), w.gen.lag.ValueAtQuantile(90), w.gen.lag.ValueAtQuantile(99))
			if w.gen.lag.TotalCount() != w.gen.sent {
				t.Errorf("send lag recorded for %d of %d sends", w.gen.lag.TotalCount(), w.gen.sent)
			}
		})
	}
}

// TestOpenLoopGeneratorBound: a trial the generator cannot send on
// schedule is marked generator bound with its reason, and reports the
// rate it achieved, not the one offered.
func TestOpenLoopGeneratorBound(t *testing.T) {
	slow := searchFunc(func(SearchRequest) (SearchResult, error) {
		time.Sleep(5 * time.Millisecond)
		return SearchResult{IDs: [][]int64{{0}}}, nil
	})
	tests := []struct {
		name   string
		tgt    Target
		oc     openConfig
		reason string
	}{
		// No generator sends 20 million goroutines a second.
		{"offered beyond the generator", noopTarget(), openConfig{rate: 2e7}, "not sent"},
		// Two in flight at 5 ms each hold 400/s at most.
		{"in-flight bound", slow, openConfig{rate: 2000, maxInFlight: 2}, "in-flight bound (max_in_flight 2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Long enough that a starved machine cannot delay the pacer
			// past the whole window.
			dur := time.Second
			w := runOpen(t, tt.tgt, tt.oc, dur)
			maxInFlight := tt.oc.maxInFlight
			bound, why := w.gen.verdict(maxInFlight)
			if !bound || !strings.Contains(why, tt.reason) {
				t.Errorf("generator bound %v (%s), want true naming %q", bound, why, tt.reason)
			}
			if a := w.gen.achieved(dur); a >= 0.99*tt.oc.rate || w.gen.unsent == 0 {
				t.Errorf("achieved %g/s of %g/s offered with %d unsent", a, tt.oc.rate, w.gen.unsent)
			}
		})
	}
}

// TestStallShowsInOpenLoopOnly: a target that stalls for 1 s shows it in
// the open loop's p99 (measured from the intended send time: every request
// scheduled during the stall waited for it), while the closed loop's p99
// hides it (its workers stop sending during the stall, so only the few
// request in flight sees it).
func TestStallShowsInOpenLoopOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("3 s of load")
	}
	const dur = 3 * time.Second
	// Both loops run at once (each against its own target) to keep the
	// test short. Open: 400/s for 3 s is 1200 requests; the 600th (at
	// 1.5 s) stalls. Closed: one worker; every 1000th request stalls.
	var open window
	done := make(chan struct{})
	go func() {
		defer close(done)
		open = runOpen(t, newStallTarget(600, time.Second, 200*time.Microsecond), openConfig{rate: 400}, dur)
	}()
	st := &searchStream{target: newStallTarget(1000, time.Second, 200*time.Microsecond), queries: [][]float32{{0}}, pt: workloads.SearchPoint{TopK: 1, NQ: 1, Concurrency: 1}}
	closed := measureWindow(t, searchLoad{st: st}, dur, time.Second)
	<-done
	openP99 := time.Duration(open.latency.ValueAtQuantile(99)) * time.Microsecond
	closedP99 := time.Duration(closed.latency.ValueAtQuantile(99)) * time.Microsecond
	closedSvcP99 := time.Duration(closed.service.ValueAtQuantile(99)) * time.Microsecond
	t.Logf("open loop 400/s: p99 %s over %d requests; closed loop c=1: p99 %s, service p99 %s, max %dµs over %d requests",
		openP99, open.ok, closedP99, closedSvcP99, closed.latency.Max(), closed.ok)
	if openP99 < 500*time.Millisecond {
		t.Errorf("open-loop p99 %s does not show a 1 s stall", openP99)
	}
	if closedSvcP99 > 300*time.Millisecond || closedP99 > 300*time.Millisecond {
		t.Errorf("closed-loop p99 %s (service %s): expected the 1 s stall hidden (below 300ms)", closedP99, closedSvcP99)
	}
	if closed.latency.Max() < int64(900*time.Millisecond/time.Microsecond) {
		t.Errorf("closed loop never saw the stall (max %dµs): the test target did not stall", closed.latency.Max())
	}
}

// TestThinkTime: a closed-loop worker pauses think after each answer, so it
// sends at most one request per think time, and the pause is not latency.
func TestThinkTime(t *testing.T) {
	tests := []struct {
		think   time.Duration
		minReqs int64
		maxReqs int64
	}{
		{0, 40, math.MaxInt64}, // a 100 µs sleep takes up to ~1 ms
		{10 * time.Millisecond, 2, 21},
	}
	for _, tt := range tests {
		t.Run(tt.think.String(), func(t *testing.T) {
			tgt := searchFunc(func(SearchRequest) (SearchResult, error) {
				time.Sleep(100 * time.Microsecond)
				return SearchResult{IDs: [][]int64{{0}}}, nil
			})
			st := &searchStream{target: tgt, queries: [][]float32{{0}}, pt: workloads.SearchPoint{TopK: 1, NQ: 1, Concurrency: 1}}
			w := measureWindow(t, searchLoad{st: st, think: tt.think}, 200*time.Millisecond, 100*time.Millisecond)
			if w.ok < tt.minReqs || w.ok > tt.maxReqs {
				t.Errorf("%d requests in 200ms with think time %s, want %d..%d", w.ok, tt.think, tt.minReqs, tt.maxReqs)
			}
			if tt.think > 0 && time.Duration(w.latency.ValueAtQuantile(50))*time.Microsecond >= tt.think {
				t.Errorf("median latency %dµs includes the think time %s", w.latency.ValueAtQuantile(50), tt.think)
			}
		})
	}
}
