package main

// Fault tests against a real local Milvus Lite server: they need the
// virtualenv `make test` prepares and run only where MILVUS_URI is set (as
// scripts/with-milvus.sh does), or fail when MILVBENCH_REQUIRE_MILVUS is.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/milvus-io/milvus/client/v2/milvusclient"
)

func needMilvus(t *testing.T) string {
	t.Helper()
	uri := os.Getenv("MILVUS_URI")
	if uri == "" {
		if os.Getenv("MILVBENCH_REQUIRE_MILVUS") != "" {
			t.Fatal("MILVUS_URI is not set but MILVBENCH_REQUIRE_MILVUS is")
		}
		t.Skip("MILVUS_URI not set; run `make test` to start a local Milvus Lite")
	}
	return uri
}

// liteServer starts a Milvus Lite server of the test's own in dir (so the
// test may stop it) and returns its URI.
func liteServer(t *testing.T, dir string) string {
	t.Helper()
	out, err := exec.Command("bash", "../../scripts/milvus-lite.sh", "start", dir).Output()
	if err != nil {
		t.Fatalf("start Milvus Lite: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func stopLite(t *testing.T, dir string) {
	t.Helper()
	if out, err := exec.Command("bash", "../../scripts/milvus-lite.sh", "stop", dir).CombinedOutput(); err != nil {
		t.Errorf("stop Milvus Lite: %v\n%s", err, out)
	}
}

func hasCollection(t *testing.T, uri, name string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := milvusclient.New(ctx, &milvusclient.ClientConfig{Address: uri})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	has, err := c.HasCollection(ctx, milvusclient.NewHasCollectionOption(name))
	if err != nil {
		t.Fatal(err)
	}
	return has
}

const faultWorkload = `name: %s
target: {kind: milvus, uri: "${FAULT_URI}", connect_timeout: 5s, request_timeout: 2s}
dataset: {size: 2000, dim: 16, queries: 100}
indexes:
  - type: HNSW
    build: {M: 8, efConstruction: 40}
    search: {ef: [10, 20, 40, 80]}
load: {concurrency: 2, duration: 1s}
`

func writeWorkload(t *testing.T, dir, name string) string {
	t.Helper()
	wl := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(wl, []byte(strings.Replace(faultWorkload, "%s", name, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return wl
}

// TestServerKilledMidRunThenResume stops the server during the second
// trial: the run exits with an error, results.json and report.md keep the
// completed trials (complete: false), and --resume against the restarted
// server finishes the rest, leaving no collection behind.
func TestServerKilledMidRunThenResume(t *testing.T) {
	needMilvus(t)
	t.Setenv("MILVBENCH_CACHE", t.TempDir())
	srv := t.TempDir()
	uri := liteServer(t, srv)
	defer stopLite(t, srv)
	t.Setenv("FAULT_URI", uri)
	dir := t.TempDir()
	wl := writeWorkload(t, dir, "fault_kill")
	out := filepath.Join(dir, "out")

	w := &lineWatcher{n: 1, cancel: func() { go stopLite(t, srv) }}
	root := newRoot(&bytes.Buffer{}, w)
	root.SetArgs([]string{"run", wl, "--out", out})
	t0 := time.Now()
	err := root.ExecuteContext(context.Background())
	took := time.Since(t0)
	w.mu.Lock()
	w.cancel = nil
	log := w.buf.String()
	w.mu.Unlock()
	if err == nil || !strings.Contains(err.Error(), "run stopped after") {
		t.Fatalf("run with the server stopped: err = %v\n%s", err, log)
	}
	complete, n, stopped := readResults(t, out)
	if complete || n < 1 || n >= 4 || stopped == "" {
		t.Fatalf("partial results: complete=%v trials=%d stopped=%q", complete, n, stopped)
	}
	if md, err := os.ReadFile(filepath.Join(out, "report.md")); err != nil || !strings.Contains(string(md), "Incomplete run") {
		t.Fatalf("report.md: %v", err)
	}
	t.Logf("server stopped after trial 1: run ended in %s with %d trials kept: %v", took.Round(time.Millisecond), n, err)

	uri2 := liteServer(t, srv)
	t.Setenv("FAULT_URI", uri2)
	var progress bytes.Buffer
	root = newRoot(&bytes.Buffer{}, &progress)
	root.SetArgs([]string{"run", wl, "--resume", out})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("resume after restart: %v\n%s", err, progress.String())
	}
	complete, total, _ := readResults(t, out)
	if !complete || total != 4 {
		t.Fatalf("resumed: complete=%v trials=%d, want 4\n%s", complete, total, progress.String())
	}
	if hasCollection(t, uri2, "milvbench_fault_kill") {
		t.Error("collection milvbench_fault_kill left behind after the resumed run")
	}
}

// TestSIGINTDropsCollection sends SIGINT to a milvbench process during a
// trial: it exits non-zero, writes partial results, and the server holds
// no collection of the run afterwards.
func TestSIGINTDropsCollection(t *testing.T) {
	uri := needMilvus(t)
	dir := t.TempDir()
	bin := buildBinary(t)
	wl := writeWorkload(t, dir, "fault_sigint")
	out := filepath.Join(dir, "out")
	cmd := exec.Command(bin, "run", wl, "--out", out)
	cmd.Env = append(os.Environ(), "FAULT_URI="+uri, "MILVBENCH_CACHE="+t.TempDir())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	sc := bufio.NewScanner(stderr)
	sent := false
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		if !sent && strings.HasPrefix(sc.Text(), "trial  1/") {
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			sent = true
		}
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !sent || !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("after SIGINT: sent=%v err=%v\n%s", sent, err, log.String())
	}
	complete, n, _ := readResults(t, out)
	if complete || n < 1 {
		t.Fatalf("partial results: complete=%v trials=%d\n%s", complete, n, log.String())
	}
	if hasCollection(t, uri, "milvbench_fault_sigint") {
		t.Errorf("collection milvbench_fault_sigint left on the server after SIGINT\n%s", log.String())
	}
}
