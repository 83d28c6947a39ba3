package vecmath

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// panelWant is the float64 product of base row j and query i, with the
// bound DotsPanel's doc gives on a float32 serial sum's error.
func panelWant(q, x []float32) (want, bound float64) {
	var abs float64
	for k := range q {
		p := float64(q[k]) * float64(x[k])
		want += p
		abs += math.Abs(p)
	}
	return want, 2*float64(len(q)+1)/(1<<24)*abs + 1e-30
}

func TestDotsPanel(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct{ d, nq, n, padX, padO int }{
		{1, 16, 6, 0, 0}, {1, 3, 7, 2, 1}, {3, 16, 5, 0, 0}, {5, 10, 13, 1, 3},
		{8, 16, 12, 0, 0}, {50, 16, 100, 6, 0}, {50, 1, 17, 0, 16}, {127, 9, 31, 1, 2},
		{128, 16, 384, 0, 1}, {384, 16, 61, 0, 0}, {383, 15, 6, 3, 0}, {7, 16, 0, 0, 0},
	} {
		t.Run(fmt.Sprintf("d%d_q%d_n%d", tc.d, tc.nq, tc.n), func(t *testing.T) {
			ldx, ldo := tc.d+tc.padX, PanelWidth+tc.padO
			qs := make([][]float32, tc.nq)
			for i := range qs {
				qs[i] = randVec(r, tc.d)
			}
			x := randVec(r, max(tc.n*ldx, 1))
			qp := make([]float32, tc.d*PanelWidth)
			for i := range qp {
				qp[i] = float32(math.NaN()) // PackPanel must overwrite every float
			}
			PackPanel(qp, qs, tc.d)
			for _, impl := range []struct {
				name string
				f    func(qp []float32, d int, x []float32, ldx, n int, out []float32, ldo int)
			}{{"DotsPanel", DotsPanel}, {"dotsPanelGo", dotsPanelGo}} {
				out := make([]float32, max((tc.n+5)/6*6*ldo, 1))
				impl.f(qp, tc.d, x, ldx, tc.n, out, ldo)
				for j := range tc.n {
					for i := range PanelWidth {
						want, bound := 0.0, 1e-30
						if i < tc.nq {
							want, bound = panelWant(qs[i], x[j*ldx:j*ldx+tc.d])
						}
						if got := float64(out[j*ldo+i]); math.Abs(got-want) > bound {
							t.Fatalf("%s row %d query %d: got %v, want %v ± %g", impl.name, j, i, got, want, bound)
						}
					}
				}
			}
		})
	}
}

// BenchmarkDotsPanel scores a 16-query panel against a block of base rows
// that stays in L2, reporting multiply-adds per second. (The 4×3
// inner-product kernel it replaced, rows padded to 8 floats, ran 29-30
// GFMA/s at 50-d and 38 at 128-d where this one ran 44-45, on the same
// work; at 384-d both ran 39-46 GFMA/s, within the spread between runs on
// the shared 2-core host.)
func BenchmarkDotsPanel(b *testing.B) {
	for _, d := range []int{50, 128, 384} {
		r := rand.New(rand.NewPCG(7, 8))
		n := max(65536/d/6*6, 6)
		qs := make([][]float32, PanelWidth)
		for i := range qs {
			qs[i] = randVec(r, d)
		}
		x := randVec(r, n*d)
		b.Run(fmt.Sprintf("panel/d%d", d), func(b *testing.B) {
			qp := make([]float32, d*PanelWidth)
			out := make([]float32, n*PanelWidth)
			PackPanel(qp, qs, d)
			for b.Loop() {
				DotsPanel(qp, d, x, d, n, out, PanelWidth)
			}
			b.ReportMetric(float64(PanelWidth*n*d)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFMA/s")
		})
	}
}

func TestPanelBelow(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, tc := range []struct {
		n, pad int
		norms  bool
		s      float32
	}{{1, 0, false, -1}, {7, 3, true, -2}, {384, 0, true, -2}, {129, 1, false, -1}, {0, 0, false, -1}} {
		t.Run(fmt.Sprintf("n%d_norms%v", tc.n, tc.norms), func(t *testing.T) {
			ldo := PanelWidth + tc.pad
			out := randVec(r, max(tc.n*ldo, 1))
			out[0] = float32(math.NaN())
			var norms []float32
			if tc.norms {
				norms = randVec(r, tc.n)
			}
			var thr [PanelWidth]float32
			for i := range thr {
				thr[i] = float32(r.NormFloat64()*2 - 2)
			}
			thr[3], thr[5] = float32(math.Inf(1)), float32(math.Inf(-1))
			got := PanelBelow(out, ldo, tc.n, norms, tc.s, &thr, []uint32{7})
			want := panelBelowGo(out, ldo, tc.n, norms, tc.s, &thr, []uint32{7})
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("got %v, want %v", got, want)
			}
			if tc.n > 0 && (want[1]>>16 != 0 || want[1]&(1<<3) == 0) {
				t.Fatalf("row 0 (a NaN in lane 0, +Inf threshold in lane 3) not reported as it should be: %v", want)
			}
			for _, h := range want[1:] {
				if h&(1<<5) != 0 && h>>16 != 0 {
					t.Fatalf("lane 5 (threshold -Inf) reported: %x", h)
				}
			}
		})
	}
}

// BenchmarkPanelBelow filters 384 rows of a panel's products where no
// query's threshold is beaten (the common case once the heaps are full).
func BenchmarkPanelBelow(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	const n = 384
	out, norms := randVec(r, n*PanelWidth), randVec(r, n)
	var thr [PanelWidth]float32
	for i := range thr {
		thr[i] = -100
	}
	hits := make([]uint32, 0, n)
	for b.Loop() {
		hits = PanelBelow(out, PanelWidth, n, norms, -2, &thr, hits[:0])
	}
	b.ReportMetric(float64(n*PanelWidth)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gvalues/s")
}
