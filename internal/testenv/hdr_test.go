package testenv_test

import (
	"encoding/base64"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/internal/testenv"
	"github.com/milvbench/milvbench/report"
)

// sampleTrials are two trials with real histograms and milvbench's own
// summary of them, as the runner writes them.
func sampleTrials(t *testing.T) []bench.Trial {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var trials []bench.Trial
	for i, n := range []int{1000, 2345} {
		h := bench.NewHistogram()
		for range n {
			// Log-normal-ish service times from ~50 µs to tens of ms.
			bench.RecordLatency(h, time.Duration(50_000*(1+rng.ExpFloat64()*rng.ExpFloat64()*20)))
		}
		enc, err := bench.EncodeHistogram(h)
		if err != nil {
			t.Fatal(err)
		}
		errs := bench.ErrorCounts{Total: int64(i * 3), Unavailable: int64(i * 3)}
		trials = append(trials, bench.Trial{ID: i + 1, Requests: h.TotalCount() + errs.Total, Errors: errs,
			LatencyMS: bench.Summarize(h), Histogram: enc})
	}
	return trials
}

// TestCheckResults: the Python HdrHistogram port agrees with the numbers
// milvbench writes beside each histogram, and the check fails when the
// histogram is the old double-base64 form or a number is off.
func TestCheckResults(t *testing.T) {
	testenv.Python(t)
	geometry := bench.NewHistogram()
	tests := []struct {
		name    string
		mutate  func(tr []bench.Trial)
		wantErr []string // substrings of the error; none: must pass
	}{
		{"as written", func([]bench.Trial) {}, nil},
		{"double base64 (files before the fix)", func(tr []bench.Trial) {
			tr[1].Histogram = base64.StdEncoding.EncodeToString([]byte(tr[1].Histogram))
		}, []string{"trial 2", "not an HDR histogram", "HdrCookieException"}},
		{"p99 off by 1 ms", func(tr []bench.Trial) { tr[0].LatencyMS.P99++ }, []string{"trial 1: p99"}},
		{"count off by one", func(tr []bench.Trial) { tr[1].Requests++ }, []string{"trial 2: count"}},
		{"max off", func(tr []bench.Trial) { tr[1].LatencyMS.Max /= 2 }, []string{"trial 2: max"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			trials := sampleTrials(t)
			tt.mutate(trials)
			dir := t.TempDir()
			if err := report.WriteResults(dir, &bench.Result{Trials: trials}); err != nil {
				t.Fatal(err)
			}
			sums, err := testenv.CheckResults(t, filepath.Join(dir, report.ResultsFile))
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				for i, s := range sums {
					if s.Count == 0 || s.Lowest != geometry.LowestTrackableValue() || s.Highest != geometry.HighestTrackableValue() || int64(s.SigFigs) != geometry.SignificantFigures() {
						t.Errorf("trial %d read as count %d, range %d..%d at %d digits", i+1, s.Count, s.Lowest, s.Highest, s.SigFigs)
					}
				}
				return
			}
			if err == nil {
				t.Fatalf("the check passed; want an error with %q", tt.wantErr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			t.Logf("rejected as expected: %v", err)
		})
	}
}
