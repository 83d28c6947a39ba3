package datasets

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/milvbench/milvbench/internal/vecmath"
	"github.com/milvbench/milvbench/workloads"
)

// GroundTruth holds the exact nearest neighbours of each query, closest first,
// with their distances (as Distance defines them). Each list has at least K
// entries (fewer only when fewer rows exist or pass the filter) and continues
// past K with every further neighbour at exactly the K-th distance, so ties at
// the K-th distance can count as hits.
type GroundTruth struct {
	K     int         `json:"k"`
	IDs   [][]int64   `json:"-"`
	Dists [][]float32 `json:"-"`
}

// MaxK is the deepest ground truth ExactTopK computes.
const MaxK = 1000

// GTOptions configures ExactTopK.
type GTOptions struct {
	// K is the depth, 1..MaxK.
	K int
	// Filter, when set, admits only the rows for which it returns true.
	Filter func(id int64) bool
	// Workers is the number of goroutines; 0 means GOMAXPROCS.
	Workers int
}

// ComputeGroundTruth finds the exact top-k of every query of ds.
func ComputeGroundTruth(ctx context.Context, ds *Dataset, k int) (*GroundTruth, error) {
	return ExactTopK(ctx, ds.Base, ds.Queries, ds.Info.Metric, GTOptions{K: k})
}

// Tiling of the blocked scan. A worker takes gtQueryChunk queries at a time
// and multiplies them against gtTile base rows (a multiple of 3, the kernel's
// row step), keeping the tile in L2 while the queries stream through L1.
const (
	gtBlock      = 8190 // base rows per Scan batch
	gtTile       = 384
	gtQueryChunk = 32
)

// GTMemoryBound is the memory ExactTopK's streaming scan holds for nq
// queries of dimension dim at depth k, in bytes: one base batch twice (as
// the base hands it over, and in the kernel's padded layout), the query
// block twice (as given, and padded), every query's candidate heap (k plus
// a margin of max(32, k/8) candidates of 16 bytes) and the answer (k ids
// and distances a query, 12 bytes each). The base's size does not enter:
// it is streamed.
func GTMemoryBound(dim, nq, k int) int64 {
	dp := int64((dim + 7) &^ 7)
	batch := int64(gtBlock+3) * (int64(dim) + dp) * 4
	queries := int64(nq) * (int64(dim) + dp) * 4
	heaps := int64(nq) * int64(k+max(32, k/8)) * int64(unsafe.Sizeof(candidate{}))
	answer := int64(nq) * int64(k) * 12
	return batch + queries + heaps + answer
}

// ExactTopK computes the exact top-k of every query over base under metric,
// scanning the base once in blocks.
//
// Distances are first ranked by the expansion ‖x‖² − 2x·q (+‖q‖², L2) or −x·q
// (IP, COSINE) from a register-blocked dot-product kernel; a row enters a
// query's candidate heap only if that estimate beats the heap's worst, and
// then its exact distance (Distance) is computed. At the end the candidates
// are ordered by exact distance. The estimate's rounding error is bounded by
// e = 4(d+4)·2⁻²⁴·(‖x‖max+‖q‖)², so the result is exact whenever the K-th
// exact distance is below the worst kept estimate minus e: every row left
// out is then strictly farther than the K-th neighbour, and all ties at the
// K-th distance were kept. Queries where that margin fails (many near-equal
// distances) are recomputed exactly in a second pass.
func ExactTopK(ctx context.Context, base Base, queries [][]float32, metric workloads.Metric, opt GTOptions) (*GroundTruth, error) {
	if err := checkGTInput(base.Dim(), queries, opt.K); err != nil {
		return nil, err
	}
	s := newGTScan(base.Dim(), queries, metric, opt)
	err := base.Scan(ctx, gtBlock, func(first int64, vecs [][]float32) error {
		if err := s.loadBatch(first, vecs); err != nil {
			return err
		}
		s.scanBatch(first, len(vecs))
		return ctx.Err()
	})
	if err != nil {
		return nil, err
	}
	gt, redo, bound := s.result()
	if len(redo) > 0 {
		if err := exactPass(ctx, base, s.prepared, metric, s.filter, redo, bound, s.k, gt); err != nil {
			return nil, err
		}
	}
	return gt, nil
}

