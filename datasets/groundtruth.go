package datasets

import (
	"context"
	"fmt"
	"math"
	"math/bits"
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
// (whole panels of vecmath.PanelWidth; fewer when that would leave a worker
// idle) and multiplies them against a tile of base rows (gtTileRows: a
// multiple of 6, the kernel's row step, and about gtTileFloats floats, so
// the tile stays in L2 while the chunk's query panels stream through L1).
// With chunks of 32 queries every 32 queries re-read the whole batch from
// L3; 256 took FLAT's 1,000-query MiniLM request (BenchmarkBatchReal, one
// core) from 1.19-1.38k to 1.43-1.59k queries per CPU-second, and 1,024
// did no better. Tiles of 24, 48 or 96 Ki floats measured the same.
const (
	gtBlock      = 8190 // base rows per Scan batch, a multiple of 6
	gtTileMax    = 384
	gtTileFloats = 48 << 10
	gtQueryChunk = 256
)

// gtTileRows is the tile height for rows of d floats.
func gtTileRows(d int) int {
	return min(gtTileMax, max(6, gtTileFloats/max(d, 1)/6*6))
}

// GTMemoryBound is the memory ExactTopK's streaming scan holds for nq
// queries of dimension dim at depth k, in bytes: one base batch twice (as
// the base hands it over, and in the kernel's layout), the query block
// twice (as given, and packed in panels of 16), every query's candidate
// heap (k plus a margin of max(32, k/8) candidates of 16 bytes) and the
// answer (k ids and distances a query, 12 bytes each). The base's size
// does not enter: it is streamed.
func GTMemoryBound(dim, nq, k int) int64 {
	batch := int64(gtBlock+6) * int64(2*dim) * 4
	queries := (int64(nq) + int64(nq+vecmath.PanelWidth-1)/vecmath.PanelWidth*vecmath.PanelWidth) * int64(dim) * 4
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
	if workloads.BinaryMetric(metric) {
		return exactTopKBinary(ctx, base, queries, metric, opt)
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
	d           int // dimension
	tile        int // base rows a kernel pass takes (gtTileRows)
	metric      workloads.Metric
	l2          bool
	k, capacity int // depth, and candidates kept per query (k plus slack)
	filter      func(int64) bool
	dist        func(a, b []float32) float32

	nq       int
	panels   []float32   // the prepared queries in panels of PanelWidth (vecmath.PackPanel), d·PanelWidth floats each
	prepared [][]float32 // query i as Distance takes it (normalised for COSINE)
	qn       []float64   // ‖q‖² of each prepared query
	heaps    []candHeap  // per query: the candidates so far, worst estimate on top

	xbuf  []float32 // the batch at stride d, zero rows up to a multiple of 6
	xn    []float32 // ‖x‖² of each batch row
	maxXn float64   // the largest ‖x‖² of the base so far

	workers int
	chunk   int         // queries a worker takes at a time, a multiple of PanelWidth
	tiles   [][]float32 // per worker: tile rows × PanelWidth dot products
	hits    [][]uint32  // per worker: the rows of a tile some query may take
}

// newGTScan prepares a scan of queries (already checked by checkGTInput)
// with empty heaps and buffers for batches of up to gtBlock rows.
func newGTScan(d int, queries [][]float32, metric workloads.Metric, opt GTOptions) *gtScan {
	s := &gtScan{
		d: d, tile: gtTileRows(d), metric: metric, l2: metric == workloads.L2,
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
	s.xbuf = make([]float32, (gtBlock+6)*s.d)
	s.xn = make([]float32, gtBlock+6)
	s.chunk = gtQueryChunk
	for s.chunk > vecmath.PanelWidth && s.nq/s.chunk < 4*s.workers {
		s.chunk /= 2 // smaller chunks, so every worker gets several
	}
	s.tiles = make([][]float32, s.workers)
	s.hits = make([][]uint32, s.workers)
	for w := range s.tiles {
		s.tiles[w] = make([]float32, s.tile*vecmath.PanelWidth)
		s.hits[w] = make([]uint32, 0, s.tile)
	}
	return s
}

// prepareQueries copies the queries into qbuf (normalised for COSINE) and
// records each one's squared norm.
func (s *gtScan) prepareQueries(queries [][]float32) {
	d, w := s.d, vecmath.PanelWidth
	rows := make([]float32, s.nq*d)
	s.qn = make([]float64, s.nq)
	s.prepared = make([][]float32, s.nq)
	for i, q := range queries {
		row := rows[i*d : (i+1)*d : (i+1)*d]
		copy(row, q)
		if s.metric == workloads.Cosine {
			vecmath.Normalize(row)
		}
		s.prepared[i] = row
		s.qn[i] = float64(vecmath.Dot(row, row))
	}
	np := (s.nq + w - 1) / w
	s.panels = make([]float32, np*d*w)
	for p := range np {
		vecmath.PackPanel(s.panels[p*d*w:(p+1)*d*w], s.prepared[p*w:min((p+1)*w, s.nq)], d)
	}
}

// loadBatch copies the base rows vecs (row first onwards, at most gtBlock)
// into xbuf, normalised for COSINE, with their squared norms, and zeroes
// the padding rows after them. It fails on a row of the wrong dimension.
func (s *gtScan) loadBatch(first int64, vecs [][]float32) error {
	d := s.d
	for j, v := range vecs {
		if len(v) != d {
			return fmt.Errorf("ground truth: base row %d has dimension %d, want %d", first+int64(j), len(v), d)
		}
		row := s.xbuf[j*d : (j+1)*d]
		copy(row, v)
		if s.metric == workloads.Cosine {
			vecmath.Normalize(row)
		}
		s.xn[j] = vecmath.Dot(row, row)
		s.maxXn = max(s.maxXn, float64(s.xn[j]))
	}
	n := len(vecs)
	clear(s.xbuf[n*d : (n+5)/6*6*d])
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
				s.hits[w] = s.scanChunk(s.tiles[w], s.hits[w], q0, min(q0+s.chunk, s.nq), first, n)
			}
		}()
	}
	wg.Wait()
}

