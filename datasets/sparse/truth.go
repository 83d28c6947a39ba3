package sparse

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/milvbench/milvbench/datasets"
)

// Options configures ExactIP and ExactBM25.
type Options struct {
	// K is the depth, 1..datasets.MaxK.
	K int
	// Workers is the number of goroutines; 0 means GOMAXPROCS.
	Workers int

	batch int // rows (documents) per Scan batch; 0 means the default (tests set it)
}

func (o Options) batchOr(def int) int {
	if o.batch > 0 {
		return o.batch
	}
	return def
}

func (o Options) check() error {
	if o.K < 1 || o.K > datasets.MaxK {
		return fmt.Errorf("ground truth: k must be in 1..%d, got %d", datasets.MaxK, o.K)
	}
	return nil
}

func (o Options) workers() int {
	if o.Workers > 0 {
		return o.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// ipBlock is the number of base rows ExactIP asks the base for at a time.
const ipBlock = 16384

// ExactIP computes the exact top-k of every query under sparse inner
// product, by an inverted-index accumulation over the streamed base.
//
// For each batch of base rows it builds the batch's postings — for every
// dimension some query uses, the (row, value) pairs of the batch in row
// order — then, per query, walks its dimensions in increasing order and
// adds q_d·x_d (in float64) into a dense accumulator the size of the batch,
// and offers every row it touched to the query's heap with its score
// rounded to float32. Each row's score is therefore summed in exactly the
// order Dot sums it, and equals Dot(q, x).
//
// Candidates are the rows sharing at least one dimension with the query
// (what an inverted index can return); a list is shorter than K when fewer
// rows do. The result follows datasets.GroundTruth: distances are negated
// scores (as datasets.Distance stores IP), closest first, ties broken by
// id, and every row tied with the K-th kept (Relevant counts them).
//
// Memory: the base's own batch (≈ 8 bytes per non-zero) and its postings
// for query dimensions (8 bytes per matching non-zero), a slot table over
// the dimensions (4 bytes × Dims when Dims ≤ 2^22, else a map over the
// queries' dimensions), per worker an accumulator of 13 bytes per batch row,
// the queries, and per query a heap of K candidates (16 bytes each) plus
// any ties at its K-th score. The base's size does not enter.
func ExactIP(ctx context.Context, base Base, queries []Vector, opt Options) (*datasets.GroundTruth, error) {
	if err := opt.check(); err != nil {
		return nil, err
	}
	for i, q := range queries {
		if err := q.Check(); err != nil {
			return nil, fmt.Errorf("ground truth: query %d: %v", i, err)
		}
		if n := len(q.Indices); n > 0 && int64(q.Indices[n-1]) >= base.Dims() {
			return nil, fmt.Errorf("ground truth: query %d: index %d ≥ the base's dims %d", i, q.Indices[n-1], base.Dims())
		}
	}
	s := newIPScan(base.Dims(), queries, opt)
	err := base.Scan(ctx, opt.batchOr(ipBlock), func(first int64, rows []Vector) error {
		if err := s.postings(first, rows); err != nil {
			return err
		}
		s.accumulate(first, len(rows))
		return ctx.Err()
	})
	if err != nil {
		return nil, err
	}
	gt := &datasets.GroundTruth{K: opt.K, IDs: make([][]int64, len(queries)), Dists: make([][]float32, len(queries))}
	for qi := range s.heaps {
		gt.IDs[qi], gt.Dists[qi] = s.heaps[qi].result()
	}
	return gt, nil
}

// ipScan is ExactIP's state: the queries as (slot, weight) lists, the slot
// of every query dimension, the current batch's postings by slot, and one
// heap per query.
type ipScan struct {
	dims     int64
	dense    []int32          // dimension → slot (−1: no query uses it), when dims is small
	sparse   map[uint32]int32 // the same, otherwise
	nslots   int
	qslots   [][]int32 // per query: slots in increasing dimension order
	qweights [][]float32
	heaps    []topK

	start   []int32 // postings of slot s: start[s] ..< start[s+1]
	postRow []int32
	postVal []float32

	workers int
	accs    []accumulator
}

type accumulator struct {
	acc     []float64
	mark    []bool
	touched []int32
}

const denseSlotLimit = 1 << 22

func newIPScan(dims int64, queries []Vector, opt Options) *ipScan {
	s := &ipScan{dims: dims, heaps: make([]topK, len(queries)), workers: opt.workers()}
	var all []uint32
	for _, q := range queries {
		all = append(all, q.Indices...)
	}
	slices.Sort(all)
	all = slices.Compact(all)
	s.nslots = len(all)
	if dims <= denseSlotLimit {
		s.dense = make([]int32, dims)
		for i := range s.dense {
			s.dense[i] = -1
		}
		for i, d := range all {
			s.dense[d] = int32(i)
		}
	} else {
		s.sparse = make(map[uint32]int32, len(all))
		for i, d := range all {
			s.sparse[d] = int32(i)
		}
	}
	s.qslots = make([][]int32, len(queries))
	s.qweights = make([][]float32, len(queries))
	for qi, q := range queries {
		s.heaps[qi].k = opt.K
		for j, d := range q.Indices {
			s.qslots[qi] = append(s.qslots[qi], s.slot(d))
			s.qweights[qi] = append(s.qweights[qi], q.Values[j])
		}
	}
	s.start = make([]int32, s.nslots+1)
	s.accs = make([]accumulator, s.workers)
	return s
}

func (s *ipScan) slot(d uint32) int32 {
	if s.dense != nil {
		if int64(d) >= int64(len(s.dense)) {
			return -1
		}
		return s.dense[d]
	}
	if v, ok := s.sparse[d]; ok {
		return v
	}
	return -1
}

// postings builds the batch's postings for the query dimensions (counting
// sort by slot, rows in order). It fails on a row that breaks Vector's
// rules or has an index at or above dims.
func (s *ipScan) postings(first int64, rows []Vector) error {
	clear(s.start)
	total := 0
	for r, v := range rows {
		if err := v.Check(); err != nil {
			return fmt.Errorf("ground truth: base row %d: %v", first+int64(r), err)
		}
		if n := len(v.Indices); n > 0 && int64(v.Indices[n-1]) >= s.dims {
			return fmt.Errorf("ground truth: base row %d: index %d ≥ dims %d", first+int64(r), v.Indices[n-1], s.dims)
		}
		for _, d := range v.Indices {
			if sl := s.slot(d); sl >= 0 {
				s.start[sl+1]++
				total++
			}
		}
	}
	for i := 1; i <= s.nslots; i++ {
		s.start[i] += s.start[i-1]
	}
	if cap(s.postRow) < total {
		s.postRow, s.postVal = make([]int32, total), make([]float32, total)
	}
	s.postRow, s.postVal = s.postRow[:total], s.postVal[:total]
	fill := slices.Clone(s.start[:s.nslots])
	for r, v := range rows {
		for j, d := range v.Indices {
			if sl := s.slot(d); sl >= 0 {
				p := fill[sl]
				s.postRow[p], s.postVal[p] = int32(r), v.Values[j]
				fill[sl]++
			}
		}
	}
	return nil
}

// accumulate scores every query against the batch (n rows from first), the
// workers taking queries in chunks, and offers the touched rows to the
// queries' heaps.
func (s *ipScan) accumulate(first int64, n int) {
	const chunk = 16
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range s.workers {
		a := &s.accs[w]
		if len(a.acc) < n {
			a.acc, a.mark = make([]float64, n), make([]bool, n)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				q0 := int(next.Add(chunk)) - chunk
				if q0 >= len(s.heaps) {
					return
				}
				for qi := q0; qi < min(q0+chunk, len(s.heaps)); qi++ {
					s.score(a, qi, first)
				}
			}
		}()
	}
	wg.Wait()
}

// score accumulates query qi over the batch's postings into a and offers
// the touched rows to its heap.
func (s *ipScan) score(a *accumulator, qi int, first int64) {
	a.touched = a.touched[:0]
	acc, mark := a.acc, a.mark
	for j, sl := range s.qslots[qi] {
		w := float64(s.qweights[qi][j])
		for p := s.start[sl]; p < s.start[sl+1]; p++ {
			r := s.postRow[p]
			if !mark[r] {
				mark[r] = true
				a.touched = append(a.touched, r)
			}
			acc[r] += w * float64(s.postVal[p])
		}
	}
	h := &s.heaps[qi]
	for _, r := range a.touched {
		h.offer(-float32(acc[r]), first+int64(r))
		acc[r], mark[r] = 0, false
	}
}

// topK keeps the k best (smallest distance) candidates offered, plus every
// candidate tied with the worst of them: h is a max-heap on distance, ties
// holds further candidates at exactly h[0]'s distance once h is full.
// Any order of offers gives the same result.
type topK struct {
	k    int
	h    []cand
	ties []cand
}

type cand struct {
	d  float32
	id int64
}

func (t *topK) offer(d float32, id int64) {
	c := cand{d, id}
	if len(t.h) < t.k {
		t.h = append(t.h, c)
		for i := len(t.h) - 1; i > 0; {
			p := (i - 1) / 2
			if t.h[p].d >= t.h[i].d {
				break
			}
			t.h[p], t.h[i] = t.h[i], t.h[p]
			i = p
		}
		return
	}
	top := t.h[0].d
	if d > top {
		return
	}
	if d == top {
		t.ties = append(t.ties, c)
		return
	}
	old := t.h[0]
	t.h[0] = c
	for i, n := 0, len(t.h); ; {
		l, big := 2*i+1, i
		if l < n && t.h[l].d > t.h[big].d {
			big = l
		}
		if r := l + 1; r < n && t.h[r].d > t.h[big].d {
			big = r
		}
		if big == i {
			break
		}
		t.h[i], t.h[big] = t.h[big], t.h[i]
		i = big
	}
	if t.h[0].d == top {
		t.ties = append(t.ties, old)
	} else {
		t.ties = t.ties[:0]
	}
}

// merge offers every candidate of o to t.
func (t *topK) merge(o *topK) {
	for _, c := range o.h {
		t.offer(c.d, c.id)
	}
	for _, c := range o.ties {
		t.offer(c.d, c.id)
	}
}

// result returns the candidates closest first (ties by id), cut to k plus
// every further one tied with the k-th.
func (t *topK) result() ([]int64, []float32) {
	all := append(slices.Clip(t.h), t.ties...)
	slices.SortFunc(all, func(a, b cand) int {
		switch {
		case a.d < b.d:
			return -1
		case a.d > b.d:
			return 1
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
	n := min(t.k, len(all))
	for n > 0 && n < len(all) && all[n].d == all[n-1].d {
		n++
	}
	ids, ds := make([]int64, n), make([]float32, n)
	for i := range n {
		ids[i], ds[i] = all[i].id, all[i].d
	}
	return ids, ds
}
