package embedded

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/internal/vecmath"
	"github.com/milvbench/milvbench/workloads"
)

// hnswSQ is Milvus's HNSW_SQ (knowhere's faiss HNSW over a scalar
// quantiser): the graph is built and searched on quantised codes (sq_type
// SQ8, FP16 or BF16), and with refine a second, more precise copy
// (refine_type SQ8, FP16, BF16 or FP32, FP32 when not given) re-ranks the
// refine_k·topk candidates the graph returns.
type hnswSQ struct {
	*hnsw
	codes  codes
	refine space // nil: no refine
	rbytes func() int64
}

// codes is a quantised copy of the store's rows: a space the graph can use,
// kept up to date with the store (sync encodes the rows added since).
type codes interface {
	space
	sync()
	bytes() int64
}

// SQTypes are the sq_type values of HNSW_SQ the embedded target builds;
// refine types add FP32.
var sqTypes = []string{"SQ8", "FP16", "BF16"}

func newHNSWSQ(s *store, p workloads.Params) (index, error) {
	if s.vt == workloads.VectorInt8 {
		return nil, fmt.Errorf("embedded target: HNSW_SQ over int8 vectors is not supported (index them with HNSW or FLAT)")
	}
	sq := strings.ToUpper(p.String("sq_type", "SQ8"))
	c, err := newCodes(s, sq)
	if err != nil {
		return nil, fmt.Errorf("embedded target: HNSW_SQ sq_type %s: %v", sq, err)
	}
	x := &hnswSQ{codes: c}
	x.hnsw = newHNSWOn(s, c, p)
	if on, _ := p["refine"].(bool); on {
		rt := strings.ToUpper(p.String("refine_type", "FP32"))
		switch rt {
		case "FP32", "FLAT":
			x.refine, x.rbytes = s, func() int64 { return int64(len(s.data)) * 4 }
		default:
			rc, err := newCodes(s, rt)
			if err != nil {
				return nil, fmt.Errorf("embedded target: HNSW_SQ refine_type %s: %v", rt, err)
			}
			x.refine, x.rbytes = rc, rc.bytes
		}
	}
	return x, nil
}

func newCodes(s *store, typ string) (codes, error) {
	switch typ {
	case "SQ8":
		return &sq8Codes{s: s}, nil
	case "FP16":
		return &halfCodes{s: s, st: &store{dim: s.dim, l2: s.l2}, bits: datasets.Float16Bits, val: datasets.Float16Value}, nil
	case "BF16":
		return &halfCodes{s: s, st: &store{dim: s.dim, l2: s.l2}, bits: datasets.BFloat16Bits, val: datasets.BFloat16Value}, nil
	case "SQ4U", "SQ6":
		return nil, fmt.Errorf("%s is built by Milvus only (the embedded target builds %s)", typ, strings.Join(sqTypes, ", "))
	}
	return nil, fmt.Errorf("unknown (allowed: %s)", strings.Join(sqTypes, ", "))
}

func (x *hnswSQ) add(from int) {
	x.codes.sync()
	if c, ok := x.refine.(codes); ok {
		c.sync()
	}
	x.hnsw.add(from)
}

// search walks the graph on the codes for refine_k·k candidates (k without
// refine) and, with refine, re-ranks them with the refine copy.
func (x *hnswSQ) search(q []float32, k int, p workloads.Params, allow *bitset) []cand {
	if x.refine == nil {
		return x.hnsw.search(q, k, p, allow)
	}
	kk := max(k, int(float64(k)*max(p.Float("refine_k", 1), 1)))
	found := x.hnsw.search(q, kk, p, allow)
	pq := x.refine.prepare(q, nil)
	for i := range found {
		found[i].d = x.refine.dist(pq, found[i].id)
	}
	sort.Slice(found, func(a, b int) bool {
		if found[a].d != found[b].d {
			return found[a].d < found[b].d
		}
		return found[a].id < found[b].id
	})
	return found[:min(k, len(found))]
}

// memoryBytes is the graph, the codes and the refine copy; HNSW_SQ keeps no
// raw vectors of its own (FP32 refine is a full-precision copy).
func (x *hnswSQ) memoryBytes() int64 {
	b := x.graphBytes() + x.codes.bytes()
	if x.refine != nil {
		b += x.rbytes()
	}
	return b
}