// checkGTInput reports an error unless k is in 1..MaxK and every query has
// the base's dimension d.
func checkGTInput(d int, queries [][]float32, k int) error {
	if k < 1 || k > MaxK {
		return fmt.Errorf("ground truth: k must be in 1..%d, got %d", MaxK, k)
	}
	for i, q := range queries {
		if len(q) != d {
			return fmt.Errorf("ground truth: query %d has dimension %d, base has %d", i, len(q), d)
		}
	}
	return nil
}

// gtScan is the state of ExactTopK's blocked scan: the queries laid out for
// the kernel, one candidate heap per query, and the base batch being
// scanned. Its memory does not grow with the base: one batch, one tile
// per worker and at most capacity candidates per query.
type gtScan struct {
	d, dp       int // dimension, and dimension padded to the kernel's step of 8
	metric      workloads.Metric
	l2          bool
	k, capacity int // depth, and candidates kept per query (k plus slack)
	filter      func(int64) bool
	dist        func(a, b []float32) float32

	nq       int
	qbuf     []float32   // queries at stride dp, zero rows up to a multiple of 4
	prepared [][]float32 // query i as Distance takes it (normalised for COSINE), in qbuf
	qn       []float64   // ‖q‖² of each prepared query
	heaps    []candHeap  // per query: the candidates so far, worst estimate on top

	xbuf  []float32 // the batch at stride dp, zero rows up to a multiple of 3
	xn    []float32 // ‖x‖² of each batch row
	maxXn float64   // the largest ‖x‖² of the base so far

	workers int
	chunk   int         // queries a worker takes at a time
	tiles   [][]float32 // per worker: chunk rows of gtTile+1 dot products
}

// newGTScan prepares a scan of queries (already checked by checkGTInput)
// with empty heaps and buffers for batches of up to gtBlock rows.
func newGTScan(d int, queries [][]float32, metric workloads.Metric, opt GTOptions) *gtScan {
	s := &gtScan{
		d: d, dp: (d + 7) &^ 7, metric: metric, l2: metric == workloads.L2,
		k: opt.K, capacity: opt.K + max(32, opt.K/8),
		filter: opt.Filter, dist: Distance(metric),
		nq: len(queries), heaps: make([]candHeap, len(queries)),
		workers: opt.Workers,
	}
	if s.workers < 1 {
		s.workers = runtime.GOMAXPROCS(0)
	}
	// Every heap holds at most capacity candidates: one backing array of
	// exactly that, rather than slices that grow by doubling (twice the
	// memory, and the garbage of every smaller copy).
	backing := make([]candidate, s.nq*s.capacity)
	for i := range s.heaps {
		s.heaps[i].items = backing[i*s.capacity : i*s.capacity : (i+1)*s.capacity]
	}
	s.prepareQueries(queries)
	s.xbuf = make([]float32, (gtBlock+3)*s.dp)
	s.xn = make([]float32, gtBlock+3)
	nqp := (s.nq + 3) &^ 3
	s.chunk = gtQueryChunk
	for s.chunk > 4 && nqp/s.chunk < 4*s.workers {
		s.chunk /= 2 // smaller chunks, so every worker gets several
	}
	s.tiles = make([][]float32, s.workers)
	for w := range s.tiles {
		s.tiles[w] = make([]float32, s.chunk*(gtTile+1))
	}
	return s
}

// prepareQueries copies the queries into qbuf (normalised for COSINE) and
// records each one's squared norm.
func (s *gtScan) prepareQueries(queries [][]float32) {
	d, dp := s.d, s.dp
	s.qbuf = make([]float32, ((s.nq+3)&^3)*dp)
	s.qn = make([]float64, s.nq)
	s.prepared = make([][]float32, s.nq)
	for i, q := range queries {
		row := s.qbuf[i*dp : i*dp+d : i*dp+d]
		copy(row, q)
		if s.metric == workloads.Cosine {
			vecmath.Normalize(row)
		}
		s.prepared[i] = row
		s.qn[i] = float64(vecmath.Dot(row, row))
	}
}

