package bench

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/milvbench/milvbench/workloads"
)

func TestParseShard(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Shard
		err  bool
	}{
		{in: "0/1", want: Shard{0, 1}},
		{in: "2/4", want: Shard{2, 4}},
		{in: " 3 / 4 ", want: Shard{3, 4}},
		{in: "4/4", err: true},
		{in: "-1/4", err: true},
		{in: "0/0", err: true},
		{in: "1", err: true},
		{in: "a/b", err: true},
		{in: "", err: true},
	} {
		got, err := ParseShard(tc.in)
		if (err != nil) != tc.err || (!tc.err && got != tc.want) {
			t.Errorf("ParseShard(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
		}
		if err != nil && !strings.Contains(err.Error(), "i/N") {
			t.Errorf("ParseShard(%q) error %q does not say the form", tc.in, err)
		}
	}
}

// The shards' parts of a closed-loop concurrency add up to it, differ by
// at most one, and the first shards take the remainder.
func TestShardConcurrencySplit(t *testing.T) {
	for _, tc := range []struct {
		c, n int
		want []int
	}{
		{c: 8, n: 4, want: []int{2, 2, 2, 2}},
		{c: 10, n: 4, want: []int{3, 3, 2, 2}},
		{c: 1, n: 3, want: []int{1, 0, 0}},
		{c: 2, n: 3, want: []int{1, 1, 0}},
		{c: 7, n: 1, want: []int{7}},
	} {
		sum := 0
		for i := range tc.n {
			got := Shard{i, tc.n}.Concurrency(tc.c)
			if got != tc.want[i] {
				t.Errorf("c=%d over %d: shard %d gets %d, want %d", tc.c, tc.n, i, got, tc.want[i])
			}
			sum += got
		}
		if sum != tc.c {
			t.Errorf("c=%d over %d: parts add up to %d", tc.c, tc.n, sum)
		}
	}
}

func TestShardRateSplitAndInterleave(t *testing.T) {
	const rate, n = 900.0, 3
	total := 0.0
	for i := range n {
		sh := Shard{i, n}
		total += sh.Rate(rate)
		pt := sh.Split(workloads.SearchPoint{Rate: rate, Concurrency: 4})
		if pt.Rate != rate/n || pt.Concurrency != sh.Concurrency(4) {
			t.Errorf("Split on shard %v: %+v", sh, pt)
		}
	}
	if math.Abs(total-rate) > 1e-9 {
		t.Errorf("rates add up to %g, want %g", total, rate)
	}
	// Request numbers: every run request exactly once across the shards.
	seen := map[int64]int{}
	for i := range n {
		for k := range int64(100) {
			seen[Shard{i, n}.Request(k)]++
		}
	}
	for q := range int64(3 * 100) {
		if seen[q] != 1 {
			t.Fatalf("run request %d sent %d times", q, seen[q])
		}
	}
	// Constant schedules interleave: shard i's k-th send at (kN+i)/rate.
	sched := []time.Duration{}
	for i := range n {
		sh := Shard{i, n}
		s := newSchedule(openConfig{rate: sh.Rate(rate), first: sh.Offset(rate)})
		for range 4 {
			sched = append(sched, s.next())
		}
	}
	step := float64(time.Second) / rate
	for i := range n {
		for k := range 4 {
			want := time.Duration(float64(k*n+i) * step)
			if got := sched[i*4+k]; (got - want).Abs() > time.Microsecond {
				t.Errorf("shard %d send %d at %s, want %s", i, k, got, want)
			}
		}
	}
}

func TestTrialClock(t *testing.T) {
	load := workloads.LoadSpec{Warmup: workloads.Duration(time.Second), Duration: workloads.Duration(4 * time.Second)}
	if g := DefaultTrialGap(load); g != 2*time.Second {
		t.Errorf("default gap %s, want 2s", g)
	}
	long := workloads.LoadSpec{Warmup: workloads.Duration(10 * time.Second), Duration: workloads.Duration(50 * time.Second)}
	if g := DefaultTrialGap(long); g != 6*time.Second {
		t.Errorf("default gap of a 60s trial %s, want 6s", g)
	}
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	c := TrialClock{Start: start, Slot: TrialSlot(load, 2*time.Second)}
	if got := c.At(3); !got.Equal(start.Add(21 * time.Second)) {
		t.Errorf("trial 3 at %s, want start+21s", got)
	}
}

func TestCheckShardable(t *testing.T) {
	tests := []struct {
		model, onError string
		refusal        string // "" when a shard can run it
	}{
		{workloads.LoadClosed, workloads.OnErrorAbort, ""},
		{workloads.LoadOpen, workloads.OnErrorContinue, ""},
		{workloads.LoadCapacity, workloads.OnErrorAbort, workloads.LoadCapacity},
		{workloads.LoadMixed, workloads.OnErrorAbort, workloads.LoadMixed},
		{workloads.LoadIngest, workloads.OnErrorAbort, workloads.LoadIngest},
		{workloads.LoadClosed, workloads.OnErrorRetry, "retry_trial"},
	}
	for _, tt := range tests {
		err := CheckShardable(workloads.LoadSpec{Model: tt.model, OnError: tt.onError})
		switch {
		case tt.refusal == "" && err != nil:
			t.Errorf("%s, on_error %s: %v", tt.model, tt.onError, err)
		case tt.refusal != "" && (err == nil || !strings.Contains(err.Error(), tt.refusal)):
			t.Errorf("%s, on_error %s: got %v, want a refusal naming %s", tt.model, tt.onError, err, tt.refusal)
		}
	}
}
