package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"testing"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/internal/testenv"
	"github.com/milvbench/milvbench/workloads"
)

// binRangeFixture is a clustered synthetic binary dataset (256 bits) with
// range bounds taken from its query-row distances: radius near the 2%
// quantile and range_filter near the 0.5% quantile, each a distance some
// row has, so rows sit on both bounds. JACCARD's bounds are ratios p/q
// whose float32 lies below them, as 0.7's does: the float32 distance of
// a row on the bound is below the float64 bound and equal to the float32
// one, where a float64 comparison puts it on the wrong side.
type binRangeFixture struct {
	spec           workloads.DatasetSpec
	ds             *datasets.Dataset
	radius, filter float64
}

func newBinRangeFixture(t *testing.T, m workloads.Metric) *binRangeFixture {
	t.Helper()
	spec := workloads.DatasetSpec{Source: workloads.SourceSynthetic, Size: 1200, Dim: 256, Queries: 24, Seed: 5,
		Metric: m, VectorType: workloads.VectorBinary, Distribution: workloads.DistClustered, Clusters: 8}
	ds, err := datasets.NewSynthetic(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	dist := datasets.Distance(m)
	var all []float32
	_ = ds.Base.Scan(t.Context(), 500, func(_ int64, vecs [][]float32) error {
		for _, v := range vecs {
			for _, q := range ds.Queries {
				all = append(all, dist(q, v))
			}
		}
		return nil
	})
	slices.Sort(all)
	// bound is the first distance at or above quantile p that serves as a
	// bound: any for HAMMING (whole numbers), for JACCARD one that is the
	// float32 of a ratio p/q (q up to the dimension) lying above it.
	bound := func(p float64) float64 {
		for _, x := range all[int(p*float64(len(all))):] {
			if m == workloads.Hamming {
				return float64(x)
			}
			for q := 1; q <= spec.Dim; q++ {
				r := math.Round(float64(x)*float64(q)) / float64(q)
				if float32(r) == x && r > float64(x) {
					return r
				}
			}
		}
		t.Fatalf("no %s bound above quantile %g", m, p)
		return 0
	}
	f := &binRangeFixture{spec: spec, ds: ds, radius: bound(0.02), filter: bound(0.005)}
	if f.filter >= f.radius {
		t.Fatalf("range_filter %g is not below radius %g", f.filter, f.radius)
	}
	return f
}

// packed is the fixture's base and queries as numpy.packbits bytes.
func (f *binRangeFixture) packed(t *testing.T) (base, queries [][]int) {
	t.Helper()
	ints := func(v []float32) []int {
		out := []int{}
		for _, b := range datasets.PackBytes(v) {
			out = append(out, int(b))
		}
		return out
	}
	_ = f.ds.Base.Scan(t.Context(), 500, func(_ int64, vecs [][]float32) error {
		for _, v := range vecs {
			base = append(base, ints(v))
		}
		return nil
	})
	for _, q := range f.ds.Queries {
		queries = append(queries, ints(q))
	}
	return base, queries
}

// TestBinaryRangeTruthMatchesNumpy: the exact range answer over binary
// vectors (ball: radius alone; ring: with range_filter) equals numpy's,
// id for id in order, for HAMMING and JACCARD; numpy's wrong variants — the
// radius inclusive, and for JACCARD the float32 distance against float64
// bounds — disagree, so the check sees a bound on the wrong side.
func TestBinaryRangeTruthMatchesNumpy(t *testing.T) {
	testenv.Python(t)
	for _, m := range workloads.BinaryMetrics() {
		f := newBinRangeFixture(t, m)
		base, queries := f.packed(t)
		for _, ring := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s ring=%v", m, ring), func(t *testing.T) {
				r := &workloads.RangePoint{Radius: f.radius}
				if ring {
					r.RangeFilter = &f.filter
				}
				gt := truthOf(t, f.ds, workloads.SearchPoint{Kind: workloads.KindRange, TopK: 10, Range: r})
				n := 0
				for _, ids := range gt.IDs {
					n += len(ids)
				}
				if n == 0 {
					t.Fatal("no row in range: the fixture checks nothing")
				}
				t.Logf("%s %s: %d rows in range over %d queries", m, r.String(), n, len(gt.IDs))
				in, err := json.Marshal(map[string]any{"base": base, "queries": queries, "metric": m, "radius": r.Radius, "range_filter": r.RangeFilter})
				if err != nil {
					t.Fatal(err)
				}
				wrong := []string{"inclusive"}
				if m == workloads.Jaccard {
					wrong = append(wrong, "float64")
				}
				for _, variant := range append([]string{"exact"}, wrong...) {
					var ref struct {
						InRange [][]int64 `json:"in_range"`
					}
					if err := testenv.RunScript(t, bytes.NewReader(in), &ref, "binary_gt.py", "range", variant); err != nil {
						t.Fatal(err)
					}
					diff := ""
					for qi := range ref.InRange {
						if !slices.Equal(gt.IDs[qi], ref.InRange[qi]) {
							diff = fmt.Sprintf("query %d: %v, numpy %v", qi, gt.IDs[qi], ref.InRange[qi])
							break
						}
					}
					switch {
					case variant == "exact" && diff != "":
						t.Errorf("numpy disagrees: %s", diff)
					case variant != "exact" && diff == "":
						t.Errorf("numpy variant %s agrees: the check cannot see it", variant)
					}
				}
			})
		}
	}
}

