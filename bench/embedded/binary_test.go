package embedded

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// binaryData is a clustered synthetic binary set, its rows and its exact
// ground truth under m.
func binaryData(t *testing.T, n, dim, nq int, m workloads.Metric) (*datasets.Dataset, [][]float32, *datasets.GroundTruth) {
	t.Helper()
	ds, err := datasets.NewSynthetic(t.Context(), workloads.DatasetSpec{Source: workloads.SourceSynthetic, Size: n, Dim: dim, Metric: m,
		Queries: nq, Seed: 3, Distribution: workloads.DistClustered, Clusters: 32, VectorType: workloads.VectorBinary})
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]float32
	err = ds.Base.Scan(t.Context(), 1000, func(_ int64, vecs [][]float32) error {
		for _, v := range vecs {
			rows = append(rows, append([]float32(nil), v...))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	gt, err := datasets.ComputeGroundTruth(t.Context(), ds, 10)
	if err != nil {
		t.Fatal(err)
	}
	return ds, rows, gt
}

// newBinaryLoaded is newLoaded for a binary collection.
func newBinaryLoaded(t *testing.T, cfg workloads.IndexConfig, m workloads.Metric, base [][]float32) *Target {
	t.Helper()
	return newLoadedSpec(t, bench.CollectionSpec{Name: "b", Dim: len(base[0]), Metric: m, VectorType: workloads.VectorBinary, Rows: len(base)}, cfg, base)
}

// binaryRecall is the mean recall@k of the target's answers, a hit being
// any row at or within the k-th true distance (ties count).
func binaryRecall(t *testing.T, tg *Target, ds *datasets.Dataset, gt *datasets.GroundTruth, p workloads.Params) float64 {
	t.Helper()
	var sum float64
	for qi, q := range ds.Queries {
		res, err := tg.Search(t.Context(), bench.SearchRequest{Vectors: [][]float32{q}, TopK: 10, Params: p})
		if err != nil {
			t.Fatal(err)
		}
		rel := map[int64]bool{}
		for _, id := range gt.Relevant(qi, 10) {
			rel[id] = true
		}
		for _, id := range res.IDs[0] {
			if rel[id] {
				sum++
			}
		}
	}
	return sum / float64(10*len(ds.Queries))
}

// TestBinaryIndexes: BIN_FLAT is exact under HAMMING and JACCARD (recall
// 1 against the popcount ground truth, ties as sets); BIN_IVF_FLAT's
// recall rises with nprobe and is exact when it probes every list; the
// memory each reports is its packed rows (dim/8 bytes a row) and its
// structures.
func TestBinaryIndexes(t *testing.T) {
	const n, dim = 6000, 256
	for _, m := range workloads.BinaryMetrics() {
		t.Run(string(m), func(t *testing.T) {
			ds, base, gt := binaryData(t, n, dim, 60, m)
			flat := newBinaryLoaded(t, workloads.IndexConfig{Type: "BIN_FLAT"}, m, base)
			if r := binaryRecall(t, flat, ds, gt, nil); r != 1 {
				t.Errorf("BIN_FLAT recall %.4f, want 1", r)
			}
			if got, want := flat.IndexMemoryBytes(), int64(n*dim/8); got != want {
				t.Errorf("BIN_FLAT memory %d, want %d (dim/8 bytes a row)", got, want)
			}
			t.Logf("%s BIN_FLAT recall@10 1.000", m)
			ivf := newBinaryLoaded(t, workloads.IndexConfig{Type: "BIN_IVF_FLAT", Build: workloads.Params{"nlist": int64(64)}}, m, base)
			prev := 0.0
			for _, nprobe := range []int64{1, 4, 16, 64} {
				r := binaryRecall(t, ivf, ds, gt, workloads.Params{"nprobe": nprobe})
				t.Logf("%s BIN_IVF_FLAT nlist=64 nprobe=%d recall@10 %.3f", m, nprobe, r)
				switch {
				case r < prev:
					t.Errorf("nprobe %d: recall %.3f fell from %.3f", nprobe, r, prev)
				case nprobe == 64 && r != 1:
					t.Errorf("nprobe = nlist: recall %.4f, want 1", r)
				case nprobe == 16 && r < 0.95:
					t.Errorf("nprobe 16 of 64 lists: recall %.3f, want ≥ 0.95 on clustered bits", r)
				case nprobe == 1 && r > 0.95:
					t.Errorf("nprobe 1 of 64 lists: recall %.3f: the lists do not partition the clusters", r)
				}
				prev = r
			}
			mem := ivf.IndexMemoryBytes()
			if want := int64(n*dim/8 + n*4 + 64*dim/8); mem != want {
				t.Errorf("BIN_IVF_FLAT memory %d, want %d (rows, ids, centroids)", mem, want)
			}
		})
	}
}

// TestBinaryMisuse: the embedded target refuses, in one line, a float
// index over binary vectors, a BIN_* index over float vectors, and rows or
// queries that are not bits.
func TestBinaryMisuse(t *testing.T) {
	ctx := context.Background()
	base := [][]float32{{1, 0, 1, 0, 0, 0, 0, 1}, {0, 1, 1, 0, 0, 0, 1, 1}}
	for _, tt := range []struct {
		name string
		vt   string
		m    workloads.Metric
		cfg  workloads.IndexConfig
		want string
	}{
		{"hnsw over binary", workloads.VectorBinary, workloads.Hamming, workloads.IndexConfig{Type: "HNSW"}, "HNSW over binary vectors is not supported (it builds BIN_FLAT, BIN_IVF_FLAT over them)"},
		{"bin over float", "", workloads.L2, workloads.IndexConfig{Type: "BIN_FLAT"}, "BIN_FLAT indexes binary vectors only; the collection stores float vectors"},
		{"bin over float16", workloads.VectorFloat16, workloads.L2, workloads.IndexConfig{Type: "BIN_IVF_FLAT"}, "BIN_IVF_FLAT indexes binary vectors only; the collection stores float16 vectors"},
		{"entry binary", "", workloads.L2, workloads.IndexConfig{Type: "FLAT", VectorType: workloads.VectorBinary}, "FLAT over binary vectors: the collection stores float"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tg := New()
			if err := tg.Create(ctx, bench.CollectionSpec{Name: "b", Dim: 8, Metric: tt.m, VectorType: tt.vt}); err != nil {
				t.Fatal(err)
			}
			if err := tg.Insert(ctx, []int64{0, 1}, base); err != nil {
				t.Fatal(err)
			}
			err := tg.BuildIndex(ctx, tt.cfg)
			if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	tg := newBinaryLoaded(t, workloads.IndexConfig{Type: "BIN_FLAT"}, workloads.Jaccard, base)
	if err := tg.Insert(ctx, []int64{2}, [][]float32{{0, 2, 0, 0, 0, 0, 0, 0}}); err == nil || !strings.Contains(err.Error(), "component 1 is 2") {
		t.Errorf("insert of a 2: %v", err)
	}
	if _, err := tg.Search(ctx, bench.SearchRequest{Vectors: [][]float32{{0.5, 0, 0, 0, 0, 0, 0, 0}}, TopK: 1}); err == nil || !strings.Contains(err.Error(), "component 0 is 0.5") {
		t.Errorf("query of a 0.5: %v", err)
	}
	// Rows inserted after the build are searched at once, at their
	// Jaccard distance.
	if err := tg.Insert(ctx, []int64{7}, [][]float32{{1, 1, 1, 1, 1, 1, 1, 1}}); err != nil {
		t.Fatal(err)
	}
	res, err := tg.Search(ctx, bench.SearchRequest{Vectors: [][]float32{{1, 1, 1, 1, 1, 1, 1, 0}}, TopK: 1})
	if err != nil || fmt.Sprint(res.IDs) != "[[7]]" {
		t.Errorf("after an insert: %v, %v", res.IDs, err)
	}
}
