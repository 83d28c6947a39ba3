package embedded

import (
	"sync"

	"github.com/milvbench/milvbench/internal/vecmath"
	"github.com/milvbench/milvbench/workloads"
)

// ivfPQ stores each vector's residual from its list centroid as a product
// quantisation code (faiss IndexIVFPQ, by residual): the dim dimensions are
// split into m sub-vectors of dsub = dim/m, each replaced by the index of the
// nearest of 2^nbits sub-centroids. Search scores codes by table lookups.
type ivfPQ struct {
	m, nbits, dsub, ksub int
	cb                   []float32 // m codebooks of ksub×dsub, back to back
	// cbT is cb transposed per sub-quantiser (dsub×ksub), kept when dsub
	// is not a multiple of 8, for the query tables.
	cbT []float32
	// tables recycles the scanners' m·ksub query and list tables.
	tables sync.Pool
	// pre holds, for L2 when small enough, per list, sub-quantiser and code
	// j: ||cb_j||² + 2<c_list, cb_j>, so a query needs only <q, cb_j> once
	// (faiss's precomputed tables).
	pre []float32
}

// pqTrainPerCode sizes the PQ training sample (per sub-centroid), and
// pqMaxPrecomputed bounds the precomputed table (floats; 64 Mi = 256 MiB).
const (
	pqTrainPerCode   = 64
	pqTrainIters     = 15
	pqMaxPrecomputed = 64 << 20
)

func newIVFPQ(dim int, p workloads.Params) *ivfPQ {
	m := p.Int("m", 0)
	if m <= 0 || dim%m != 0 {
		m = defaultPQM(dim)
	}
	nbits := min(max(p.Int("nbits", 8), 1), 16)
	return &ivfPQ{m: m, nbits: nbits, dsub: dim / m, ksub: 1 << nbits}
}

// defaultPQM is used when m is missing or does not divide dim (validation
// rejects such workloads; this keeps direct callers safe): the largest
// divisor of dim giving sub-vectors of at least 4 dimensions.
func defaultPQM(dim int) int {
	for m := dim / 4; m > 1; m-- {
		if dim%m == 0 {
			return m
		}
	}
	return 1
}

func (c *ivfPQ) codeBytes() int {
	if c.nbits > 8 {
		return 2 * c.m
	}
	return c.m
}

func (c *ivfPQ) train(ix *ivf, sample []float32, assign []int32) {
	d := ix.s.dim
	n := min(len(assign), max(c.ksub*pqTrainPerCode, ivfTrainMin))
	// Residuals of an even subsample, split by sub-quantiser.
	subs := make([][]float32, c.m)
	for s := range subs {
		subs[s] = make([]float32, 0, n*c.dsub)
	}
	for i := range n {
		r := int(int64(i) * int64(len(assign)) / int64(n))
		row, cen := sample[r*d:(r+1)*d], ix.cent[int(assign[r])*d:]
		for s := range c.m {
			for j := s * c.dsub; j < (s+1)*c.dsub; j++ {
				subs[s] = append(subs[s], row[j]-cen[j])
			}
		}
	}
	c.cb = make([]float32, 0, c.m*c.ksub*c.dsub)
	for s := range c.m {
		c.cb = append(c.cb, kmeans(subs[s], c.dsub, c.ksub, pqTrainIters, kmeansSeed+uint64(s)+1)...)
	}
	c.cbT = nil
	if c.dsub%8 != 0 {
		c.cbT = make([]float32, len(c.cb))
		for s := range c.m {
			book := c.book(s)
			for j := range c.ksub {
				for t := range c.dsub {
					c.cbT[(s*c.dsub+t)*c.ksub+j] = book[j*c.dsub+t]
				}
			}
		}
	}
	c.pre = nil
	if ix.s.l2 && ix.nlist*c.m*c.ksub <= pqMaxPrecomputed {
		c.precompute(ix)
	}
}

func (c *ivfPQ) book(s int) []float32 {
	n := c.ksub * c.dsub
	return c.cb[s*n : (s+1)*n]
}

