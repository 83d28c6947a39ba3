package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
)

// TestLoadSections renders mixed, ingest and server trials: each section,
// its numbers and flags, and the plots it links.
func TestLoadSections(t *testing.T) {
	h := bench.NewHistogram()
	bench.RecordLatency(h, 2*time.Millisecond)
	enc, _ := bench.EncodeHistogram(h)
	f := func(v float64) *float64 { return &v }
	healthy, sick := true, false
	hnsw := workloads.IndexConfig{Type: "HNSW", Build: workloads.Params{"M": int64(16)}}
	op := func(rows int64, batch int, rate float64) *bench.OpStats {
		return &bench.OpStats{OfferedRowsPerS: rate, Batch: batch, Calls: rows / int64(batch), Rows: rows, RowsPerS: float64(rows) / 2,
			CallsPerS: float64(rows) / float64(batch) / 2, LatencyMS: bench.LatencyMS{P50: 1, P99: 7.5, Max: 9}, ServiceMS: &bench.LatencyMS{P99: 4}, Histogram: enc}
	}
	sat := op(1000, 100, 2000)
	sat.Saturated, sat.Unsent = true, 3
	mixed := bench.Trial{ID: 1, Index: hnsw, Search: bench.SearchInfo{TopK: 10, NQ: 1}, QPS: 500, LatencyMS: bench.LatencyMS{P99: 3.25}, Histogram: enc,
		Load:       bench.LoadInfo{Model: "mixed", Concurrency: 2, InsertRate: 2000, InsertBatch: 100, Latency: "service time"},
		Operations: map[string]*bench.OpStats{bench.OpInsert: sat, bench.OpDelete: op(200, 100, 100)},
		Mixed:      &bench.MixedInfo{Consistency: "strong", Queries: 100, PreloadRows: 1000, RowsBefore: 1000, RowsAfter: 1800},
		Checkpoints: []bench.Checkpoint{
			{AtS: 0, Rows: 1000, Recall: 0.99, Queries: 100},
			{AtS: 2, Rows: 1800, Inserted: 1000, Deleted: 200, Recall: 0.97, Queries: 100, NewShare: 0.4, NewRecall: 0.95, PassS: 0.2},
		},
		Series: []bench.OpSeries{{Op: bench.OpSearch, Points: []bench.IntervalPoint{{StartS: 0, LengthS: 1, Count: 1, Histogram: enc}, {StartS: 1, LengthS: 1, Count: 1, Histogram: enc}}}},
		Server: []bench.ServerSample{
			{AtS: 0, Healthy: &healthy, RSSBytes: 64 << 20},
			{AtS: 1, Healthy: &sick, Reasons: []string{"querynode down"}, QuotaStates: []string{"DenyToWrite"}, RSSBytes: 128 << 20,
				CPUCores: f(1.5), SearchQPS: f(480), SearchP99MS: f(6.5), RateLimitedPerS: f(2)},
		},
		Notes: []string{"the insert stream reached 8 calls in flight"},
	}
	ingest := bench.Trial{ID: 2, Index: hnsw, Search: bench.SearchInfo{TopK: 10, NQ: 1}, QPS: 20, Histogram: enc,
		Load:       bench.LoadInfo{Model: "ingest", InsertBatch: 100, InsertConcurrency: 2},
		Operations: map[string]*bench.OpStats{bench.OpInsert: op(4000, 100, 0)},
		Ingest:     &bench.IngestStats{RowBudget: 5000, Stopped: "duration", FlushS: 0.25, RowsPerSWithFlush: 1800, SearchableS: 0.012, Searchable: true, Probes: 3},
		Server:     []bench.ServerSample{{AtS: 0, HealthError: "the server does not implement CheckHealth"}},
	}
	ingest1 := ingest
	ingest1.ID, ingest1.Load.InsertBatch = 3, 1000
	ingest1.Operations = map[string]*bench.OpStats{bench.OpInsert: op(5000, 1000, 0)}
	res := &bench.Result{Workload: &workloads.Spec{Name: "l"}, Trials: []bench.Trial{mixed, ingest, ingest1},
		ServerBefore: &bench.ServerSample{Healthy: &healthy}}
	dir := t.TempDir()
	if err := Write(dir, res); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{PlotMixedRecall + ".png", PlotIngestRows + ".svg"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, ReportFile))
	for _, want := range []string{
		"## Searches while writing (mixed)", "| insert | 2000 | 500 | 10 | 1000 | 1.000 | 7.500 | 9.000 | 4.000 | 0 | **saturated**",
		"| 2.00 | 1800 | 1000 | 200 | 0.9700 | 40.0% | 95.0% | 2.000 | 0.20 |", "> the insert stream reached 8 calls in flight",
		"](" + PlotMixedRecall + ".png)",
		"## Ingest", "| 2 | HNSW(M=16) | 100 | 2 | 4000 | 2000 | 20.0 | 1.000 | 7.500 | 9.000 | 0.250 | 1800 | 0.012 | duration | 0 |",
		"](" + PlotIngestRows + ".png)",
		"## Server view", "Before the trials: healthy.",
		"| 1 | 2 | 500.0 | 480.0 | 3.250 | 6.500 | 1.50 | 128 | UNHEALTHY: querynode down; quota state DenyToWrite; rate limited |",
		"no health: the server does not implement CheckHealth",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	// A closed-loop result has none of these sections.
	if md := Markdown(sampleResult()); strings.Contains(md, "## Ingest") || strings.Contains(md, "(mixed)") || strings.Contains(md, "## Server view") {
		t.Error("load sections in a closed-loop report")
	}
}
