package bench

import (
	"slices"

	"gonum.org/v1/gonum/stat"
)

// RecallDist is the distribution of per-query recall in a trial: a mean
// hides the queries a filter or an index leaves with nothing, so every
// trial also reports the low percentiles, the minimum and the share of
// queries whose recall was zero.
type RecallDist struct {
	Mean float64 `json:"mean"`
	// P1, P5 and P10 are the empirical percentiles (gonum stat.Quantile,
	// stat.Empirical: the smallest recall with at least that share of
	// queries at or below it).
	P1  float64 `json:"p1"`
	P5  float64 `json:"p5"`
	P10 float64 `json:"p10"`
	Min float64 `json:"min"`
	// Zero is the share of queries with recall 0.
	Zero    float64 `json:"zero_share"`
	Queries int     `json:"queries"`
}

// NewRecallDist summarises per-query recalls (nil when there are none).
func NewRecallDist(recalls []float64) *RecallDist {
	if len(recalls) == 0 {
		return nil
	}
	xs := slices.Clone(recalls)
	slices.Sort(xs)
	zero := 0
	for _, x := range xs {
		if x == 0 {
			zero++
		}
	}
	q := func(p float64) float64 { return stat.Quantile(p, stat.Empirical, xs, nil) }
	return &RecallDist{
		Mean: stat.Mean(xs, nil), P1: q(0.01), P5: q(0.05), P10: q(0.10), Min: xs[0],
		Zero: float64(zero) / float64(len(xs)), Queries: len(xs),
	}
}

// Skewed reports whether the p5 recall sits far below the mean (by more
// than gap): the queries in the tail are answered much worse than the
// average says.
func (d *RecallDist) Skewed(gap float64) bool {
	return d != nil && d.Mean-d.P5 > gap
}
