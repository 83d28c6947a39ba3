package bench

import (
	"strings"
	"testing"
)

// TestTrialMeasures: a trial's progress line reports what its model
// measures: insert throughput and time to searchable for ingest (which
// has no recall), recall only when queries were answered, and the write
// streams of a mixed trial.
func TestTrialMeasures(t *testing.T) {
	tests := []struct {
		name      string
		tr        Trial
		want, not []string
	}{
		{"search", Trial{QPS: 1200, Recall: 0.98, RecallN: 100, LatencyMS: LatencyMS{P99: 1.5}},
			[]string{"qps=1200 p99=1.500ms recall=0.9800 errors=0"}, nil},
		{"every request failed", Trial{Errors: ErrorCounts{Total: 50}, Requests: 50},
			[]string{"qps=0 p99=0.000ms recall=n/a errors=50"}, []string{"recall=0"}},
		{"ingest", Trial{QPS: 90, QueriesPerS: 9000, LatencyMS: LatencyMS{P99: 12.25}, Ingest: &IngestStats{FlushS: 0.5, Searchable: true, SearchableS: 0.012, Probes: 3}},
			[]string{"rows/s=9000 calls/s=90 p99=12.250ms/call flush=0.50s searchable=0.012s errors=0"}, []string{"recall", "qps="}},
		{"ingest never searchable", Trial{Ingest: &IngestStats{SearchableS: 10.2, Probes: 900}},
			[]string{"searchable=not within 10s"}, []string{"recall"}},
		{"mixed", Trial{QPS: 400, Recall: 1, RecallN: 600, Load: LoadInfo{Rate: 400, AchievedRate: 399}, Operations: map[string]*OpStats{
			OpInsert: {RowsPerS: 990, OfferedRowsPerS: 1000}, OpDelete: {RowsPerS: 100, OfferedRowsPerS: 100}}},
			[]string{"recall=1.0000", "achieved=399/s", "insert=990/1000 rows/s delete=100/100 rows/s"}, []string{"upsert"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line := trialMeasures(tt.tr) + trialNote(tt.tr)
			for _, w := range tt.want {
				if !strings.Contains(line, w) {
					t.Errorf("%q lacks %q", line, w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(line, n) {
					t.Errorf("%q has %q", line, n)
				}
			}
		})
	}
}
