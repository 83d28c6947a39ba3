package milvus_test

import (
	"os"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/report"
	"github.com/milvbench/milvbench/tuner"
)

// TestServerCPUPerQueryOnMilvus: with the server's Prometheus endpoint
// (target.metrics_url; Milvus standalone serves one, Lite none), a
// capacity run records the server process's CPU µs per query beside the
// client's on every probe, report.md shows both, and the recommendation's
// self-hosted core count rests on the server's figure, labelled measured.
//
//	bash scripts/with-milvus.sh standalone go test ./bench/milvus/ -run TestServerCPUPerQueryOnMilvus
func TestServerCPUPerQueryOnMilvus(t *testing.T) {
	if os.Getenv("MILVUS_METRICS_URL") == "" {
		t.Skip("no MILVUS_METRICS_URL: the server has no Prometheus endpoint (Milvus Lite); run under scripts/with-milvus.sh standalone")
	}
	res, plan := runOnServer(t, `name: it_cpu
dataset: {size: 5000, dim: 32, queries: 200, seed: 6}
indexes: [{type: HNSW, build: {M: 8, efConstruction: 40}, search: {ef: 32}}]
search: {topk: 10}
load: {model: capacity, start_rate: 50, ramp_factor: 4, max_rate: 3200, precision: 0.5, max_in_flight: 200, warmup: 300ms, duration: 2s, interval: 250ms}
goals: {recall: 0.8, p99: 500ms, qps: 5000}
`)
	measured := 0
	for _, tr := range res.Trials {
		c := tr.CPU
		if c == nil || c.ClientUSPerQuery <= 0 {
			t.Errorf("trial %d: no client CPU per query: %+v", tr.ID, c)
			continue
		}
		if c.ServerUSPerQuery != nil && *c.ServerUSPerQuery > 0 {
			measured++
		}
		t.Logf("trial %d at %g/s: %.0f queries/s, %s", tr.ID, tr.Load.Rate, tr.QueriesPerS, c.Describe())
	}
	if measured == 0 {
		t.Fatal("no trial has the server's CPU per query")
	}
	md := report.Markdown(res)
	if !strings.Contains(md, "## CPU per query") || !strings.Contains(md, "process_cpu_seconds_total") {
		t.Errorf("report.md has no server CPU per query")
	}
	in, err := tuner.InputsOf(res)
	if err != nil {
		t.Fatal(err)
	}
	in.Goals = plan.Spec.Goals
	rec, err := tuner.Recommend(res, in)
	if err != nil {
		t.Fatal(err)
	}
	a := rec.Answers[0]
	if !a.Met || a.SelfHosted == nil || a.SelfHosted.Cores == nil {
		t.Fatalf("no self-hosted core count: %+v", a)
	}
	t.Logf("self-hosted: %.0f cores (%s: %s)", a.SelfHosted.Cores.Value, a.SelfHosted.Cores.Basis, a.SelfHosted.Cores.Source)
	if a.SelfHosted.Cores.Basis != tuner.Measured || !strings.Contains(a.SelfHosted.Cores.Source, "µs of server CPU per query") {
		t.Errorf("self-hosted cores %+v, want measured from the server's CPU", *a.SelfHosted.Cores)
	}
	if sec := report.RecommendationMarkdown(rec); !strings.Contains(sec, "| self-hosted cores for goals.qps |") || !strings.Contains(sec, "| measured |") {
		t.Errorf("recommendation section:\n%s", sec)
	}
}