// loadBatch copies the base rows vecs (row first onwards, at most gtBlock)
// into xbuf, normalised for COSINE, with their squared norms, and zeroes
// the padding rows after them. It fails on a row of the wrong dimension.
func (s *gtScan) loadBatch(first int64, vecs [][]float32) error {
	d, dp := s.d, s.dp
	for j, v := range vecs {
		if len(v) != d {
			return fmt.Errorf("ground truth: base row %d has dimension %d, want %d", first+int64(j), len(v), d)
		}
		row := s.xbuf[j*dp : j*dp+dp]
		copy(row, v)
		if s.metric == workloads.Cosine {
			vecmath.Normalize(row[:d])
		}
		s.xn[j] = vecmath.Dot(row[:d], row[:d])
		s.maxXn = max(s.maxXn, float64(s.xn[j]))
	}
	n := len(vecs)
	clear(s.xbuf[n*dp : (n+2)/3*3*dp])
	return nil
}

// scanBatch offers the n loaded batch rows (base rows first onwards) to
// every query's heap, the workers taking chunks of queries in turn. It
// returns when all queries have seen the batch.
func (s *gtScan) scanBatch(first int64, n int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range s.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				q0 := int(next.Add(int64(s.chunk))) - s.chunk
				if q0 >= s.nq {
					return
				}
				s.scanChunk(s.tiles[w], q0, min(q0+s.chunk, s.nq), first, n)
			}
		}()
	}
	wg.Wait()
}

// scanChunk runs queries q0..q1-1 against the batch tile by tile: the
// kernel fills out with the dot products of the tile, then each query's
// heap takes the rows whose estimate beats its worst.
func (s *gtScan) scanChunk(out []float32, q0, q1 int, first int64, n int) {
	const ldo = gtTile + 1
	dp := s.dp
	np3 := (n + 2) / 3 * 3
	for t0 := 0; t0 < n; t0 += gtTile {
		tn := min(gtTile, np3-t0)
		for qa := q0; qa < q1; qa += 4 {
			vecmath.Dots4x3(s.qbuf[qa*dp:], dp, s.xbuf[t0*dp:], dp, dp, out[(qa-q0)*ldo:], ldo, tn)
		}
		rows := min(tn, n-t0)
		for qi := q0; qi < q1; qi++ {
			s.offerTile(qi, out[(qi-q0)*ldo:(qi-q0)*ldo+rows], t0, first)
		}
	}
}

// offerTile offers query qi the batch rows t0.. whose dot products with it
// are dots: a row whose estimate beats the heap's worst (and that passes
// the filter) enters the heap with its exact distance.
func (s *gtScan) offerTile(qi int, dots []float32, t0 int, first int64) {
	h := &s.heaps[qi]
	capacity, l2, filter, dist := s.capacity, s.l2, s.filter, s.dist
	q, xbuf, d, dp := s.prepared[qi], s.xbuf, s.d, s.dp
	norms := s.xn[t0 : t0+len(dots)]
	thr := float32(math.Inf(1))
	if len(h.items) >= capacity {
		thr = h.items[0].a
	}
	for j, dot := range dots {
		a := -dot
		if l2 {
			a = norms[j] - 2*dot
		}
		if a >= thr {
			continue
		}
		id := first + int64(t0+j)
		if filter != nil && !filter(id) {
			continue
		}
		r := t0 + j
		c := candidate{a: a, e: dist(q, xbuf[r*dp:r*dp+d]), id: id}
		if len(h.items) < capacity {
			h.push(c)
			if len(h.items) == capacity {
				thr = h.items[0].a
			}
		} else {
			h.replaceTop(c)
			thr = h.items[0].a
		}
	}
}

// result orders each query's candidates by exact distance and cuts them to
// k plus ties into gt. Queries whose candidates may miss a neighbour (see
// marginHolds) are left empty and listed in redo, with the K-th exact
// distance among their candidates as bound: exactPass fills them in.
func (s *gtScan) result() (gt *GroundTruth, redo []int, bound map[int]float32) {
	gt = &GroundTruth{K: s.k, IDs: make([][]int64, s.nq), Dists: make([][]float32, s.nq)}
	bound = make(map[int]float32)
	for qi := range s.heaps {
		items := s.heaps[qi].items
		slices.SortFunc(items, byExact)
		if !s.marginHolds(qi, items) {
			redo = append(redo, qi)
			bound[qi] = items[s.k-1].e
			continue
		}
		gt.IDs[qi], gt.Dists[qi] = cut(items, s.k)
		s.heaps[qi].items = nil
	}
	return gt, redo, bound
}

