package testenv

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"testing"
)

// HDRSummary is what HdrHistogram's Python port reads from one encoded
// histogram (scripts/interop/hdr_read.py); values in the histogram's unit
// (µs for milvbench).
type HDRSummary struct {
	Source  string  `json:"source"` // "trial 3", "line 2"
	Count   int64   `json:"count"`
	Min     int64   `json:"min"`
	Max     int64   `json:"max"`
	Mean    float64 `json:"mean"`
	Lowest  int64   `json:"lowest"`
	Highest int64   `json:"highest"`
	SigFigs int     `json:"sig_figs"`
	// Percentiles maps "50", "90", "95", "99", "99.9" to the values the reader finds
	// just below and just above that percentile: equal unless p × count / 100
	// falls on a rank boundary, where readers may round to either side.
	Percentiles map[string][2]int64 `json:"percentiles"`
}

// ReadHDR runs hdr_read.py: `results FILE` reads every trial's
// latency_histogram of a results.json; `blobs` reads stdin, one encoded
// histogram a line (stdin nil otherwise). An error means the Python reader rejected the input.
func ReadHDR(t testing.TB, stdin io.Reader, args ...string) ([]HDRSummary, error) {
	t.Helper()
	var out []HDRSummary
	err := RunScript(t, stdin, &out, "hdr_read.py", args...)
	return out, err
}

// DecodeHDR reads encoded histograms with the Python port.
func DecodeHDR(t testing.TB, blobs ...string) ([]HDRSummary, error) {
	t.Helper()
	return ReadHDR(t, strings.NewReader(strings.Join(blobs, "\n")+"\n"), "blobs")
}

// Disagreements compares what the Python reader found with what milvbench
// wrote for the same histogram: the count and the latency summary in ms
// (keys p50, p90, p95, p99, p999, max, as in results.json's latency_ms). Each
// disagreement is one line naming the field and both values.
func (s HDRSummary) Disagreements(count int64, latencyMS map[string]float64) []string {
	var out []string
	if s.Count != count {
		out = append(out, fmt.Sprintf("%s: count %d in the histogram, %d in the file", s.Source, s.Count, count))
	}
	us := func(key string) (int64, bool) {
		v, ok := latencyMS[key]
		return int64(math.Round(v * 1000)), ok
	}
	for _, p := range []struct{ key, pct string }{{"p50", "50"}, {"p90", "90"}, {"p95", "95"}, {"p99", "99"}, {"p999", "99.9"}} {
		want, ok := us(p.key)
		b, have := s.Percentiles[p.pct]
		switch {
		case !ok || !have:
			out = append(out, fmt.Sprintf("%s: %s missing (file has it: %v, reader has it: %v)", s.Source, p.key, ok, have))
		case want < b[0] || want > b[1]:
			out = append(out, fmt.Sprintf("%s: %s %d µs in the file, %d µs read from the histogram", s.Source, p.key, want, b[1]))
		}
	}
	if want, ok := us("max"); !ok || want != s.Max {
		out = append(out, fmt.Sprintf("%s: max %d µs in the file, %d µs read from the histogram", s.Source, want, s.Max))
	}
	return out
}

// CheckResults has the Python reader decode every trial's latency_histogram
// of the results.json at path and checks it against the trial's own numbers
// in that file: count = requests − errors.total (every failed attempt is
// counted there, only successes are in the histogram) and latency_ms p50,
// p90, p95, p99, p999 and max. It returns the reader's summaries, one a
// trial, and an error listing every disagreement or the reader's refusal. A
// file without trials is an error: there would be nothing to check.
func CheckResults(t testing.TB, path string) ([]HDRSummary, error) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Trials []struct {
			ID        int                `json:"id"`
			Requests  int64              `json:"requests"`
			LatencyMS map[string]float64 `json:"latency_ms"`
			Errors    struct {
				Total int64 `json:"total"`
			} `json:"errors"`
		} `json:"trials"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(doc.Trials) == 0 {
		return nil, fmt.Errorf("%s: no trials", path)
	}
	sums, err := ReadHDR(t, nil, "results", path)
	if err != nil {
		return nil, err
	}
	if len(sums) != len(doc.Trials) {
		return sums, fmt.Errorf("%s: the reader found %d histograms for %d trials", path, len(sums), len(doc.Trials))
	}
	var bad []string
	for i, tr := range doc.Trials {
		bad = append(bad, sums[i].Disagreements(tr.Requests-tr.Errors.Total, tr.LatencyMS)...)
	}
	if len(bad) > 0 {
		return sums, errors.New(strings.Join(bad, "; "))
	}
	return sums, nil
}
