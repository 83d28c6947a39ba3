package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/report"
	"github.com/milvbench/milvbench/workloads"
)

// SoakEnv turns on TestSoak with its length (a Go duration, e.g. 10m);
// `make soak` sets it. Without it the test skips: it is not part of
// `make test`.
const SoakEnv = "MILVBENCH_SOAK"

// soakWorkload is mixed load for the soak: two closed-loop search workers
// while rows are inserted, deleted and upserted, in ten trials of a tenth
// of the soak each, on a dataset big enough that the insert stream never
// runs dry (50 rows/s × the soak ≤ the 40k rows not preloaded, up to 13m).
const soakWorkload = `name: soak
target: {kind: milvus}
dataset: {source: synthetic, distribution: clustered, size: 60000, dim: 32, queries: 500, seed: 11, preload: 20000}
indexes:
  - type: HNSW
    build: {M: 16, efConstruction: 64}
    search: {ef: 32}
load:
  model: mixed
  concurrency: 2
  insert_rate: 50
  insert_batch: 50
  delete_rate: 10
  upsert_rate: 10
  checkpoints: 3
  warmup: 0s
  duration: %s
  repeat: 10
`

// procStats is what the soak watches of this process.
type procStats struct {
	rssMiB, heapMiB float64
	goroutines      int
	sockets         int
}

func (s procStats) String() string {
	return fmt.Sprintf("rss=%.1fMiB heap=%.1fMiB goroutines=%d sockets=%d", s.rssMiB, s.heapMiB, s.goroutines, s.sockets)
}

// readProcStats reads the resident set (VmRSS), the Go heap in use, the
// goroutines and the open sockets (fds linked to socket:[…]: the gRPC
// connections to the server, as the harness listens on nothing).
func readProcStats(t *testing.T) procStats {
	t.Helper()
	var s procStats
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s.heapMiB = float64(ms.HeapInuse) / (1 << 20)
	s.goroutines = runtime.NumGoroutine()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				t.Fatalf("VmRSS %q: %v", rest, err)
			}
			s.rssMiB = kb / 1024
		}
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		if l, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && strings.HasPrefix(l, "socket:") {
			s.sockets++
		}
	}
	return s
}

// TestSoak runs mixed load against the local Milvus server for
// $MILVBENCH_SOAK and prints the harness's RSS, heap, goroutines and open
// sockets before the run, every tenth of it, and after. It fails when the
// run fails, when goroutines or sockets outlive the run, or when the heap
// in use at the end of the load is more than twice (+64 MiB) what it was
// at the first sample.
func TestSoak(t *testing.T) {
	length := os.Getenv(SoakEnv)
	if length == "" {
		t.Skipf("%s is not set; `make soak` runs this for 10 minutes", SoakEnv)
	}
	total, err := time.ParseDuration(length)
	if err != nil || total < 10*time.Second {
		t.Fatalf("%s=%q: want a Go duration of at least 10s, e.g. 10m", SoakEnv, length)
	}
	needMilvus(t)
	t.Setenv("MILVBENCH_CACHE", t.TempDir())
	dir := t.TempDir()
	wl := filepath.Join(dir, "soak.yaml")
	if err := os.WriteFile(wl, []byte(fmt.Sprintf(soakWorkload, total/10)), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, err := workloads.Load(wl, os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	before := readProcStats(t)
	t.Logf("soak start (before the run): %s", before)

	// Sample every tenth of the soak while the run goes on (its setup,
	// preload and ground truth included).
	var samples []procStats
	started := time.Now()
	stop, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(total / 10)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case now := <-tick.C:
				s := readProcStats(t)
				samples = append(samples, s)
				t.Logf("soak at %4.0fs: %s", now.Sub(started).Seconds(), s)
			}
		}
	}()
	out := filepath.Join(dir, "out")
	err = runWith(context.Background(), spec, out, report.AllReports, false, false, targetOptions{}, io.Discard, nil, gridDriver)
	close(stop)
	<-sampled
	if err != nil {
		t.Fatalf("soak run: %v", err)
	}
	elapsed := time.Since(started)

	// gRPC closes its connections' goroutines asynchronously after Close.
	var after procStats
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		runtime.GC()
		after = readProcStats(t)
		if (after.goroutines <= before.goroutines && after.sockets <= before.sockets) || time.Now().After(deadline) {
			break
		}
	}
	t.Logf("soak end (after the run, %s): %s", elapsed.Round(time.Second), after)

	b, err := os.ReadFile(filepath.Join(out, report.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	var res bench.Result
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	var searches, inserts, errs int64
	for _, tr := range res.Trials {
		searches += tr.Requests
		errs += tr.Errors.Total
		if ins := tr.Operations["insert"]; ins != nil {
			inserts += ins.Rows
			errs += ins.Errors.Total
		}
	}
	t.Logf("soak load: %d trials, %d searches, %d rows inserted, %d errors", len(res.Trials), searches, inserts, errs)

	if len(samples) < 2 || len(res.Trials) != 10 || !res.Complete {
		t.Fatalf("the soak ran %d trials (complete %v), want 10", len(res.Trials), res.Complete)
	}
	if after.goroutines > before.goroutines || after.sockets > before.sockets {
		t.Errorf("the run left goroutines or sockets behind: before %s, after %s", before, after)
	}
	first, last := samples[0], samples[len(samples)-1]
	if last.heapMiB > 2*first.heapMiB+64 {
		t.Errorf("the heap grew during the load: %.1f MiB at the first sample, %.1f MiB at the last", first.heapMiB, last.heapMiB)
	}
}
