package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/bench/embedded"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/internal/testenv"
	"github.com/milvbench/milvbench/workloads"
)

// rgFixture is a small synthetic dataset with a correlated doc field, its
// rows and group keys in memory, and radii at distance quantiles.
type rgFixture struct {
	ds     *datasets.Dataset
	base   [][]float32
	groups []string
	// lo and hi are the 0.5% and 2% quantiles of every query-row
	// distance (the 99.5% and 98% of the scores of IP and COSINE).
	lo, hi float64
}

func newRGFixture(t *testing.T, metric workloads.Metric) *rgFixture {
	t.Helper()
	src := fmt.Sprintf(`name: rg
dataset:
  size: 600
  dim: 8
  queries: 12
  metric: %s
  seed: 7
  payload: [{name: doc, type: int64, values: 60, correlation: correlated}]
indexes: [{type: FLAT}]
search: {kind: group, group: {field: doc}}
`, metric)
	spec, err := workloads.Parse("rg.yaml", []byte(src), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ds, err := datasets.NewSynthetic(ctx, spec.Dataset)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Payload, err = datasets.BuildPayload(ctx, ds, spec.Dataset); err != nil {
		t.Fatal(err)
	}
	f := &rgFixture{ds: ds}
	_ = ds.Base.Scan(ctx, 100, func(_ int64, vecs [][]float32) error {
		for _, v := range vecs {
			f.base = append(f.base, slices.Clone(v))
		}
		return nil
	})
	for i := range f.base {
		v, _ := ds.Payload.Row(i).Field("doc")
		f.groups = append(f.groups, v.String())
	}
	var all []float64
	for _, q := range ds.Queries {
		for _, v := range f.base {
			all = append(all, refDistance(metric, q, v))
		}
	}
	slices.Sort(all)
	at := func(p float64) float64 { return all[int(p*float64(len(all)))] }
	f.lo, f.hi = at(0.005), at(0.02)
	if metric != workloads.L2 {
		f.lo, f.hi = at(0.98), at(0.995) // radius below range_filter
	}
	return f
}

// refDistance is a plain float64 distance as Milvus reports it.
func refDistance(m workloads.Metric, q, v []float32) float64 {
	var dot, qq, vv, l2 float64
	for i := range q {
		a, b := float64(q[i]), float64(v[i])
		dot, qq, vv, l2 = dot+a*b, qq+a*a, vv+b*b, l2+(a-b)*(a-b)
	}
	switch m {
	case workloads.L2:
		return l2
	case workloads.Cosine:
		return dot / math.Sqrt(qq*vv)
	}
	return dot
}

type rgReference struct {
	Range  [][]int64 `json:"range"`
	Border [][]int64 `json:"border"`
	Group  [][]int64 `json:"group"`
}

func (f *rgFixture) reference(t *testing.T, variant string, metric workloads.Metric, radius float64, rf *float64, topk, size int) rgReference {
	t.Helper()
	in, err := json.Marshal(map[string]any{"base": f.base, "queries": f.ds.Queries, "metric": metric,
		"radius": radius, "range_filter": rf, "groups": f.groups, "topk": topk, "group_size": size})
	if err != nil {
		t.Fatal(err)
	}
	var ref rgReference
	if err := testenv.RunScript(t, bytes.NewReader(in), &ref, "rangegroup_gt.py", variant); err != nil {
		t.Fatal(err)
	}
	return ref
}

// truthOf computes the exact answer of one point.
// rangeRunner parses the workload src and returns a runner of its plan on
// the embedded target over ds, with the range and group truths computed.
func rangeRunner(t *testing.T, src string, ds *datasets.Dataset, collection string) (*bench.Runner, *workloads.Plan) {
	t.Helper()
	spec, err := workloads.Parse("w.yaml", []byte(src), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	plan := workloads.NewPlan(spec)
	kt, err := bench.RangeGroupTruths(context.Background(), ds, plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &bench.Runner{Target: embedded.New(), Plan: plan, Data: ds, KindTruths: kt, Collection: collection, RunID: "t"}, plan
}

func truthOf(t *testing.T, ds *datasets.Dataset, pt workloads.SearchPoint) *datasets.GroundTruth {
	t.Helper()
	plan := &workloads.Plan{Builds: []workloads.Build{{Points: []workloads.SearchPoint{pt}}}}
	gts, err := bench.RangeGroupTruths(context.Background(), ds, plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	return gts[bench.TruthKey(nil, pt)]
}

// rangeDiff is the first query whose in-range rows differ from the
// reference's, rows within 1e-4 of a bound left out ("" when none).
func rangeDiff(gt *datasets.GroundTruth, ref rgReference) string {
	for qi := range ref.Range {
		drop := func(ids []int64) []int64 {
			return slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { return slices.Contains(ref.Border[qi], id) })
		}
		if got, want := drop(gt.IDs[qi]), drop(ref.Range[qi]); !slices.Equal(got, want) {
			return fmt.Sprintf("query %d: %v, numpy %v", qi, got, want)
		}
	}
	return ""
}

// TestRangeGroupTruthMatchesNumpy: the exact range and grouping answers
// equal numpy's on a small fixture for every metric, with and without a
// range filter, and group sizes 1 and 3; numpy's deliberately wrong
// variants (plain L2 distance, groups ranked by their mean) disagree.
func TestRangeGroupTruthMatchesNumpy(t *testing.T) {
	testenv.Python(t)
	for _, m := range []workloads.Metric{workloads.L2, workloads.IP, workloads.Cosine} {
		f := newRGFixture(t, m)
		radius, inner := f.hi, f.lo // L2: outer radius, inner range_filter
		if m != workloads.L2 {
			radius, inner = f.lo, f.hi // IP, COSINE: lower radius, upper range_filter
		}
		for _, rf := range []*float64{nil, &inner} {
			t.Run(fmt.Sprintf("range %s filter=%v", m, rf != nil), func(t *testing.T) {
				gt := truthOf(t, f.ds, workloads.SearchPoint{Kind: workloads.KindRange, TopK: 10, Range: &workloads.RangePoint{Radius: radius, RangeFilter: rf}})
				ref := f.reference(t, "exact", m, radius, rf, 10, 1)
				n := 0
				for _, ids := range gt.IDs {
					n += len(ids)
				}
				if n == 0 {
					t.Fatal("no row in range: the fixture checks nothing")
				}
				if d := rangeDiff(gt, ref); d != "" {
					t.Fatal(d)
				}
				if m == workloads.L2 && rangeDiff(gt, f.reference(t, "sqrt", m, radius, rf, 10, 1)) == "" {
					t.Error("the plain-L2 variant agrees: the check cannot see a wrong distance")
				}
			})
		}
		for _, size := range []int{1, 3} {
			t.Run(fmt.Sprintf("group %s size=%d", m, size), func(t *testing.T) {
				gt := truthOf(t, f.ds, workloads.SearchPoint{Kind: workloads.KindGroup, TopK: 5, Group: &workloads.GroupPoint{Field: "doc", GroupSize: size}})
				ref := f.reference(t, "exact", m, radius, nil, 5, size)
				wrong := f.reference(t, "mean", m, radius, nil, 5, size)
				differs := false
				for qi := range ref.Group {
					if !slices.Equal(gt.IDs[qi], ref.Group[qi]) {
						t.Fatalf("query %d: %v, numpy %v", qi, gt.IDs[qi], ref.Group[qi])
					}
					differs = differs || !slices.Equal(gt.IDs[qi], wrong.Group[qi])
				}
				if size > 1 && !differs {
					t.Error("the mean-ranked variant agrees: the check cannot see a wrong group order")
				}
			})
		}
	}
}

// TestRangeGroupEmbedded runs kinds range and group end to end on the
// embedded target: FLAT answers exactly (recall and precision 1, the
// result counts those of the truth), and HNSW at a small ef loses some
// hits but returns none out of range.
func TestRangeGroupEmbedded(t *testing.T) {
	f := newRGFixture(t, workloads.L2)
	src := fmt.Sprintf(`name: rge
dataset:
  size: 600
  dim: 8
  queries: 12
  metric: L2
  seed: 7
  payload: [{name: doc, type: int64, values: 60, correlation: correlated}]
indexes:
  - type: FLAT
  - type: HNSW
    build: {M: 4, efConstruction: 8}
    search: {ef: 5}
search:
  topk: 5
  kind: [range, group]
  range: {radius: %g, range_filter: [0, %g]}
  group: {field: doc, group_size: [1, 3], strict_group_size: true}
load: {concurrency: 1, warmup: 5ms, duration: 60ms}
`, f.hi, f.lo)
	ctx := context.Background()
	r, _ := rangeRunner(t, src, f.ds, "milvbench_rge")
	res, err := r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Trials) != 8 {
		t.Fatalf("%d trials, want 8", len(res.Trials))
	}
	hnswLoses := false
	for _, tr := range res.Trials {
		s := tr.Search
		name := fmt.Sprintf("%s %s %v %v", tr.Index.Type, s.Kind, s.Range, s.Group)
		if tr.Errors.Total != 0 || tr.RecallN == 0 || (s.Range == nil) == (s.Group == nil) {
			t.Fatalf("%s: %+v", name, tr)
		}
		if s.Range != nil && (tr.Range == nil || tr.Range.Precision != 1) {
			t.Errorf("%s: range quality %+v, want precision 1", name, tr.Range)
		}
		if s.Range == nil && (tr.Range != nil || tr.Group == nil || tr.Group.Results.Max == 0) {
			t.Errorf("%s: group trial with range quality %+v, group quality %+v", name, tr.Range, tr.Group)
		}
		switch tr.Index.Type {
		case "FLAT":
			if tr.Recall != 1 {
				t.Errorf("%s: recall %v, want 1", name, tr.Recall)
			}
			if s.Range != nil && tr.Range.Results != tr.Range.InRange {
				t.Errorf("%s: results %+v, in range %+v", name, tr.Range.Results, tr.Range.InRange)
			}
			if s.Group != nil && tr.Group.Results != tr.Group.Exact {
				t.Errorf("%s: hits %+v, exact %+v", name, tr.Group.Results, tr.Group.Exact)
			}
		default:
			hnswLoses = hnswLoses || tr.Recall < 1
		}
	}
	if !hnswLoses {
		t.Error("HNSW at ef 5 found every hit of every point: the test cannot see a lossy index")
	}
}

// dropLast is a target whose answers lose their last hit.
type dropLast struct{ bench.Target }

func (d dropLast) Search(ctx context.Context, req bench.SearchRequest) (bench.SearchResult, error) {
	res, err := d.Target.Search(ctx, req)
	for i, ids := range res.IDs {
		if len(ids) > 0 {
			res.IDs[i] = ids[:len(ids)-1]
		}
	}
	return res, err
}

// TestRangeGroupQuickRecall: Session.Recall (the tuner's quick recall)
// scores group points at topk × group_size like a trial: FLAT with strict
// groups of 3 is exact, and so is a FLAT range point; a target that drops
// the last hit of the last group loses it from the group's recall.
func TestRangeGroupQuickRecall(t *testing.T) {
	f := newRGFixture(t, workloads.IP)
	src := fmt.Sprintf(`name: rgq
dataset:
  size: 600
  dim: 8
  queries: 12
  metric: IP
  seed: 7
  payload: [{name: doc, type: int64, values: 60, correlation: correlated}]
indexes: [{type: FLAT}]
search:
  topk: 5
  kind: [range, group]
  range: {radius: %g}
  group: {field: doc, group_size: 3, strict_group_size: true}
`, f.lo)
	ctx := context.Background()
	r, plan := rangeRunner(t, src, f.ds, "milvbench_rgq")
	s, err := r.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Build(ctx, plan.Builds[0].Index); err != nil {
		t.Fatal(err)
	}
	for _, pt := range plan.Builds[0].Points {
		got, err := s.Recall(ctx, pt)
		if err != nil || got != 1 {
			t.Errorf("%s %v %v: quick recall %g (%v), want 1", pt.Kind, pt.Range, pt.Group, got, err)
		}
	}
	r.Target = dropLast{r.Target}
	for _, pt := range plan.Builds[0].Points {
		got, err := s.Recall(ctx, pt)
		if pt.Group != nil && (err != nil || got >= 1 || got < 0.9) {
			t.Errorf("group %v, last hit dropped: quick recall %g (%v), want 14/15 or so", pt.Group, got, err)
		}
	}
}
