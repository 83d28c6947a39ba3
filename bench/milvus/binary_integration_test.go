package milvus_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// TestBinaryOnMilvus runs binary vectors on the server: a BINARY_VECTOR
// field of 128 bits, BIN_FLAT and BIN_IVF_FLAT under HAMMING and JACCARD,
// every answer scored against the harness's popcount ground truth (ties as
// sets). BIN_FLAT must be exact; BIN_IVF_FLAT's recall must not fall as
// nprobe rises and must be exact when it probes every list. A server that
// refuses binary fields must be Milvus Lite (3.2: "field 'vec' uses Milvus
// type BinaryVector which MilvusLite does not support"), in one line at
// create; the test then skips with that line.
func TestBinaryOnMilvus(t *testing.T) {
	uri := serverURI(t)
	for _, m := range []string{"HAMMING", "JACCARD"} {
		t.Run(m, func(t *testing.T) {
			name := "it_binary_" + strings.ToLower(m)
			src := fmt.Sprintf(`name: %s
dataset: {size: 4000, dim: 128, queries: 50, vector_type: binary, metric: %s, clusters: 16}
indexes:
  - type: BIN_FLAT
  - type: BIN_IVF_FLAT
    build: {nlist: 32}
    search: {nprobe: [1, 4, 32]}
search: {topk: 10}
load: {duration: 300ms}
`, name, m)
			r, tgt := specRunner(t, uri, src, t.TempDir())
			defer tgt.Close()
			res, err := r.Run(context.Background())
			skipLiteBinary(t, err)
			if len(res.Trials) != 4 {
				t.Fatalf("%d trials, want 4", len(res.Trials))
			}
			prev := 0.0
			for _, tr := range res.Trials {
				t.Logf("%s %s %v: recall %.4f, %d errors, qps %.0f, memory %d", m, tr.Index, tr.Search.Params, tr.Recall, tr.Errors.Total, tr.QPS, tr.IndexBytes)
				if tr.Errors.Total != 0 {
					t.Errorf("%s: %d errors, last %q", tr.Index, tr.Errors.Total, tr.Errors.Last)
				}
				if tr.Index.Type == "BIN_FLAT" {
					if tr.Recall != 1 {
						t.Errorf("BIN_FLAT recall %.4f, want 1", tr.Recall)
					}
					continue
				}
				nprobe := tr.Search.Params.Int("nprobe", 0)
				if tr.Recall < prev-0.01 {
					t.Errorf("BIN_IVF_FLAT nprobe %d: recall %.4f fell from %.4f", nprobe, tr.Recall, prev)
				}
				if nprobe == 32 && tr.Recall != 1 {
					t.Errorf("BIN_IVF_FLAT probing all 32 lists: recall %.4f, want 1", tr.Recall)
				}
				prev = tr.Recall
			}
		})
	}
}

