package vecmath

// SQ8L2Batch sets out[i] to sum_j (a_j - codes[i*d+j]·step_j)² for the
// len(out) rows of d = len(a) bytes held back to back in codes: the squared
// L2 distance to 8-bit scalar-quantised rows once the quantiser's offset has
// been folded into a. len(step) must be >= d.
func SQ8L2Batch(a, step []float32, codes []byte, out []float32) {
	d := len(a)
	step = step[:d]
	codes = codes[:len(out)*d]
	n8 := simdLen(d)
	if n8 == 0 || len(out) == 0 {
		for i := range out {
			out[i] = sq8L2Generic(a, step, codes[i*d:(i+1)*d])
		}
		return
	}
	sq8L2BatchSIMD(a, step, codes, n8, out)
	if n8 < d {
		at, st := a[n8:], step[n8:]
		for i := range out {
			out[i] += sq8L2Generic(at, st, codes[i*d+n8:(i+1)*d])
		}
	}
}

// SQ8DotBatch sets out[i] to sum_j a_j·codes[i*d+j] for the len(out) rows of
// d = len(a) bytes held back to back in codes.
func SQ8DotBatch(a []float32, codes []byte, out []float32) {
	d := len(a)
	codes = codes[:len(out)*d]
	n8 := simdLen(d)
	if n8 == 0 || len(out) == 0 {
		for i := range out {
			out[i] = sq8DotGeneric(a, codes[i*d:(i+1)*d])
		}
		return
	}
	sq8DotBatchSIMD(a, codes, n8, out)
	if n8 < d {
		at := a[n8:]
		for i := range out {
			out[i] += sq8DotGeneric(at, codes[i*d+n8:(i+1)*d])
		}
	}
}

// sq8L2Generic returns sum_j (a_j - code_j·step_j)².
func sq8L2Generic(a, step []float32, code []byte) float32 {
	step, code = step[:len(a)], code[:len(a)]
	var s0, s1, s2, s3 float32
	j := 0
	for ; j+4 <= len(a); j += 4 {
		d0 := a[j] - float32(code[j])*step[j]
		d1 := a[j+1] - float32(code[j+1])*step[j+1]
		d2 := a[j+2] - float32(code[j+2])*step[j+2]
		d3 := a[j+3] - float32(code[j+3])*step[j+3]
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; j < len(a); j++ {
		d := a[j] - float32(code[j])*step[j]
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

// sq8DotGeneric returns sum_j a_j·code_j.
func sq8DotGeneric(a []float32, code []byte) float32 {
	code = code[:len(a)]
	var s0, s1, s2, s3 float32
	j := 0
	for ; j+4 <= len(a); j += 4 {
		s0 += float32(code[j]) * a[j]
		s1 += float32(code[j+1]) * a[j+1]
		s2 += float32(code[j+2]) * a[j+2]
		s3 += float32(code[j+3]) * a[j+3]
	}
	for ; j < len(a); j++ {
		s0 += float32(code[j]) * a[j]
	}
	return (s0 + s1) + (s2 + s3)
}
