package report

import (
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

// hasGoals reports whether any goal is set.
func hasGoals(g workloads.Goals) bool { return g != (workloads.Goals{}) }

// meets reports whether t meets every goal in g without a failed request.
func meets(t bench.Trial, g workloads.Goals) bool {
	return t.Recall >= g.Recall && t.QPS >= g.QPS &&
		(g.P99 == 0 || t.LatencyMS.P99 <= float64(g.P99.D().Microseconds())/1000) && t.Errors.Total == 0
}

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
