package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/report"
	"github.com/milvbench/milvbench/workloads"
)

// TestIteratorExample runs example:iterator with fewer queries and
// shorter trials, end to end on the embedded target: limit 20,000 (past
// Milvus's top-k) from 25,000 rows, FLAT and IVF_FLAT probing every list
// return the exact top-limit in ceil(limit/batch) batches with no
// duplicate, IVF_FLAT probing a quarter of its lists ends early with
// less, and report.md has the iterator section.
func TestIteratorExample(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the example (about 15 s)")
	}
	t.Setenv("MILVBENCH_CACHE", t.TempDir())
	src, err := os.ReadFile("../../workloads/examples/iterator.yaml")
	if err != nil {
		t.Fatal(err)
	}
	small := strings.NewReplacer("queries: 100", "queries: 20", "warmup: 200ms", "warmup: 50ms", "duration: 2s", "duration: 400ms").Replace(string(src))
	dir := t.TempDir()
	wl := filepath.Join(dir, "it.yaml")
	if err := os.WriteFile(wl, []byte(small), 0o644); err != nil {
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
	if len(res.Trials) != 6 {
		t.Fatalf("%d trials, want 6", len(res.Trials))
	}
	for _, tr := range res.Trials {
		it, q := tr.Search.Iterator, tr.Iterator
		if it == nil || q == nil || tr.RecallN == 0 || tr.Errors.Total != 0 {
			t.Fatalf("trial %d: %+v", tr.ID, tr)
		}
		t.Logf("trial %d %s %s %s: recall %.4f, batches %+v, first batch p50 %.2f ms, last batch p50 %.2f ms", tr.ID, tr.Index.Type,
			workloads.FormatParams(tr.Search.Params), it, tr.Recall, q.Batches, q.FirstBatchMS.P50, q.LastBatchMS.P50)
		if it.Limit != 20000 || q.Duplicates != 0 || q.OrderViolations != 0 || q.Paths != "embedded" {
			t.Errorf("trial %d: limit %d, %d duplicates, %d order violations, path %s", tr.ID, it.Limit, q.Duplicates, q.OrderViolations, q.Paths)
		}
		exact := tr.Index.Type == "FLAT" || tr.Search.Params.Int("nprobe", 0) == 128
		switch {
		case exact && (tr.Recall != 1 || q.Batches.Max != it.Batches() || q.Returned.Mean != 20000):
			t.Errorf("trial %d: recall %v, batches %+v, returned %+v; want the exact top-20000 in %d batches", tr.ID, tr.Recall, q.Batches, q.Returned, it.Batches())
		case !exact && (tr.Recall >= 0.9 || q.Returned.Max >= 20000):
			t.Errorf("trial %d: IVF_FLAT at nprobe 32 recall %v, returned %+v; its probed lists hold fewer rows", tr.ID, tr.Recall, q.Returned)
		}
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil || !strings.Contains(string(md), "## Iterator search") || !strings.Contains(string(md), "### iterator batch_size=5000,limit=20000") {
		t.Errorf("report.md lacks the iterator section or its tuner answer (%v)", err)
	}
}

// TestIteratorNotScaledOut: prepare and shards refuse an iterator
// workload in one line.
func TestIteratorNotScaledOut(t *testing.T) {
	spec, err := workloads.Parse("w.yaml", []byte(`name: so
target: {kind: milvus, uri: "http://127.0.0.1:1"}
dataset: {size: 1000, dim: 8, metric: IP}
indexes: [{type: FLAT}]
search: {kind: iterator, iterator: {batch_size: 10, limit: 100}}
`), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	if err := checkScaleOut(spec); err == nil || !strings.Contains(err.Error(), "search kind iterator cannot be scaled out yet") || strings.Contains(err.Error(), "\n") {
		t.Errorf("error %v", err)
	}
}
