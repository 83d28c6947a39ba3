package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// lineWatcher is a progress writer that cancels a run once it has printed
// n trial lines.
type lineWatcher struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	n      int
	cancel context.CancelFunc
}

func (w *lineWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if w.cancel != nil && strings.Count(w.buf.String(), "\ntrial  ") >= w.n {
		w.cancel()
	}
	return len(p), nil
}

func readResults(t *testing.T, dir string) (complete bool, trials int, stopped string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Complete bool              `json:"complete"`
		Stopped  string            `json:"stopped"`
		Trials   []json.RawMessage `json:"trials"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r.Complete, len(r.Trials), r.Stopped
}

// TestRunInterruptAndResume cancels a run (as SIGINT does) after its second
// trial: partial results are written, marked incomplete, the journal keeps
// the completed trials, no goroutine outlives the run, and --resume runs
// only the rest. A changed workload is refused.
func TestRunInterruptAndResume(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	t.Setenv("MILVBENCH_CACHE", t.TempDir())
	dir := t.TempDir()
	wl := filepath.Join(dir, "w.yaml")
	src := `name: resume
dataset: {size: 2000, dim: 8, queries: 50}
indexes:
  - type: HNSW
    build: {M: 8, efConstruction: 40}
    search: {ef: [10, 20, 40, 80]}
load: {concurrency: 1, duration: 150ms}
`
	if err := os.WriteFile(wl, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &lineWatcher{n: 2, cancel: cancel}
	root := newRoot(&bytes.Buffer{}, w)
	root.SetArgs([]string{"run", wl, "--out", out})
	err := root.ExecuteContext(ctx)
	if err == nil || !strings.Contains(err.Error(), "interrupted") || !strings.Contains(err.Error(), "--resume "+out) {
		t.Fatalf("interrupted run: err = %v", err)
	}
	complete, n, stopped := readResults(t, out)
	if complete || n < 2 || n >= 4 || stopped == "" {
		t.Fatalf("partial results: complete=%v trials=%d stopped=%q", complete, n, stopped)
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil || !strings.Contains(string(md), "Incomplete run") {
		t.Fatalf("report.md does not say the run is incomplete (err %v)", err)
	}

	var progress bytes.Buffer
	root = newRoot(&bytes.Buffer{}, &progress)
	root.SetArgs([]string{"run", wl, "--resume", out})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("resume: %v\n%s", err, progress.String())
	}
	complete, total, _ := readResults(t, out)
	if !complete || total != 4 {
		t.Fatalf("resumed results: complete=%v trials=%d, want 4", complete, total)
	}
	// Trial lines start a line; a "live   trial  …" status line (printed
	// when a trial on a busy machine outlasts an interval) is not one.
	if got := strings.Count("\n"+progress.String(), "\ntrial  "); got != 4-n {
		t.Errorf("resume ran %d trials, want the %d left:\n%s", got, 4-n, progress.String())
	}

	if err := os.WriteFile(wl, []byte(strings.Replace(src, "80]", "160]", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	root = newRoot(&bytes.Buffer{}, &bytes.Buffer{})
	root.SetArgs([]string{"run", wl, "--resume", out})
	if err := root.ExecuteContext(context.Background()); err == nil || !strings.Contains(err.Error(), "different workload") {
		t.Fatalf("resume with a changed workload: err = %v", err)
	}
	time.Sleep(10 * time.Millisecond)
}

// TestResumeRefusesTune checks that `run --resume` does not turn a tune
// directory into a grid run: tune chose its trials adaptively, and the grid
// would measure everything tune skipped.
func TestResumeRefusesTune(t *testing.T) {
	t.Setenv("MILVBENCH_CACHE", t.TempDir())
	dir := t.TempDir()
	wl := filepath.Join(dir, "w.yaml")
	src := `name: resume_tune
dataset: {size: 2000, dim: 8, queries: 50}
indexes:
  - type: HNSW
    build: {M: 8, efConstruction: 40}
    search: {ef: [10, 20, 40, 80]}
load: {concurrency: 1, duration: 100ms}
goals: {recall: 0.9}
`
	if err := os.WriteFile(wl, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "tune")
	if _, stderr, err := execute("tune", wl, "--out", out); err != nil {
		t.Fatalf("tune: %v\n%s", err, stderr)
	}
	_, tuned, _ := readResults(t, out)
	_, _, err := execute("run", wl, "--resume", out)
	want := "--resume " + out + ": that directory holds a `milvbench tune` run"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("run --resume of a tune directory: err = %v, want %q…", err, want)
	}
	if _, n, _ := readResults(t, out); n != tuned {
		t.Errorf("the refused resume changed results.json: %d trials, was %d", n, tuned)
	}
}
