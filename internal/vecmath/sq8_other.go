//go:build !amd64 || purego

package vecmath

// simdLen is 0 here, so these are never reached; they stay correct anyway.

func sq8L2BatchSIMD(a, step []float32, codes []byte, n8 int, out []float32) {
	d := len(a)
	for i := range out {
		out[i] = sq8L2Generic(a[:n8], step[:n8], codes[i*d:i*d+n8])
	}
}

func sq8DotBatchSIMD(a []float32, codes []byte, n8 int, out []float32) {
	d := len(a)
	for i := range out {
		out[i] = sq8DotGeneric(a[:n8], codes[i*d:i*d+n8])
	}
}
