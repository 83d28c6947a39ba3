package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
)

func sampleResult() *bench.Result {
	h := bench.NewHistogram()
	bench.RecordLatency(h, 3*time.Millisecond)
	enc, _ := bench.EncodeHistogram(h)
	spec := &workloads.Spec{Name: "s", Load: workloads.LoadSpec{Model: "closed"}, Goals: workloads.Goals{Recall: 0.9}}
	var trials []bench.Trial
	for i, ef := range []int64{16, 32, 64} {
		for _, c := range []int{1, 2} {
			trials = append(trials, bench.Trial{
				ID:     len(trials) + 1,
				Index:  workloads.IndexConfig{Type: "HNSW", Build: workloads.Params{"M": int64(16)}},
				Search: bench.SearchInfo{Params: workloads.Params{"ef": ef}, TopK: 10, NQ: 1},
				Load:   bench.LoadInfo{Model: "closed", Concurrency: c},
				Recall: 0.8 + 0.05*float64(i), QPS: 1000 / float64(i+1) * float64(c),
				LatencyMS: bench.LatencyMS{P50: 1, P90: 2, P99: 3, P999: 4, Max: 5},
				TimingsS:  bench.Timings{Insert: 1, Build: 2}, Histogram: enc,
			})
		}
	}
	return &bench.Result{Workload: spec, Trials: trials}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, sampleResult()); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{ResultsFile, ReportFile, RecallQPSPlot, P99ConcPlot} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, ReportFile))
	for _, want := range []string{"](" + RecallQPSPlot + ")", "](" + P99ConcPlot + ")", "p99 (ms)", "QPS (req/s)", "✓"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	// DESIGN.md's results.json contract, read as plain JSON.
	raw, _ := os.ReadFile(filepath.Join(dir, ResultsFile))
	var doc struct {
		Trials []map[string]json.RawMessage `json:"trials"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil || len(doc.Trials) != 6 {
		t.Fatalf("results.json: %v, %d trials", err, len(doc.Trials))
	}
	for _, k := range []string{"index", "search", "load", "recall", "qps", "latency_ms", "errors", "timings_s"} {
		if _, ok := doc.Trials[0][k]; !ok {
			t.Errorf("trial lacks %q", k)
		}
	}
	var lat map[string]float64
	_ = json.Unmarshal(doc.Trials[0]["latency_ms"], &lat)
	for _, k := range []string{"p50", "p90", "p99", "p999", "max"} {
		if _, ok := lat[k]; !ok {
			t.Errorf("latency_ms lacks %q", k)
		}
	}
	back, err := ReadResults(filepath.Join(dir, ResultsFile))
	if err != nil || len(back.Trials) != 6 || back.Trials[2].Search.Params.Int("ef", 0) != 32 {
		t.Errorf("read back: %v", err)
	}
}
