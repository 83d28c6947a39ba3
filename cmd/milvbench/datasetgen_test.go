package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/internal/testenv"
	"github.com/milvbench/milvbench/workloads"
)

// genLayout is what scripts/interop/dataset_read.py reports of a dataset.
type genLayout struct {
	Base      []int    `json:"base"`
	Queries   []int    `json:"queries"`
	TruthRows int      `json:"truth_rows"`
	TruthLen  int      `json:"truth_min_len"`
	Integer   bool     `json:"truth_integer"`
	Problems  []string `json:"problems"`
}

// TestDatasetGenGroundTruth: `dataset gen` writes, beside the vectors, the
// queries' exact top-k neighbours in the format's layout (neighbors.parquet
// with the test ids in order, neighbors.npy, *_groundtruth.ivecs). pyarrow
// and numpy read the three files and check the layout and, by their own
// brute-force search, the neighbours; then milvbench runs a workload over
// the files and finds their ground truth agreeing with exact search.
func TestDatasetGenGroundTruth(t *testing.T) {
	tests := []struct {
		format, k, metric string
		dataset           string // the workload's dataset section, over data/
		truthFile         string
	}{
		{"parquet", "", "L2", "{source: parquet, path: data}", "neighbors.parquet"},
		{"npy", "20", "IP", "{source: npy, metric: IP, base_file: data/base.npy, query_file: data/queries.npy, truth_file: data/neighbors.npy}", "neighbors.npy"},
		{"fvecs", "10", "COSINE", "{source: dir, path: data, metric: COSINE}", "synthetic_groundtruth.ivecs"},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			dir := t.TempDir()
			data := filepath.Join(dir, "data")
			args := []string{"dataset", "gen", "--size", "2000", "--dim", "16", "--queries", "100", "--metric", tt.metric, "--format", tt.format, "--out", data}
			k := "100" // the default
			if tt.k != "" {
				args, k = append(args, "--k", tt.k), tt.k
			}
			stdout, stderr, err := execute(args...)
			if err != nil {
				t.Fatalf("dataset gen: %v\n%s", err, stderr)
			}
			if !strings.Contains(stdout, tt.truthFile) || !strings.Contains(stdout, "exact top-"+k+" "+tt.metric) {
				t.Errorf("gen says %q; want it to name %s and the top-%s %s neighbours", stdout, tt.truthFile, k, tt.metric)
			}

			t.Run("read by pyarrow and numpy", func(t *testing.T) {
				var got genLayout
				if err := testenv.RunScript(t, nil, &got, "dataset_read.py", tt.format, data, k, tt.metric, "10"); err != nil {
					t.Fatal(err)
				}
				want := fmt.Sprint(genLayout{Base: []int{2000, 16}, Queries: []int{100, 16}, TruthRows: 100, TruthLen: got.TruthLen, Integer: true, Problems: got.Problems})
				if depth, _ := strconv.Atoi(k); fmt.Sprint(got) != want || got.TruthLen < depth {
					t.Errorf("read %+v, want %s with rows of ≥ %s integer ids", got, want, k)
				}
				for _, p := range got.Problems {
					t.Errorf("%s: %s", tt.format, p)
				}
			})

			t.Run("read by milvbench", func(t *testing.T) {
				t.Setenv("MILVBENCH_CACHE", t.TempDir())
				wl := filepath.Join(dir, "w.yaml")
				src := fmt.Sprintf("name: gen_%s\ndataset: %s\nindexes: [{type: FLAT}]\nload: {warmup: 0s, duration: 100ms}\n", tt.format, tt.dataset)
				if err := os.WriteFile(wl, []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
				out, _, err := execute("validate", wl)
				if err != nil || !strings.Contains(out, ", truth "+filepath.Join(data, tt.truthFile)) {
					t.Fatalf("validate: %v; want the truth file named:\n%s", err, out)
				}
				_, progress, err := execute("run", wl, "--out", filepath.Join(dir, "out"))
				if err != nil {
					t.Fatalf("run: %v\n%s", err, progress)
				}
				if !strings.Contains(progress, "truth  dataset ground truth agrees with exact search") || strings.Contains(progress, "warning:") {
					t.Errorf("the run did not find the generated ground truth exact:\n%s", progress)
				}
			})
		})
	}
}

