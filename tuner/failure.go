package tuner

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/milvbench/milvbench/workloads"
)

// failure explains why no point meets the goals: for each goal, how close
// the best point came and by how much it missed, then the smallest
// relaxation of each goal that would admit a measured config.
func failure(pts []*point, g workloads.Goals) *Failure {
	f := &Failure{}
	healthy := func(p *point) bool { return p.errRate <= MaxErrorRate && !p.genBound }
	var bestRecall *point
	for _, p := range pts {
		if bestRecall == nil || p.recall > bestRecall.recall {
			bestRecall = p
		}
	}
	if g.Recall > 0 && bestRecall != nil && bestRecall.recall < g.Recall {
		f.Misses = append(f.Misses, GoalMiss{Goal: "recall", Want: g.Recall, Best: bestRecall.recall,
			By: fmt.Sprintf("%.4f", g.Recall-bestRecall.recall), Of: "the highest recall of any config", Config: bestRecall.config()})
		f.Relax = append(f.Relax, fmt.Sprintf("lower goals.recall to %s, the best measured (%s), or sweep larger %s values or other index builds",
			floor4(bestRecall.recall), bestRecall.config(), searchParamNames(pts)))
	}
	// Latency, among the points that meet the recall goal (all points when
	// none does, to say how far latency is either way).
	var pool []*point
	for _, p := range pts {
		if healthy(p) && p.recall >= g.Recall {
			pool = append(pool, p)
		}
	}
	if len(pool) == 0 {
		for _, p := range pts {
			if healthy(p) {
				pool = append(pool, p)
			}
		}
	}
	latencyMissed := false
	for _, lg := range []struct {
		name string
		goal workloads.Duration
		get  func(*point) float64
	}{{"p99", g.P99, func(p *point) float64 { return p.p99 }}, {"p95", g.P95, func(p *point) float64 { return p.p95 }}} {
		if lg.goal == 0 || len(pool) == 0 {
			continue
		}
		var fastest *point
		for _, p := range pool {
			if fastest == nil || lg.get(p) < lg.get(fastest) {
				fastest = p
			}
		}
		want, got := ms(lg.goal), lg.get(fastest)
		if got <= want {
			continue
		}
		latencyMissed = true
		of := fmt.Sprintf("the lowest %s of any config", lg.name)
		if g.Recall > 0 && fastest.recall >= g.Recall {
			of = fmt.Sprintf("the lowest %s of the configs meeting the recall goal", lg.name)
		}
		f.Misses = append(f.Misses, GoalMiss{Goal: lg.name, Want: want, Best: got, Unit: "ms",
			By: fmt.Sprintf("%s (+%.0f%%)", Millis(got-want), 100*(got-want)/want), Of: of,
			Config: fastest.config() + " at " + fastest.level})
		f.Relax = append(f.Relax, fmt.Sprintf("raise goals.%s to %s (%s at %s)", lg.name, Millis(got), fastest.config(), fastest.level))
	}
	if latencyMissed && g.Recall > 0 {
		var best *point
		for _, p := range pts {
			if healthy(p) && latencyOK(p, g) && (best == nil || p.recall > best.recall) {
				best = p
			}
		}
		if best != nil {
			f.Relax = append(f.Relax, fmt.Sprintf("or lower goals.recall to %s, the best recall within the latency goals (%s at %s)", floor4(best.recall), best.config(), best.level))
		}
	}
	if len(f.Misses) == 0 {
		// Recall and latency were each met, yet every such point failed
		// requests (or its load generator fell behind).
		f.Misses = append(f.Misses, GoalMiss{Goal: "errors", Want: MaxErrorRate, Best: minErrRate(pts, g), By: "over the error budget",
			Of: "every config meeting recall and latency had failed requests above the budget, or a load generator that fell behind"})
		f.Relax = append(f.Relax, "look at the Errors section: rate limits or timeouts at the tested load levels; test lower load levels")
	}
	return f
}

func minErrRate(pts []*point, g workloads.Goals) float64 {
	best := 1.0
	for _, p := range pts {
		if p.recall >= g.Recall && latencyOK(p, g) {
			best = min(best, p.errRate)
		}
	}
	return best
}

// searchParamNames lists the search parameters the points swept.
func searchParamNames(pts []*point) string {
	seen := map[string]bool{}
	var names []string
	for _, p := range pts {
		for _, k := range sortedKeys(p.search) {
			if !seen[k] {
				seen[k] = true
				names = append(names, k)
			}
		}
	}
	if len(names) == 0 {
		return "search-parameter"
	}
	return strings.Join(names, "/")
}

// failureSummary says in plain words that nothing met the goals, which
// goals failed and by how much, and what to relax.
func failureSummary(sh Shape, f *Failure) string {
	var parts []string
	for _, m := range f.Misses {
		switch m.Goal {
		case "recall":
			parts = append(parts, fmt.Sprintf("recall ≥ %g is missed by %s (%s is %.4f, %s)", m.Want, m.By, m.Of, m.Best, m.Config))
		case "p99", "p95":
			parts = append(parts, fmt.Sprintf("%s ≤ %s is missed by %s (%s is %s, %s)", m.Goal, Millis(m.Want), m.By, m.Of, Millis(m.Best), m.Config))
		default:
			parts = append(parts, m.Of)
		}
	}
	return fmt.Sprintf("No measured config meets the goals (%s): %s. To get an answer, %s.", sh, joinAnd(parts), strings.Join(f.Relax, "; "))
}

// floor4 renders a recall rounded down to 4 decimals, so a goal relaxed to
// it is met by the point it came from.
func floor4(r float64) string {
	return strconv.FormatFloat(math.Floor(r*1e4)/1e4, 'f', -1, 64)
}
