package datasets

// dots4x3Go is the portable form of dots4x3: four queries against n rows.
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
