package bench

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/milvbench/milvbench/workloads"
)

// TestSearchKnee: against a server that holds every rate up to its
// capacity, the ramp and bisection bracket the capacity within the
// precision, never probe above a rate that failed, and take no more probes
// than the plan's estimate.
func TestSearchKnee(t *testing.T) {
	base := workloads.LoadSpec{Model: workloads.LoadCapacity, StartRate: 100, MaxRate: 100000, RampFactor: 2, Precision: 0.05}
	tests := []struct {
		name     string
		load     func(l *workloads.LoadSpec)
		capacity float64
		knee     bool // a knee is expected
		fail     bool // a failing rate is expected
	}{
		{"knee mid ramp", nil, 3000, true, true},
		{"knee on a ramp step", nil, 1600, true, true},
		{"knee just above start", nil, 101, true, true},
		{"start fails", nil, 50, false, true},
		{"max rate holds", nil, 1e9, true, false},
		{"fine precision, big factor", func(l *workloads.LoadSpec) { l.RampFactor, l.Precision = 10, 0.01 }, 4321, true, true},
		{"max rate not a ramp step", func(l *workloads.LoadSpec) { l.MaxRate = 5000 }, 4500, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := base
			if tt.load != nil {
				tt.load(&l)
			}
			var rates []float64
			failed := 0.0
			k, err := searchKnee(l, func(rate float64, step string) (bool, error) {
				if failed > 0 && rate >= failed {
					t.Errorf("probed %g/s after %g/s failed", rate, failed)
				}
				if rate > l.MaxRate || rate <= 0 {
					t.Errorf("probed %g/s outside (0, max_rate %g]", rate, l.MaxRate)
				}
				rates = append(rates, rate)
				if rate > tt.capacity {
					if failed == 0 || rate < failed {
						failed = rate
					}
					return false, nil
				}
				return true, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if (k.knee > 0) != tt.knee || (k.fail > 0) != tt.fail {
				t.Fatalf("knee %g fail %g; probes %v", k.knee, k.fail, rates)
			}
			if k.knee > tt.capacity || (k.fail > 0 && k.fail <= tt.capacity) {
				t.Errorf("bracket [%g, %g] does not hold the capacity %g", k.knee, k.fail, tt.capacity)
			}
			if tt.knee && tt.fail && k.fail/k.knee-1 > l.Precision {
				t.Errorf("bracket [%g, %g] wider than precision %g", k.knee, k.fail, l.Precision)
			}
			plan := &workloads.Plan{Spec: &workloads.Spec{Load: l}}
			if len(rates) > plan.CapacityProbes() {
				t.Errorf("%d probes, the plan estimates at most %d", len(rates), plan.CapacityProbes())
			}
		})
	}
	boom := errors.New("boom")
	if _, err := searchKnee(base, func(float64, string) (bool, error) { return false, boom }); !errors.Is(err, boom) {
		t.Errorf("probe error %v not returned", err)
	}
}

// TestCapacityResult: the knee is the highest rate that held, the failing
// rate the lowest that failed, whatever order the probes ran in; the stop
// reason and the generator-limited mark follow from them.
func TestCapacityResult(t *testing.T) {
	l := workloads.LoadSpec{StartRate: 100, MaxRate: 1000, Precision: 0.1}
	probe := func(id int, rate float64, pass bool, reasons ...string) Trial {
		return Trial{ID: id, QPS: rate, Load: LoadInfo{Rate: rate}, LatencyMS: LatencyMS{P99: rate / 100}, Capacity: &CapacityProbe{Pass: pass, Reasons: reasons}}
	}
	genBound := func(tr Trial, inFlight bool) Trial {
		tr.Load.GeneratorBound, tr.Load.InFlightBound = true, inFlight
		return tr
	}
	tests := []struct {
		name       string
		probes     []Trial
		remote     bool
		knee, fail float64
		kneeTrial  int
		genLimited bool
		stop       string
	}{
		{"bracketed", []Trial{probe(1, 100, true), probe(2, 200, true), probe(3, 400, false, "p99"), probe(4, 283, false, "p99"), probe(5, 238, true)}, true, 238, 283, 5, false, "precision"},
		{"start fails", []Trial{probe(1, 100, false, "recall")}, true, 0, 100, 0, false, "lower start_rate"},
		{"max rate holds", []Trial{probe(1, 100, true), probe(2, 1000, true)}, true, 1000, 0, 2, false, "raise max_rate"},
		{"generator alone failed, remote", []Trial{probe(1, 100, true), genBound(probe(2, 200, false, "generator"), false)}, true, 100, 200, 1, true, "precision"},
		{"generator alone failed, in-process", []Trial{probe(1, 100, true), genBound(probe(2, 200, false, "generator"), false)}, false, 100, 200, 1, false, "precision"},
		{"in-flight bound filled", []Trial{probe(1, 100, true), genBound(probe(2, 200, false, "generator"), true)}, true, 100, 200, 1, false, "precision"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := capacityResult(tt.probes, l, tt.remote)
			if c.KneeRate != tt.knee || c.FailRate != tt.fail || c.KneeTrial != tt.kneeTrial || c.GeneratorLimited != tt.genLimited || !strings.Contains(c.Stop, tt.stop) || len(c.Probes) != len(tt.probes) {
				t.Errorf("%+v", c)
			}
			if tt.knee > 0 && tt.fail > 0 && c.Precision != tt.fail/tt.knee-1 {
				t.Errorf("precision %g", c.Precision)
			}
			if !strings.Contains(c.Summary(), fmt.Sprint(tt.knee)) && tt.knee > 0 {
				t.Errorf("summary %q lacks the knee", c.Summary())
			}
		})
	}
}

