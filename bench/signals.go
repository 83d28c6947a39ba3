package bench

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// ServerSignals is one raw reading of the server. A part the server does
// not offer (or that failed) is nil, with the reason in its Err field.
type ServerSignals struct {
	Health     *Health
	HealthErr  string
	Metrics    *ServerMetrics
	MetricsErr string
}

// Health is the server's answer to a health check.
type Health struct {
	Healthy bool
	Reasons []string
	// QuotaStates name limits in force, e.g. DenyToWrite (memory or disk
	// protection) or ReadLimited (throttling).
	QuotaStates []string
}

// ServerMetrics are the server's counters and gauges at one moment, as
// scraped; rates over an interval come from two readings. A NaN field was
// not in the scrape.
type ServerMetrics struct {
	RSSBytes   float64
	CPUSeconds float64
	// Search requests the server's proxy counted, by outcome, and requests
	// its rate limiter rejected (all kinds).
	SearchOK     float64
	SearchFailed float64
	RateLimited  float64
	// SearchLatency is the proxy's search latency histogram (ms), summed
	// over its other labels; nil when absent.
	SearchLatency *CumHistogram
}

// CumHistogram is a Prometheus histogram: cumulative counts at upper
// bounds (the last bound is +Inf), with the sum and count of observations.
type CumHistogram struct {
	Bounds []float64
	Counts []float64
	Sum    float64
	Count  float64
}

// Flagged reports whether the sample shows the server unhealthy, under a
// quota state or rate limiting.
func (s ServerSample) Flagged() bool {
	return (s.Healthy != nil && !*s.Healthy) || len(s.QuotaStates) > 0 || (s.RateLimitedPerS != nil && *s.RateLimitedPerS > 0)
}

// NewServerSample turns a reading into a sample at at seconds, with rates
// against prev (nil: none) taken dt seconds earlier.
func NewServerSample(at float64, cur ServerSignals, prev *ServerSignals, dt float64) ServerSample {
	s := ServerSample{AtS: at, HealthError: cur.HealthErr, MetricsError: cur.MetricsErr}
	if h := cur.Health; h != nil {
		s.Healthy = &h.Healthy
		s.Reasons, s.QuotaStates = h.Reasons, h.QuotaStates
	}
	m := cur.Metrics
	if m == nil {
		return s
	}
	if !math.IsNaN(m.RSSBytes) {
		s.RSSBytes = m.RSSBytes
	}
	if prev == nil || prev.Metrics == nil || dt <= 0 {
		return s
	}
	p := prev.Metrics
	rate := func(a, b float64) *float64 {
		if math.IsNaN(b) {
			// Counters of a labelled family appear at their first
			// increment: absent before means zero.
			b = 0
		}
		if math.IsNaN(a) || a < b { // absent, or a counter reset
			return nil
		}
		v := (a - b) / dt
		return &v
	}
	s.CPUCores = rate(m.CPUSeconds, p.CPUSeconds)
	s.SearchQPS = rate(m.SearchOK, p.SearchOK)
	s.SearchFailedPerS = rate(m.SearchFailed, p.SearchFailed)
	s.RateLimitedPerS = rate(m.RateLimited, p.RateLimited)
	if d := m.SearchLatency.minus(p.SearchLatency); d != nil && d.Count > 0 {
		mean := d.Sum / d.Count
		s.SearchMeanMS = &mean
		if q, ok := d.quantile(0.99); ok {
			s.SearchP99MS = &q
		}
	}
	return s
}

// minus returns the observations h holds beyond earlier (same buckets),
// or nil.
func (h *CumHistogram) minus(earlier *CumHistogram) *CumHistogram {
	if h == nil || earlier == nil || len(h.Bounds) != len(earlier.Bounds) || h.Count < earlier.Count {
		return nil
	}
	d := &CumHistogram{Bounds: h.Bounds, Counts: make([]float64, len(h.Counts)), Sum: h.Sum - earlier.Sum, Count: h.Count - earlier.Count}
	for i := range h.Counts {
		if h.Bounds[i] != earlier.Bounds[i] {
			return nil
		}
		d.Counts[i] = h.Counts[i] - earlier.Counts[i]
	}
	return d
}

