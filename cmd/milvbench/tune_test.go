package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/milvbench/milvbench/report"
	"github.com/milvbench/milvbench/tuner"
	"github.com/milvbench/milvbench/workloads"
)

// tuneWorkload is small enough for a test and has something to search:
// two index types, search params with a recall boundary inside the list,
// two batch sizes and two load levels.
const tuneWorkload = `name: %s
target: {kind: %s}
dataset: {size: 3000, dim: 32, queries: 200, seed: 5}
insert: {batch: 3000}
indexes:
  - type: FLAT
  - type: HNSW
    build: {M: 16, efConstruction: 64}
    search: {ef: [10, 20, 40, 80, 160]}
  - type: IVF_FLAT
    build: {nlist: 32}
    search: {nprobe: [1, 2, 4, 8, 16, 32]}
search: {topk: 10, nq: [1, 5]}
load: {concurrency: [1, 2], warmup: 100ms, duration: 500ms}
goals: {recall: 0.9, p99: 2s, qps: 500}
`

// tuneAndCheck tunes the workload on kind and checks what the output
// directory says: the recommendation first, and fewer trials than the grid.
func tuneAndCheck(t *testing.T, kind string) {
	dir := t.TempDir()
	wl := filepath.Join(dir, "w.yaml")
	name := "it_tune_" + kind
	if err := os.WriteFile(wl, []byte(fmt.Sprintf(tuneWorkload, name, kind)), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	_, stderr, err := execute("tune", wl, "--out", out)
	if err != nil {
		t.Fatalf("tune: %v\n%s", err, stderr)
	}
	md, err := os.ReadFile(filepath.Join(out, report.ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(md), "\n")
	if lines[0] != "# milvbench report: "+name || lines[2] != "## Recommendation" || !strings.HasPrefix(lines[4], "**Deploy ") {
		t.Fatalf("report.md does not open with the recommendation:\n%s\nprogress:\n%s", strings.Join(lines[:min(6, len(lines))], "\n"), stderr)
	}
	if !strings.Contains(string(md), "Found by `milvbench tune`") {
		t.Error("report does not say how many trials tune ran")
	}
	var rec tuner.Recommendation
	data, err := os.ReadFile(filepath.Join(out, report.RecommendationFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Tune == nil || rec.Tune.GridTrials != 1*2*2+5*2*2+6*2*2 || rec.Tune.Trials == 0 || rec.Tune.Trials >= rec.Tune.GridTrials {
		t.Errorf("tune counts %+v", rec.Tune)
	}
	if a := rec.Answers[0]; !a.Met || a.Choice.Recall.Value < 0.9 {
		t.Errorf("answer %+v", a)
	}
	t.Logf("%s\n%d of %d trials, %d recall passes", lines[4], rec.Tune.Trials, rec.Tune.GridTrials, rec.Tune.RecallPasses)
}

// TestTuneOnMilvus: against the local Milvus Lite server of `make test`,
// tune completes and the report's first lines state the recommendation.
func TestTuneOnMilvus(t *testing.T) {
	needMilvus(t)
	tuneAndCheck(t, workloads.TargetMilvus)
}

func TestTuneEmbedded(t *testing.T) {
	tuneAndCheck(t, workloads.TargetEmbedded)
}

func TestRecommendCommand(t *testing.T) {
	dir := t.TempDir()
	res, err := report.ReadResults("../../tuner/testdata/results.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := report.WriteResults(dir, res); err != nil {
		t.Fatal(err)
	}
	stdout, _, err := execute("recommend", dir)
	if err != nil || !strings.HasPrefix(stdout, "## Recommendation\n\n**Deploy ") {
		t.Fatalf("recommend: %v\n%s", err, stdout)
	}
	goals := filepath.Join(dir, "strict.yaml")
	if err := os.WriteFile(goals, []byte("goals: {recall: 0.9, p99: 1us}\npricing: {plans: {standard: {cu_hour: {performance: 1.5}}}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, _, err = execute("recommend", dir, "--goals", goals)
	if err != nil || !strings.Contains(stdout, "No measured config meets the goals") || !strings.Contains(stdout, "What to relax") {
		t.Errorf("recommend --goals: %v\n%s", err, stdout)
	}
	stdout, _, err = execute("recommend", dir, "--json", "--goals", goals)
	var rec tuner.Recommendation
	if err != nil || json.Unmarshal([]byte(stdout), &rec) != nil || rec.Goals.Recall != 0.9 || rec.Goals.P99 != workloads.Duration(time.Microsecond) {
		t.Errorf("recommend --json: %v %+v", err, rec.Goals)
	}
	// A negotiated price list: its price replaces the conflicting
	// published ones, with its own source.
	contract := filepath.Join(dir, "contract.yaml")
	if err := os.WriteFile(contract, []byte("source: contract 2026-Q4\nplans: {standard: {cu_hour: {performance: 0.1}}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	price := filepath.Join(dir, "qps.yaml")
	if err := os.WriteFile(price, []byte("goals: {recall: 0.5, qps: 100, cu_types: [performance]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, _, err = execute("recommend", dir, "--json", "--goals", price, "--pricing", contract)
	rec = tuner.Recommendation{}
	if err != nil || json.Unmarshal([]byte(stdout), &rec) != nil || len(rec.Answers) == 0 || len(rec.Answers[0].Cloud) == 0 {
		t.Fatalf("recommend --pricing: %v\n%s", err, stdout)
	}
	if o := rec.Answers[0].Cloud[0]; o.PricePerCU.Value != 0.1 || o.PricePerCU.Source != "contract 2026-Q4" || rec.Pricing.File != contract {
		t.Errorf("recommend --pricing: price %+v, file %q", o.PricePerCU, rec.Pricing.File)
	}
	if _, _, err = execute("recommend", dir, "--pricing", filepath.Join(dir, "none.yaml")); err == nil {
		t.Error("recommend --pricing with a missing file succeeded")
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("goals: {recall: 2}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err = execute("recommend", dir, "--goals", bad); err == nil || !strings.Contains(err.Error(), "bad.yaml:1: goals.recall: 2 is out of range") {
		t.Errorf("bad goals file: %v", err)
	}
}

func TestPlanWarning(t *testing.T) {
	big := `name: big
dataset: {size: 1000, dim: 8}
indexes:
  - type: HNSW
    search: {ef: [16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192]}
search: {nq: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000]}
load: {concurrency: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]}
`
	dir := t.TempDir()
	wl := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(wl, []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, _, err := execute("validate", wl)
	if err != nil || !strings.Contains(stdout, "warning: this plan runs 1100 trials") || !strings.Contains(stdout, "milvbench tune "+wl) {
		t.Errorf("validate of a 1100-trial plan: %v\n%s", err, stdout)
	}
	stdout, _, _ = execute("validate", "example:quickstart")
	if strings.Contains(stdout, "warning") {
		t.Errorf("quickstart warned:\n%s", stdout)
	}
}
