package bench

import (
	"context"
	"encoding/base64"
	"errors"
	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// TestHistogramMerge checks DESIGN.md's rule: the merged histogram's
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
	w := closedLoop(context.Background(), tgt, queries, pt, nil, nil, 100*time.Millisecond, newAnswers(len(queries)))
	if w.ok == 0 || w.errs.RateLimited == 0 || w.errs.Total != w.errs.RateLimited {
		t.Fatalf("ok %d errors %+v", w.ok, w.errs)
	}
	if w.errs.Retries == 0 {
		t.Error("rate-limited requests were not retried")
	}
	if got := w.ok + w.errs.Total; got != n {
		t.Errorf("requests accounted %d, made %d: every attempt must be counted", got, n)
	}
	if w.hist.TotalCount() != w.ok {
		t.Errorf("histogram holds %d samples for %d successes", w.hist.TotalCount(), w.ok)
	}
	if w.elapsed < 100*time.Millisecond {
		t.Errorf("window %s shorter than the duration", w.elapsed)
	}
	for qi := range queries {
		if !w.answered.seen[qi].Load() {
			t.Errorf("query %d never answered", qi)
		}
	}
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
