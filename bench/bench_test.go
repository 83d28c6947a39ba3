package bench

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// TestHistogramMerge checks the measurement rule (docs/measurement.md): the merged histogram's
// percentiles are those of the union of the samples, not an average.
func TestHistogramMerge(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name    string
		workers int
		sample  func(w int) time.Duration
	}{
		{"equal workers", 4, func(int) time.Duration { return time.Duration(rng.ExpFloat64()*2000) * time.Microsecond }},
		{"one slow worker", 4, func(w int) time.Duration {
			if w == 3 {
				return time.Duration(50+rng.IntN(50)) * time.Millisecond
			}
			return time.Duration(100+rng.IntN(900)) * time.Microsecond
		}},
		{"beyond range clamps", 2, func(w int) time.Duration { return time.Duration(w) * 90 * time.Second }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := make([]*hdrhistogram.Histogram, tt.workers)
			union := NewHistogram()
			var all []float64
			for w := range parts {
				parts[w] = NewHistogram()
				for range 5000 {
					d := tt.sample(w)
					RecordLatency(parts[w], d)
					RecordLatency(union, d)
					all = append(all, float64(max(1, min(d.Microseconds(), histMaxMicros))))
				}
			}
			merged := Merge(parts...)
			if merged.TotalCount() != int64(len(all)) {
				t.Fatalf("merged count %d, want %d", merged.TotalCount(), len(all))
			}
			for _, q := range []float64{50, 90, 99, 99.9, 100} {
				if got, want := merged.ValueAtQuantile(q), union.ValueAtQuantile(q); got != want {
					t.Errorf("p%g merged %d, union %d", q, got, want)
				}
			}
			// And within HDR's 3 significant digits of the exact percentile.
			slices.Sort(all)
			exact := all[int(math.Ceil(0.99*float64(len(all))))-1]
			if got := float64(merged.ValueAtQuantile(99)); math.Abs(got-exact)/exact > 0.001 {
				t.Errorf("p99 %g, exact %g", got, exact)
			}
			// The average of per-worker p99s is what we must not report; with
			// one slow worker it is far from the true p99.
			if tt.name == "one slow worker" {
				var avg float64
				for _, p := range parts {
					avg += float64(p.ValueAtQuantile(99)) / float64(len(parts))
				}
				if math.Abs(avg-exact)/exact < 0.1 {
					t.Errorf("test data does not separate merge from averaging (avg %g exact %g)", avg, exact)
				}
			}
			// The encoded histogram round-trips.
			enc, err := EncodeHistogram(merged)
			if err != nil {
				t.Fatal(err)
			}
			dec, err := DecodeHistogram(enc)
			if err != nil {
				t.Fatal(err)
			}
			if dec.ValueAtQuantile(99) != merged.ValueAtQuantile(99) || dec.TotalCount() != merged.TotalCount() {
				t.Error("encode/decode changed the histogram")
			}
		})
	}
}

