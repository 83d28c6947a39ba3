package bench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/milvbench/milvbench/workloads"
)

// What the headline latency_ms measures under each search load model.
const (
	LatencyClosed = "client-observed: first attempt's send to final answer, retries and backoff included (closed loop); service_ms: the successful attempt alone"
	LatencyOpen   = "from the intended send time to the final answer (open loop, no coordinated omission); client_ms: from the actual send; service_ms: the successful attempt alone"
)

// openConfig is an open-loop schedule: rate requests/s with constant
// spacing or Poisson arrivals (seeded), at most maxInFlight outstanding.
type openConfig struct {
	rate        float64
	arrivals    string
	seed        uint64
	maxInFlight int
	// first delays a constant schedule (a shard's interleave).
	first time.Duration
}

// schedule yields the intended send times of an open loop, as offsets from
// its start: request i at i/rate (constant), or after exponentially
// distributed gaps of mean 1/rate (Poisson, reproducible from the seed).
type schedule struct {
	rate float64
	rng  *rand.Rand // nil: constant spacing
	i    int64
	t    float64 // seconds, Poisson

	// first is the constant schedule's first send (a shard's place among
	// the generators; see Shard.Offset).
	first time.Duration
}

func newSchedule(oc openConfig) *schedule {
	s := &schedule{rate: oc.rate, first: oc.first}
	if oc.arrivals == workloads.ArrivalsPoisson {
		s.rng = rand.New(rand.NewPCG(oc.seed, math.Float64bits(oc.rate)))
	}
	return s
}

// next returns the next request's intended offset.
func (s *schedule) next() time.Duration {
	if s.rng == nil {
		off := s.first + time.Duration(float64(s.i)*1e9/s.rate)
		s.i++
		return off
	}
	off := time.Duration(s.t * 1e9)
	s.t += s.rng.ExpFloat64() / s.rate
	return off
}

// lateTolerance is how late a send may leave against its intended time
// before it counts as late: 10 ms, or 10 inter-arrival times at low rates
// (so the pacer is more than 10 requests behind). More than lateShare of
// the sends late (send lag p90 above the tolerance) marks a trial
// generator_bound: the generator fell behind its schedule. Rarer late sends
// are jitter (the OS not running the pacer on time, a GC pause); they still
// count in the latency measured from the intended send time, and
// send_lag_ms shows them.
func lateTolerance(rate float64) time.Duration {
	return max(10*time.Millisecond, time.Duration(10*float64(time.Second)/rate))
}

const lateShare = 0.10

// generatorStats is what the open-loop generator itself did.
type generatorStats struct {
	rate float64 // offered
	sent int64
	// unsent counts scheduled requests not sent before the window closed
	// because the in-flight bound held; inFlightBound records that the
	// bound was reached at all.
	unsent        int64
	inFlightBound bool
	// lastSend is when the last request was dispatched, from the start.
	lastSend time.Duration
	// lag holds how late each request was dispatched against its intended
	// send time (µs).
	lag *hdrhistogram.Histogram
}

// achieved is the rate the generator sent at: requests sent over the
// schedule's duration, or over the time it took to send them if longer.
func (g generatorStats) achieved(dur time.Duration) float64 {
	return float64(g.sent) / max(dur, g.lastSend).Seconds()
}

// verdict says whether the generator fell behind its schedule, and why: a
// generator-bound trial cannot show the server held the offered rate.
func (g generatorStats) verdict(maxInFlight int) (bool, string) {
	var why []string
	if g.inFlightBound {
		why = append(why, fmt.Sprintf("the in-flight bound (max_in_flight %d) was reached", maxInFlight))
	}
	if g.unsent > 0 {
		why = append(why, fmt.Sprintf("%d scheduled requests were not sent in the window", g.unsent))
	}
	if p, tol := time.Duration(g.lag.ValueAtQuantile(100*(1-lateShare)))*time.Microsecond, lateTolerance(g.rate); p > tol {
		why = append(why, fmt.Sprintf("over %g%% of sends left more than %s late (send lag p%g %s)", 100*lateShare, tol, 100*(1-lateShare), p))
	}
	return len(why) > 0, strings.Join(why, "; ")
}

