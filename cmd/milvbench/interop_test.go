package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/internal/testenv"
	"github.com/milvbench/milvbench/report"
)

// TestRunHistogramsReadByHdrHistogramPython runs a small workload with
// `milvbench run`, on the embedded target and on the local Milvus
// server, and has HdrHistogram's Python port decode every trial's
// latency_histogram in the results.json written: its count and percentiles
// must be the ones milvbench wrote beside it. The report names the file
// dataset after its directory and the Milvus database as default.
func TestRunHistogramsReadByHdrHistogramPython(t *testing.T) {
	const workload = `name: it_hdr_%s
target: {kind: %s%s}
dataset: {source: npy, base_file: s3k/base.npy, query_file: s3k/queries.npy}
indexes:
  - type: FLAT
  - type: HNSW
    build: {M: 8, efConstruction: 40}
    search: {ef: [10, 40]}
load: {concurrency: [1, 2], warmup: 100ms, duration: 300ms}
`
	tests := []struct {
		kind     string
		uri      func(t *testing.T) string // "" for none
		wantRows []string                  // in report.md
	}{
		{"embedded", func(*testing.T) string { return "" }, nil},
		{"milvus", func(t *testing.T) string { return testenv.MilvusURI(t) }, []string{"| target db | default |"}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			uri := tt.uri(t)
			testenv.Python(t) // skip before the run when the reader is missing
			if uri != "" {
				uri = fmt.Sprintf(", uri: %q", uri)
			}
			dir := t.TempDir()
			t.Chdir(dir) // the ground-truth cache (.cache unless MILVBENCH_CACHE) stays out of the tree
			writeVectors(t, filepath.Join(dir, "s3k"), 3000, 200, 16)
			wl := filepath.Join(dir, "w.yaml")
			if err := os.WriteFile(wl, fmt.Appendf(nil, workload, tt.kind, tt.kind, uri), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out")
			root := newRoot(io.Discard, logWriter{t})
			root.SetArgs([]string{"run", wl, "--out", out})
			if err := root.ExecuteContext(context.Background()); err != nil {
				t.Fatal(err)
			}
			sums, err := testenv.CheckResults(t, filepath.Join(out, report.ResultsFile))
			if err != nil {
				t.Fatal(err)
			}
			if len(sums) != 6 {
				t.Fatalf("%d trials read, want 6", len(sums))
			}
			md, err := os.ReadFile(filepath.Join(out, report.ReportFile))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range append(tt.wantRows, "| dataset | s3k: 3000 × 16, L2, 200 queries") {
				if !strings.Contains(string(md), want) {
					t.Errorf("report.md lacks %q", want)
				}
			}
			for _, s := range sums {
				if s.Count == 0 {
					t.Errorf("%s: empty histogram", s.Source)
				}
				t.Logf("%s: %d requests, p50 %d µs, p99 %v µs, max %d µs (read by hdrh)", s.Source, s.Count, s.Percentiles["50"][1], s.Percentiles["99"][1], s.Max)
			}
		})
	}
}

// logWriter sends progress lines to the test log.
type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// writeVectors writes dir/base.npy and dir/queries.npy of random vectors.
func writeVectors(t *testing.T, dir string, size, queries, dim int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 7))
	rows := func(n int) [][]float32 {
		out := make([][]float32, n)
		for i := range out {
			out[i] = make([]float32, dim)
			for j := range out[i] {
				out[i][j] = rng.Float32()
			}
		}
		return out
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := datasets.WriteNpy(filepath.Join(dir, "base.npy"), rows(size)); err != nil {
		t.Fatal(err)
	}
	if err := datasets.WriteNpy(filepath.Join(dir, "queries.npy"), rows(queries)); err != nil {
		t.Fatal(err)
	}
}