func TestRecall(t *testing.T) {
	// Query 0: distances 1,2,3,3,3,5 — the 3rd neighbour ties with the 4th and 5th.
	gt := &datasets.GroundTruth{
		K:     3,
		IDs:   [][]int64{{10, 11, 12, 13, 14}, {1, 2, 3}},
		Dists: [][]float32{{1, 2, 3, 3, 3}, {0.5, 0.7, 0.9}},
	}
	tests := []struct {
		name string
		qi   int
		k    int
		got  []int64
		want float64
	}{
		{"exact", 0, 3, []int64{10, 11, 12}, 1},
		{"tie at k-th counts", 0, 3, []int64{10, 11, 14}, 1},
		{"two ties still capped at k", 0, 3, []int64{13, 14, 12}, 1},
		{"one miss", 0, 3, []int64{10, 11, 99}, 2.0 / 3},
		{"order does not matter", 0, 3, []int64{12, 10, 11}, 1},
		{"duplicates count once", 0, 3, []int64{10, 10, 10}, 1.0 / 3},
		{"only first k results count", 0, 3, []int64{98, 99, 97, 10, 11}, 0},
		{"short answer", 1, 3, []int64{1}, 1.0 / 3},
		{"empty answer", 1, 3, nil, 0},
		{"smaller k, no tie", 1, 2, []int64{1, 3}, 0.5},
		{"smaller k inside tie", 0, 4, []int64{10, 11, 12, 14}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Recall(gt, tt.qi, tt.k, tt.got); math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("Recall = %g, want %g", got, tt.want)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{context.DeadlineExceeded, ClassTimeout},
		{errors.New("boom"), ClassOther},
		{classified{ClassRateLimited}, ClassRateLimited},
	}
	for _, tt := range tests {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}

type classified struct{ class string }

func (c classified) Error() string      { return "classified " + c.class }
func (c classified) ErrorClass() string { return c.class }

func TestClosedLoopCountsErrorsAndWindow(t *testing.T) {
	var n int64
	tgt := searchFunc(func(req SearchRequest) (SearchResult, error) {
		n++
		time.Sleep(200 * time.Microsecond)
		if n%3 == 0 {
			return SearchResult{}, classified{ClassRateLimited}
		}
		ids := make([][]int64, len(req.Vectors))
		for i := range ids {
			ids[i] = []int64{0, 1}
		}
		return SearchResult{IDs: ids}, nil
	})
	queries := [][]float32{{0}, {1}, {2}}
	pt := workloads.SearchPoint{TopK: 2, NQ: 2, Concurrency: 1}
	st := &searchStream{target: tgt, queries: queries, pt: pt}
	w := measureWindow(t, searchLoad{st: st}, 100*time.Millisecond, 30*time.Millisecond)
	if w.ok == 0 || w.errs.RateLimited == 0 || w.errs.Total != w.errs.RateLimited {
		t.Fatalf("ok %d errors %+v", w.ok, w.errs)
	}
	if w.errs.Retries == 0 {
		t.Error("rate-limited requests were not retried")
	}
	if got := w.ok + w.errs.Total; got != n {
		t.Errorf("requests accounted %d, made %d: every attempt must be counted", got, n)
	}
	if w.latency.TotalCount() != w.ok || w.service.TotalCount() != w.ok {
		t.Errorf("histograms hold %d and %d samples for %d successes", w.latency.TotalCount(), w.service.TotalCount(), w.ok)
	}
	// Every third attempt fails and is retried after ≥ 10 ms of backoff
	// (the retry succeeds), so each retry adds a request that waited ≥ 10
	// ms: the client-observed latency shows every one of them, the service
	// time none. Counted, not read off a quantile, so a loaded host that
	// slows the other requests cannot move the check.
	atLeast := func(h *hdrhistogram.Histogram, us int64) int64 {
		var n int64
		for _, b := range h.Distribution() {
			if b.From >= us {
				n += b.Count
			}
		}
		return n
	}
	if lat, svc := atLeast(w.latency, 10_000), atLeast(w.service, 10_000); lat < w.errs.Retries || svc > lat/2 {
		t.Errorf("%d requests waited ≥ 10ms client-observed for %d retries (want one each); %d service times ≥ 10ms", lat, w.errs.Retries, svc)
	}
	if w.elapsed < 100*time.Millisecond {
		t.Errorf("window %s shorter than the duration", w.elapsed)
	}
	var intervals int64
	for _, p := range w.series[0].Points {
		intervals += p.Count
	}
	if len(w.series) != 2 || w.series[0].Op != OpSearch || len(w.series[0].Points) < 3 || intervals != w.ok {
		t.Errorf("series %+v hold %d of %d successes", w.series, intervals, w.ok)
	}
	for qi := range queries {
		if !w.ans.seen[qi].Load() {
			t.Errorf("query %d never answered", qi)
		}
	}
}

// measureWindow measures one window of l from now for dur, cut every
// interval, as the trial routine does.
func measureWindow(t testing.TB, l searchLoad, dur, every time.Duration) window {
	t.Helper()
	start := time.Now()
	iv := NewIntervals(start, every)
	rec := l.recorder(iv, false)
	iv.Start()
	end, gen := l.run(context.Background(), start, dur, rec, 0)
	iv.Stop(end)
	w, err := rec.window(start, end)
	if err != nil {
		t.Fatal(err)
	}
	w.gen = gen
	return w
}

// searchFunc is a Target whose Search is f; its other methods are unused.
type searchFunc func(SearchRequest) (SearchResult, error)

func (f searchFunc) Search(_ context.Context, r SearchRequest) (SearchResult, error) { return f(r) }
func (searchFunc) Describe(context.Context) (TargetInfo, error)                      { return TargetInfo{}, nil }
func (searchFunc) CheckIndex(workloads.IndexConfig) error                            { return nil }
func (searchFunc) Create(context.Context, CollectionSpec) error                      { return nil }
func (searchFunc) Insert(context.Context, []int64, [][]float32) error                { return nil }
func (searchFunc) Flush(context.Context) error                                       { return nil }
func (searchFunc) BuildIndex(context.Context, workloads.IndexConfig) error           { return nil }
func (searchFunc) Load(context.Context) error                                        { return nil }
func (searchFunc) Release(context.Context) error                                     { return nil }
func (searchFunc) DropIndex(context.Context) error                                   { return nil }
func (searchFunc) Drop(context.Context) error                                        { return nil }
func (searchFunc) Close() error                                                      { return nil }

// BenchmarkClosedLoopNoop measures the closed-loop generator itself against
// the no-op target: requests/s and the wall time per request on this
// machine's cores (the harness's own cost per request: building it,
// recording its latency twice, keeping its answer). It must stay ≥ 1M
// requests/s on 2 cores.
func BenchmarkClosedLoopNoop(b *testing.B) {
	queries := make([][]float32, 1000)
	for i := range queries {
		queries[i] = []float32{float32(i)}
	}
	for _, c := range []int{1, 2, 8} {
		b.Run(fmt.Sprintf("c=%d", c), func(b *testing.B) {
			st := &searchStream{target: noopTarget(), queries: queries, pt: workloads.SearchPoint{TopK: 10, NQ: 1, Concurrency: c}}
			var reqs int64
			var secs float64
			for b.Loop() {
				w := measureWindow(b, searchLoad{st: st}, 200*time.Millisecond, 100*time.Millisecond)
				reqs += w.ok
				secs += w.elapsed.Seconds()
			}
			rate := float64(reqs) / secs
			b.ReportMetric(rate, "requests/s")
			b.ReportMetric(1e9/rate, "ns/request")
			b.ReportMetric(0, "ns/op")
			if c > 1 && runtime.GOMAXPROCS(0) >= 2 && rate < 1e6 {
				b.Errorf("closed loop sent %.0f requests/s with %d workers, want ≥ 1M", rate, c)
			}
		})
	}
}

// BenchmarkOpenLoopAccuracy measures how closely the open-loop generator
// keeps its schedule against the no-op target: the achieved rate over the
// offered one (must be within 1% up to 20k requests/s) and the pacer's
// send lag.
func BenchmarkOpenLoopAccuracy(b *testing.B) {
	for _, rate := range []float64{1000, 5000, 20000} {
		b.Run(fmt.Sprintf("rate=%g", rate), func(b *testing.B) {
			const dur = time.Second
			var ratio, lagP50, lagP99, unsent float64
			n := 0
			for b.Loop() {
				w := runOpen(b, noopTarget(), openConfig{rate: rate}, dur)
				ratio += w.gen.achieved(dur) / rate
				lagP50 += float64(w.gen.lag.ValueAtQuantile(50))
				lagP99 += float64(w.gen.lag.ValueAtQuantile(99))
				n++
				unsent += float64(w.gen.unsent)
				if w.gen.inFlightBound {
					b.Errorf("at %g/s the no-op target filled the in-flight bound", rate)
				}
			}
			ratio /= float64(n)
			b.ReportMetric(ratio, "achieved/offered")
			b.ReportMetric(lagP50/float64(n), "lag-p50-µs")
			b.ReportMetric(lagP99/float64(n), "lag-p99-µs")
			b.ReportMetric(unsent/float64(n), "unsent/trial")
			b.ReportMetric(0, "ns/op")
			if math.Abs(ratio-1) > 0.01 {
				b.Errorf("achieved %.4f of the offered %g/s, want within 1%%", ratio, rate)
			}
		})
	}
}

// TestHistogramEncoding: results.json holds the standard HDR text (one
// base64 layer, "HISTF..."), and the double-base64 form of older files
// still decodes to the same histogram.
func TestHistogramEncoding(t *testing.T) {
	h := NewHistogram()
	for _, us := range []int64{90, 120, 130, 1500, 2_000_000} {
		_ = h.RecordValue(us)
	}
	enc, err := EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "HISTF") {
		t.Fatalf("encoded histogram %.12q... is not the standard HDR text (HISTF...)", enc)
	}
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{"standard", enc, false},
		{"old double base64", base64.StdEncoding.EncodeToString([]byte(enc)), false},
		{"truncated", enc[:len(enc)/2], true},
		{"not base64", "not a histogram", true},
		{"old form, broken outer layer", "SElT!!", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dec, err := DecodeHistogram(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("decoded %q", tt.in)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if dec.TotalCount() != h.TotalCount() || dec.Max() != h.Max() || dec.ValueAtQuantile(50) != h.ValueAtQuantile(50) {
				t.Errorf("decoded count %d max %d p50 %d, want %d %d %d", dec.TotalCount(), dec.Max(), dec.ValueAtQuantile(50), h.TotalCount(), h.Max(), h.ValueAtQuantile(50))
			}
		})
	}
}
