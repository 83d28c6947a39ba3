package tuner

import (
	"slices"
	"sort"
)

// Frontier kinds: the trade-offs a frontier is drawn on.
const (
	// RecallQPS: recall up, queries per second up.
	RecallQPS = "recall-qps"
	// RecallP99: recall up, p99 latency down.
	RecallP99 = "recall-p99"
)

// FrontierPoint is one measured operating point (a trial, or the median
// of its repeats).
type FrontierPoint struct {
	Label     string  `json:"label"`
	IndexType string  `json:"index_type"`
	TrialIDs  []int   `json:"trials"`
	Recall    float64 `json:"recall"`
	QPS       float64 `json:"queries_per_s"`
	P99       float64 `json:"p99_ms"`
}

// Frontier is the Pareto set of one shape's points, for one index type or
// (IndexType "") all of them, on one trade-off.
type Frontier struct {
	Shape     Shape           `json:"shape"`
	IndexType string          `json:"index_type,omitempty"`
	Kind      string          `json:"kind"`
	Points    []FrontierPoint `json:"points"`
}

// Pareto returns the points no other point dominates on (recall ↑, y),
// where y is queries/s (higher is better) for RecallQPS and p99 (lower is
// better) for RecallP99, in order of increasing recall. A point is
// dominated when another has recall and y at least as good and one of the
// two strictly better; of identical points the first is kept.
func Pareto(pts []FrontierPoint, kind string) []FrontierPoint {
	y := func(p FrontierPoint) float64 { return p.QPS }
	if kind == RecallP99 {
		y = func(p FrontierPoint) float64 { return -p.P99 }
	}
	return ParetoBy(pts, func(p FrontierPoint) float64 { return p.Recall }, y)
}

// ParetoBy is Pareto over any points, given their recall and a y where
// higher is better: the points no other dominates, by increasing recall.
func ParetoBy[T any](pts []T, recall, y func(T) float64) []T {
	sorted := make([]T, len(pts))
	copy(sorted, pts)
	// Best recall first; among equal recall, best y first.
	sort.SliceStable(sorted, func(i, j int) bool {
		if ri, rj := recall(sorted[i]), recall(sorted[j]); ri != rj {
			return ri > rj
		}
		return y(sorted[i]) > y(sorted[j])
	})
	var out []T
	for _, p := range sorted {
		// p survives if its y beats every point of higher or equal recall.
		if len(out) == 0 || y(p) > y(out[len(out)-1]) {
			out = append(out, p)
		}
	}
	// Increasing recall reads naturally on a plot and in a table.
	slices.Reverse(out)
	return out
}

// Frontiers computes both trade-offs for every shape, overall and per
// index type (in first-seen order).
func Frontiers(points map[Shape][]FrontierPoint, shapes []Shape) []Frontier {
	var out []Frontier
	for _, sh := range shapes {
		pts := points[sh]
		var types []string
		byType := map[string][]FrontierPoint{}
		for _, p := range pts {
			if _, ok := byType[p.IndexType]; !ok {
				types = append(types, p.IndexType)
			}
			byType[p.IndexType] = append(byType[p.IndexType], p)
		}
		for _, kind := range []string{RecallQPS, RecallP99} {
			out = append(out, Frontier{Shape: sh, Kind: kind, Points: Pareto(pts, kind)})
			for _, t := range types {
				out = append(out, Frontier{Shape: sh, IndexType: t, Kind: kind, Points: Pareto(byType[t], kind)})
			}
		}
	}
	return out
}