func TestBetween(t *testing.T) {
	tests := []struct{ lo, hi, want float64 }{
		{3200, 6400, 4530},
		{1000, 1001, 1000.5},
		{4525, 4530, 4527},
		{0.5, 2, 1},
	}
	for _, tt := range tests {
		if got := between(tt.lo, tt.hi); got != tt.want {
			t.Errorf("between(%g, %g) = %g, want %g", tt.lo, tt.hi, got, tt.want)
		}
	}
}

// TestJudgeProbe: a probe passes only when every goal holds, and a failing
// probe names each reason.
func TestJudgeProbe(t *testing.T) {
	ok := Trial{QPS: 1000, Requests: 10000, Recall: 0.97, LatencyMS: LatencyMS{P95: 3, P99: 4}, Load: LoadInfo{Rate: 1000, AchievedRate: 1000}}
	goals := workloads.Goals{P99: workloads.Duration(5 * time.Millisecond), P95: workloads.Duration(4 * time.Millisecond), Recall: 0.95}
	tests := []struct {
		name  string
		edit  func(tr *Trial)
		goals workloads.Goals
		want  []string
	}{
		{"holds", nil, goals, nil},
		{"p99 over", func(tr *Trial) { tr.LatencyMS.P99 = 5.001 }, goals, []string{"p99 5.001ms > goal 5ms"}},
		{"p99 at the goal holds", func(tr *Trial) { tr.LatencyMS.P99 = 5 }, goals, nil},
		{"p95 over", func(tr *Trial) { tr.LatencyMS.P95 = 4.5 }, goals, []string{"p95 4.500ms > goal 4ms"}},
		{"p95 without a goal", func(tr *Trial) { tr.LatencyMS.P95 = 4.5 }, workloads.Goals{P99: goals.P99}, nil},
		{"recall under", func(tr *Trial) { tr.Recall = 0.9 }, goals, []string{"recall 0.9000 < goal 0.95"}},
		{"errors over", func(tr *Trial) { tr.Errors.Total = 20 }, goals, []string{"error rate 0.20% > max_error_rate 0.1%"}},
		{"errors within", func(tr *Trial) { tr.Errors.Total = 10 }, goals, nil},
		{"generator bound", func(tr *Trial) {
			tr.Load.GeneratorBound, tr.Load.AchievedRate, tr.Load.GeneratorReason = true, 800, "the in-flight bound (max_in_flight 10) was reached"
		}, goals, []string{"generator bound (achieved 800 of 1000 requests/s: the in-flight bound (max_in_flight 10) was reached): the probe cannot show the server held the rate"}},
		{"server fell behind", func(tr *Trial) { tr.QPS = 850 }, goals, []string{"QPS 850 < 900 (90% of the 1000 requests/s sent, allowing a median latency to answer the last): the server did not keep up"}},
		{"slow answers at the end of a short probe", func(tr *Trial) { tr.Load.DurationS, tr.LatencyMS.P50, tr.QPS = 1, 200, 760 }, workloads.Goals{}, nil},
		{"backlog at the end of a short probe", func(tr *Trial) { tr.Load.DurationS, tr.LatencyMS.P50, tr.QPS = 1, 200, 740 }, workloads.Goals{},
			[]string{"QPS 740 < 750 (90% of the 1000 requests/s sent, allowing a median latency to answer the last): the server did not keep up"}},
		{"nothing answered", func(tr *Trial) { tr.QPS, tr.Errors.Total = 0, 10000 }, goals, []string{"no request succeeded", "error rate 100.00% > max_error_rate 0.1%"}},
		{"every request refused", func(tr *Trial) {
			tr.QPS, tr.Errors = 0, ErrorCounts{Total: 10000, RateLimited: 9990, Timeout: 10, Last: "rate limit exceeded"}
		}, goals, []string{"no request succeeded (last error: rate limit exceeded)", "error rate 100.00% > max_error_rate 0.1% (rate_limited 9990, timeout 10)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := ok
			if tt.edit != nil {
				tt.edit(&tr)
			}
			pass, why := judgeProbe(tr, tt.goals, 0.001)
			if pass != (len(tt.want) == 0) || fmt.Sprint(why) != fmt.Sprint(tt.want) {
				t.Errorf("pass %v %q, want %q", pass, why, tt.want)
			}
		})
	}
}
