package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/internal/testenv"
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
