package bench

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram range: 1 µs to 60 s at 3 significant digits (docs/measurement.md).
const (
	histMinMicros = 1
	histMaxMicros = 60_000_000
	histSigFigs   = 3
)

// NewHistogram returns an empty latency histogram in microseconds.
func NewHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histMinMicros, histMaxMicros, histSigFigs)
}

// RecordLatency records d, clamped into the histogram's range so that no
// sample is ever dropped (a clamped sample still counts, at the bound).
func RecordLatency(h *hdrhistogram.Histogram, d time.Duration) {
	us := d.Microseconds()
	if us < histMinMicros {
		us = histMinMicros
	}
	if us > histMaxMicros {
		us = histMaxMicros
	}
	_ = h.RecordValue(us) // cannot fail: us is within range
}

// Summarize reads percentiles from a (merged) histogram.
func Summarize(h *hdrhistogram.Histogram) LatencyMS {
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return LatencyMS{
		Mean: h.Mean() / 1000,
		P50:  ms(h.ValueAtQuantile(50)),
		P90:  ms(h.ValueAtQuantile(90)),
		P95:  ms(h.ValueAtQuantile(95)),
		P99:  ms(h.ValueAtQuantile(99)),
		P999: ms(h.ValueAtQuantile(99.9)),
		Max:  ms(h.Max()),
	}
}

// DigestHistogram returns h's summary and its encoding (EncodeHistogram):
// the pair every latency in results.json carries, a summary to read and
// the histogram it was read from.
func DigestHistogram(h *hdrhistogram.Histogram) (LatencyMS, string, error) {
	enc, err := EncodeHistogram(h)
	if err != nil {
		return LatencyMS{}, "", fmt.Errorf("encode histogram: %w", err)
	}
	return Summarize(h), enc, nil
}

// Merge returns the union of hs as one histogram. Percentiles are read from
// the union, never averaged across parts.
func Merge(hs ...*hdrhistogram.Histogram) *hdrhistogram.Histogram {
	out := NewHistogram()
	for _, h := range hs {
		out.Merge(h)
	}
	return out
}

// EncodeHistogram returns the histogram in HdrHistogram's compressed V2
// encoding as base64 text (it starts "HISTF"): the string the interval log
// and other HDR tools (HdrHistogram's Java, C and Python ports) read.
func EncodeHistogram(h *hdrhistogram.Histogram) (string, error) {
	b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// legacyPrefix starts the histograms of results files written before the
// encoding was fixed: base64 of the base64 text, so base64 of "HIST...".
const legacyPrefix = "SElT" // base64("HIS")

// DecodeHistogram reverses EncodeHistogram. It also reads the doubly
// base64-encoded form older results files hold, by removing the outer layer.
func DecodeHistogram(s string) (*hdrhistogram.Histogram, error) {
	if strings.HasPrefix(s, legacyPrefix) {
		inner, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("histogram: old double-base64 form: %w", err)
		}
		s = string(inner)
	}
	return hdrhistogram.Decode([]byte(s))
}