// sq8Codes is faiss's QT_8bit as knowhere's HNSW_SQ uses it: one byte per
// component, a uniform quantiser per dimension between the minimum and
// maximum of the rows present at the build (later rows are clamped), as
// IVF_SQ8 (ivfsq.go) does per list.
type sq8Codes struct {
	s          *store
	vmin, step []float32
	codes      []byte
}

func (c *sq8Codes) len() int { return len(c.codes) / max(c.s.dim, 1) }

func (c *sq8Codes) bytes() int64 { return int64(len(c.codes)) + int64(len(c.vmin)+len(c.step))*4 }

func (c *sq8Codes) sync() {
	d, n := c.s.dim, c.s.len()
	if c.vmin == nil && n > 0 {
		lo, hi := append([]float32(nil), c.s.row(0)...), append([]float32(nil), c.s.row(0)...)
		for i := 1; i < n; i++ {
			for j, x := range c.s.row(uint32(i)) {
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
	for i := c.len(); i < n; i++ {
		for j, x := range c.s.row(uint32(i)) {
			q := (x-c.vmin[j])/c.step[j] + 0.5
			c.codes = append(c.codes, byte(max(0, min(255, q))))
		}
	}
}

// prepare folds the quantiser into the query: L2 compares q − vmin with
// code·step; IP sums code·(q·step) and adds ⟨q, vmin⟩, kept after the
// dim components.
func (c *sq8Codes) prepare(q, buf []float32) []float32 {
	d := c.s.dim
	if cap(buf) < d+1 {
		buf = make([]float32, d+1)
	}
	a := buf[:d+1]
	a[d] = 0
	for j := range d {
		if c.s.l2 {
			a[j] = q[j] - c.vmin[j]
		} else {
			a[j] = q[j] * c.step[j]
			a[d] += q[j] * c.vmin[j]
		}
	}
	return a
}

// node is row i decoded (vmin + code·step), in query form.
func (c *sq8Codes) node(i uint32, buf []float32) []float32 {
	d := c.s.dim
	if cap(buf) < d+1 {
		buf = make([]float32, d+1)
	}
	a := buf[:d+1]
	a[d] = 0
	code := c.codes[int(i)*d : int(i+1)*d]
	for j, b := range code {
		x := float32(b) * c.step[j]
		if c.s.l2 {
			a[j] = x
		} else {
			x += c.vmin[j]
			a[j] = x * c.step[j]
			a[d] += x * c.vmin[j]
		}
	}
	return a
}

func (c *sq8Codes) dist(pq []float32, i uint32) float32 {
	var out [1]float32
	c.distIDs(pq, []uint32{i}, out[:])
	return out[0]
}

func (c *sq8Codes) distIDs(pq []float32, ids []uint32, out []float32) {
	d := c.s.dim
	a := pq[:d]
	for k, id := range ids {
		row := c.codes[int(id)*d : int(id+1)*d]
		if c.s.l2 {
			vecmath.SQ8L2Batch(a, c.step, row, out[k:k+1])
		} else {
			vecmath.SQ8DotBatch(a, row, out[k:k+1])
			out[k] = -(out[k] + pq[d])
		}
	}
}

// halfCodes is faiss's QT_fp16 or QT_bf16: each component rounded to a
// 16-bit float. The rounded values are kept as float32 so the float32
// kernels compute the distances (the same numbers the 16-bit values
// give); bytes counts them at 2 bytes each, the codes' size.
type halfCodes struct {
	s    *store
	st   *store // the rounded rows
	bits func(float32) uint16
	val  func(uint16) float32
}

func (c *halfCodes) len() int     { return c.st.len() }
func (c *halfCodes) bytes() int64 { return int64(len(c.st.data)) * 2 }

func (c *halfCodes) sync() {
	for i := c.st.len(); i < c.s.len(); i++ {
		for _, x := range c.s.row(uint32(i)) {
			r := c.val(c.bits(x))
			if math.IsInf(float64(r), 0) {
				r = float32(math.Copysign(65504, float64(x))) // beyond FP16's range: its largest value
			}
			c.st.data = append(c.st.data, r)
		}
	}
}

func (c *halfCodes) prepare(q, buf []float32) []float32              { return q }
func (c *halfCodes) node(i uint32, buf []float32) []float32          { return c.st.row(i) }
func (c *halfCodes) dist(pq []float32, i uint32) float32             { return c.st.dist(pq, i) }
func (c *halfCodes) distIDs(pq []float32, ids []uint32, o []float32) { c.st.distIDs(pq, ids, o) }
