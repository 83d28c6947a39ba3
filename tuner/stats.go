package tuner

import (
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// WelchP is the two-sided p-value of Welch's t-test for a difference in the
// means of a and b (unequal variances): the chance of a difference at least
// this large if both were drawn from distributions with the same mean. NaN
// when either side has fewer than two values, since then there is no
// variance to judge the noise by. Two samples without any spread are equal
// (p = 1) or certainly different (p = 0).
func WelchP(a, b []float64) float64 {
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
