package datasets

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/workloads"
)

// writeLayout writes base, queries and neighbours in one layout under dir and
// returns the dataset spec that reads them.
func writeLayout(t *testing.T, dir, layout string, base, queries [][]float32, nb [][]int64) workloads.DatasetSpec {
	t.Helper()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	nb32 := make([][]int32, len(nb))
	for i, r := range nb {
		for _, x := range r {
			nb32[i] = append(nb32[i], int32(x))
		}
	}
	spec := workloads.DatasetSpec{Metric: workloads.L2, Path: dir}
	switch layout {
	case "fvecs":
		must(WriteFvecs(filepath.Join(dir, "sift_base.fvecs"), base))
		must(WriteFvecs(filepath.Join(dir, "sift_query.fvecs"), queries))
		must(WriteIvecs(filepath.Join(dir, "sift_groundtruth.ivecs"), nb32))
		spec.Source = workloads.SourceDir
	case "npy":
		must(WriteNpy(filepath.Join(dir, "b.npy"), base))
		must(WriteNpy(filepath.Join(dir, "q.npy"), queries))
		must(WriteNpy(filepath.Join(dir, "gt.npy"), nb32))
		spec.Source, spec.BaseFile, spec.QueryFile, spec.TruthFile = workloads.SourceNpy, "b.npy", "q.npy", "gt.npy"
	case "parquet":
		must(WriteParquetVectors(filepath.Join(dir, "train-00-of-02.parquet"), 0, base[:len(base)/2]))
		must(WriteParquetVectors(filepath.Join(dir, "train-01-of-02.parquet"), int64(len(base)/2), base[len(base)/2:]))
		must(WriteParquetVectors(filepath.Join(dir, "test.parquet"), 0, queries))
		must(WriteParquetNeighbors(filepath.Join(dir, "neighbors.parquet"), nb))
		spec.Source = workloads.SourceParquet
	}
	return spec
}

func TestOpenLayoutsRoundTrip(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 5))
	base, queries := randVecs(rng, 301, 12, 0), randVecs(rng, 7, 12, 0)
	want := naiveTopK(base, queries, workloads.L2, 10, nil)
	for _, layout := range []string{"fvecs", "npy", "parquet"} {
		t.Run(layout, func(t *testing.T) {
			dir := t.TempDir()
			spec := writeLayout(t, dir, layout, base, queries, want.IDs)
			ds, truth, err := Open(ctx, spec, "/nonexistent")
			if err != nil {
				t.Fatal(err)
			}
			var got [][]float32
			err = ds.Base.Scan(ctx, 50, func(_ int64, vecs [][]float32) error {
				for _, v := range vecs {
					got = append(got, append([]float32(nil), v...))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, base) || !reflect.DeepEqual(ds.Queries, queries) {
				t.Fatal("vectors differ after the round trip")
			}
			if !reflect.DeepEqual(truth, want.IDs) {
				t.Fatalf("truth = %v, want %v", truth, want.IDs)
			}
			if warns, err := CheckTruth(ctx, ds, truth, 10, 3); err != nil || len(warns) != 0 {
				t.Fatalf("CheckTruth: %v %v", warns, err)
			}
			bad := append([][]int64(nil), truth...)
			outsider := int64(0)
			for slices.Contains(truth[2], outsider) {
				outsider++
			}
			bad[2] = append([]int64{outsider}, truth[2][1:]...)
			if warns, _ := CheckTruth(ctx, ds, bad, 10, 7); len(warns) != 1 || !strings.Contains(warns[0], "query 2") {
				t.Fatalf("warnings = %v, want one naming query 2", warns)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(WriteNpy(filepath.Join(dir, "b.npy"), [][]float32{{1, 2, 3}, {4, 5, 6}}))
	must(WriteNpy(filepath.Join(dir, "q2.npy"), [][]float32{{1, 2}}))
	must(WriteNpy(filepath.Join(dir, "nan.npy"), [][]float32{{1, 2, 3}, {4, float32(math.NaN()), 6}}))
	must(WriteNpy(filepath.Join(dir, "q.npy"), [][]float32{{1, 2, 3}}))
	raw, _ := os.ReadFile(filepath.Join(dir, "b.npy"))
	must(os.WriteFile(filepath.Join(dir, "trunc.npy"), raw[:len(raw)-5], 0o644))
	tests := []struct{ base, query, want string }{
		{"b.npy", "q2.npy", "q2.npy: offset 0: queries have dimension 2 but base"},
		{"nan.npy", "q.npy", "nan.npy: offset 144: row 1 component 1 is NaN"},
		{"trunc.npy", "q.npy", "trunc.npy: offset 140: truncated .npy data"},
	}
	for _, tc := range tests {
		t.Run(tc.base+"+"+tc.query, func(t *testing.T) {
			spec := workloads.DatasetSpec{Source: workloads.SourceNpy, Metric: workloads.L2, BaseFile: tc.base, QueryFile: tc.query}
			_, _, err := Open(ctx, spec, dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestSelectivityFilter(t *testing.T) {
	l := Labels{Seed: 3, Categories: 12}
	for _, kind := range []string{LabelInt, LabelCategory} {
		for _, sel := range []float64{0.01, 0.1, 0.5, 0.99} {
			f, err := l.SelectivityFilter(kind, sel)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			const rows = 20000
			for id := range int64(rows) {
				if f.Allow(id) {
					n++
				}
			}
			got := float64(n) / rows
			if math.Abs(got-sel) > 0.25*sel+0.01 {
				t.Errorf("%s %g: %s passes %.4f of rows", kind, sel, f.Expr, got)
			}
		}
	}
}

// TestDatasetName: a file dataset is named after its directory or base file,
// never after a generic file name such as base.npy.
func TestDatasetName(t *testing.T) {
	tests := []struct {
		source string
		files  Files
		want   string
	}{
		{workloads.SourceNpy, Files{Format: "npy", Base: []string{"/d/s100k/base.npy"}}, "s100k"},
		{workloads.SourceDir, Files{Format: "npy", Base: []string{"/d/s100k/base.npy"}}, "s100k"},
		{workloads.SourceDir, Files{Format: "fvecs", Base: []string{"/data/sift1m/sift_base.fvecs"}}, "sift1m"},
		{workloads.SourceFvecs, Files{Format: "fvecs", Base: []string{"/data/sift1m/sift_base.fvecs"}}, "sift"},
		{workloads.SourceBvecs, Files{Format: "bvecs", Base: []string{"/data/bigann_base.bvecs"}}, "bigann"},
		{workloads.SourceNpy, Files{Format: "npy", Base: []string{"/data/embeddings.npy"}}, "embeddings"},
		{workloads.SourceFvecs, Files{Format: "fvecs", Base: []string{"/data/glove/_base.fvecs"}}, "glove"},
		{workloads.SourceParquet, Files{Format: "parquet", Base: []string{"/v/cohere_1m/train-00-of-10.parquet"}}, "cohere_1m"},
		{workloads.SourceDir, Files{Format: "parquet", Base: []string{"/v/openai_50k/train.parquet"}}, "openai_50k"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := datasetName(tt.source, tt.files); got != tt.want {
				t.Errorf("datasetName(%s, %s) = %q, want %q", tt.source, tt.files.Base[0], got, tt.want)
			}
		})
	}
	// A relative directory is named by its absolute path's last element.
	t.Chdir(t.TempDir())
	if err := os.Mkdir("s1k", 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir("s1k")
	if got := datasetName(workloads.SourceNpy, Files{Format: "npy", Base: []string{"base.npy"}}); got != "s1k" {
		t.Errorf("base.npy in the working directory s1k named %q", got)
	}
}
