package embedded

// ivfSQ8 stores each vector as one byte per dimension: a uniform 8-bit
// quantiser per dimension between the minimum and maximum seen in training
// (faiss's QT_8bit, without residuals, as Milvus's IVF_SQ8).
type ivfSQ8 struct {
	vmin, step []float32
}

func (c *ivfSQ8) train(ix *ivf, sample []float32, _ []int32) {
	d := ix.s.dim
	lo, hi := make([]float32, d), make([]float32, d)
	copy(lo, sample[:d])
	copy(hi, sample[:d])
	for i := d; i < len(sample); i += d {
		for j, x := range sample[i : i+d] {
			lo[j], hi[j] = min(lo[j], x), max(hi[j], x)
		}
	}
	c.vmin, c.step = lo, make([]float32, d)
	for j := range d {
		c.step[j] = (hi[j] - lo[j]) / 255
		if c.step[j] == 0 {
			c.step[j] = 1
		}
	}
}

func (c *ivfSQ8) encode(_ *ivf, _ int, v []float32, l *ivfList) {
	for j, x := range v {
		q := (x-c.vmin[j])/c.step[j] + 0.5
		switch {
		case q < 0:
			q = 0
		case q > 255:
			q = 255
		}
		l.codes = append(l.codes, byte(q))
	}
}

func (c *ivfSQ8) memoryBytes() int64 { return int64(len(c.vmin)+len(c.step)) * 4 }

// scanner precomputes per dimension what the distance needs:
// L2: sum_j (q'_j - code_j·step_j)² with q' = q - vmin;
// IP: <q,vmin> + sum_j code_j·(q_j·step_j).
func (c *ivfSQ8) scanner(ix *ivf, q []float32) listScanner {
	d := ix.s.dim
	sc := &sq8Scanner{l2: ix.s.l2, a: make([]float32, d), b: c.step}
	if ix.s.l2 {
		for j := range d {
			sc.a[j] = q[j] - c.vmin[j]
		}
		return sc
	}
	for j := range d {
		sc.a[j] = q[j] * c.step[j]
		sc.base += q[j] * c.vmin[j]
	}
	return sc
}

type sq8Scanner struct {
	l2   bool
	a, b []float32
	base float32
}

func (s *sq8Scanner) scan(_ int, _ float32, l *ivfList, h *maxHeap, k int, allow *bitset) {
	d := len(s.a)
	for i, id := range l.ids {
		if !allow.has(id) {
			continue
		}
		code := l.codes[i*d : (i+1)*d]
		var dist float32
		if s.l2 {
			dist = sq8L2(s.a, s.b, code)
		} else {
			dist = -(s.base + sq8Dot(s.a, code))
		}
		if len(*h) < k {
			h.push(cand{dist, id})
		} else if dist < (*h)[0].d {
			h.replaceTop(cand{dist, id})
		}
	}
}

// sq8L2 returns sum_j (a_j - code_j·step_j)².
func sq8L2(a, step []float32, code []byte) float32 {
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

// sq8Dot returns sum_j code_j·w_j.
func sq8Dot(w []float32, code []byte) float32 {
	code = code[:len(w)]
	var s0, s1, s2, s3 float32
	j := 0
	for ; j+4 <= len(w); j += 4 {
		s0 += float32(code[j]) * w[j]
		s1 += float32(code[j+1]) * w[j+1]
		s2 += float32(code[j+2]) * w[j+2]
		s3 += float32(code[j+3]) * w[j+3]
	}
	for ; j < len(w); j++ {
		s0 += float32(code[j]) * w[j]
	}
	return (s0 + s1) + (s2 + s3)
}
