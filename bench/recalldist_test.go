package bench

import (
	"math"
	"testing"
)

func TestNewRecallDist(t *testing.T) {
	hundred := make([]float64, 100)
	for i := range hundred {
		hundred[i] = float64(i) / 100 // 0, 0.01, ..., 0.99
	}
	for _, tc := range []struct {
		name string
		in   []float64
		want *RecallDist
	}{
		{"none", nil, nil},
		{"one", []float64{0.7}, &RecallDist{Mean: 0.7, P1: 0.7, P5: 0.7, P10: 0.7, Min: 0.7, Queries: 1}},
		{"hundred evenly", hundred, &RecallDist{Mean: 0.495, P1: 0, P5: 0.04, P10: 0.09, Min: 0, Zero: 0.01, Queries: 100}},
		{"a tenth at zero", append([]float64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, ones(90)...), &RecallDist{Mean: 0.9, P1: 0, P5: 0, P10: 0, Min: 0, Zero: 0.1, Queries: 100}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := NewRecallDist(tc.in)
			if (got == nil) != (tc.want == nil) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			if got == nil {
				return
			}
			w := *tc.want
			for _, c := range []struct {
				name string
				g, w float64
			}{{"mean", got.Mean, w.Mean}, {"p1", got.P1, w.P1}, {"p5", got.P5, w.P5}, {"p10", got.P10, w.P10}, {"min", got.Min, w.Min}, {"zero", got.Zero, w.Zero}} {
				if math.Abs(c.g-c.w) > 1e-9 {
					t.Errorf("%s = %g, want %g", c.name, c.g, c.w)
				}
			}
			if got.Queries != w.Queries {
				t.Errorf("queries %d, want %d", got.Queries, w.Queries)
			}
		})
	}
	if !(&RecallDist{Mean: 0.9, P5: 0.5}).Skewed(0.2) || (&RecallDist{Mean: 0.9, P5: 0.8}).Skewed(0.2) {
		t.Error("Skewed")
	}
}

func ones(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = 1
	}
	return out
}
