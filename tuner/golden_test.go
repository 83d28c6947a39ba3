package tuner

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// Fixture is a real embedded run of testdata/fixture.yaml (latency
// histograms dropped to keep it small; the recommendation does not read
// them).
const fixture = "testdata/results.json"

func readFixture(t *testing.T) *bench.Result {
	t.Helper()
	data, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	var res bench.Result
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	return &res
}

// goldenCases are the recommendation cases: the fixture's own goals, and
// variations of goals, prices and measured cluster. The report's golden
// test renders their JSON as markdown.
func goldenCases() []goldenCase {
	ms := func(d time.Duration) workloads.Duration { return workloads.Duration(d) }
	return []goldenCase{
		{"met", func(*Inputs) {}, ""},
		// HNSW alone tops out at recall 0.999 (ef=80) in the fixture.
		{"recall_unreachable", func(in *Inputs) { in.Goals.Recall = 0.9995 }, "HNSW"},
		{"latency_unreachable", func(in *Inputs) { in.Goals.P99 = ms(20 * time.Microsecond) }, ""},
		{"latency_only", func(in *Inputs) { in.Goals.Recall, in.Goals.P99 = 0, ms(time.Millisecond) }, ""},
		{"zilliz_cluster", func(in *Inputs) {
			in.Cluster = workloads.ClusterSpec{Plan: "enterprise", CUType: CUPerformance, CUs: 2, Replicas: 1, Source: "workload"}
			in.Goals.QPS, in.Goals.Rows, in.Goals.Dim = 30000, 50_000_000, 0
		}, ""},
		{"capacity_prices", func(in *Inputs) {
			in.Goals.CUTypes, in.Goals.P99 = []string{CUCapacity, CUTiered}, ms(2*time.Second)
			in.Goals.Rows, in.Goals.Growth, in.Goals.GrowthMonths = 100_000_000, 5_000_000, 12
			in.Pricing = in.Pricing.Merge(workloads.Pricing{Source: "a quote", Plans: map[string]workloads.PlanTier{
				PlanEnterprise: {CUHour: map[string]float64{CUCapacity: 0.2}}, PlanStandard: {CUHour: map[string]float64{CUCapacity: 0.11}}}})
		}, ""},
	}
}

type goldenCase struct {
	Name string
	Mod  func(*Inputs)
	// Only keeps the trials of one index type ("" keeps all).
	Only string
}

// recommend computes the case's recommendation from the fixture.
func (c goldenCase) recommend(t *testing.T, res *bench.Result) *Recommendation {
	t.Helper()
	r := *res
	if c.Only != "" {
		r.Trials = nil
		for _, tr := range res.Trials {
			if tr.Index.Type == c.Only {
				r.Trials = append(r.Trials, tr)
			}
		}
	}
	in, err := InputsOf(&r)
	if err != nil {
		t.Fatal(err)
	}
	c.Mod(&in)
	rec, err := Recommend(&r, in)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestRecommendGolden pins recommendation.json for each case; run with
// -update to rewrite after an intended change, and read the diff.
func TestRecommendGolden(t *testing.T) {
	res := readFixture(t)
	for _, c := range goldenCases() {
		t.Run(c.Name, func(t *testing.T) {
			got, err := json.MarshalIndent(c.recommend(t, res), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "golden", c.Name+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("recommendation differs from %s (go test ./tuner -update rewrites it):\n%s", path, firstDiff(string(got), string(want)))
			}
		})
	}
}

// firstDiff shows the first differing line of two texts.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, gl, wl)
		}
	}
	return ""
}

// TestGoldenAnswers checks the cases' decisions beyond the bytes: the
// failing cases say which goal failed, by how much, and what to relax.
func TestGoldenAnswers(t *testing.T) {
	res := readFixture(t)
	for _, c := range goldenCases() {
		a := c.recommend(t, res).Answers[0]
		switch c.Name {
		case "recall_unreachable", "latency_unreachable":
			goal := map[string]string{"recall_unreachable": "recall", "latency_unreachable": "p99"}[c.Name]
			if a.Met || a.Failure == nil || len(a.Failure.Misses) == 0 || a.Failure.Misses[0].Goal != goal || len(a.Failure.Relax) == 0 {
				t.Errorf("%s: %+v", c.Name, a.Failure)
				continue
			}
			if !strings.HasPrefix(a.Summary, "No measured config meets the goals") || !strings.Contains(a.Summary, "To get an answer") {
				t.Errorf("%s summary: %s", c.Name, a.Summary)
			}
		default:
			if !a.Met || a.Choice == nil || !strings.HasPrefix(a.Summary, "Deploy ") {
				t.Errorf("%s: not met: %s", c.Name, a.Summary)
			}
		}
		if c.Name == "zilliz_cluster" {
			o := a.Cloud[a.CloudPick]
			if o.QPSPerCU.Basis != Measured || o.CUType != CUPerformance {
				t.Errorf("zilliz: throughput per CU %+v", o.QPSPerCU)
			}
		}
	}
}
