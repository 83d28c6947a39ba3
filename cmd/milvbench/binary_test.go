package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/report"
)

// TestBinaryExample runs example:binary shrunk to 4000 rows and short
// trials, end to end on the embedded target, under HAMMING and JACCARD:
// results name the binary type and metric, BIN_FLAT is exact and
// BIN_IVF_FLAT's recall rises with nprobe, below 1 at nprobe 1, and its
// memory is the packed rows (dim/8 bytes a row) plus its lists' ids and
// centroids.
func TestBinaryExample(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the example (about 5 s)")
	}
	src, err := os.ReadFile("../../workloads/examples/binary.yaml")
	if err != nil {
		t.Fatal(err)
	}
	small := strings.NewReplacer("size: 20000", "size: 4000", "queries: 500", "queries: 100", "clusters: 40", "clusters: 16",
		"nlist: 128", "nlist: 32", "warmup: 500ms", "warmup: 100ms", "duration: 2s", "duration: 300ms").Replace(string(src))
	for _, metric := range []string{"HAMMING", "JACCARD"} {
		t.Run(metric, func(t *testing.T) {
			dir := t.TempDir()
			wl := filepath.Join(dir, "b.yaml")
			if err := os.WriteFile(wl, []byte(strings.Replace(small, "metric: HAMMING", "metric: "+metric, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out")
			if _, stderr, err := execute("run", wl, "--out", out, "--quiet"); err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			res, err := report.ReadResults(filepath.Join(out, "results.json"))
			if err != nil {
				t.Fatal(err)
			}
			if res.Dataset.VectorType != "binary" || string(res.Dataset.Metric) != metric {
				t.Errorf("results dataset: vector_type %q metric %q", res.Dataset.VectorType, res.Dataset.Metric)
			}
			if len(res.Trials) != 4 {
				t.Fatalf("%d trials, want 4", len(res.Trials))
			}
			prev := 0.0
			for _, tr := range res.Trials {
				t.Logf("%s %s %v: recall %.4f, memory %d", metric, tr.Index, tr.Search.Params, tr.Recall, tr.IndexBytes)
				if tr.Index.Type == "BIN_FLAT" {
					if tr.Recall != 1 || tr.IndexBytes != 4000*256/8 {
						t.Errorf("BIN_FLAT: recall %g, %d bytes (want 1 and %d)", tr.Recall, tr.IndexBytes, 4000*256/8)
					}
					continue
				}
				nprobe := tr.Search.Params.Int("nprobe", 0)
				if tr.Recall < prev || (nprobe == 1 && tr.Recall >= 1) {
					t.Errorf("BIN_IVF_FLAT nprobe %d: recall %.4f after %.4f", nprobe, tr.Recall, prev)
				}
				if want := int64(4000*256/8 + 4000*4 + 32*256/8); tr.IndexBytes != want {
					t.Errorf("BIN_IVF_FLAT: %d bytes, want %d", tr.IndexBytes, want)
				}
				prev = tr.Recall
			}
		})
	}
}