// binaryBounds are a radius near the 1% quantile and a range_filter near
// the 0.3% quantile of every query-row distance of the binary synthetic
// dataset spec, each a distance some row has, so rows sit on both bounds:
// HAMMING's whole numbers, JACCARD's ratios p/q whose float32 lies below
// them (as 0.7's does), where a bound compared in float64 rather than in
// the server's float32 puts the rows on it on the wrong side.
func binaryBounds(t *testing.T, spec workloads.DatasetSpec) (radius, filter float64) {
	t.Helper()
	ds, err := datasets.NewSynthetic(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	dist := datasets.Distance(spec.Metric)
	var all []float32
	_ = ds.Base.Scan(t.Context(), 1000, func(_ int64, vecs [][]float32) error {
		for _, v := range vecs {
			for _, q := range ds.Queries {
				all = append(all, dist(q, v))
			}
		}
		return nil
	})
	slices.Sort(all)
	bound := func(p float64) float64 {
		for _, x := range all[int(p*float64(len(all))):] {
			if spec.Metric == workloads.Hamming {
				return float64(x)
			}
			for q := 1; q <= spec.Dim; q++ {
				if r := math.Round(float64(x)*float64(q)) / float64(q); float32(r) == x && r > float64(x) {
					return r
				}
			}
		}
		t.Fatalf("no %s bound above quantile %g", spec.Metric, p)
		return 0
	}
	return bound(0.01), bound(0.003)
}

// TestBinaryRangeOnMilvus: kind range over a BINARY_VECTOR field of 128
// bits, HAMMING and JACCARD, a ball (radius alone) and a ring (with
// range_filter), bounds on rows' distances. BIN_FLAT must answer both
// exactly: recall and precision 1, result counts those of the truth, so
// the server's distances, bound directions and float32 comparisons are the
// ground truth's. BIN_IVF_FLAT probing all its lists must return only rows
// in range; its recall is logged. Milvus Lite refuses binary fields at
// create (TestBinaryOnMilvus); the test skips there with its line.
func TestBinaryRangeOnMilvus(t *testing.T) {
	uri := serverURI(t)
	for _, m := range workloads.BinaryMetrics() {
		t.Run(string(m), func(t *testing.T) {
			spec := workloads.DatasetSpec{Source: workloads.SourceSynthetic, Size: 3000, Dim: 128, Queries: 40, Seed: 3,
				Metric: m, VectorType: workloads.VectorBinary, Distribution: workloads.DistClustered, Clusters: 16}
			radius, filter := binaryBounds(t, spec)
			name := "it_binrange_" + strings.ToLower(string(m))
			src := fmt.Sprintf(`name: %s
dataset: {size: 3000, dim: 128, queries: 40, seed: 3, vector_type: binary, metric: %s, distribution: clustered, clusters: 16}
indexes:
  - type: BIN_FLAT
  - type: BIN_IVF_FLAT
    build: {nlist: 16}
    search: {nprobe: 16}
search:
  topk: 10
  kind: range
  range: {radius: %s, range_filter: [0, %s]}
load: {duration: 300ms}
`, name, m, strconv.FormatFloat(radius, 'g', -1, 64), strconv.FormatFloat(filter, 'g', -1, 64))
			r, tgt := specRunner(t, uri, src, t.TempDir())
			defer tgt.Close()
			res, err := r.Run(context.Background())
			skipLiteBinary(t, err)
			if len(res.Trials) != 4 {
				t.Fatalf("%d trials, want 4", len(res.Trials))
			}
			for _, tr := range res.Trials {
				s := tr.Search
				what := fmt.Sprintf("%s %s %v", m, tr.Index, s.Range)
				if tr.Range == nil || tr.Errors.Total != 0 || tr.RecallN < 10 {
					t.Fatalf("%s: %d errors (last %q), %d queries answered, range quality %+v", what, tr.Errors.Total, tr.Errors.Last, tr.RecallN, tr.Range)
				}
				t.Logf("%s: recall %.4f precision %.4f, results %+v, in range %+v", what, tr.Recall, tr.Range.Precision, tr.Range.Results, tr.Range.InRange)
				if tr.Range.Precision != 1 || tr.Range.InRange.Max == 0 {
					t.Errorf("%s: precision %v, %d rows in range at most: want precision 1 over rows in range", what, tr.Range.Precision, tr.Range.InRange.Max)
				}
				if tr.Index.Type == "BIN_FLAT" && (tr.Recall != 1 || tr.Range.Results != tr.Range.InRange) {
					t.Errorf("%s: recall %v, results %+v, in range %+v: want BIN_FLAT exact", what, tr.Recall, tr.Range.Results, tr.Range.InRange)
				}
			}
		})
	}
}

// skipLiteBinary skips the test when err is Milvus Lite's refusal of
// binary vector fields: Lite 3.x has none and says so in one line at
// create, before any row is sent. Any other error, or any error from a
// server other than Lite, which must run the workload, fails the test.
func skipLiteBinary(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	if os.Getenv("MILVBENCH_SERVER_KIND") != "lite" || strings.Contains(msg, "\n") || !strings.Contains(msg, "BinaryVector") || !strings.Contains(msg, "create collection") {
		t.Fatalf("err = %v", err)
	}
	t.Skipf("Milvus Lite refuses binary vector fields: %v", err)
}
