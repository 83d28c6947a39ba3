package benchtest

import (
	"context"
	"slices"
	"testing"

	"github.com/milvbench/milvbench/workloads"
)

// TestMeasureReportsMetrics opens a small workload built in code on the
// embedded target and benchmarks each of its points with testing.Benchmark:
// every point must report recall, p50, p99 and QPS, with FLAT exact and
// HNSW's recall rising with ef.
func TestMeasureReportsMetrics(t *testing.T) {
	w := Spec(&workloads.Spec{
		Name:    "benchtest_unit",
		Dataset: workloads.DatasetSpec{Size: 3000, Dim: 16, Queries: 100, Seed: 3},
		Indexes: []workloads.IndexSweep{
			{Type: "FLAT"},
			{Type: "HNSW", Build: map[string][]workloads.Value{"M": {int64(8)}, "efConstruction": {int64(40)}},
				Search: map[string][]workloads.Value{"ef": {int64(10), int64(100)}}},
		},
		Search: workloads.SearchSweep{TopK: []int{10}},
		Load:   workloads.LoadSpec{Concurrency: []int{2}},
	})
	spec, err := w.load()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, closeAll, err := open(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := closeAll(); err != nil {
			t.Error(err)
		}
	}()
	want := []string{
		"index=FLAT/topk=10/nq=1/c=2",
		"index=HNSW/M=8/efConstruction=40/ef=10/topk=10/nq=1/c=2",
		"index=HNSW/M=8/efConstruction=40/ef=100/topk=10/nq=1/c=2",
	}
	var names []string
	var recalls []float64
	for _, bd := range workloads.NewPlan(spec).Builds {
		if err := s.Build(ctx, bd.Index); err != nil {
			t.Fatal(err)
		}
		for _, pt := range bd.Points {
			names = append(names, pointName(bd.Index, pt, spec.Load.Model))
			r := testing.Benchmark(func(b *testing.B) { measure(b, s, pt) })
			if r.N < 1 || r.T <= 0 {
				t.Fatalf("%s: benchmark did not run: %+v", names[len(names)-1], r)
			}
			for _, unit := range []string{"recall", "p50-ns", "p99-ns", "qps"} {
				if v, ok := r.Extra[unit]; !ok || v <= 0 {
					t.Errorf("%s: %s = %v (reported: %v)", names[len(names)-1], unit, v, ok)
				}
			}
			if r.Extra["p50-ns"] > r.Extra["p99-ns"] {
				t.Errorf("%s: p50 %v ns above p99 %v ns", names[len(names)-1], r.Extra["p50-ns"], r.Extra["p99-ns"])
			}
			recalls = append(recalls, r.Extra["recall"])
		}
		if err := s.Unbuild(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for i := range want {
		if i >= len(names) || names[i] != want[i] {
			t.Fatalf("sub-benchmarks %q, want %q", names, want)
		}
	}
	if got, err := Names(w); err != nil || !slices.Equal(got, want) {
		t.Errorf("Names = %q, %v; want %q", got, err, want)
	}
	if recalls[0] != 1 || !(recalls[1] < recalls[2]) {
		t.Errorf("recalls %v: want FLAT exact and HNSW rising with ef", recalls)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		w    Workload
	}{
		{"missing file", File("testdata/none.yaml")},
		{"unknown example", Example("nope")},
		{"spec without indexes", Spec(&workloads.Spec{Name: "x", Dataset: workloads.DatasetSpec{Size: 10, Dim: 4}})},
	}
	for _, tc := range tests {
		if _, err := tc.w.load(); err == nil {
			t.Errorf("%s: want an error", tc.name)
		}
	}
}

// TestRangeGroupBenchmarks: range and group points are sub-benchmarks of
// their own, named by their parameters, and measure recall 1 on FLAT.
func TestRangeGroupBenchmarks(t *testing.T) {
	rf := 0.99
	w := Spec(&workloads.Spec{
		Name: "benchtest_rg",
		Dataset: workloads.DatasetSpec{Size: 2000, Dim: 8, Queries: 50, Seed: 3, Metric: workloads.IP,
			Payload: []workloads.PayloadField{{Name: "doc", Type: workloads.PayloadInt64, Values: 100}}},
		Indexes: []workloads.IndexSweep{{Type: "FLAT"}},
		Search: workloads.SearchSweep{TopK: []int{5}, Kinds: []string{workloads.KindRange, workloads.KindGroup},
			Range: &workloads.RangeSweep{Radius: []float64{0.1}, RangeFilter: []float64{rf}},
			Group: &workloads.GroupSweep{Field: "doc", GroupSize: []int{1, 2}, Strict: true}},
		Load: workloads.LoadSpec{Concurrency: []int{1}},
	})
	want := []string{
		"index=FLAT/kind=range/radius=0.1/range_filter=0.99/topk=5/nq=1/c=1",
		"index=FLAT/kind=group/group_by=doc/group_size=1/strict_group_size/topk=5/nq=1/c=1",
		"index=FLAT/kind=group/group_by=doc/group_size=2/strict_group_size/topk=5/nq=1/c=1",
	}
	if got, err := Names(w); err != nil || !slices.Equal(got, want) {
		t.Fatalf("Names = %q, %v; want %q", got, err, want)
	}
	spec, err := w.load()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, closeAll, err := open(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := closeAll(); err != nil {
			t.Error(err)
		}
	}()
	bd := workloads.NewPlan(spec).Builds[0]
	if err := s.Build(ctx, bd.Index); err != nil {
		t.Fatal(err)
	}
	for _, pt := range bd.Points {
		r := testing.Benchmark(func(b *testing.B) { measure(b, s, pt) })
		if r.N < 1 || r.Extra["recall"] != 1 {
			t.Errorf("%s: N %d recall %v, want FLAT exact", pointName(bd.Index, pt, spec.Load.Model), r.N, r.Extra["recall"])
		}
	}
}
