package datasets

//go:noescape
func dots4x3AVX2(q *float32, ldq int, x *float32, ldx int, d int, out *float32, ldo int, n int)

func cpuid(leaf, sub uint32) (a, b, c, d uint32)

func xgetbv0() (eax uint32)

// hasAVX2FMA reports whether the CPU and OS support AVX2 and FMA.
var hasAVX2FMA = func() bool {
	max, _, _, _ := cpuid(0, 0)
	if max < 7 {
		return false
	}
	_, _, c1, _ := cpuid(1, 0)
	const fma, osxsave, avx = 1 << 12, 1 << 27, 1 << 28
	if c1&(fma|osxsave|avx) != fma|osxsave|avx || xgetbv0()&6 != 6 {
		return false
	}
	_, b7, _, _ := cpuid(7, 0)
	return b7&(1<<5) != 0
}()

// dots4x3 computes out[i*ldo+j] = q_i·x_j for 4 queries and n base rows (n a
// multiple of 3, d a multiple of 8, out rows with room for n+1 floats).
func dots4x3(q []float32, ldq int, x []float32, ldx, d int, out []float32, ldo, n int) {
	if hasAVX2FMA {
		_ = q[3*ldq+d-1]
		_ = x[(n-1)*ldx+d-1]
		_ = out[3*ldo+n]
		dots4x3AVX2(&q[0], ldq, &x[0], ldx, d, &out[0], ldo, n)
		return
	}
	dots4x3Go(q, ldq, x, ldx, d, out, ldo, n)
}
