package milvus_test

import (
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/report"
)

// TestColdWarmOnMilvus: against a real server, the first trial after the
// index load measures its first requests after the load, after a release
// and load, and after an idle period, apart from its window, and report.md
// carries them in its cold/warm table.
func TestColdWarmOnMilvus(t *testing.T) {
	res, _ := runOnServer(t, `name: it_coldwarm
dataset: {size: 3000, dim: 16, queries: 100, seed: 4}
indexes: [{type: HNSW, build: {M: 8, efConstruction: 40}, search: {ef: 32}}]
search: {topk: 10}
load: {model: closed, concurrency: [1, 2], warmup: 100ms, duration: 500ms, interval: 250ms, cold: 5, idle_before: 300ms}
`)
	first := res.Trials[0]
	want := []string{bench.PhaseAfterLoad, bench.PhaseAfterReload, "after idle 300ms"}
	if len(first.Cold) != len(want) {
		t.Fatalf("first trial's cold phases %+v, want %v", first.Cold, want)
	}
	for i, p := range first.Cold {
		t.Logf("%s: first %.3fms p50 %.3fms max %.3fms (steady p50 %.3fms p99 %.3fms), reload %.2fs", p.Phase, p.FirstMS, p.P50MS, p.MaxMS, first.LatencyMS.P50, first.LatencyMS.P99, p.LoadS)
		if p.Phase != want[i] || p.Requests != 5 || p.Errors != 0 || p.FirstMS <= 0 || p.P50MS <= 0 {
			t.Errorf("phase %d: %+v, want %q with 5 answered requests", i, p, want[i])
		}
	}
	if first.Cold[1].LoadS <= 0 {
		t.Errorf("release + load phase without its load time: %+v", first.Cold[1])
	}
	for _, tr := range res.Trials[1:] {
		if len(tr.Cold) > 0 {
			t.Errorf("trial %d is not the first after the load, but has cold phases", tr.ID)
		}
	}
	md := report.Markdown(res)
	if !strings.Contains(md, "## Cold and warm") || !strings.Contains(md, "| after release + load |") {
		t.Errorf("report.md has no cold/warm table:\n%s", md)
	}
}
