package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
)

// TestExampleKindsOnLite runs example:sparse, example:bm25 and
// example:hybrid with target.kind milvus against the local Milvus Lite —
// the example files themselves, made smaller and shorter and cut to what
// Lite builds (TAAT_NAIVE, drop ratios 0) — and checks that every trial
// reports recall against the exact ground truth, at 1 where nothing is
// approximate (Lite's sparse search is exhaustive).
func TestExampleKindsOnLite(t *testing.T) {
	uri := needMilvus(t)
	t.Setenv("MILVUS_URI", uri)
	t.Setenv("MILVBENCH_CACHE", t.TempDir())
	for _, name := range []string{"sparse", "bm25", "hybrid"} {
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("..", "..", "workloads", "examples", name+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			y := string(src)
			for _, r := range [][2]string{
				{"kind: embedded", "kind: milvus\n  uri: ${MILVUS_URI}"},
				{"size: 50000", "size: 3000"}, {"size: 20000", "size: 3000"}, {"queries: 500", "queries: 100"},
				{"inverted_index_algo: [DAAT_MAXSCORE, TAAT_NAIVE]", "inverted_index_algo: TAAT_NAIVE"},
				{"drop_ratio_search: [0, 0.3, 0.6]", "drop_ratio_search: 0"},
				{"warmup: 500ms", "warmup: 200ms"}, {"duration: 3s", "duration: 1s"},
				{"\nname: " + name + "\n", "\nname: it_" + name + "\n"},
			} {
				y = strings.ReplaceAll(y, r[0], r[1])
			}
			dir := t.TempDir()
			wl := filepath.Join(dir, name+".yaml")
			if err := os.WriteFile(wl, []byte(y), 0o644); err != nil {
				t.Fatal(err)
			}
			res := runResult(t, wl)
			if len(res.Trials) == 0 {
				t.Fatal("no trials")
			}
			for _, tr := range res.Trials {
				kind := tr.Search.Kind
				t.Logf("trial %d %s %s: recall %.4f (p5 %.4f) qps %.1f p99 %.3fms", tr.ID, kind, tr.Index, tr.Recall, tr.RecallDist.P5, tr.QPS, tr.LatencyMS.P99)
				// A 1 s window on a loaded host may not reach every query.
				if tr.RecallN < 10 || tr.Errors.Total != 0 || tr.RecallDist == nil || tr.RecallDist.Queries != tr.RecallN {
					t.Errorf("trial %d: %d queries scored, %d errors, distribution %+v", tr.ID, tr.RecallN, tr.Errors.Total, tr.RecallDist)
				}
				exact := kind == workloads.KindSparse || kind == workloads.KindBM25
				if exact && tr.Recall < 0.999 {
					t.Errorf("trial %d: %s recall %.4f on an exhaustive sparse index, want 1", tr.ID, kind, tr.Recall)
				}
				if tr.Recall < 0.8 {
					t.Errorf("trial %d: recall %.4f", tr.ID, tr.Recall)
				}
			}
		})
	}
}

// runResult runs the workload at path in-process (milvbench run --quiet)
// and returns the results.json it wrote.
func runResult(t *testing.T, path string) bench.Result {
	t.Helper()
	out := filepath.Join(filepath.Dir(path), "out")
	if _, stderr, err := execute("run", path, "--out", out, "--quiet"); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res bench.Result
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	return res
}
