//go:build amd64 && !purego

package vecmath

// sq8L2BatchSIMD sets out[i] to the SQ8 L2 sum over the first n8 dimensions
// (a positive multiple of 8, at most len(a)) of each len(a)-byte row.
func sq8L2BatchSIMD(a, step []float32, codes []byte, n8 int, out []float32) {
	sq8L2BatchAVX2(&a[0], &step[0], &codes[0], len(a), n8, len(out), &out[0])
}

// sq8DotBatchSIMD is sq8L2BatchSIMD for the SQ8 inner product.
func sq8DotBatchSIMD(a []float32, codes []byte, n8 int, out []float32) {
	sq8DotBatchAVX2(&a[0], &codes[0], len(a), n8, len(out), &out[0])
}

// The kernels read n8 bytes (n8 a positive multiple of 8) of each of n rows
// that start dim bytes apart, and write n floats to out.

//go:noescape
func sq8L2BatchAVX2(a, step *float32, codes *byte, dim, n8, n int, out *float32)

//go:noescape
func sq8DotBatchAVX2(a *float32, codes *byte, dim, n8, n int, out *float32)
