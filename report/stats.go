package report

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
)

// median is the middle of xs (for an even count, the mean of the two middle
// values); NaN for no values.
func median(xs []float64) float64 {
	switch len(xs) {
	case 0:
		return math.NaN()
	case 1:
		return xs[0]
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return stat.Quantile(0.5, stat.Empirical, s, nil)
	}
	return stat.Mean(s[len(s)/2-1:len(s)/2+1], nil)
}
