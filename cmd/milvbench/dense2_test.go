package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSecondDenseField: a collection with two dense fields (the dataset's
// and a synthetic one of its own dim and metric) and a text field runs an
// ann request on the second dense field and a hybrid of all three, on the
// embedded target and (with a server) on Milvus Lite, each trial's recall
// against the exact answer of its own field or fusion.
func TestSecondDenseField(t *testing.T) {
	const wl = `name: dense2
target: {kind: KIND}
dataset: {size: 3000, dim: 16, metric: L2, queries: 60, seed: 3}
fields:
  - {name: vector, type: dense}
  - {name: img, type: dense, data: {source: synthetic, dim: 24, metric: IP}}
  - {name: text, type: text, data: {source: synthetic, vocabulary: 3000}, index: {type: SPARSE_INVERTED_INDEX, build: {inverted_index_algo: TAAT_NAIVE}}}
indexes: [{type: HNSW, field: img, build: {M: 16, efConstruction: 64}, search: {ef: 64}}]
search:
  kind: [ann, hybrid]
  field: img
  topk: 10
  hybrid:
    requests: [{field: vector, limit: 20}, {field: img, limit: 20}, {field: text, limit: 20}]
    ranker: rrf
load: {model: closed, concurrency: 1, warmup: 100ms, duration: 700ms}
`
	targets := map[string]string{"embedded": "embedded"}
	if uri := os.Getenv("MILVUS_URI"); uri != "" {
		targets["lite"] = "milvus, uri: '" + uri + "'"
	}
	for name, kind := range targets {
		t.Run(name, func(t *testing.T) {
			t.Setenv("MILVBENCH_CACHE", t.TempDir())
			dir := t.TempDir()
			path := filepath.Join(dir, "dense2.yaml")
			if err := os.WriteFile(path, []byte(strings.Replace(wl, "KIND", kind, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			res := runResult(t, path)
			kinds := map[string]bool{}
			for _, tr := range res.Trials {
				t.Logf("trial %d %s on %s: recall %.4f qps %.1f", tr.ID, tr.Search.Kind, tr.Search.Field, tr.Recall, tr.QPS)
				kinds[tr.Search.Kind] = true
				if tr.Recall < 0.9 || tr.RecallN == 0 || tr.Errors.Total != 0 {
					t.Errorf("trial %d: recall %.4f over %d queries, %d errors", tr.ID, tr.Recall, tr.RecallN, tr.Errors.Total)
				}
				if tr.Search.Kind == "ann" && tr.Search.Field != "img" {
					t.Errorf("trial %d searched %s, want img", tr.ID, tr.Search.Field)
				}
			}
			if !kinds["ann"] || !kinds["hybrid"] {
				t.Errorf("kinds run: %v", kinds)
			}
		})
	}
}
