package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/internal/testenv"
	"github.com/milvbench/milvbench/report"
)

// hlogTag is what scripts/interop/hlog_read.py reads for one tag of a
// latency.hlog with HdrHistogram's Python port.
type hlogTag struct {
	Tag         string              `json:"tag"`
	Intervals   int                 `json:"intervals"`
	StartS      float64             `json:"start_s"`
	EndS        float64             `json:"end_s"`
	Count       int64               `json:"count"`
	Max         int64               `json:"max"`
	Percentiles map[string][2]int64 `json:"percentiles"`
}

// TestCapacityRunHlogReadByHdrHistogramPython runs a capacity search with
// `milvbench run` on the embedded target, then has HdrHistogram's Python
// port read latency.hlog: per trial and operation, its intervals must merge
// to the count and percentiles results.json has for that trial, and fall in
// the trial's window. The run must also name the knee.
func TestCapacityRunHlogReadByHdrHistogramPython(t *testing.T) {
	testenv.Python(t) // skip before the run when the reader is missing
	const workload = `name: it_hlog
dataset: {size: 2000, dim: 16, queries: 200, seed: 3}
indexes: [{type: HNSW, build: {M: 8, efConstruction: 40}, search: {ef: 32}}]
load: {model: capacity, start_rate: 20, ramp_factor: 8, max_rate: 1000000, precision: 0.5, max_in_flight: 200, warmup: 50ms, duration: 300ms, interval: 100ms}
goals: {p99: 200ms}
`
	dir := t.TempDir()
	t.Chdir(dir)
	wl := filepath.Join(dir, "w.yaml")
	if err := os.WriteFile(wl, []byte(workload), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	root := newRoot(io.Discard, logWriter{t})
	root.SetArgs([]string{"run", wl, "--out", out})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	res, err := report.ReadResults(filepath.Join(out, report.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Capacity) != 1 || res.Capacity[0].KneeRate == 0 || res.Capacity[0].FailRate == 0 {
		t.Fatalf("capacity %+v", res.Capacity)
	}
	var tags []hlogTag
	if err := testenv.RunScript(t, nil, &tags, "hlog_read.py", filepath.Join(out, report.IntervalLogFile)); err != nil {
		t.Fatal(err)
	}
	byTag := map[string]hlogTag{}
	for _, g := range tags {
		byTag[g.Tag] = g
	}
	if len(byTag) != 2*len(res.Trials) {
		t.Errorf("%d tags in latency.hlog for %d trials × 2 operations", len(byTag), len(res.Trials))
	}
	for _, tr := range res.Trials {
		for _, op := range []struct {
			name string
			enc  string
			ms   *bench.LatencyMS
		}{{bench.OpSearch, tr.Histogram, &tr.LatencyMS}, {bench.OpSearchService, tr.ServiceHistogram, tr.ServiceMS}} {
			g, ok := byTag[bench.IntervalTag(tr.ID, op.name)]
			if !ok {
				t.Errorf("trial %d %s: not in latency.hlog", tr.ID, op.name)
				continue
			}
			h, err := bench.DecodeHistogram(op.enc)
			if err != nil {
				t.Fatal(err)
			}
			if g.Count != h.TotalCount() || g.Count != tr.Requests-tr.Errors.Total || g.Intervals != len(tr.Series[0].Points) {
				t.Errorf("%s: %d samples in %d intervals read, trial has %d samples (%d requests − %d errors) in %d intervals",
					g.Tag, g.Count, g.Intervals, h.TotalCount(), tr.Requests, tr.Errors.Total, len(tr.Series[0].Points))
			}
			for pct, want := range map[string]float64{"50": op.ms.P50, "99": op.ms.P99} {
				us := int64(math.Round(want * 1000))
				if b := g.Percentiles[pct]; us < b[0] || us > b[1] {
					t.Errorf("%s: p%s %d µs in results.json, %v µs read from latency.hlog", g.Tag, pct, us, b)
				}
			}
			from := float64(tr.Started.UnixMilli()) / 1000
			if math.Abs(g.StartS-from) > 0.002 || g.EndS < from+tr.Load.DurationS-0.002 || g.EndS > from+tr.Load.WindowS+0.002 {
				t.Errorf("%s: intervals %.3f..%.3f s, trial window %.3f..%.3f s", g.Tag, g.StartS, g.EndS, from, from+tr.Load.WindowS)
			}
		}
	}
	md, err := os.ReadFile(filepath.Join(out, report.ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("**Knee: %g requests/s**", res.Capacity[0].KneeRate); !strings.Contains(string(md), want) {
		t.Errorf("report.md lacks %q", want)
	}
}