// dataset gen refuses a depth it cannot write, before any work.
func TestDatasetGenK(t *testing.T) {
	for _, tc := range []struct{ k, want string }{
		{"0", "--k 0: the ground truth depth must be 1..1000 and at most --size (500)"},
		{"1001", "--k 1001: the ground truth depth must be 1..1000"},
		{"501", "--k 501: the ground truth depth must be 1..1000 and at most --size (500)"},
	} {
		out := filepath.Join(t.TempDir(), "d")
		_, _, err := execute("dataset", "gen", "--size", "500", "--dim", "4", "--k", tc.k, "--out", out)
		if exitCode(err) != 2 || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("--k %s: err %v (exit %d), want exit 2 with %q", tc.k, err, exitCode(err), tc.want)
		}
		if _, serr := os.Stat(out); serr == nil {
			t.Errorf("--k %s: wrote %s anyway", tc.k, out)
		}
	}
}

// TestDatasetGenBinary: `dataset gen --vector-type binary` writes packed
// bits (npy uint8 and parquet list<uint8> of dim/8 bytes) with their exact
// HAMMING or JACCARD neighbours. numpy reads the files on its own (np.load
// or pyarrow, np.unpackbits): the first row's bits are the synthetic row's,
// and its brute-force top-k agrees with the neighbours while its bytes-for-
// bits variant does not; milvbench reads them back through the binary
// readers (rows equal to the generated ones) and a run over them finds the
// written ground truth exact.
func TestDatasetGenBinary(t *testing.T) {
	for _, tt := range []struct {
		format, metric string
		dataset        string // the workload's dataset section, over data/
		truthFile      string
	}{
		{"npy", "HAMMING", "{source: npy, vector_type: binary, dim: 128, base_file: data/base.npy, query_file: data/queries.npy, truth_file: data/neighbors.npy}", "neighbors.npy"},
		{"parquet", "JACCARD", "{source: parquet, vector_type: binary, metric: JACCARD, path: data}", "neighbors.parquet"},
	} {
		t.Run(tt.format+" "+tt.metric, func(t *testing.T) {
			dir := t.TempDir()
			data := filepath.Join(dir, "data")
			args := []string{"dataset", "gen", "--size", "1500", "--dim", "128", "--queries", "60", "--vector-type", "binary",
				"--dist", "clustered", "--clusters", "12", "--k", "10", "--format", tt.format, "--out", data}
			if tt.metric != "HAMMING" { // HAMMING is binary's default
				args = append(args, "--metric", tt.metric)
			}
			stdout, stderr, err := execute(args...)
			if err != nil {
				t.Fatalf("dataset gen: %v\n%s", err, stderr)
			}
			if !strings.Contains(stdout, "1500×128 binary (packed, 16 bytes a row) base") || !strings.Contains(stdout, "exact top-10 "+tt.metric) {
				t.Errorf("gen says %q", stdout)
			}
			spec := workloads.DatasetSpec{Source: workloads.SourceSynthetic, Size: 1500, Dim: 128, Queries: 60, Seed: 1,
				Metric: workloads.Metric(tt.metric), VectorType: workloads.VectorBinary, Distribution: workloads.DistClustered, Clusters: 12}
			gen, err := datasets.NewSynthetic(t.Context(), spec)
			if err != nil {
				t.Fatal(err)
			}
			var rows [][]float32
			_ = gen.Base.Scan(t.Context(), 500, func(_ int64, vecs [][]float32) error {
				for _, v := range vecs {
					rows = append(rows, slices.Clone(v))
				}
				return nil
			})

			t.Run("read by numpy", func(t *testing.T) {
				for _, variant := range []string{"exact", "bytes"} {
					var got struct {
						genLayout
						DType string    `json:"dtype"`
						Bits0 []float32 `json:"bits0"`
					}
					if err := testenv.RunScript(t, nil, &got, "dataset_read.py", tt.format, data, "10", tt.metric, "60", variant); err != nil {
						t.Fatal(err)
					}
					if fmt.Sprintf("%v %v %d %s", got.Base, got.Queries, got.TruthRows, got.DType) != "[1500 16] [60 16] 60 uint8" || !slices.Equal(got.Bits0, rows[0]) {
						t.Errorf("numpy read base %v queries %v, %d truth rows, dtype %s, first row bits %v; want 1500×16 and 60×16 uint8, 60 rows, bits %v",
							got.Base, got.Queries, got.TruthRows, got.DType, got.Bits0, rows[0])
					}
					switch {
					case variant == "exact":
						for _, p := range got.Problems {
							t.Errorf("numpy: %s", p)
						}
					case len(got.Problems) == 0:
						t.Errorf("numpy's %s variant agrees with the neighbours: the check cannot fail", variant)
					}
				}
			})

			t.Run("read by milvbench", func(t *testing.T) {
				t.Setenv("MILVBENCH_CACHE", t.TempDir())
				wl := filepath.Join(dir, "w.yaml")
				src := fmt.Sprintf("name: genbin_%s\ndataset: %s\nindexes: [{type: BIN_FLAT}]\nload: {warmup: 0s, duration: 100ms}\n", tt.format, tt.dataset)
				if err := os.WriteFile(wl, []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
				ws, err := workloads.Load(wl, func(string) (string, bool) { return "", false })
				if err != nil {
					t.Fatal(err)
				}
				ds, truth, err := datasets.Open(t.Context(), ws.Dataset, dir)
				if err != nil {
					t.Fatal(err)
				}
				if ds.Info.Dim != 128 || ds.Info.Size != 1500 || len(ds.Queries) != 60 || len(truth) != 60 || !slices.Equal(ds.Queries[7], gen.Queries[7]) {
					t.Fatalf("read %d×%d, %d queries, %d truth rows; want 1500×128, 60, 60 and the generated queries", ds.Info.Size, ds.Info.Dim, len(ds.Queries), len(truth))
				}
				i := 0
				_ = ds.Base.Scan(t.Context(), 400, func(_ int64, vecs [][]float32) error {
					for _, v := range vecs {
						if !slices.Equal(v, rows[i]) {
							t.Fatalf("row %d read back differs from the generated row", i)
						}
						i++
					}
					return nil
				})
				out, _, err := execute("validate", wl)
				if err != nil || !strings.Contains(out, ", truth "+filepath.Join(data, tt.truthFile)) {
					t.Fatalf("validate: %v; want the truth file named:\n%s", err, out)
				}
				_, progress, err := execute("run", wl, "--out", filepath.Join(dir, "out"))
				if err != nil {
					t.Fatalf("run: %v\n%s", err, progress)
				}
				if !strings.Contains(progress, "truth  dataset ground truth agrees with exact search") || strings.Contains(progress, "warning:") {
					t.Errorf("the run did not find the generated ground truth exact:\n%s", progress)
				}
			})
		})
	}
}

// dataset gen refuses binary vectors it cannot write, in one line, before
// any work.
func TestDatasetGenBinaryMisuse(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--vector-type", "binary", "--format", "fvecs"}, "--format fvecs holds float32 rows: binary vectors are written packed, --format npy or parquet"},
		{[]string{"--vector-type", "binary", "--dim", "100", "--format", "npy"}, "--dim 100: binary vectors are packed 8 bits to a byte, so --dim (bits) must be a multiple of 8 (e.g. 104)"},
		{[]string{"--vector-type", "binary", "--metric", "L2", "--format", "npy"}, "--metric L2: binary vectors take HAMMING or JACCARD"},
		{[]string{"--metric", "JACCARD", "--format", "npy"}, "--metric JACCARD compares binary vectors: add --vector-type binary (float vectors take L2, IP or COSINE)"},
		{[]string{"--vector-type", "float16", "--format", "npy"}, `--vector-type "float16": dataset gen writes float or binary vectors`},
	} {
		out := filepath.Join(t.TempDir(), "d")
		_, _, err := execute(append([]string{"dataset", "gen", "--size", "500", "--out", out}, tc.args...)...)
		if exitCode(err) != 2 || err.Error() != tc.want {
			t.Errorf("%v: err %v (exit %d), want exit 2 with %q", tc.args, err, exitCode(err), tc.want)
		}
		if _, serr := os.Stat(out); serr == nil {
			t.Errorf("%v: wrote %s anyway", tc.args, out)
		}
	}
}
