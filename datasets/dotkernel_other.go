//go:build !amd64

package datasets

func dots4x3(q []float32, ldq int, x []float32, ldx, d int, out []float32, ldo, n int) {
	dots4x3Go(q, ldq, x, ldx, d, out, ldo, n)
}
