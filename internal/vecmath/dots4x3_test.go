package vecmath

import (
	"math/rand/v2"
	"testing"
)

func TestDots4x3(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	randv := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	for _, tc := range []struct{ d, n int }{{8, 3}, {128, 384}, {64, 9}} {
		q, x := randv(4*tc.d), randv(tc.n*tc.d)
		ldo := tc.n + 1
		got := make([]float32, 4*ldo)
		Dots4x3(q, tc.d, x, tc.d, tc.d, got, ldo, tc.n)
		for i := range 4 {
			for j := range tc.n {
				want := dotGeneric(q[i*tc.d:(i+1)*tc.d], x[j*tc.d:(j+1)*tc.d])
				if diff := got[i*ldo+j] - want; diff > 1e-3 || diff < -1e-3 {
					t.Fatalf("d=%d n=%d [%d,%d]: %v, want %v", tc.d, tc.n, i, j, got[i*ldo+j], want)
				}
			}
		}
	}
}
