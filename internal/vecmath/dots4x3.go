package vecmath

// Dots4x3 computes out[i*ldo+j] = q_i·x_j for 4 queries (rows of q with
// stride ldq) and n base rows (rows of x with stride ldx), in register blocks
// of 4 queries × 3 rows: the micro-kernel of a blocked matrix product. n must
// be a multiple of 3, d a multiple of 8, and each out row must have room for
// n+1 floats (the vector path stores one spare float).
func Dots4x3(q []float32, ldq int, x []float32, ldx, d int, out []float32, ldo, n int) {
	_ = q[3*ldq+d-1]
	_ = x[(n-1)*ldx+d-1]
	_ = out[3*ldo+n]
	if !dots4x3SIMD(q, ldq, x, ldx, d, out, ldo, n) {
		dots4x3Go(q, ldq, x, ldx, d, out, ldo, n)
	}
}

// dots4x3Go is the portable form of Dots4x3.
func dots4x3Go(q []float32, ldq int, x []float32, ldx, d int, out []float32, ldo, n int) {
	for i := range 4 {
		qi := q[i*ldq : i*ldq+d]
		for j := range n {
			xj := x[j*ldx : j*ldx+d]
			var s0, s1, s2, s3 float32
			for k := 0; k < d; k += 4 {
				s0 += qi[k] * xj[k]
				s1 += qi[k+1] * xj[k+1]
				s2 += qi[k+2] * xj[k+2]
				s3 += qi[k+3] * xj[k+3]
			}
			out[i*ldo+j] = (s0 + s1) + (s2 + s3)
		}
	}
}
