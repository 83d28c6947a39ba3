package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
)

// capacityResult is a capacity search of four probes: 1000 and 2000 hold,
// 4000 fails on p99 (generator bound too), 2828 fails on p99.
func capacityResult(t *testing.T) *bench.Result {
	t.Helper()
	start := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	spec := &workloads.Spec{Name: "cap", Load: workloads.LoadSpec{Model: workloads.LoadCapacity, StartRate: 1000, RampFactor: 2, Precision: 0.5, MaxErrorRate: 0.001},
		Goals: workloads.Goals{P99: workloads.Duration(5 * time.Millisecond)}}
	res := &bench.Result{Workload: spec}
	res.Provenance.Started = start
	probes := []struct {
		rate  float64
		p99   float64
		bound bool
		step  string
	}{{1000, 2, false, "ramp"}, {2000, 3, false, "ramp"}, {4000, 40, true, "ramp"}, {2828.4, 9, false, "bisect"}}
	var ids []int
	for i, p := range probes {
		h := bench.NewHistogram()
		for j := range int(p.rate) {
			bench.RecordLatency(h, time.Duration(j%int(p.p99*1000)+1)*time.Microsecond)
		}
		enc, err := bench.EncodeHistogram(h)
		if err != nil {
			t.Fatal(err)
		}
		pass := p.p99 <= 5
		var reasons []string
		if !pass {
			reasons = append(reasons, "p99 over goal")
		}
		if p.bound {
			reasons = append(reasons, "generator bound")
		}
		tr := bench.Trial{
			ID: i + 1, Index: workloads.IndexConfig{Type: "HNSW"}, Search: bench.SearchInfo{Params: workloads.Params{"ef": int64(32)}, TopK: 10, NQ: 1},
			Load:   bench.LoadInfo{Model: workloads.LoadCapacity, Rate: p.rate, AchievedRate: p.rate, GeneratorBound: p.bound, GeneratorReason: "the in-flight bound was reached", Latency: bench.LatencyOpen},
			QPS:    p.rate,
			Recall: 0.97, LatencyMS: bench.LatencyMS{P50: 1, P99: p.p99}, Histogram: enc,
			Started:  start.Add(time.Duration(i) * 2 * time.Second),
			Series:   []bench.OpSeries{{Op: bench.OpSearch, Points: []bench.IntervalPoint{{StartS: 0, LengthS: 1, Count: h.TotalCount(), Histogram: enc}}}},
			Capacity: &bench.CapacityProbe{Search: 1, Step: p.step, Pass: pass, Reasons: reasons},
		}
		res.Trials = append(res.Trials, tr)
		ids = append(ids, tr.ID)
	}
	res.Capacity = []bench.CapacityResult{{
		Index: workloads.IndexConfig{Type: "HNSW"}, Search: res.Trials[0].Search,
		KneeRate: 2000, KneeTrial: 2, KneeQPS: 2000, KneeP99MS: 3, FailRate: 2828.4, FailTrial: 4, FailReasons: []string{"p99 over goal"},
		Precision: 0.414, Stop: "bracket within load.precision 0.5", Probes: ids,
	}}
	return res
}

// TestWriteCapacity: the report names the knee and why the next rate
// failed, lists every probe, marks the generator-bound one, and Write adds
// the rate plot and a latency.hlog whose intervals hold every trial's
// samples.
func TestWriteCapacity(t *testing.T) {
	res := capacityResult(t)
	dir := t.TempDir()
	if err := Write(dir, res); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"## Capacity", "**Knee: 2000 requests/s** (trial 2: achieved 2000 QPS, p99 3.000 ms). The next rate, 2828.4 requests/s (trial 4), failed: p99 over goal.",
		"| 3 | 3 | ramp | 4000 | 4000 | 4000.0 | 40.000 | 0.9700 | 0 | fails: p99 over goal; generator bound |",
		"**bound**: the in-flight bound was reached", "p99 ≤ 5ms", PlotRate + ".png",
		"latency is from the intended send time",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, PlotRate+".png")); err != nil || fi.Size() < 1000 {
		t.Errorf("rate plot: %v", err)
	}
	f, err := os.Open(filepath.Join(dir, IntervalLogFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lr := hdrhistogram.NewHistogramLogReader(f)
	counts := map[string]int64{}
	for {
		h, err := lr.NextIntervalHistogram()
		if err != nil {
			t.Fatal(err)
		}
		if h == nil {
			break
		}
		counts[h.Tag()] += h.TotalCount()
	}
	for _, tr := range res.Trials {
		if got := counts[bench.IntervalTag(tr.ID, bench.OpSearch)]; got != int64(tr.Load.Rate) {
			t.Errorf("trial %d: latency.hlog holds %d samples, want %g", tr.ID, got, tr.Load.Rate)
		}
	}
	// A closed-loop run has an interval log too, and no rate sections.
	closed := sampleResult()
	dir2 := t.TempDir()
	if err := Write(dir2, closed); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir2, IntervalLogFile)); err != nil {
		t.Errorf("closed-loop run wrote no %s: %v", IntervalLogFile, err)
	}
	if md, _ := os.ReadFile(filepath.Join(dir2, ReportFile)); strings.Contains(string(md), "## Offered rate") || strings.Contains(string(md), "## Capacity") {
		t.Error("closed-loop report has open-loop sections")
	}
}
