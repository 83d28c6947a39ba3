package vecmath

// AddScaled sets dst[i] = a[i] + s·b[i] for i < len(dst); a and b must be at
// least as long as dst. IVF_PQ folds its per-list and per-query distance
// tables with it (faiss's fvec_madd).
func AddScaled(dst, a, b []float32, s float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	n := simdLen(len(dst))
	if n > 0 {
		addScaledSIMD(dst[:n], a[:n], b[:n], s)
	}
	for i := n; i < len(dst); i++ {
		dst[i] = a[i] + s*b[i]
	}
}
