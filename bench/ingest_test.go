package bench_test

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
)

// TestIngestEmbedded sweeps batch sizes and inserters: every trial inserts
// new rows only (the ids of all trials together are each used once), finds
// its last rows by search, and reports consistent rates.
func TestIngestEmbedded(t *testing.T) {
	r := embeddedRunner(t, `name: ingest
dataset: {size: 34000, dim: 16, queries: 20, seed: 3, preload: 2000}
indexes: [{type: FLAT}, {type: HNSW, build: {M: 8, efConstruction: 16}, search: {ef: 16}}]
load: {model: ingest, insert_batch: [1, 10, 100, 1000], insert_concurrency: [1, 2], warmup: 20ms, duration: 300ms}
`)
	var progress bytes.Buffer
	r.Progress = &progress
	res, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	plan := r.Plan
	// Each trial's progress line says what an ingest trial measures, and
	// no recall (it has none).
	var lines []string
	for _, l := range strings.Split(progress.String(), "\n") {
		if strings.HasPrefix(l, "trial ") {
			lines = append(lines, l)
		}
	}
	if len(lines) != plan.Trials() {
		t.Fatalf("%d trial lines for %d trials:\n%s", len(lines), plan.Trials(), progress.String())
	}
	for _, l := range lines {
		if strings.Contains(l, "recall") || !strings.Contains(l, "rows/s=") || !strings.Contains(l, "calls/s=") || !strings.Contains(l, "ms/call") || !strings.Contains(l, "searchable=") {
			t.Errorf("ingest trial line %q", l)
		}
	}
	budget := plan.IngestRowBudget()
	if budget != 32000/16 {
		t.Fatalf("row budget %d, want %d", budget, 32000/16)
	}
	total := int64(0)
	for _, tr := range res.Trials {
		ins := tr.Operations[bench.OpInsert]
		ing := tr.Ingest
		if ins == nil || ing == nil || ins.Rows == 0 || ins.Errors.Total != 0 || ins.Histogram == "" || tr.Histogram != ins.Histogram {
			t.Fatalf("trial %d (%s): %+v %+v", tr.ID, tr.Index, ins, ing)
		}
		if ins.Calls != (ins.Rows+int64(ins.Batch)-1)/int64(ins.Batch) && ins.Calls != ins.Rows/int64(ins.Batch) {
			t.Errorf("trial %d: %d calls for %d rows of batch %d", tr.ID, ins.Calls, ins.Rows, ins.Batch)
		}
		if used := ins.Rows + int64(ing.WarmupRows); used > int64(ing.RowBudget) || (ing.Stopped == "row budget") != (used == int64(ing.RowBudget)) {
			t.Errorf("trial %d: %d rows (%d in warm-up) of a budget of %d, stopped by %s", tr.ID, ins.Rows, ing.WarmupRows, ing.RowBudget, ing.Stopped)
		}
		// Embedded writes are visible at once; an HNSW search can still
		// miss a single new row, so only batches of 100 or more (8 probe rows)
		// must be found at the first probe.
		if ing.Probes < 1 || ing.FlushS < 0 || (ing.Searchable && ing.SearchableS > 1) {
			t.Errorf("trial %d: searchable %+v", tr.ID, ing)
		}
		if (tr.Index.Type == "FLAT" || ins.Batch >= 100) && (!ing.Searchable || ing.Probes != 1) {
			t.Errorf("trial %d (%s batch %d): searchable %+v", tr.ID, tr.Index.Type, ins.Batch, ing)
		}
		if tr.QPS != ins.CallsPerS || tr.Load.InsertBatch != ins.Batch || tr.Load.InsertConcurrency == 0 {
			t.Errorf("trial %d: top level qps %g load %+v", tr.ID, tr.QPS, tr.Load)
		}
		if ins.RowsPerS <= 0 || math.Abs(ins.RowsPerS/ins.CallsPerS-float64(ins.Rows)/float64(ins.Calls)) > 1e-6 {
			t.Errorf("trial %d: %g rows/s, %g calls/s for %d rows in %d calls", tr.ID, ins.RowsPerS, ins.CallsPerS, ins.Rows, ins.Calls)
		}
		total += ins.Rows
	}
	// Warm-up rows come out of the budget too, so the measured rows are
	// at most the rows beyond the preload.
	if total > 32000 {
		t.Errorf("%d rows inserted in measured windows, only 32000 exist beyond the preload", total)
	}
}
