package report

import (
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
)

// TestIteratorReport: iterator trials get TrialNames carrying their batch
// size and limit, and their section shows the whole iteration's recall,
// path, duplicates, batches and times to first and last batch.
func TestIteratorReport(t *testing.T) {
	ix := workloads.IndexConfig{Type: "FLAT"}
	mk := func(id, batch int, q *bench.IteratorQuality) bench.Trial {
		return bench.Trial{ID: id, Index: ix, QPS: 12.5, Recall: 0.9975, Iterator: q,
			Search: bench.SearchInfo{TopK: 20000, NQ: 1, Kind: workloads.KindIterator, Iterator: &workloads.IteratorPoint{BatchSize: batch, Limit: 20000}},
			Load:   bench.LoadInfo{Model: workloads.LoadClosed, Concurrency: 2}}
	}
	trials := []bench.Trial{
		mk(1, 1000, &bench.IteratorQuality{Paths: bench.IterV1, Iterations: 40, Duplicates: 3, DuplicateQueries: 1,
			Batches: bench.CountDist{Mean: 20, P50: 20, P90: 20, Max: 20}, Requests: bench.CountDist{Mean: 21.5, P50: 21, P90: 23, Max: 30}, Returned: bench.CountDist{Mean: 20000, P50: 20000, P90: 20000, Max: 20000},
			FirstBatchMS: bench.LatencyMS{P50: 1.5, P99: 3.25}, LastBatchMS: bench.LatencyMS{P50: 80, P99: 120.5}}),
		mk(2, 16384, nil),
	}
	for i, want := range []string{
		"index=FLAT/kind=iterator/batch_size=1000/limit=20000/topk=20000/nq=1/c=2",
		"index=FLAT/kind=iterator/batch_size=16384/limit=20000/topk=20000/nq=1/c=2",
	} {
		if got := TrialName(trials[i]); got != want {
			t.Errorf("trial %d: %s, want %s", i+1, got, want)
		}
	}
	md := Markdown(&bench.Result{Trials: trials})
	for _, want := range []string{
		"## Iterator search",
		"| 1 | FLAT | - | batch_size=1000,limit=20000 | v1-client | c=2 | 0.9975 | 3 (1) | 0 | 20 | 21.5 (p50 21, max 30) | 20,000 | 1.50 / 3.25 | 80.00 / 120.50 | 12.5 |",
		"| 2 | FLAT | - | batch_size=16384,limit=20000 | - | c=2 | 0.9975 | - |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(Markdown(&bench.Result{Trials: []bench.Trial{{Index: ix}}}), "## Iterator search") {
		t.Error("a run without iterator trials has the iterator section")
	}
}
