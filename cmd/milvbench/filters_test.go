package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets"
)

// filtersWorkload is example:filters, shrunk, on the given target.
func filtersWorkload(t *testing.T, target, duration string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "workloads", "examples", "filters.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	y := string(src)
	for _, r := range [][2]string{
		{"kind: embedded", target},
		{"size: 50000", "size: 5000"}, {"queries: 500", "queries: 100"},
		{"warmup: 500ms", "warmup: 200ms"}, {"duration: 2s", "duration: " + duration},
		{"\nname: filters\n", "\nname: it_filters\n"},
	} {
		if !strings.Contains(y, r[0]) {
			t.Fatalf("example:filters has no %q", r[0])
		}
		y = strings.ReplaceAll(y, r[0], r[1])
	}
	wl := filepath.Join(t.TempDir(), "filters.yaml")
	if err := os.WriteFile(wl, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	return wl
}

// checkFilterTrials: every trial ran under its filter, and FLAT — exact
// under any filter — finds every true neighbour, so the target's own
// evaluation of each query's filter passes exactly the rows the
// harness's evaluator passed for the ground truth.
func checkFilterTrials(t *testing.T, res bench.Result) map[string]bench.Trial {
	t.Helper()
	hnsw := map[string]bench.Trial{}
	for _, tr := range res.Trials {
		t.Logf("trial %d %s %v filter %s (%.3f of rows): recall %.4f p5 %.4f zero %.1f%% qps %.1f p99 %.3fms",
			tr.ID, tr.Index, tr.Search.Params, tr.Search.FilterName, tr.Search.Selectivity, tr.Recall, tr.RecallDist.P5, 100*tr.RecallDist.Zero, tr.QPS, tr.LatencyMS.P99)
		if tr.Search.FilterName == "" || tr.Search.Filter == "" || tr.Search.Selectivity <= 0 || tr.Search.Selectivity >= 0.2 {
			t.Errorf("trial %d: filter %q %q passing %g", tr.ID, tr.Search.FilterName, tr.Search.Filter, tr.Search.Selectivity)
		}
		if tr.Errors.Total != 0 || tr.RecallN < 10 {
			t.Errorf("trial %d: %d errors, %d queries scored", tr.ID, tr.Errors.Total, tr.RecallN)
		}
		switch tr.Index.Type {
		case "FLAT":
			if tr.Recall < 1 {
				t.Errorf("trial %d: FLAT recall %.4f under filter %s, want 1: the target's filter and the ground truth's disagree", tr.ID, tr.Recall, tr.Search.FilterName)
			}
		case "HNSW":
			if tr.Search.Params["ef"] == float64(32) || tr.Search.Params["ef"] == int64(32) {
				hnsw[tr.Search.FilterName] = tr
			}
		}
	}
	if len(hnsw) != 4 {
		t.Fatalf("HNSW ef=32 trials by filter: %d, want 4", len(hnsw))
	}
	return hnsw
}

func TestExampleFiltersEmbedded(t *testing.T) {
	t.Setenv("MILVBENCH_CACHE", t.TempDir())
	wl := filtersWorkload(t, "kind: embedded", "500ms")
	checkFilterTrials(t, runResult(t, wl))
	md, err := os.ReadFile(filepath.Join(filepath.Dir(wl), "out", "report.md"))
	if err != nil || !strings.Contains(string(md), "## Filters") || !strings.Contains(string(md), "| anti_correlated | `cat_far == {c}` |") {
		t.Errorf("report.md lacks the Filters section (%v)", err)
	}
}

// TestExampleFiltersOnLite runs example:filters against Milvus Lite: FLAT
// is exact under every filter (Lite's filter semantics equal the
// evaluator's), and Lite's HNSW, which filters after its graph walk, loses
// the anti-correlated filter's neighbours — the cliff the example shows.
func TestExampleFiltersOnLite(t *testing.T) {
	uri := needMilvus(t)
	t.Setenv("MILVUS_URI", uri)
	t.Setenv("MILVBENCH_CACHE", t.TempDir())
	res := runResult(t, filtersWorkload(t, "kind: milvus\n  uri: ${MILVUS_URI}", "1s"))
	hnsw := checkFilterTrials(t, res)
	near, far := hnsw["correlated"], hnsw["anti_correlated"]
	if !(far.Recall < near.Recall-0.2) || far.RecallDist.Zero < 0.05 {
		t.Errorf("anti-correlated recall %.4f (%.0f%% of queries at 0), correlated %.4f: want the anti-correlated filter far below", far.Recall, 100*far.RecallDist.Zero, near.Recall)
	}
}

// TestScalarIndexSweepOnLite sweeps a payload field's scalar index (none,
// INVERTED: the one Milvus Lite builds) as builds of their own; each
// build's trials record it and FLAT stays exact under the filter.
func TestScalarIndexSweepOnLite(t *testing.T) {
	uri := needMilvus(t)
	t.Setenv("MILVUS_URI", uri)
	t.Setenv("MILVBENCH_CACHE", t.TempDir())
	y := `name: it_scalar
target: {kind: milvus, uri: "${MILVUS_URI}"}
dataset:
  size: 2000
  dim: 8
  queries: 50
  payload:
    - {name: cat, type: varchar, values: 8, correlation: correlated, index: [none, INVERTED]}
indexes: [{type: FLAT}]
search:
  filters:
    - {name: own, expr: 'cat == {c}', params: {c: {query: cat}}}
load: {model: closed, concurrency: [1], warmup: 100ms, duration: 500ms}
`
	wl := filepath.Join(t.TempDir(), "scalar.yaml")
	if err := os.WriteFile(wl, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	res := runResult(t, wl)
	var got []string
	for _, tr := range res.Trials {
		got = append(got, tr.Search.Scalar)
		if tr.Recall < 1 || tr.Errors.Total != 0 {
			t.Errorf("trial %d (%s): recall %.4f, %d errors", tr.ID, tr.Search.Scalar, tr.Recall, tr.Errors.Total)
		}
	}
	if strings.Join(got, " ") != "cat:none cat:INVERTED" {
		t.Errorf("trials by scalar index %q", got)
	}
}

// TestPayloadFileRun: a file dataset (fvecs) with its payload in a JSON
// Lines file beside it, filtered by a field of the file: FLAT is exact,
// and a payload row of the wrong type stops the run with one line naming
// the file and line.
func TestPayloadFileRun(t *testing.T) {
	t.Setenv("MILVBENCH_CACHE", t.TempDir())
	dir := t.TempDir()
	var base, queries [][]float32
	var lines []string
	for i := range 600 {
		base = append(base, []float32{float32(i % 7), float32(i % 11), float32(i % 13), float32(i)})
		lines = append(lines, fmt.Sprintf(`{"brand": "b%d", "price": %d}`, i%5, i%100))
	}
	for i := range 30 {
		queries = append(queries, []float32{float32(i % 5), float32(i % 3), 1, float32(i * 20)})
	}
	for name, rows := range map[string][][]float32{"base.fvecs": base, "query.fvecs": queries} {
		if err := datasets.WriteFvecs(filepath.Join(dir, name), rows); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "payload.jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wl := filepath.Join(dir, "w.yaml")
	y := `name: it_payload_file
dataset:
  source: fvecs
  base_file: base.fvecs
  query_file: query.fvecs
  payload_file: payload.jsonl
  payload:
    - {name: brand, type: varchar, from_file: true}
    - {name: price, type: int64, from_file: true}
indexes: [{type: FLAT}]
search:
  filters:
    - {name: brand, expr: 'brand == {b} and price < {p}', params: {b: {choice: [b0, b3]}, p: [50]}}
load: {model: closed, concurrency: [1], warmup: 100ms, duration: 300ms}
`
	if err := os.WriteFile(wl, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	res := runResult(t, wl)
	if len(res.Trials) != 1 || res.Trials[0].Recall != 1 || res.Trials[0].Search.Selectivity <= 0 || res.Trials[0].Search.Selectivity >= 0.2 {
		t.Fatalf("trials %+v", res.Trials)
	}
	lines[42] = `{"brand": "b1", "price": "cheap"}`
	if err := os.WriteFile(filepath.Join(dir, "payload.jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := execute("run", wl, "--out", filepath.Join(dir, "out2"), "--quiet")
	want := `payload.jsonl:43: field "price": want a whole number (the field is int64), got "cheap"`
	if err == nil || !strings.Contains(stderr+err.Error(), want) {
		t.Errorf("run with a bad payload row: %v\n%s\nwant %q", err, stderr, want)
	}
}