// openLoop sends requests at their intended times from the schedule,
// whatever the server does, until the schedule passes dur: each request on
// its own goroutine, at most maxInFlight at once. Latency is measured from
// the intended send time, so a stall delays every request scheduled during
// it and shows in the tail (no coordinated omission); client-observed
// latency, service time and how late each send left are recorded beside
// it. When the in-flight bound is reached the pacer waits for a slot (the
// waiting counts in the latency of the requests it delays) and the trial is
// marked generator bound; requests still unsent when the window closes (the
// bound held, or the pacer is more than lateTolerance behind) are counted,
// not sent. It records into rec (nil: a warm-up, nothing recorded). The
// window runs from start to the end of the schedule or the last
// completion, whichever is later; openLoop returns its end and what the
// generator did.
func openLoop(ctx context.Context, s *searchStream, oc openConfig, start time.Time, dur time.Duration, rec *searchRec) (end time.Time, gen generatorStats) {
	slots := openSlots()
	sched := newSchedule(oc)
	deadline := start.Add(dur)
	sem := make(chan struct{}, oc.maxInFlight)
	var wg sync.WaitGroup
	gen = generatorStats{rate: oc.rate, lag: NewHistogram()}
	send := func(seq int64, intended time.Time) {
		defer wg.Done()
		defer func() { <-sem }()
		slot := int(seq % int64(slots))
		idx := make([]int, s.pt.NQ)
		req := s.request(seq, idx)
		res, first, done, err := s.do(ctx, req, deadline, slot, rec)
		if rec == nil || ctx.Err() != nil {
			return
		}
		if err == nil {
			rec.latency.Record(slot, done.Sub(intended))
			rec.bands.record(slot, idx, done.Sub(intended))
			rec.client.Record(slot, done.Sub(first))
			rec.answer(idx, res)
			rec.iter.record(slot, res.Iter)
		}
	}
	paced := make(chan struct{})
	go func() {
		defer close(paced)
		for seq := int64(0); ; seq++ {
			off := sched.next()
			if off >= dur {
				return
			}
			intended := start.Add(off)
			if !pace(ctx, intended) {
				return
			}
			got := false
			select {
			case sem <- struct{}{}:
				got = true
			default:
				gen.inFlightBound = true
				got = acquire(ctx, sem, deadline)
			}
			if !got || time.Since(intended) > lateTolerance(oc.rate) && time.Now().After(deadline) {
				if got {
					<-sem
				}
				if ctx.Err() == nil { // the window closed with requests unsent
					gen.unsent = 1
					for sched.next() < dur {
						gen.unsent++
					}
				}
				return
			}
			gen.sent++
			gen.lastSend = time.Since(start)
			RecordLatency(gen.lag, gen.lastSend-off)
			wg.Add(1)
			go send(seq, intended)
		}
	}()
	<-paced
	wg.Wait()
	// The window covers the whole schedule, also when its last request
	// came back before the schedule ended.
	if end = time.Now(); end.Before(deadline) {
		end = deadline
	}
	return end, gen
}

// openSlots is how many recording slots an open loop spreads its requests
// over (each request is a goroutine of its own).
func openSlots() int { return 4 * runtime.GOMAXPROCS(0) }

// acquire takes an in-flight slot, waiting until one frees, ctx ends or the
// deadline passes; it reports whether it got one.
func acquire(ctx context.Context, sem chan struct{}, deadline time.Time) bool {
	tm := time.NewTimer(time.Until(deadline))
	defer tm.Stop()
	select {
	case sem <- struct{}{}:
		return true
	case <-ctx.Done():
	case <-tm.C:
	}
	return false
}

// coarseSleep is the wait above which the pacer sleeps on a Go timer (about
// 1 ms late on Linux) before sleeping the rest precisely.
const coarseSleep = 2 * time.Millisecond

// pace waits until t (at once if t has passed); it reports false if ctx
// ended first. Before sleeping it yields, so that the requests it just
// started run on this P: a goroutine left queued on a P whose thread sleeps
// in a system call waits until the runtime's monitor takes the P back, which
// can be 10 ms when the process is idle.
func pace(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d > 0 {
		runtime.Gosched()
		d = time.Until(t)
	}
	if d > coarseSleep {
		tm := time.NewTimer(d - coarseSleep/2)
		select {
		case <-tm.C:
		case <-ctx.Done():
			tm.Stop()
			return false
		}
		d = time.Until(t)
	}
	if d > 0 {
		preciseSleep(d)
	}
	return ctx.Err() == nil
}
