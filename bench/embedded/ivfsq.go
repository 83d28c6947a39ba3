package embedded

import "github.com/milvbench/milvbench/internal/vecmath"

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
	ds   []float32 // scores of the list being scanned, reused across lists
}

// scan scores the whole list in one batch kernel call, then offers the
// allowed entries to the heap.
func (s *sq8Scanner) scan(_ int, _ float32, l *ivfList, h *maxHeap, k int, allow *bitset) {
	n := len(l.ids)
	if cap(s.ds) < n {
		s.ds = make([]float32, n+n/2)
	}
	ds := s.ds[:n]
	if s.l2 {
		vecmath.SQ8L2Batch(s.a, s.b, l.codes, ds)
	} else {
		vecmath.SQ8DotBatch(s.a, l.codes, ds)
	}
	for i, id := range l.ids {
		if !allow.has(id) {
			continue
		}
		dist := ds[i]
		if !s.l2 {
			dist = -(s.base + dist)
		}
		if len(*h) < k {
			h.push(cand{dist, id})
		} else if dist < (*h)[0].d {
			h.replaceTop(cand{dist, id})
		}
	}
}