// marginHolds reports whether query qi's candidates (sorted by exact
// distance) surely hold its top k and every tie at the K-th distance: the
// heap never filled, so no row was turned away, or the K-th exact distance
// is below the worst kept estimate by more than the rounding bound.
func (s *gtScan) marginHolds(qi int, items []candidate) bool {
	if len(items) != s.capacity {
		return true
	}
	const u = 1.0 / (1 << 24)
	worst := float64(slices.MaxFunc(items, func(a, b candidate) int { return cmpF32(a.a, b.a) }).a)
	if s.l2 {
		worst += s.qn[qi]
	}
	r := math.Sqrt(s.maxXn) + math.Sqrt(s.qn[qi])
	e := 4*float64(s.d+4)*u*r*r + 1e-30
	dk := float64(items[s.k-1].e)
	return dk < worst-e
}

// exactPass recomputes the queries in redo with exact distances only, keeping
// every row at or below bound[q] (an upper bound on the K-th distance).
func exactPass(ctx context.Context, base Base, prepared [][]float32, metric workloads.Metric, filter func(int64) bool,
	redo []int, bound map[int]float32, k int, gt *GroundTruth) error {
	dist := Distance(metric)
	kept := make([][]candidate, len(redo))
	buf := make([]float32, base.Dim())
	err := base.Scan(ctx, gtBlock, func(first int64, vecs [][]float32) error {
		for j, v := range vecs {
			id := first + int64(j)
			if filter != nil && !filter(id) {
				continue
			}
			x := v
			if metric == workloads.Cosine {
				copy(buf, v)
				vecmath.Normalize(buf)
				x = buf
			}
			for r, qi := range redo {
				if e := dist(prepared[qi], x); e <= bound[qi] {
					kept[r] = append(kept[r], candidate{e: e, id: id})
				}
			}
		}
		return ctx.Err()
	})
	if err != nil {
		return err
	}
	for r, qi := range redo {
		slices.SortFunc(kept[r], byExact)
		gt.IDs[qi], gt.Dists[qi] = cut(kept[r], k)
	}
	return nil
}

// cut returns the first k candidates (sorted by exact distance) plus every
// further one tied with the k-th.
func cut(items []candidate, k int) ([]int64, []float32) {
	n := min(k, len(items))
	for n > 0 && n < len(items) && items[n].e == items[k-1].e {
		n++
	}
	ids, ds := make([]int64, n), make([]float32, n)
	for i := range n {
		ids[i], ds[i] = items[i].id, items[i].e
	}
	return ids, ds
}

func byExact(a, b candidate) int {
	if c := cmpF32(a.e, b.e); c != 0 {
		return c
	}
	switch {
	case a.id < b.id:
		return -1
	case a.id > b.id:
		return 1
	}
	return 0
}

func cmpF32(a, b float32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Relevant returns the ids that count as correct for query qi at depth k:
// the first k neighbours plus any tied with the k-th.
func (gt *GroundTruth) Relevant(qi, k int) []int64 {
	ids, ds := gt.IDs[qi], gt.Dists[qi]
	if k >= len(ids) {
		return ids
	}
	n := k
	for n < len(ids) && ds[n] == ds[k-1] {
		n++
	}
	return ids[:n]
}

// candidate is a row kept for a query: its estimated distance a (heap order)
// and exact distance e.
type candidate struct {
	a, e float32
	id   int64
}

// candHeap is a max-heap on the estimate: the worst kept row is at items[0].
type candHeap struct{ items []candidate }

func (h *candHeap) push(x candidate) {
	h.items = append(h.items, x)
	i := len(h.items) - 1
	for i > 0 {
		p := (i - 1) / 2
		if h.items[p].a >= h.items[i].a {
			break
		}
		h.items[p], h.items[i] = h.items[i], h.items[p]
		i = p
	}
}

func (h *candHeap) replaceTop(x candidate) {
	h.items[0] = x
	n, i := len(h.items), 0
	for {
		l, big := 2*i+1, i
		if l < n && h.items[l].a > h.items[big].a {
			big = l
		}
		if r := l + 1; r < n && h.items[r].a > h.items[big].a {
			big = r
		}
		if big == i {
			return
		}
		h.items[i], h.items[big] = h.items[big], h.items[i]
		i = big
	}
}
