package vecmath

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func randCodes(r *rand.Rand, n int) []byte {
	c := make([]byte, n)
	for i := range c {
		c[i] = byte(r.IntN(256))
	}
	return c
}

// TestSQ8BatchMatchesGeneric checks the batch kernels (AVX2 where the CPU
// has it) against the per-row Go loops, including dims that are not a
// multiple of 8 and row counts that are not a multiple of 4.
func TestSQ8BatchMatchesGeneric(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, dim := range []int{1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 100, 128, 129, 200, 960} {
		for _, rows := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 33} {
			t.Run(fmt.Sprintf("dim%d_rows%d", dim, rows), func(t *testing.T) {
				// a lies within the quantiser's range, as q - vmin does.
				a, step := make([]float32, dim), make([]float32, dim+3)
				for j := range step {
					step[j] = 0.001 + r.Float32()/64
				}
				for j := range a {
					a[j] = r.Float32() * 255 * step[j]
				}
				// codes holds exactly the rows, as an IVF list's codes do.
				codes := randCodes(r, dim*rows)
				l2, dot := make([]float32, rows), make([]float32, rows)
				SQ8L2Batch(a, step, codes, l2)
				SQ8DotBatch(a, codes, dot)
				for i := range rows {
					row := codes[i*dim : (i+1)*dim]
					if want := sq8L2Generic(a, step[:dim], row); !close32(l2[i], want) {
						t.Errorf("SQ8L2Batch row %d: got %v, want %v", i, l2[i], want)
					}
					if want := sq8DotGeneric(a, row); !close32(dot[i], want) {
						t.Errorf("SQ8DotBatch row %d: got %v, want %v", i, dot[i], want)
					}
				}
			})
		}
	}
}

// TestSQ8BatchExtremes uses codes 0 and 255 only, where a sign-extending
// widen would go wrong, and compares against the float kernels on the
// decoded rows.
func TestSQ8BatchExtremes(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	const dim, rows = 37, 6
	a, step := randVec(r, dim), make([]float32, dim)
	for j := range step {
		step[j] = 1
	}
	codes := make([]byte, dim*rows)
	for i := range codes {
		codes[i] = byte(255 * r.IntN(2))
	}
	l2, dot := make([]float32, rows), make([]float32, rows)
	SQ8L2Batch(a, step, codes, l2)
	SQ8DotBatch(a, codes, dot)
	dec := make([]float32, dim)
	for i := range rows {
		for j := range dim {
			dec[j] = float32(codes[i*dim+j])
		}
		if want := l2SqGeneric(a, dec); !close32(l2[i], want) {
			t.Errorf("SQ8L2Batch row %d: got %v, want %v", i, l2[i], want)
		}
		if want := dotGeneric(a, dec); !close32(dot[i], want) {
			t.Errorf("SQ8DotBatch row %d: got %v, want %v", i, dot[i], want)
		}
	}
}

func BenchmarkSQ8Batch(b *testing.B) {
	for _, dim := range []int{128, 100, 960} {
		const rows = 256
		r := rand.New(rand.NewPCG(13, 14))
		a, step, codes, out := randVec(r, dim), randVec(r, dim), randCodes(r, dim*rows), make([]float32, rows)
		perRow := func(b *testing.B) {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
		}
		b.Run(fmt.Sprintf("L2_dim%d", dim), func(b *testing.B) {
			for b.Loop() {
				SQ8L2Batch(a, step, codes, out)
			}
			perRow(b)
		})
		b.Run(fmt.Sprintf("L2_generic_dim%d", dim), func(b *testing.B) {
			for b.Loop() {
				for i := range out {
					out[i] = sq8L2Generic(a, step, codes[i*dim:(i+1)*dim])
				}
			}
			perRow(b)
		})
		b.Run(fmt.Sprintf("Dot_dim%d", dim), func(b *testing.B) {
			for b.Loop() {
				SQ8DotBatch(a, codes, out)
			}
			perRow(b)
		})
		b.Run(fmt.Sprintf("Dot_generic_dim%d", dim), func(b *testing.B) {
			for b.Loop() {
				for i := range out {
					out[i] = sq8DotGeneric(a, codes[i*dim:(i+1)*dim])
				}
			}
			perRow(b)
		})
	}
}
