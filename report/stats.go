package report

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
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

// welchP is the two-sided p-value of Welch's t-test for a difference in the
// means of a and b (unequal variances): the chance of a difference at least
// this large if both were drawn from distributions with the same mean. NaN
// when either side has fewer than two values, since then there is no
// variance to judge the noise by. Two samples without any spread are equal
// (p = 1) or certainly different (p = 0).
func welchP(a, b []float64) float64 {
	if len(a) < 2 || len(b) < 2 {
		return math.NaN()
	}
	ma, va := stat.MeanVariance(a, nil)
	mb, vb := stat.MeanVariance(b, nil)
	na, nb := float64(len(a)), float64(len(b))
	sa, sb := va/na, vb/nb
	if sa+sb == 0 {
		if ma == mb {
			return 1
		}
		return 0
	}
	t := (ma - mb) / math.Sqrt(sa+sb)
	// Welch–Satterthwaite degrees of freedom.
	df := (sa + sb) * (sa + sb) / (sa*sa/(na-1) + sb*sb/(nb-1))
	st := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}
	return 2 * st.Survival(math.Abs(t))
}
