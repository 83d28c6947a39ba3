package vecmath

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestRowKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, tc := range []struct{ dim, rows, n int }{
		{1, 5, 3}, {7, 5, 4}, {8, 4, 1}, {9, 6, 6}, {16, 10, 2}, {33, 40, 17},
		{50, 100, 32}, {128, 64, 31}, {384, 50, 33}, {100, 20, 0}, {0, 4, 2},
	} {
		t.Run(fmt.Sprintf("dim%d_n%d", tc.dim, tc.n), func(t *testing.T) {
			q, base := randVec(r, tc.dim), randVec(r, tc.dim*tc.rows)
			ids := make([]uint32, tc.n)
			for i := range ids {
				ids[i] = uint32(r.IntN(tc.rows))
			}
			dot, l2 := make([]float32, tc.n), make([]float32, tc.n)
			DotRows(q, base, ids, dot)
			L2SqRows(q, base, ids, l2)
			for i, id := range ids {
				row := base[int(id)*tc.dim : (int(id)+1)*tc.dim]
				if want := dotGeneric(q, row); !close32(dot[i], want) {
					t.Errorf("DotRows row %d (id %d): got %v, want %v", i, id, dot[i], want)
				}
				if want := l2SqGeneric(q, row); !close32(l2[i], want) {
					t.Errorf("L2SqRows row %d (id %d): got %v, want %v", i, id, l2[i], want)
				}
			}
		})
	}
}

func TestRowKernelsOutOfRange(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func(q, base []float32, ids []uint32, out []float32)
	}{{"DotRows", DotRows}, {"L2SqRows", L2SqRows}} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic for a row id past the matrix")
				}
			}()
			tc.f(make([]float32, 8), make([]float32, 8*3), []uint32{0, 3}, make([]float32, 2))
		})
	}
}

// BenchmarkDotRows scores 32 scattered rows of a matrix larger than the
// caches, as one HNSW search step does, against Dot row by row.
func BenchmarkDotRows(b *testing.B) {
	for _, dim := range []int{50, 128, 384} {
		const rows, n = 1 << 17, 32
		r := rand.New(rand.NewPCG(11, 12))
		q, base := randVec(r, dim), randVec(r, dim*rows)
		ids := make([]uint32, 1<<16)
		for i := range ids {
			ids[i] = uint32(r.IntN(rows))
		}
		out := make([]float32, n)
		b.Run(fmt.Sprintf("rows_dim%d", dim), func(b *testing.B) {
			i := 0
			for b.Loop() {
				DotRows(q, base, ids[i:i+n], out)
				i = (i + n) % (len(ids) - n)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
		})
		b.Run(fmt.Sprintf("dot_dim%d", dim), func(b *testing.B) {
			i := 0
			for b.Loop() {
				for j, id := range ids[i : i+n] {
					out[j] = Dot(q, base[int(id)*dim:(int(id)+1)*dim])
				}
				i = (i + n) % (len(ids) - n)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
		})
	}
}

func TestAddScaled(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, n := range []int{0, 1, 7, 8, 9, 31, 32, 33, 100, 4096} {
		a, b := randVec(r, n), randVec(r, n)
		dst := make([]float32, n)
		AddScaled(dst, a, b, -2)
		for i := range dst {
			if want := a[i] - 2*b[i]; !close32(dst[i], want) {
				t.Errorf("n=%d i=%d: got %v, want %v", n, i, dst[i], want)
			}
		}
	}
}
