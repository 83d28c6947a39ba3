package report

import (
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
)

// TestRangeGroupReport: range and group trials get TrialNames that tell
// their parameters apart, and their section shows precision, counts and
// grouping recall.
func TestRangeGroupReport(t *testing.T) {
	ix := workloads.IndexConfig{Type: "HNSW", Build: workloads.Params{"M": int64(16)}}
	rf := 0.9
	mk := func(id int, kind string, r *workloads.RangePoint, g *workloads.GroupPoint) bench.Trial {
		tr := bench.Trial{ID: id, Index: ix, QPS: 100, Recall: 0.8,
			Search: bench.SearchInfo{Params: workloads.Params{"ef": int64(32)}, TopK: 10, NQ: 1, Kind: kind, Range: r, Group: g},
			Load:   bench.LoadInfo{Model: workloads.LoadClosed, Concurrency: 1}}
		if r != nil {
			tr.Range = &bench.RangeQuality{Precision: 0.95, Results: bench.CountDist{Mean: 4.5, P50: 4, P90: 9, Max: 10, Zero: 0.25}, InRange: bench.CountDist{Mean: 6, P50: 6, P90: 10, Max: 10}}
		}
		if g != nil {
			tr.Group = &bench.GroupQuality{Results: bench.CountDist{Mean: 20, P50: 20, P90: 30, Max: 30}, Exact: bench.CountDist{Mean: 30, P50: 30, P90: 30, Max: 30}}
		}
		return tr
	}
	trials := []bench.Trial{
		mk(1, workloads.KindANN, nil, nil),
		mk(2, workloads.KindRange, &workloads.RangePoint{Radius: 0.5}, nil),
		mk(3, workloads.KindRange, &workloads.RangePoint{Radius: 0.5, RangeFilter: &rf}, nil),
		mk(4, workloads.KindGroup, nil, &workloads.GroupPoint{Field: "doc", GroupSize: 1}),
		mk(5, workloads.KindGroup, nil, &workloads.GroupPoint{Field: "doc", GroupSize: 3, Strict: true}),
	}
	for _, tc := range []struct {
		trial int
		name  string
	}{
		{0, "index=HNSW/M=16/ef=32/topk=10/nq=1/c=1"},
		{1, "index=HNSW/kind=range/radius=0.5/M=16/ef=32/topk=10/nq=1/c=1"},
		{2, "index=HNSW/kind=range/radius=0.5/range_filter=0.9/M=16/ef=32/topk=10/nq=1/c=1"},
		{3, "index=HNSW/kind=group/group_by=doc/group_size=1/M=16/ef=32/topk=10/nq=1/c=1"},
		{4, "index=HNSW/kind=group/group_by=doc/group_size=3/strict_group_size/M=16/ef=32/topk=10/nq=1/c=1"},
	} {
		if got := TrialName(trials[tc.trial]); got != tc.name {
			t.Errorf("trial %d: %s, want %s", tc.trial+1, got, tc.name)
		}
	}
	md := Markdown(&bench.Result{Trials: trials})
	for _, want := range []string{
		"## Range search",
		"| 2 | HNSW | ef=32 | radius=0.5 | c=1 | 0.8000 | 0.9500 | 4.5 / 4 / 9 / 10 (25% none) | 6.0 / 6 / 10 / 10 (0% none) |",
		"| 3 | HNSW | ef=32 | radius=0.5,range_filter=0.9 |",
		"## Grouping search",
		"| 5 | HNSW | ef=32 | doc:3:strict | c=1 | 0.8000 | - | 20.0 / 20 / 30 / 30 (0% none) | 30.0 / 30 / 30 / 30 (0% none) |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(Markdown(&bench.Result{Trials: trials[:1]}), "## Range search") {
		t.Error("a run without range trials has the range section")
	}
}
