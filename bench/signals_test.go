package bench

import (
	"context"
	"math"
	"sync/atomic"
	"testing"
	"time"
)

func TestCumHistogramQuantile(t *testing.T) {
	inf := math.Inf(1)
	h := &CumHistogram{Bounds: []float64{1, 2, 4, inf}, Counts: []float64{10, 60, 100, 100}}
	tests := []struct {
		q, want float64
	}{
		{0.05, 0.5},  // rank 5 of the 10 in (0, 1]
		{0.5, 1.8},   // rank 50: 40 of the 50 in (1, 2]
		{0.99, 3.95}, // rank 99: 39 of the 40 in (2, 4]
		{1, 4},       // the top of the last finite bucket
	}
	for _, tt := range tests {
		if got, ok := h.quantile(tt.q); !ok || math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("quantile(%g) = %g, %v; want %g", tt.q, got, ok, tt.want)
		}
	}
	tail := &CumHistogram{Bounds: []float64{1, 2, inf}, Counts: []float64{1, 2, 100}}
	if got, ok := tail.quantile(0.99); !ok || got != 2 {
		t.Errorf("rank in the +Inf bucket: %g, %v; want the highest finite bound 2", got, ok)
	}
	if _, ok := (&CumHistogram{Bounds: []float64{1, inf}, Counts: []float64{0, 0}}).quantile(0.5); ok {
		t.Error("quantile of an empty histogram")
	}
}

// fakeSignals counts readings and reports a growing CPU counter.
type fakeSignals struct {
	searchFunc
	n atomic.Int64
}

func (f *fakeSignals) Signals(context.Context) ServerSignals {
	n := float64(f.n.Add(1))
	return ServerSignals{
		HealthErr: "the server does not implement CheckHealth",
		Metrics:   &ServerMetrics{RSSBytes: 1 << 20, CPUSeconds: n, SearchOK: 10 * n, SearchFailed: math.NaN(), RateLimited: math.NaN()},
	}
}

func TestWatchServer(t *testing.T) {
	f := &fakeSignals{}
	start := time.Now()
	stop := watchServer(context.Background(), f, start, 20*time.Millisecond)
	time.Sleep(110 * time.Millisecond)
	got := stop()
	// A reading cut short by the stop is dropped; the final one is taken.
	if n := int64(len(got)); n < 4 || n < f.n.Load()-1 {
		t.Fatalf("%d samples of %d readings over 110ms at 20ms", len(got), f.n.Load())
	}
	if got[0].CPUCores != nil || got[0].HealthError == "" || got[0].RSSBytes != 1<<20 {
		t.Errorf("first sample %+v: no rates without a previous reading", got[0])
	}
	for i, s := range got[1:] {
		if s.AtS <= got[i].AtS || s.CPUCores == nil || s.SearchQPS == nil || s.RateLimitedPerS != nil {
			t.Fatalf("sample %d %+v after %+v", i+1, s, got[i])
		}
		if math.Abs(*s.SearchQPS-10**s.CPUCores) > 1e-6 {
			t.Errorf("sample %d: search qps %g, cpu %g (one reading's increments over the same dt)", i+1, *s.SearchQPS, *s.CPUCores)
		}
	}
	if last := got[len(got)-1]; last.AtS < 0.1 {
		t.Errorf("last sample at %.3fs, want the stop at ≥ 0.11s", last.AtS)
	}
	if s := watchServer(context.Background(), searchFunc(nil), start, time.Second)(); s != nil {
		t.Errorf("a target without signals gave %v", s)
	}
}
