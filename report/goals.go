package report

import (
	"fmt"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/tuner"
	"github.com/milvbench/milvbench/workloads"
)

// goalsOf returns the goals the run was asked to meet (none when the
// results carry no workload).
func goalsOf(res *bench.Result) workloads.Goals {
	if res.Workload == nil {
		return workloads.Goals{}
	}
	return res.Workload.Goals
}

// meets reports whether t meets every goal in g without a failed request
// (goals.qps is the production traffic the recommendation sizes for, not a
// bar for one trial).
func meets(t bench.Trial, g workloads.Goals) bool {
	return len(misses(t, g)) == 0
}

// misses lists the goals t does not meet, each with its value, e.g.
// "p99 (1.651 ms > 1ms)".
func misses(t bench.Trial, g workloads.Goals) []string {
	var out []string
	if t.Recall < g.Recall {
		out = append(out, fmt.Sprintf("recall (%.4f < %g)", t.Recall, g.Recall))
	}
	if g.RecallP5 > 0 && (t.RecallDist == nil || t.RecallDist.P5 < g.RecallP5) {
		p5 := "not recorded"
		if t.RecallDist != nil {
			p5 = fmt.Sprintf("%.4f", t.RecallDist.P5)
		}
		out = append(out, fmt.Sprintf("recall p5 (%s < %g)", p5, g.RecallP5))
	}
	if g.P99 > 0 && t.LatencyMS.P99 > ms(g.P99) {
		out = append(out, fmt.Sprintf("p99 (%.3f ms > %s)", t.LatencyMS.P99, g.P99))
	}
	if g.P95 > 0 && t.LatencyMS.P95 > ms(g.P95) {
		out = append(out, fmt.Sprintf("p95 (%.3f ms > %s)", t.LatencyMS.P95, g.P95))
	}
	if t.Errors.Total > 0 {
		out = append(out, fmt.Sprintf("error-free (%d failed requests)", t.Errors.Total))
	}
	return out
}

// ms is d in milliseconds, as latency_ms holds latencies.
func ms(d workloads.Duration) float64 { return float64(d.D().Microseconds()) / 1000 }

// best returns the trial of the recommendation: the tuner's answer for the
// first request shape (its first trial when repeats were measured).
func best(res *bench.Result) (bench.Trial, bool) {
	rec, err := recommendationOf(res)
	if err != nil || len(rec.Answers) == 0 || rec.Answers[0].Choice == nil {
		return bench.Trial{}, false
	}
	id := rec.Answers[0].Choice.TrialIDs[0]
	for _, t := range res.Trials {
		if t.ID == id {
			return t, true
		}
	}
	return bench.Trial{}, false
}

// frontier returns the trials that no other trial beats on both recall and
// QPS (the Pareto frontier), by recall ascending.
func frontier(ts []bench.Trial) []bench.Trial {
	return tuner.ParetoBy(ts, func(t bench.Trial) float64 { return t.Recall }, func(t bench.Trial) float64 { return t.QPS })
}
