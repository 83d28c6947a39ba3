package report

import (
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
)

// TestColdWarmTable: the table has one row per cold phase of each trial
// that measured them, beside its steady state, and nothing without any.
func TestColdWarmTable(t *testing.T) {
	cold := []bench.ColdPhase{
		{Phase: bench.PhaseAfterLoad, Requests: 5, FirstMS: 12, P50MS: 2, MaxMS: 12},
		{Phase: bench.PhaseAfterReload, Requests: 5, FirstMS: 8, P50MS: 2, MaxMS: 8, LoadS: 1.5},
		{Phase: "after idle 30s", Requests: 5, FirstMS: 3, P50MS: 2, MaxMS: 3, IdleS: 30, Errors: 1},
	}
	tests := []struct {
		name   string
		trials []bench.Trial
		want   []string
	}{
		{"phases", []bench.Trial{{ID: 1, LatencyMS: bench.LatencyMS{P50: 2, P99: 4}, Cold: cold}, {ID: 2, LatencyMS: bench.LatencyMS{P50: 2}}},
			[]string{"## Cold and warm", "| 1 | FLAT | after load | 5 | 12.000 | 2.000 | 12.000 | 2.000 | 4.000 | 6.0× | - | 0 |",
				"| after release + load | 5 | 8.000 | 2.000 | 8.000 | 2.000 | 4.000 | 4.0× | 1.50 | 0 |", "| after idle 30s | 5 | 3.000 |"}},
		{"none", []bench.Trial{{ID: 1}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range tt.trials {
				tt.trials[i].Index.Type = "FLAT"
			}
			var b strings.Builder
			writeColdWarm(&b, &doc{res: &bench.Result{Trials: tt.trials}})
			got := b.String()
			if tt.want == nil && got != "" {
				t.Errorf("a table without cold phases:\n%s", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in\n%s", w, got)
				}
			}
			if n := strings.Count(got, "\n| 1 |"); tt.want != nil && n != len(cold) {
				t.Errorf("%d rows of trial 1, want %d", n, len(cold))
			}
		})
	}
}
