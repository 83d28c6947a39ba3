package bench

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// TestIntervalsCut: samples recorded through many slots land in the
// interval that was open when they were recorded; the intervals tile the
// window; their union is the op's total; failures count per interval.
func TestIntervalsCut(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 600e6, time.UTC)
	type rec struct {
		slot int
		d    time.Duration
		fail bool
	}
	tests := []struct {
		name  string
		slots int
		// batches[i] is recorded, then the interval is cut at cuts[i].
		batches [][]rec
		cuts    []time.Duration
		want    []int64 // successes per interval
		fails   []int64
	}{
		{"one slot", 1, [][]rec{{{0, time.Millisecond, false}, {0, 2 * time.Millisecond, false}}, {{0, 3 * time.Second, false}}}, []time.Duration{time.Second, 2 * time.Second}, []int64{2, 1}, []int64{0, 0}},
		{"slots beyond shards share", 200, [][]rec{{{0, time.Millisecond, false}, {64, time.Millisecond, false}, {199, 5 * time.Microsecond, true}}}, []time.Duration{time.Second}, []int64{2}, []int64{1}},
		{"empty interval stays in the series", 4, [][]rec{{{1, time.Millisecond, false}}, nil, {{2, time.Millisecond, true}, {3, time.Millisecond, false}}}, []time.Duration{time.Second, 2 * time.Second, 2500 * time.Millisecond}, []int64{1, 0, 1}, []int64{0, 0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iv := NewIntervals(start, time.Second)
			op := iv.Op(OpSearch, tt.slots)
			union := NewHistogram()
			for i, batch := range tt.batches {
				for _, r := range batch {
					if r.fail {
						op.Fail(r.slot, ClassOther, errors.New("x"))
						continue
					}
					op.Record(r.slot, r.d)
					RecordLatency(union, r.d)
				}
				if i == len(tt.batches)-1 {
					iv.Stop(start.Add(tt.cuts[i]))
				} else {
					iv.cut(start.Add(tt.cuts[i]))
				}
			}
			s := op.Series()
			if len(s.Points) != len(tt.want) {
				t.Fatalf("%d points, want %d", len(s.Points), len(tt.want))
			}
			var prev time.Duration
			for i, p := range s.Points {
				if p.Count != tt.want[i] || p.Errors != tt.fails[i] {
					t.Errorf("point %d: count %d errors %d, want %d and %d", i, p.Count, p.Errors, tt.want[i], tt.fails[i])
				}
				from, to := prev.Seconds(), tt.cuts[i].Seconds()
				if math.Abs(p.StartS-from) > 1e-9 || math.Abs(p.StartS+p.LengthS-to) > 1e-9 {
					t.Errorf("point %d covers %g+%g s, want %g..%g", i, p.StartS, p.LengthS, from, to)
				}
				if want := float64(p.Count) / p.LengthS; p.QPS != want {
					t.Errorf("point %d qps %g, want %g", i, p.QPS, want)
				}
				prev = tt.cuts[i]
			}
			total, err := op.Total()
			if err != nil {
				t.Fatal(err)
			}
			if !total.Equals(union) {
				t.Errorf("total of intervals (%d samples) differs from the samples recorded (%d)", total.TotalCount(), union.TotalCount())
			}
			var fails int64
			for _, f := range tt.fails {
				fails += f
			}
			if e := op.Errors(); e.Total != fails || e.Other != fails {
				t.Errorf("errors %+v, want %d", e, fails)
			}
		})
	}
}

// TestIntervalsTicker: with the ticker running, concurrent recorders lose
// no sample and the intervals tile the window on the configured grid.
func TestIntervalsTicker(t *testing.T) {
	start := time.Now()
	iv := NewIntervals(start, 20*time.Millisecond)
	op := iv.Op(OpSearch, 4)
	iv.Start()
	var wg sync.WaitGroup
	var n [4]int64
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Since(start) < 110*time.Millisecond {
				op.Record(w, 100*time.Microsecond)
				n[w]++
				time.Sleep(200 * time.Microsecond)
			}
		}()
	}
	wg.Wait()
	end := time.Now()
	iv.Stop(end)
	total, _ := op.Total()
	if want := n[0] + n[1] + n[2] + n[3]; total.TotalCount() != want {
		t.Fatalf("total %d samples, recorded %d", total.TotalCount(), want)
	}
	s := op.Series()
	if len(s.Points) < 5 || len(s.Points) > 7 {
		t.Fatalf("%d intervals over %s at 20ms", len(s.Points), end.Sub(start))
	}
	var sum int64
	var length float64
	for _, p := range s.Points {
		sum += p.Count
		length += p.LengthS
	}
	if sum != total.TotalCount() || math.Abs(length-end.Sub(start).Seconds()) > 1e-6 {
		t.Errorf("points hold %d samples over %gs; total %d over %s", sum, length, total.TotalCount(), end.Sub(start))
	}
	live := iv.Live(end)
	if len(live) != 1 || !live[0].Interval || live[0].Count != sum {
		t.Errorf("live %+v", live)
	}
}