func (c *ivfPQ) precompute(ix *ivf) {
	d := ix.s.dim
	c.pre = make([]float32, ix.nlist*c.m*c.ksub)
	norms := make([]float32, c.m*c.ksub)
	for s := range c.m {
		book := c.book(s)
		for j := range c.ksub {
			cw := book[j*c.dsub : (j+1)*c.dsub]
			norms[s*c.ksub+j] = vecmath.Dot(cw, cw)
		}
	}
	parallelRange(ix.nlist, func(lo, hi int) {
		dots := make([]float32, c.ksub)
		for l := lo; l < hi; l++ {
			cen := ix.cent[l*d : (l+1)*d]
			for s := range c.m {
				vecmath.DotBatch(cen[s*c.dsub:(s+1)*c.dsub], c.book(s), dots)
				t := c.pre[(l*c.m+s)*c.ksub : (l*c.m+s+1)*c.ksub]
				for j := range t {
					t[j] = norms[s*c.ksub+j] + 2*dots[j]
				}
			}
		}
	})
}

func (c *ivfPQ) encode(ix *ivf, list int, v []float32, l *ivfList) {
	d := ix.s.dim
	cen := ix.cent[list*d : (list+1)*d]
	l2 := newStore(c.dsub, workloads.L2)
	var res [64]float32
	ds := make([]float32, c.ksub)
	for s := range c.m {
		r := res[:0]
		if c.dsub > len(res) {
			r = make([]float32, 0, c.dsub)
		}
		for j := s * c.dsub; j < (s+1)*c.dsub; j++ {
			r = append(r, v[j]-cen[j])
		}
		code := argmin(l2, r, c.book(s), ds)
		if c.nbits > 8 {
			l.codes = append(l.codes, byte(code), byte(code>>8))
		} else {
			l.codes = append(l.codes, byte(code))
		}
	}
}

func (c *ivfPQ) memoryBytes() int64 { return int64(len(c.cb)+len(c.cbT)+len(c.pre)) * 4 }

// scanner computes the query's table qt[s·ksub+j] = <q_s, cb_sj>.
func (c *ivfPQ) scanner(ix *ivf, q []float32) listScanner {
	sc := &pqScanner{c: c, ix: ix, q: q, qt: c.table()}
	for s := range c.m {
		qs, book, out := q[s*c.dsub:(s+1)*c.dsub], c.book(s), sc.qt[s*c.ksub:(s+1)*c.ksub]
		if c.dsub%8 == 0 {
			vecmath.DotBatch(qs, book, out)
			continue
		}
		// Sub-vectors the kernels cannot take whole (50-d GloVe: 5
		// floats): accumulate q_t times the codebook's column t, which
		// runs over ksub contiguous floats (in the AddScaled kernel)
		// instead of a call per codeword.
		for t, x := range qs {
			col := c.cbT[(s*c.dsub+t)*c.ksub : (s*c.dsub+t+1)*c.ksub]
			if t == 0 {
				for j, y := range col[:len(out)] {
					out[j] = x * y
				}
				continue
			}
			vecmath.AddScaled(out, out, col, x)
		}
	}
	if !ix.s.l2 {
		// IP: -<q,c> - <q,r>; the residual table does not depend on the list.
		sc.tab = sc.qt
		for j := range sc.tab {
			sc.tab[j] = -sc.tab[j]
		}
	} else if c.pre == nil {
		sc.res = make([]float32, ix.s.dim)
	}
	return sc
}

// table returns an m·ksub scratch table (contents undefined).
func (c *ivfPQ) table() []float32 {
	if t, ok := c.tables.Get().(*[]float32); ok {
		return *t
	}
	return make([]float32, c.m*c.ksub)
}

type pqScanner struct {
	c   *ivfPQ
	ix  *ivf
	q   []float32
	qt  []float32
	tab []float32 // the table a list's codes are summed over (taken on first use for L2)
	res []float32
}

// release returns the scanner's tables for the next query.
func (p *pqScanner) release() {
	qt, tab := p.qt, p.tab
	p.qt, p.tab = nil, nil
	p.c.tables.Put(&qt)
	if tab != nil && &tab[0] != &qt[0] {
		p.c.tables.Put(&tab)
	}
}

