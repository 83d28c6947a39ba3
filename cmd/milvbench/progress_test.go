package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/milvbench/milvbench/bench"
)

func TestStatusLine(t *testing.T) {
	tests := []struct {
		name string
		st   bench.TrialStatus
		want string
	}{
		{"warm-up", bench.TrialStatus{Trial: 2, Trials: 5, Label: "HNSW (ef=40) topk=10 nq=1 c=4", WarmUp: true, Elapsed: 300 * time.Millisecond, Duration: time.Second},
			"trial  2/5 HNSW (ef=40) topk=10 nq=1 c=4 | warm-up 300ms/1s eta 700ms"},
		{"first interval pending", bench.TrialStatus{Trial: 1, Trials: 1, Label: "FLAT  topk=10 nq=1 rate=100/s", Elapsed: 500 * time.Millisecond, Duration: 4 * time.Second,
			Ops: []bench.Live{{Op: bench.OpSearch}, {Op: bench.OpSearchService}}},
			"trial  1/1 FLAT  topk=10 nq=1 rate=100/s | measure 500ms/4s eta 3.5s | qps=… p99=… errors=0"},
		{"capacity probe with inserts", bench.TrialStatus{Trial: 3, Trials: 4, Probe: 6, Label: "HNSW rate=2000/s", Elapsed: 2500 * time.Millisecond, Duration: 2 * time.Second,
			Ops: []bench.Live{{Op: bench.OpSearch, Interval: true, QPS: 1998.4, P99MS: 0.4123, Errors: 3}, {Op: bench.OpSearchService, Interval: true}, {Op: "insert", Interval: true, QPS: 10, P99MS: 12}}},
			"trial  3/4 HNSW rate=2000/s probe 6 | measure 2.5s/2s eta 0s | qps=1998 p99=0.412ms errors=3 | insert qps=10 p99=12.000ms errors=0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := statusLine(tt.st); got != tt.want {
				t.Errorf("statusLine =\n%q, want\n%q", got, tt.want)
			}
		})
	}
}

// TestProgress: on a terminal the status is redrawn in place, cut to the
// width, and cleared before a log line; elsewhere it is a plain line at
// most every plainStatusEvery.
func TestProgress(t *testing.T) {
	st := bench.TrialStatus{Trial: 1, Trials: 2, Label: strings.Repeat("x", 100), Duration: time.Second}
	var tty bytes.Buffer
	p := &progress{w: &tty, tty: true, width: 40}
	p.status(st)
	p.status(st)
	if _, err := p.Write([]byte("trial  1/2 done\n")); err != nil {
		t.Fatal(err)
	}
	p.done()
	want := "\r\033[K" + statusLine(st)[:39] + "\r\033[K" + statusLine(st)[:39] + "\r\033[K" + "trial  1/2 done\n"
	if tty.String() != want {
		t.Errorf("terminal output\n%q, want\n%q", tty.String(), want)
	}
	var plain bytes.Buffer
	p = newProgress(&plain)
	p.status(st)
	p.status(st) // within plainStatusEvery: not printed
	if _, err := p.Write([]byte("log\n")); err != nil {
		t.Fatal(err)
	}
	if got, want := plain.String(), "live   "+statusLine(st)+"\nlog\n"; got != want {
		t.Errorf("plain output\n%q, want\n%q", got, want)
	}
}