// readIntervalLog reads an interval log back with hdrhistogram-go's reader
// and merges its histograms by tag.
func readIntervalLog(t *testing.T, r io.Reader) map[string]*hdrhistogram.Histogram {
	t.Helper()
	lr := hdrhistogram.NewHistogramLogReader(r)
	out := map[string]*hdrhistogram.Histogram{}
	for {
		h, err := lr.NextIntervalHistogram()
		if err != nil {
			t.Fatal(err)
		}
		if h == nil {
			return out
		}
		m, ok := out[h.Tag()]
		if !ok {
			m = NewHistogram()
			out[h.Tag()] = m
		}
		m.Merge(h)
	}
}

// TestWriteIntervalLog: the log's intervals, read back by hdrhistogram-go,
// merge per tag into the histogram of each trial and operation, and their
// timestamps fall in the trial's window.
func TestWriteIntervalLog(t *testing.T) {
	runStart := time.Date(2026, 1, 2, 3, 4, 5, 600e6, time.UTC)
	var res Result
	res.Provenance.Started = runStart
	res.Provenance.RunID = "r1"
	want := map[string]*hdrhistogram.Histogram{}
	for id := 1; id <= 2; id++ {
		trStart := runStart.Add(time.Duration(id) * 3 * time.Second)
		iv := NewIntervals(trStart, 500*time.Millisecond)
		ops := []*Op{iv.Op(OpSearch, 2), iv.Op(OpSearchService, 2)}
		for k := 1; k <= 3; k++ {
			for j := range 50 * k * id {
				ops[0].Record(j, time.Duration(j*k+1)*time.Microsecond*37)
				ops[1].Record(j, time.Duration(j+1)*time.Microsecond*11)
			}
			iv.cut(trStart.Add(time.Duration(k) * 500 * time.Millisecond))
		}
		iv.Stop(trStart.Add(1600 * time.Millisecond))
		tr := Trial{ID: id, Started: trStart}
		for _, op := range ops {
			tr.Series = append(tr.Series, op.Series())
			h, err := op.Total()
			if err != nil {
				t.Fatal(err)
			}
			want[IntervalTag(id, op.Name())] = h
		}
		res.Trials = append(res.Trials, tr)
	}
	var buf bytes.Buffer
	if err := WriteIntervalLog(&buf, &res); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "#[Histogram log format version 1.3]\n") || !strings.Contains(buf.String(), "Tag=trial=2;op=search_service,") {
		t.Errorf("log header or tags:\n%s", buf.String()[:min(buf.Len(), 600)])
	}
	got := readIntervalLog(t, bytes.NewReader(buf.Bytes()))
	if len(got) != len(want) {
		t.Fatalf("tags %v, want %d", keys(got), len(want))
	}
	for tag, w := range want {
		g, ok := got[tag]
		if !ok || !g.Equals(w) {
			t.Errorf("%s: merged log histogram (%v) differs from the trial's (%d samples)", tag, g != nil, w.TotalCount())
		}
	}
	// Timestamps: the reader adds the base time back.
	lr := hdrhistogram.NewHistogramLogReader(bytes.NewReader(buf.Bytes()))
	h, err := lr.NextIntervalHistogram()
	if err != nil || h == nil {
		t.Fatal(err)
	}
	if first := res.Trials[0].Started.UnixMilli(); h.StartTimeMs() != first || h.EndTimeMs() != first+500 {
		t.Errorf("first interval %d..%d ms, want %d..%d", h.StartTimeMs(), h.EndTimeMs(), first, first+500)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