// scan scores list entries as coarse + sum_s tab[s][code_s], with tab:
//   - L2, precomputed: ||q-c||² + (||r||² + 2<c,r>) - 2<q,r>, tab = pre - 2·qt;
//   - L2, per list:    sum_s ||(q-c)_s - cb_s||² (coarse unused);
//   - IP:              -<q,c> - <q,r>, tab = -qt for every list.
func (p *pqScanner) scan(list int, coarse float32, l *ivfList, h *maxHeap, k int, allow *bitset) {
	c := p.c
	switch {
	case !p.ix.s.l2:
	case c.pre != nil:
		pre := c.pre[list*c.m*c.ksub : (list+1)*c.m*c.ksub]
		if c.nbits == 8 && len(l.ids) < pqFoldMin {
			// Folding the tables costs m·ksub/8 vector steps; a list this
			// short is cheaper to score with a second lookup per code.
			scanCodes8Two(pre, p.qt, c.m, l.codes, l.ids, coarse, h, k, allow)
			return
		}
		if p.tab == nil {
			p.tab = c.table()
		}
		vecmath.AddScaled(p.tab, pre, p.qt, -2)
	default:
		if p.tab == nil {
			p.tab = c.table()
		}
		d := p.ix.s.dim
		cen := p.ix.cent[list*d : (list+1)*d]
		for j := range p.res {
			p.res[j] = p.q[j] - cen[j]
		}
		for s := range c.m {
			vecmath.L2SqBatch(p.res[s*c.dsub:(s+1)*c.dsub], c.book(s), p.tab[s*c.ksub:(s+1)*c.ksub])
		}
		coarse = 0
	}
	if c.nbits == 8 {
		scanCodes8(p.tab, l.codes, c.m, l.ids, coarse, h, k, allow)
		return
	}
	cb := c.codeBytes()
	for i, id := range l.ids {
		if !allow.has(id) {
			continue
		}
		code := l.codes[i*cb : (i+1)*cb]
		d := coarse
		for s := range c.m {
			var j int
			if c.nbits > 8 {
				j = int(code[2*s]) | int(code[2*s+1])<<8
			} else {
				j = int(code[s])
			}
			d += p.tab[s*c.ksub+j]
		}
		if len(*h) < k {
			h.push(cand{d, id})
		} else if d < (*h)[0].d {
			h.replaceTop(cand{d, id})
		}
	}
}

// scanCodes8 is scan's loop for 8-bit codes (256 entries per sub-quantiser,
// one byte per code), four sub-quantisers per step.
func scanCodes8(tab []float32, codes []byte, m int, ids []uint32, coarse float32, h *maxHeap, k int, allow *bitset) {
	tab = tab[:m<<8]
	for i, id := range ids {
		code := codes[i*m : (i+1)*m : (i+1)*m]
		var d0, d1, d2, d3 float32
		s := 0
		for ; s+4 <= len(code); s += 4 {
			d0 += tab[s<<8|int(code[s])]
			d1 += tab[(s+1)<<8|int(code[s+1])]
			d2 += tab[(s+2)<<8|int(code[s+2])]
			d3 += tab[(s+3)<<8|int(code[s+3])]
		}
		for ; s < len(code); s++ {
			d0 += tab[s<<8|int(code[s])]
		}
		d := coarse + (d0 + d1) + (d2 + d3)
		if len(*h) >= k && d >= (*h)[0].d || !allow.has(id) {
			continue
		}
		if len(*h) < k {
			h.push(cand{d, id})
		} else {
			h.replaceTop(cand{d, id})
		}
	}
}

// pqFoldMin is the list length from which an L2 scan with precomputed
// tables folds them into one (see scan).
const pqFoldMin = 32

// scanCodes8Two is scanCodes8 for L2 with precomputed tables, without
// folding them: the distance is coarse + sum pre[code] - 2·sum qt[code].
func scanCodes8Two(pre, qt []float32, m int, codes []byte, ids []uint32, coarse float32, h *maxHeap, k int, allow *bitset) {
	pre, qt = pre[:m<<8], qt[:m<<8]
	for i, id := range ids {
		code := codes[i*m : (i+1)*m : (i+1)*m]
		var p0, p1, q0, q1 float32
		s := 0
		for ; s+2 <= len(code); s += 2 {
			j0, j1 := s<<8|int(code[s]), (s+1)<<8|int(code[s+1])
			p0 += pre[j0]
			q0 += qt[j0]
			p1 += pre[j1]
			q1 += qt[j1]
		}
		for ; s < len(code); s++ {
			j := s<<8 | int(code[s])
			p0 += pre[j]
			q0 += qt[j]
		}
		d := coarse + (p0 + p1) - 2*(q0+q1)
		if len(*h) >= k && d >= (*h)[0].d || !allow.has(id) {
			continue
		}
		if len(*h) < k {
			h.push(cand{d, id})
		} else {
			h.replaceTop(cand{d, id})
		}
	}
}
