package tuner

import (
	"math"
	"testing"
)

func TestWelchP(t *testing.T) {
	// References: scipy.stats.ttest_ind(a, b, equal_var=False).pvalue.
	tests := []struct {
		a, b []float64
		want float64
	}{
		{[]float64{27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4},
			[]float64{27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4}, 0.021378001462866992},
		{[]float64{1.0, 1.5, 0.8}, []float64{1.3, 0.9, 1.6}, 0.5970050679100474},
		{[]float64{0.95, 0.95}, []float64{0.95, 0.95}, 1},
		{[]float64{0.95, 0.95}, []float64{0.94, 0.94}, 0},
	}
	for _, tc := range tests {
		if got := WelchP(tc.a, tc.b); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("WelchP(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
	if !math.IsNaN(WelchP([]float64{1}, []float64{1, 2})) {
		t.Error("one value has no variance: want NaN")
	}
}
