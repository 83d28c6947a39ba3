package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/milvbench/milvbench/report"
	"github.com/milvbench/milvbench/scaleout"
)

// fileDatasets are the file sources a workload can name, each over files
// `milvbench dataset gen` writes into data/ (format: the gen --format).
var fileDatasets = []struct {
	name, format, dataset string
}{
	{"fvecs", "fvecs", "{source: fvecs, base_file: data/synthetic_base.fvecs, query_file: data/synthetic_query.fvecs}"},
	{"npy", "npy", "{source: npy, base_file: data/base.npy, query_file: data/queries.npy}"},
	{"parquet", "parquet", "{source: parquet, path: data}"},
	{"dir", "fvecs", "{source: dir, path: data}"},
}

// genFiles writes a small seeded dataset in format into dir/data.
func genFiles(t *testing.T, dir, format string) {
	t.Helper()
	if _, stderr, err := execute("dataset", "gen", "--size", "2000", "--dim", "16", "--queries", "100", "--format", format, "--out", filepath.Join(dir, "data")); err != nil {
		t.Fatalf("dataset gen --format %s: %v\n%s", format, err, stderr)
	}
}

// TestResumeFileDataset runs a workload over a file dataset of every
// source to completion and resumes it: the resume must accept the
// unchanged workload (whose size, dimension and query count the files
// determine) and measure nothing again.
func TestResumeFileDataset(t *testing.T) {
	t.Setenv("MILVBENCH_CACHE", t.TempDir())
	for _, tt := range fileDatasets {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			genFiles(t, dir, tt.format)
			wl := filepath.Join(dir, "w.yaml")
			src := fmt.Sprintf(`name: resume_%s
dataset: %s
indexes:
  - type: HNSW
    build: {M: 8, efConstruction: 40}
    search: {ef: [16, 32]}
load: {concurrency: 1, warmup: 50ms, duration: 200ms}
`, tt.name, tt.dataset)
			if err := os.WriteFile(wl, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out")
			if _, stderr, err := execute("run", wl, "--out", out); err != nil {
				t.Fatalf("run: %v\n%s", err, stderr)
			}
			if complete, n, _ := readResults(t, out); !complete || n != 2 {
				t.Fatalf("first run: complete=%v trials=%d, want 2", complete, n)
			}
			_, stderr, err := execute("run", wl, "--resume", out)
			if err != nil {
				t.Fatalf("resume of the unchanged workload: %v\n%s", err, stderr)
			}
			if !strings.Contains(stderr, "2 plan points already measured") {
				t.Errorf("resume does not report both points measured:\n%s", stderr)
			}
			if n := strings.Count(stderr, "\ntrial  "); n != 0 {
				t.Errorf("resume measured %d trials again, want none:\n%s", n, stderr)
			}
			if complete, n, _ := readResults(t, out); !complete || n != 2 {
				t.Errorf("resumed results: complete=%v trials=%d, want 2", complete, n)
			}
		})
	}
}

// TestScaleOutFileDataset runs scale-out on a file dataset against the local
// Milvus server: prepare, a shard (which reads the same files and must
// accept the prepared state), merge and cleanup.
func TestScaleOutFileDataset(t *testing.T) {
	uri := needMilvus(t)
	t.Setenv("MILVBENCH_CACHE", t.TempDir())
	t.Setenv("SCALE_URI", uri)
	dir := t.TempDir()
	genFiles(t, dir, "fvecs")
	wl := filepath.Join(dir, "w.yaml")
	src := `name: scale_files
target: {kind: milvus, uri: "${SCALE_URI}", connect_timeout: 5s, request_timeout: 5s}
dataset: {source: fvecs, base_file: data/synthetic_base.fvecs, query_file: data/synthetic_query.fvecs}
indexes:
  - type: HNSW
    build: {M: 8, efConstruction: 40}
    search: {ef: [32]}
load: {model: closed, concurrency: [2], warmup: 100ms, duration: 500ms, interval: 250ms}
`
	if err := os.WriteFile(wl, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state.json")
	if _, stderr, err := execute("prepare", wl, "--state", state, "--start-in", "3s", "--quiet"); err != nil {
		t.Fatalf("prepare: %v\n%s", err, stderr)
	}
	st, err := scaleout.ReadState(state)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { // leave no collection behind, also when the test fails
		if hasCollection(t, uri, st.Collection) {
			_, _, _ = execute("cleanup", "--state", state)
		}
	}()
	shard := filepath.Join(dir, "shard0")
	if _, stderr, err := execute("run", wl, "--shard", "0/1", "--state", state, "--out", shard, "--quiet"); err != nil {
		t.Fatalf("shard 0/1: %v\n%s", err, stderr)
	}
	merged := filepath.Join(dir, "merged")
	if _, stderr, err := execute("merge", shard, "--out", merged); err != nil {
		t.Fatalf("merge: %v\n%s", err, stderr)
	}
	res, err := report.ReadResultsAt(merged)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Complete || len(res.Trials) != 1 || res.Trials[0].Requests == 0 || res.Trials[0].Recall < 0.5 {
		t.Errorf("merged: complete=%v, %d trials %+v", res.Complete, len(res.Trials), res.Trials)
	}
	if res.Dataset.Size != 2000 || res.Dataset.Dim != 16 {
		t.Errorf("merged dataset %d×%d, want the files' 2000×16", res.Dataset.Size, res.Dataset.Dim)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	root := newRoot(&bytes.Buffer{}, &stderr)
	root.SetArgs([]string{"cleanup", "--state", state})
	if err := root.ExecuteContext(ctx); err != nil || !strings.Contains(stderr.String(), "dropped collection") {
		t.Fatalf("cleanup: %v\n%s", err, stderr.String())
	}
	if hasCollection(t, uri, st.Collection) {
		t.Errorf("collection %s left after cleanup", st.Collection)
	}
}
