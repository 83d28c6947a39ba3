package report

import (
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
)

// craft is a trial of HNSW at search param ef with the given outcome.
func craft(ef int64, recall, qps, p99 float64) bench.Trial {
	return bench.Trial{
		Index:     workloads.IndexConfig{Type: "HNSW", Build: workloads.Params{"M": int64(16), "efConstruction": int64(200)}},
		Search:    bench.SearchInfo{Params: workloads.Params{"ef": ef}, TopK: 10, NQ: 1, Selectivity: 1},
		Load:      bench.LoadInfo{Model: "closed", Concurrency: 8, WindowS: 4},
		Recall:    recall,
		QPS:       qps,
		Requests:  int64(qps * 4),
		LatencyMS: bench.LatencyMS{P50: p99 / 3, P99: p99},
	}
}

func run(trials ...bench.Trial) *bench.Result { return &bench.Result{Trials: trials} }

// repeats is one trial per p99 value, otherwise identical.
func repeats(ef int64, p99s ...float64) []bench.Trial {
	var out []bench.Trial
	for _, p := range p99s {
		out = append(out, craft(ef, 0.95, 1000, p))
	}
	return out
}

var ciGates = Gates{
	P99Increase: Limit{Max: 0.10, Set: true},
	RecallDrop:  Limit{Max: 0.01, Set: true},
	QPSDrop:     Limit{Max: 0.05, Set: true},
}

func TestCompareGates(t *testing.T) {
	base := run(craft(64, 0.95, 1000, 2.0), craft(128, 0.98, 600, 3.0))
	tests := []struct {
		name        string
		next        *bench.Result
		wantFail    []string // "trial-ef gate" per expected failure
		wantNoise   int
		onlyBase    int
		onlyNew     int
		wantVerdict string
	}{
		{name: "pass: changes inside every gate",
			next:        run(craft(64, 0.945, 960, 2.19), craft(128, 0.98, 650, 2.5)),
			wantVerdict: "**PASS**"},
		{name: "p99 grows 25%",
			next:     run(craft(64, 0.95, 1000, 2.5), craft(128, 0.98, 600, 3.0)),
			wantFail: []string{"ef=64 max-p99-increase"}, wantVerdict: "**FAIL**: 1 gate"},
		{name: "recall drops 0.02",
			next:     run(craft(64, 0.93, 1000, 2.0), craft(128, 0.98, 600, 3.0)),
			wantFail: []string{"ef=64 max-recall-drop"}, wantVerdict: "**FAIL**: 1 gate"},
		{name: "QPS drops 10%",
			next:     run(craft(64, 0.95, 1000, 2.0), craft(128, 0.98, 540, 3.0)),
			wantFail: []string{"ef=128 max-qps-drop"}, wantVerdict: "**FAIL**: 1 gate"},
		{name: "every gate on both trials",
			next: run(craft(64, 0.90, 500, 4.0), craft(128, 0.90, 300, 6.0)),
			wantFail: []string{"ef=64 max-p99-increase", "ef=64 max-qps-drop", "ef=64 max-recall-drop",
				"ef=128 max-p99-increase", "ef=128 max-qps-drop", "ef=128 max-recall-drop"},
			wantVerdict: "**FAIL**: 6 gate"},
		{name: "unmatched trials are listed, not failed",
			next:     run(craft(64, 0.95, 1000, 2.0), craft(256, 0.99, 300, 5.0)),
			onlyBase: 1, onlyNew: 1, wantVerdict: "**PASS**"},
		{name: "nothing matches: no gate can be checked",
			next:     run(craft(32, 0.9, 2000, 1.0)),
			onlyBase: 2, onlyNew: 1, wantVerdict: "**FAIL**: no trial of new matches"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Compare(base, tc.next, ciGates)
			var got []string
			for _, f := range c.Failures {
				got = append(got, part(f.Trial, "ef=")+" "+f.Gate)
			}
			if strings.Join(got, ",") != strings.Join(tc.wantFail, ",") {
				t.Errorf("failures %q, want %q", got, tc.wantFail)
			}
			if c.Failed() != (len(tc.wantFail) > 0 || len(c.Rows) == 0) {
				t.Errorf("Failed() = %v", c.Failed())
			}
			if len(c.OnlyBase) != tc.onlyBase || len(c.OnlyNew) != tc.onlyNew {
				t.Errorf("unmatched %v / %v, want %d / %d", c.OnlyBase, c.OnlyNew, tc.onlyBase, tc.onlyNew)
			}
			md := c.Markdown("base/results.json", "new/results.json")
			if !strings.Contains(md, tc.wantVerdict) {
				t.Errorf("markdown lacks %q:\n%s", tc.wantVerdict, md)
			}
			for _, f := range c.Failures {
				if !strings.Contains(md, "`"+f.Trial+"`: "+f.Gate) {
					t.Errorf("markdown does not name failure %s", f)
				}
			}
			for _, n := range append(c.OnlyBase, c.OnlyNew...) {
				if !strings.Contains(md, "- `"+n+"`") {
					t.Errorf("markdown does not list unmatched %s", n)
				}
			}
		})
	}
}

// part returns the part of a trial name that starts with prefix.
func part(name, prefix string) string {
	for _, p := range strings.Split(name, "/") {
		if strings.HasPrefix(p, prefix) {
			return p
		}
	}
	return ""
}

func TestCompareRepeatsNoise(t *testing.T) {
	tests := []struct {
		name      string
		base, new []float64 // p99 of each repeat
		wantFail  bool
		wantNoise bool
	}{
		// Medians 1.0 → 1.3 (+30%), but the repeats overlap: p ≈ 0.6.
		{name: "noisy increase is flagged, not failed", base: []float64{1.0, 1.5, 0.8}, new: []float64{1.3, 0.9, 1.6}, wantNoise: true},
		// Medians 1.0 → 1.5 with tight repeats: a real regression.
		{name: "consistent increase fails", base: []float64{1.0, 1.01, 0.99}, new: []float64{1.5, 1.51, 1.49}, wantFail: true},
		// Within the gate: no failure, whatever the noise.
		{name: "small change passes", base: []float64{1.0, 1.01, 0.99}, new: []float64{1.05, 1.06, 1.04}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Compare(run(repeats(64, tc.base...)...), run(repeats(64, tc.new...)...), ciGates)
			if len(c.Rows) != 1 || c.Rows[0].BaseN != 3 || c.Rows[0].NewN != 3 {
				t.Fatalf("repeats not grouped into one row: %+v", c.Rows)
			}
			p99 := c.Rows[0].Change(metricP99)
			if !p99.Tested() {
				t.Fatalf("no significance test with 3 repeats each")
			}
			if p99.Base != median(tc.base) || p99.New != median(tc.new) {
				t.Errorf("p99 %v → %v, want medians", p99.Base, p99.New)
			}
			if c.Failed() != tc.wantFail {
				t.Errorf("Failed() = %v, want %v (%v)", c.Failed(), tc.wantFail, c.Failures)
			}
			if got := len(c.Rows[0].WithinNoise) > 0; got != tc.wantNoise {
				t.Errorf("within noise = %v, want %v (p=%.3f)", got, tc.wantNoise, p99.P)
			}
			md := c.Markdown("a", "b")
			if tc.wantNoise && !strings.Contains(md, "~ ") {
				t.Errorf("markdown does not flag the noise:\n%s", md)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		xs   []float64
		want float64
	}{{[]float64{3}, 3}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tc.xs); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.xs, got, tc.want)
		}
	}
}
