package report

import (
	"math"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/milvbench/milvbench/bench"
)

func readFixture(t *testing.T, name string) *bench.Result {
	t.Helper()
	res, err := ReadResults(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestTimePlots: each fixture draws the figures over time its results hold
// data for, with the panels expected, and no other; the grid fixture,
// written before trials recorded their start and series, draws none.
func TestTimePlots(t *testing.T) {
	tests := []struct {
		file string
		want map[string]int // figure over time → panels
	}{
		{ResultsFile, map[string]int{}},
		{"capacity.json", map[string]int{PlotLatencyTime: 2, PlotCapacityLadder: 2}},
		{"mixed.json", map[string]int{PlotLatencyTime: 2, PlotMixedTime: 4}},
		{"server", map[string]int{PlotServerTime: 3}}, // the capacity case draws the others
	}
	timeFigures := []string{PlotLatencyTime, PlotCapacityLadder, PlotMixedTime, PlotServerTime}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var res *bench.Result
			if tt.file == "server" {
				res = withServerSamples(readFixture(t, "capacity.json"))
			} else {
				res = readFixture(t, tt.file)
			}
			// Only the figures over time are drawn here (TestPlots draws
			// the rest), so that the race detector's run stays short.
			dir := t.TempDir()
			for _, d := range plotDefs() {
				if !slices.Contains(timeFigures, d.File) || !d.applies(res) {
					continue
				}
				panels, ok := tt.want[d.File]
				if !ok {
					if tt.file != "server" {
						t.Errorf("drew %s", d.File)
					}
					continue
				}
				fig, err := d.draw(res)
				if err != nil {
					t.Fatal(err)
				}
				if err := fig.save(filepath.Join(dir, d.File)); err != nil {
					t.Fatal(err)
				}
				checkFigureH(t, dir, d.Plot, panels, timePanelH)
				delete(tt.want, d.File)
			}
			for f := range tt.want {
				t.Errorf("did not draw %s", f)
			}
		})
	}
}

// withServerSamples gives every trial of res a server sample per interval
// of its search series (made up: the embedded target reports none), one of
// them flagged.
func withServerSamples(res *bench.Result) *bench.Result {
	f := func(v float64) *float64 { return &v }
	for i := range res.Trials {
		t := &res.Trials[i]
		for j, p := range seriesOf(*t, bench.OpSearch).Points {
			s := bench.ServerSample{AtS: p.StartS + p.LengthS, RSSBytes: float64(300+10*i) * (1 << 20)}
			if j > 0 {
				s.CPUCores, s.SearchP99MS, s.SearchMeanMS = f(0.5+float64(i)/4), f(p.P99MS*0.6), f(p.P50MS)
			}
			if i == 1 && j == 3 {
				s.QuotaStates = []string{"ReadLimited"}
			}
			t.Server = append(t.Server, s)
		}
	}
	return res
}

// TestSpansDownsample: a run with more intervals than a line has points is
// merged into buckets that keep every peak of the tail lines and every
// request and error, and the median from the merged histograms.
func TestSpansDownsample(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tr := bench.Trial{ID: 1, Started: start}
	const n = 700
	var count, errs int64
	var pts []bench.IntervalPoint
	for i := range n {
		h := bench.NewHistogram()
		d := time.Millisecond
		if i == 610 {
			d = 250 * time.Millisecond // one stall
		}
		for range 10 {
			bench.RecordLatency(h, d)
		}
		enc, err := bench.EncodeHistogram(h)
		if err != nil {
			t.Fatal(err)
		}
		l := bench.Summarize(h)
		p := bench.IntervalPoint{StartS: float64(i), LengthS: 1, Count: 10, QPS: 10, P50MS: l.P50, P99MS: l.P99, MaxMS: l.Max, Histogram: enc}
		if i%100 == 7 {
			p.Errors = 2
		}
		count += p.Count
		errs += p.Errors
		pts = append(pts, p)
	}
	tr.Series = []bench.OpSeries{{Op: bench.OpSearch, Points: pts}}
	c := runClock{t0: start}
	bucket := bucketWidth(n, n)
	if bucket <= 0 {
		t.Fatalf("no bucketing for %d intervals", n)
	}
	spans := spansOf(tr, bench.OpSearch, c, bucket)
	if len(spans) > maxTimePoints+1 {
		t.Errorf("%d spans, want at most %d", len(spans), maxTimePoints+1)
	}
	var gotCount, gotErrs int64
	peak := 0.0
	for _, s := range spans {
		gotCount += s.count
		gotErrs += s.errors
		peak = max(peak, s.p99)
		if math.Abs(s.p50-1) > 0.01 {
			t.Errorf("span at %g: p50 %g ms, want the merged median 1 ms", s.x, s.p50)
		}
	}
	if gotCount != count || gotErrs != errs {
		t.Errorf("spans hold %d requests and %d errors, want %d and %d", gotCount, gotErrs, count, errs)
	}
	if peak < 249 {
		t.Errorf("the stall's p99 (250 ms) became %g ms after downsampling", peak)
	}
	// Without bucketing every interval is its own span.
	if got := len(spansOf(tr, bench.OpSearch, c, 0)); got != n {
		t.Errorf("%d spans without bucketing, want %d", got, n)
	}
}

// TestFoldDrain: the short last interval of a trial (answers arriving
// after the window) joins the one before it, its percentiles from the
// merged histograms; a last interval of normal length stays.
func TestFoldDrain(t *testing.T) {
	point := func(start, length float64, d time.Duration, n int) bench.IntervalPoint {
		h := bench.NewHistogram()
		for range n {
			bench.RecordLatency(h, d)
		}
		enc, _ := bench.EncodeHistogram(h)
		l := bench.Summarize(h)
		return bench.IntervalPoint{StartS: start, LengthS: length, Count: int64(n), P50MS: l.P50, P99MS: l.P99, MaxMS: l.Max, Histogram: enc}
	}
	pts := []bench.IntervalPoint{point(0, 1, time.Millisecond, 1000), point(1, 1, time.Millisecond, 1000), point(2, 0.01, 30*time.Millisecond, 3)}
	got := foldDrain(pts)
	if len(got) != 2 {
		t.Fatalf("%d points, want 2", len(got))
	}
	last := got[1]
	if last.Count != 1003 || math.Abs(last.LengthS-1.01) > 1e-9 || math.Abs(last.QPS-1003/1.01) > 1e-6 {
		t.Errorf("merged point %+v", last)
	}
	if last.P99MS > 2 || last.MaxMS < 29 {
		t.Errorf("merged p99 %g ms (3 slow of 1003 answers), max %g ms", last.P99MS, last.MaxMS)
	}
	if len(foldDrain(pts[:2])) != 2 {
		t.Error("folded an interval of normal length")
	}
}

// TestTimePlotsSkipOldResults: results without trial start times (older
// milvbench) list no figure over time, so none is drawn (or fails).
func TestTimePlotsSkipOldResults(t *testing.T) {
	res := readFixture(t, "mixed.json")
	for i := range res.Trials {
		res.Trials[i].Started = time.Time{}
	}
	for _, p := range Plots(res) {
		if p.File == PlotLatencyTime || p.File == PlotMixedTime {
			t.Errorf("lists %s without start times", p.File)
		}
	}
}
