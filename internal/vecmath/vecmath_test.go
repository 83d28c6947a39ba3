package vecmath

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func randVec(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

func close32(a, b float32) bool {
	return math.Abs(float64(a-b)) <= 1e-4*math.Max(1, math.Abs(float64(b)))
}

func TestKernelsMatchGeneric(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 3, 7, 8, 9, 15, 16, 31, 32, 33, 64, 100, 128, 129, 256, 960} {
		a, b := randVec(r, n), randVec(r, n+5)
		if got, want := L2Sq(a, b), l2SqGeneric(a, b[:n]); !close32(got, want) {
			t.Errorf("L2Sq n=%d: got %v, want %v", n, got, want)
		}
		if got, want := Dot(a, b), dotGeneric(a, b[:n]); !close32(got, want) {
			t.Errorf("Dot n=%d: got %v, want %v", n, got, want)
		}
	}
}

func TestBatchKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct{ dim, rows int }{
		{8, 1}, {8, 2}, {16, 5}, {24, 3}, {32, 7}, {40, 4}, {128, 33}, {100, 9}, {3, 4}, {128, 0},
		{9, 3}, {15, 2}, {50, 7}, {50, 8}, {33, 1}, {391, 5}, {384, 256}, {384, 257}, {17, 11},
	} {
		t.Run(fmt.Sprintf("dim%d_rows%d", tc.dim, tc.rows), func(t *testing.T) {
			q, rows := randVec(r, tc.dim), randVec(r, tc.dim*tc.rows)
			l2, dot := make([]float32, tc.rows), make([]float32, tc.rows)
			L2SqBatch(q, rows, l2)
			DotBatch(q, rows, dot)
			for i := range tc.rows {
				row := rows[i*tc.dim : (i+1)*tc.dim]
				if want := l2SqGeneric(q, row); !close32(l2[i], want) {
					t.Errorf("L2SqBatch row %d: got %v, want %v", i, l2[i], want)
				}
				if want := dotGeneric(q, row); !close32(dot[i], want) {
					t.Errorf("DotBatch row %d: got %v, want %v", i, dot[i], want)
				}
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		in   []float32
		want float32
	}{{[]float32{3, 4}, 1}, {[]float32{0, 0, 0}, 0}, {make([]float32, 128), 0}} {
		v := append([]float32(nil), tc.in...)
		Normalize(v)
		if n := Norm(v); !close32(n, tc.want) {
			t.Errorf("Normalize(%v): norm %v, want %v", tc.in, n, tc.want)
		}
	}
}

func BenchmarkL2Sq(b *testing.B) {
	for _, dim := range []int{128, 960} {
		r := rand.New(rand.NewPCG(5, 6))
		x, y := randVec(r, dim), randVec(r, dim)
		b.Run(fmt.Sprintf("dim%d", dim), func(b *testing.B) {
			var s float32
			for b.Loop() {
				s += L2Sq(x, y)
			}
			_ = s
		})
		b.Run(fmt.Sprintf("generic_dim%d", dim), func(b *testing.B) {
			var s float32
			for b.Loop() {
				s += l2SqGeneric(x, y)
			}
			_ = s
		})
	}
}

func BenchmarkL2SqBatch(b *testing.B) {
	const dim, rows = 128, 256
	r := rand.New(rand.NewPCG(7, 8))
	q, data, out := randVec(r, dim), randVec(r, dim*rows), make([]float32, rows)
	for b.Loop() {
		L2SqBatch(q, data, out)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
}

// BenchmarkDotBatchStream scores one query against 60,000 rows of 384
// floats (92 MB, past the caches) in blocks of 256 rows, as FLAT answers
// one query, and reports the rate it streams the rows from memory.
func BenchmarkDotBatchStream(b *testing.B) {
	const dim, rows, block = 384, 60000, 256
	r := rand.New(rand.NewPCG(9, 10))
	q, data, out := randVec(r, dim), randVec(r, dim*rows), make([]float32, block)
	for b.Loop() {
		for i := 0; i < rows; i += block {
			n := min(block, rows-i)
			DotBatch(q, data[i*dim:(i+n)*dim], out[:n])
		}
	}
	b.ReportMetric(float64(rows*dim*4)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
}
