package report

import (
	"fmt"
	"sort"

	"github.com/milvbench/milvbench/bench"
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

// meets reports whether t meets every goal in g without a failed request.
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
	if g.P99 > 0 && t.LatencyMS.P99 > ms(g.P99) {
		out = append(out, fmt.Sprintf("p99 (%.3f ms > %s)", t.LatencyMS.P99, g.P99))
	}
	if g.P95 > 0 && t.LatencyMS.P95 > ms(g.P95) {
		out = append(out, fmt.Sprintf("p95 (%.3f ms > %s)", t.LatencyMS.P95, g.P95))
	}
	if t.QPS < g.QPS {
		out = append(out, fmt.Sprintf("QPS (%.1f < %g)", t.QPS, g.QPS))
	}
	if t.Errors.Total > 0 {
		out = append(out, fmt.Sprintf("error-free (%d failed requests)", t.Errors.Total))
	}
	return out
}

// ms is d in milliseconds, as latency_ms holds latencies.
func ms(d workloads.Duration) float64 { return float64(d.D().Microseconds()) / 1000 }

// best returns the trial with the highest QPS among those meeting the goals.
func best(res *bench.Result) (bench.Trial, bool) {
	g := goalsOf(res)
	var out bench.Trial
	found := false
	for _, t := range res.Trials {
		if meets(t, g) && (!found || t.QPS > out.QPS) {
			out, found = t, true
		}
	}
	return out, found
}

// frontier returns the trials that no other trial beats on both recall and
// QPS (the Pareto frontier), by recall ascending.
func frontier(ts []bench.Trial) []bench.Trial {
	s := append([]bench.Trial(nil), ts...)
	sort.SliceStable(s, func(i, j int) bool {
		if s[i].Recall != s[j].Recall {
			return s[i].Recall > s[j].Recall
		}
		return s[i].QPS > s[j].QPS
	})
	var out []bench.Trial
	for _, t := range s {
		if len(out) == 0 || t.QPS > out[len(out)-1].QPS {
			out = append(out, t)
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}