// TestBinaryRangeEmbedded runs kind range over binary vectors on the
// embedded target: BIN_FLAT answers the ball and the ring exactly (recall
// and precision 1, the result counts those of the truth) under HAMMING
// and JACCARD; BIN_IVF_FLAT is exact probing all its lists, and at nprobe
// 1 loses rows but returns none out of range.
func TestBinaryRangeEmbedded(t *testing.T) {
	for _, m := range workloads.BinaryMetrics() {
		t.Run(string(m), func(t *testing.T) {
			f := newBinRangeFixture(t, m)
			src := fmt.Sprintf(`name: brange
dataset: {size: 1200, dim: 256, queries: 24, seed: 5, metric: %s, vector_type: binary, distribution: clustered, clusters: 8}
indexes:
  - type: BIN_FLAT
  - type: BIN_IVF_FLAT
    build: {nlist: 16}
    search: {nprobe: [1, 16]}
search:
  topk: 10
  kind: range
  range: {radius: %s, range_filter: [0, %s]}
load: {concurrency: 1, warmup: 5ms, duration: 60ms}
`, m, strconv.FormatFloat(f.radius, 'g', -1, 64), strconv.FormatFloat(f.filter, 'g', -1, 64))
			ctx := context.Background()
			r, _ := rangeRunner(t, src, f.ds, "milvbench_brange")
			res, err := r.Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Trials) != 6 {
				t.Fatalf("%d trials, want 6", len(res.Trials))
			}
			ivfLoses := false
			for _, tr := range res.Trials {
				s := tr.Search
				name := fmt.Sprintf("%s %v %s", tr.Index, s.Params, s.Range)
				if tr.Errors.Total != 0 || tr.RecallN == 0 || tr.Range == nil {
					t.Fatalf("%s: %+v", name, tr)
				}
				t.Logf("%s: recall %.4f precision %.4f results %+v in range %+v", name, tr.Recall, tr.Range.Precision, tr.Range.Results, tr.Range.InRange)
				if tr.Range.Precision != 1 {
					t.Errorf("%s: precision %v, want 1", name, tr.Range.Precision)
				}
				if tr.Range.InRange.Max == 0 {
					t.Errorf("%s: no query has a row in range: the point checks nothing", name)
				}
				exact := tr.Index.Type == "BIN_FLAT" || s.Params.Int("nprobe", 0) == 16
				switch {
				case exact && (tr.Recall != 1 || tr.Range.Results != tr.Range.InRange):
					t.Errorf("%s: recall %v, results %+v, in range %+v: want exact", name, tr.Recall, tr.Range.Results, tr.Range.InRange)
				case !exact:
					ivfLoses = ivfLoses || tr.Recall < 1
				}
			}
			if !ivfLoses {
				t.Error("BIN_IVF_FLAT at nprobe 1 found every row in range: the test cannot see a lossy index")
			}
		})
	}
}
