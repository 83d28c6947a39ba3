// Package vecmath holds the distance kernels shared by ground truth and the
// embedded indexes. On amd64 with AVX2 and FMA they run in Go assembly (no
// cgo); everywhere else, and with the purego build tag, in portable Go written
// so the compiler keeps it in registers (four independent accumulators,
// bounds checks hoisted).
package vecmath

import "math"

// L2Sq returns the squared Euclidean distance between a and b. len(b) must be >= len(a).
func L2Sq(a, b []float32) float32 {
	b = b[:len(a)]
	n := simdLen(len(a))
	if n == 0 {
		return l2SqGeneric(a, b)
	}
	s := l2SqSIMD(a[:n], b[:n])
	if n < len(a) {
		s += l2SqGeneric(a[n:], b[n:])
	}
	return s
}

// Dot returns the inner product of a and b. len(b) must be >= len(a).
func Dot(a, b []float32) float32 {
	b = b[:len(a)]
	n := simdLen(len(a))
	if n == 0 {
		return dotGeneric(a, b)
	}
	s := dotSIMD(a[:n], b[:n])
	if n < len(a) {
		s += dotGeneric(a[n:], b[n:])
	}
	return s
}

// L2SqBatch sets out[i] to the squared L2 distance between q and the i-th
// row of rows, which holds len(out) rows of len(q) floats back to back.
func L2SqBatch(q, rows, out []float32) {
	d := len(q)
	rows = rows[:len(out)*d]
	if simdLen(d) > 0 {
		l2SqBatchSIMD(q, rows, out)
		return
	}
	for i := range out {
		out[i] = L2Sq(q, rows[i*d:(i+1)*d])
	}
}

// DotBatch sets out[i] to the inner product of q and the i-th row of rows,
// which holds len(out) rows of len(q) floats back to back.
func DotBatch(q, rows, out []float32) {
	d := len(q)
	rows = rows[:len(out)*d]
	if simdLen(d) > 0 {
		dotBatchSIMD(q, rows, out)
		return
	}
	for i := range out {
		out[i] = Dot(q, rows[i*d:(i+1)*d])
	}
}

// Norm returns the Euclidean norm of v.
func Norm(v []float32) float32 {
	return float32(math.Sqrt(float64(Dot(v, v))))
}

// Normalize scales v in place to unit length; a zero vector is left unchanged.
func Normalize(v []float32) {
	n := Norm(v)
	if n == 0 {
		return
	}
	inv := 1 / n
	for i := range v {
		v[i] *= inv
	}
}

func l2SqGeneric(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		d0 := a[i] - b[i]
		d1 := a[i+1] - b[i+1]
		d2 := a[i+2] - b[i+2]
		d3 := a[i+3] - b[i+3]
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < len(a); i++ {
		d := a[i] - b[i]
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

func dotGeneric(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}