// quantile estimates the q-quantile as Prometheus's histogram_quantile
// does: find the bucket holding rank q·count and interpolate linearly
// within it (from 0 for the first bucket); a rank in the +Inf bucket
// returns the highest finite bound.
func (h *CumHistogram) quantile(q float64) (float64, bool) {
	n := len(h.Bounds)
	if n == 0 || h.Counts[n-1] <= 0 {
		return 0, false
	}
	total := h.Counts[n-1]
	rank := q * total
	i := sort.Search(n, func(i int) bool { return h.Counts[i] >= rank })
	switch {
	case i >= n:
		i = n - 1
	case math.IsInf(h.Bounds[i], 1):
		if i == 0 {
			return 0, false
		}
		return h.Bounds[i-1], true
	}
	lo, below := 0.0, 0.0
	if i > 0 {
		lo, below = h.Bounds[i-1], h.Counts[i-1]
	}
	in := h.Counts[i] - below
	if in <= 0 {
		return h.Bounds[i], true
	}
	return lo + (h.Bounds[i]-lo)*(rank-below)/in, true
}

// readServer takes one sample with no rates (before the trials).
func readServer(ctx context.Context, t Target) *ServerSample {
	src, ok := t.(SignalSource)
	if !ok {
		return nil
	}
	s := NewServerSample(0, src.Signals(ctx), nil, 0)
	return &s
}

// watchServer samples the target's signals at start, every interval, and
// once more when the returned stop is called; stop returns the samples
// (nil for targets without signals). Times are relative to start.
func watchServer(ctx context.Context, t Target, start time.Time, every time.Duration) (stop func() []ServerSample) {
	src, ok := t.(SignalSource)
	if !ok || every <= 0 {
		return func() []ServerSample { return nil }
	}
	var out []ServerSample
	var prev *ServerSignals
	var prevAt float64
	read := func(ctx context.Context) bool {
		at := time.Since(start).Seconds()
		cur := src.Signals(ctx)
		if ctx.Err() != nil {
			return false
		}
		out = append(out, NewServerSample(at, cur, prev, at-prevAt))
		prev, prevAt = &cur, at
		return true
	}
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		// The first reading is the window's start: taken under ctx, not
		// lctx, so a window that ends before this goroutine first runs
		// (an ingest trial of a few small inserts on a busy host) still
		// has it; stop waits for it.
		ok := read(ctx)
		for ok {
			select {
			case <-tick.C:
			case <-lctx.Done():
				return
			}
			ok = read(lctx)
		}
	}()
	return func() []ServerSample {
		cancel()
		<-done // the loop no longer touches out or prev
		read(ctx)
		return out
	}
}

// Describe renders the sample in one line for progress output.
func (s ServerSample) Describe() string {
	var parts []string
	switch {
	case s.Healthy != nil && *s.Healthy:
		parts = append(parts, "healthy")
	case s.Healthy != nil:
		parts = append(parts, fmt.Sprintf("UNHEALTHY (%s)", strings.Join(s.Reasons, "; ")))
	default:
		parts = append(parts, "health unknown: "+s.HealthError)
	}
	if len(s.QuotaStates) > 0 {
		parts = append(parts, "quota states "+strings.Join(s.QuotaStates, ", "))
	}
	switch {
	case s.MetricsError != "":
		parts = append(parts, "metrics: "+s.MetricsError)
	case s.RSSBytes > 0:
		parts = append(parts, fmt.Sprintf("rss %.0f MiB", s.RSSBytes/(1<<20)))
	}
	return strings.Join(parts, ", ")
}