// scanChunk runs queries q0..q1-1 (q0 a multiple of PanelWidth) against
// the batch tile by tile, panel by panel: the kernel fills out with the
// panel's dot products with the tile, a vector pass picks the (row, query)
// pairs whose estimate beats that query's worst kept one at the start of
// the tile, and offer takes them row by row. It returns hits, the
// worker's scratch for that pass.
func (s *gtScan) scanChunk(out []float32, hits []uint32, q0, q1 int, first int64, n int) []uint32 {
	const w = vecmath.PanelWidth
	d := s.d
	np6 := (n + 5) / 6 * 6
	inf := float32(math.Inf(1))
	scale := float32(-1)
	if s.l2 {
		scale = -2
	}
	for t0 := 0; t0 < n; t0 += s.tile {
		tn := min(s.tile, np6-t0)
		rows := min(tn, n-t0)
		var norms []float32
		if s.l2 {
			norms = s.xn[t0 : t0+rows]
		}
		for p0 := q0; p0 < q1; p0 += w {
			vecmath.DotsPanel(s.panels[p0*d:(p0+w)*d], d, s.xbuf[t0*d:], d, tn, out, w)
			var thr [w]float32
			for i := range thr {
				switch qi := p0 + i; {
				case qi >= q1:
					thr[i] = -inf // a padding lane of the last panel
				case len(s.heaps[qi].items) >= s.capacity:
					thr[i] = s.heaps[qi].items[0].a
				default:
					thr[i] = inf
				}
			}
			// The thresholds only fall as the heaps take rows, so the
			// ones at the start of the tile let through every row that
			// offer's check against the current worst would take.
			hits = vecmath.PanelBelow(out, w, rows, norms, scale, &thr, hits[:0])
			for _, hm := range hits {
				j := int(hm >> 16)
				for m := hm & 0xffff; m != 0; m &= m - 1 {
					i := bits.TrailingZeros32(m)
					s.offer(p0+i, out[j*w+i], t0+j, first)
				}
			}
		}
	}
	return hits
}

// offer offers query qi batch row r (base row first+r), whose dot product
// with it is dot: if its estimate beats the heap's worst (or the heap is
// not full) and it passes the filter, it enters the heap with its exact
// distance.
func (s *gtScan) offer(qi int, dot float32, r int, first int64) {
	h := &s.heaps[qi]
	a := -dot
	if s.l2 {
		a = s.xn[r] - 2*dot
	}
	full := len(h.items) >= s.capacity
	if full && a >= h.items[0].a {
		return
	}
	id := first + int64(r)
	if s.filter != nil && !s.filter(id) {
		return
	}
	d := s.d
	c := candidate{a: a, e: s.dist(s.prepared[qi], s.xbuf[r*d:(r+1)*d]), id: id}
	if full {
		h.replaceTop(c)
	} else {
		h.push(c)
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
