package embedded

import (
	"cmp"
	"fmt"
	"math"
	mathbits "math/bits"
	"slices"
	"sync"

	"github.com/milvbench/milvbench/datasets/sparse"
	"github.com/milvbench/milvbench/workloads"
)

// SPARSE_INVERTED_INDEX: an inverted index over a sparse field (scored by
// inner product) or over a text field's BM25 output (bm25.go builds that
// one). Each list holds one dimension's (or term's) postings — the rows
// that have it, ascending, with their value (a sparse weight, or a term
// frequency) — and the bounds DAAT traversals prune with.
//
// Parameters, as knowhere (zilliztech/knowhere) defines them:
//
//   - drop_ratio_build r: before indexing, the ⌊r·nnz⌋-th smallest
//     absolute value over every non-zero of every row (nnz of them) is the
//     threshold, and values whose absolute value is below it are left out
//     of the lists (a text field: term frequencies; a document's length
//     still counts every term). Followed from knowhere ≤ v2.5.1,
//     src/index/sparse/sparse_inverted_index.h (Train: get_threshold over
//     all rows' values, one global threshold; add_row_to_index skips
//     fabs(val) < value_threshold_). It is one quantile over the whole
//     collection, not a share of each list. knowhere v2.5.10 and later
//     (commit 8380a969, "memory usage optimization for sparse vector")
//     ignore the parameter: a server of those versions keeps every value.
//   - drop_ratio_search r: per query, the ⌊r·n⌋-th smallest absolute
//     weight of its n non-zeros is the threshold (0 when ⌊r·n⌋ is 0), and
//     the query's non-zeros whose absolute weight is below it are not
//     searched (knowhere src/index/sparse/inverted_index.h,
//     get_query_drop_threshold and parse_query_with_dim_map). A BM25
//     query's weights are its terms' IDF·(count in the query), the value
//     knowhere's BM25 scorer takes as the query's (scorer.h: "qval is IDF
//     value").
//   - inverted_index_algo: TAAT_NAIVE accumulates every kept query term's
//     list into a score per row; DAAT_MAXSCORE and DAAT_WAND walk the
//     lists document at a time and skip rows whose upper bound (the sum of
//     the lists' largest contributions) cannot reach the current k-th
//     score — MaxScore, like knowhere's, takes queries of 20 terms or more
//     a window of 4096 rows at a time (maxScoreBulk). The DAAT bounds are
//     exact (knowhere's default dim_max_score_ratio 1.05 only loosens
//     them), so all three return the same top-k: they differ in work, not
//     answers.
//
// Scores are summed in float64 in the query's order (a sparse query's
// increasing dimensions, a BM25 query's terms in order of first
// occurrence) and rounded to float32, exactly as datasets/sparse ExactIP
// and ExactBM25 sum them; a DAAT traversal records each term's
// contribution and sums them in that order, so with drop ratios 0 every
// algorithm returns the exact top-k. Ties at equal score go to the lower
// row (id).
type sparseIndex struct {
	cfg  workloads.IndexConfig
	bm25 bool
	algo string
	// threshold: values whose absolute value is below it were not indexed.
	threshold float32

	// Postings of list l: row[start[l]:start[l+1]], val likewise.
	start []int64
	row   []uint32
	val   []float32
	// hi and lo are each list's largest and smallest indexed value
	// (BM25: hi is the largest term-frequency factor, see bm25.go).
	hi, lo []float64

	// A sparse field's dimension → list.
	dims map[uint32]int32

	// A text field's BM25 state (bm25.go).
	bm *bm25State

	rows int
	mem  int64

	scratch sync.Pool // *sparseScratch
}

// Sparse index algorithms (inverted_index_algo).
const (
	algoMaxScore = "DAAT_MAXSCORE"
	algoWAND     = "DAAT_WAND"
	algoTAAT     = "TAAT_NAIVE"
)

// sparseAlgo is cfg's inverted_index_algo (default DAAT_MAXSCORE, as
// Milvus's), checked.
func sparseAlgo(p workloads.Params) (string, error) {
	a := p.String("inverted_index_algo", algoMaxScore)
	if !slices.Contains(workloads.SparseAlgorithms(), a) {
		return "", fmt.Errorf("embedded target: inverted_index_algo %q is not one of %v", a, workloads.SparseAlgorithms())
	}
	return a, nil
}

// dropThreshold is knowhere's get_threshold: with n = len(abs), the
// ⌊ratio·n⌋-th smallest value (0-based), or 0 when that count is 0 (drop
// nothing). The product is taken in float32, as knowhere computes it.
// abs is reordered.
func dropThreshold(abs []float32, ratio float64) float32 {
	n := int(float32(ratio) * float32(len(abs)))
	if n <= 0 || len(abs) == 0 {
		return 0
	}
	n = min(n, len(abs)-1)
	slices.Sort(abs)
	return abs[n]
}

// newSparseIndex indexes rows (a sparse field) under cfg.
func newSparseIndex(rows []sparse.Vector, cfg workloads.IndexConfig) (*sparseIndex, error) {
	algo, err := sparseAlgo(cfg.Build)
	if err != nil {
		return nil, err
	}
	x := &sparseIndex{cfg: cfg, algo: algo, dims: map[uint32]int32{}, rows: len(rows)}
	if r := cfg.Build.Float("drop_ratio_build", 0); r > 0 {
		var abs []float32
		for _, v := range rows {
			for _, w := range v.Values {
				abs = append(abs, float32(math.Abs(float64(w))))
			}
		}
		x.threshold = dropThreshold(abs, r)
	}
	// Counting sort by list, rows in order.
	var counts []int64
	for _, v := range rows {
		for j, d := range v.Indices {
			if x.dropped(v.Values[j]) {
				continue
			}
			l, ok := x.dims[d]
			if !ok {
				l = int32(len(counts))
				x.dims[d] = l
				counts = append(counts, 0)
			}
			counts[l]++
		}
	}
	x.allocLists(counts)
	fill := slices.Clone(x.start[:len(counts)])
	for r, v := range rows {
		for j, d := range v.Indices {
			w := v.Values[j]
			if x.dropped(w) {
				continue
			}
			l := x.dims[d]
			p := fill[l]
			x.row[p], x.val[p] = uint32(r), w
			fill[l]++
			x.hi[l], x.lo[l] = max(x.hi[l], float64(w)), min(x.lo[l], float64(w))
		}
	}
	x.mem = x.listBytes() + int64(len(x.dims))*16
	return x, nil
}

// dropped reports whether drop_ratio_build leaves value v out.
func (x *sparseIndex) dropped(v float32) bool {
	return float32(math.Abs(float64(v))) < x.threshold
}

// allocLists sizes the postings for lists of the given lengths.
func (x *sparseIndex) allocLists(counts []int64) {
	x.start = make([]int64, len(counts)+1)
	for l, c := range counts {
		x.start[l+1] = x.start[l] + c
	}
	total := x.start[len(counts)]
	x.row, x.val = make([]uint32, total), make([]float32, total)
	x.hi, x.lo = make([]float64, len(counts)), make([]float64, len(counts))
	for l := range x.hi {
		x.hi[l], x.lo[l] = math.Inf(-1), math.Inf(1)
	}
}

// listBytes is the memory of the postings and their bounds.
func (x *sparseIndex) listBytes() int64 {
	return int64(len(x.row))*4 + int64(len(x.val))*4 + int64(len(x.start))*8 + int64(len(x.hi)+len(x.lo))*8
}

func (x *sparseIndex) memoryBytes() int64 { return x.mem }

// qterm is one searched non-zero of a query: its list, its weight (a
// sparse query's value; a BM25 query's count of the term) and the upper
// bound of its contribution to any row's score.
type qterm struct {
	list int32
	w    float64
	ub   float64
}

// sparseQuery turns a sparse query into its searched terms, in increasing
// dimension order, after drop_ratio_search.
func (x *sparseIndex) sparseQuery(q sparse.Vector, drop float64) []qterm {
	var th float32
	if drop > 0 {
		abs := make([]float32, len(q.Values))
		for i, w := range q.Values {
			abs[i] = float32(math.Abs(float64(w)))
		}
		th = dropThreshold(abs, drop)
	}
	out := make([]qterm, 0, len(q.Indices))
	for i, d := range q.Indices {
		w := q.Values[i]
		if float32(math.Abs(float64(w))) < th {
			continue
		}
		l, ok := x.dims[d]
		if !ok {
			continue
		}
		wf := float64(w)
		out = append(out, qterm{list: l, w: wf, ub: max(0, wf*x.hi[l], wf*x.lo[l])})
	}
	return out
}

// contrib is term t's contribution to the score of the row at posting p:
// the same float64 expression ExactIP and ExactBM25 add, rounded to
// float64 explicitly so no fused multiply-add changes it.
func (x *sparseIndex) contrib(t *qterm, p int64) float64 {
	if x.bm != nil {
		tf := float64(x.val[p])
		return float64(x.bm.idf[t.list] * (tf * (x.bm.k1 + 1.0) / (tf + x.bm.norm[x.row[p]])) * t.w)
	}
	return float64(t.w * float64(x.val[p]))
}

// scored is a row and its score (larger is better).
type scored struct {
	s   float32
	row uint32
}

// topHeap keeps the k best rows: higher score first, then lower row. Its
// root is the worst kept.
type topHeap struct {
	k int
	h []scored
}

// worse reports whether a ranks below b.
func worse(a, b scored) bool { return a.s < b.s || (a.s == b.s && a.row > b.row) }

func (t *topHeap) full() bool { return len(t.h) >= t.k }

// floor is the score a row must reach to enter (−∞ until the heap is full).
func (t *topHeap) floor() float64 {
	if !t.full() {
		return math.Inf(-1)
	}
	return float64(t.h[0].s)
}

func (t *topHeap) offer(c scored) {
	h := t.h
	if len(h) < t.k {
		h = append(h, c)
		for i := len(h) - 1; i > 0; {
			p := (i - 1) / 2
			if !worse(h[i], h[p]) {
				break
			}
			h[i], h[p] = h[p], h[i]
			i = p
		}
		t.h = h
		return
	}
	if !worse(h[0], c) {
		return
	}
	h[0] = c
	for i, n := 0, len(h); ; {
		l, m := 2*i+1, i
		if l < n && worse(h[l], h[m]) {
			m = l
		}
		if r := l + 1; r < n && worse(h[r], h[m]) {
			m = r
		}
		if m == i {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// sorted returns the kept rows best first.
func (t *topHeap) sorted() []scored {
	out := slices.Clone(t.h)
	slices.SortFunc(out, func(a, b scored) int {
		switch {
		case worse(b, a):
			return -1
		case worse(a, b):
			return 1
		}
		return 0
	})
	return out
}

// prunable reports whether a row whose score is at most ub cannot enter a
// heap whose floor is floor: ub is below the floor by more than float32
// rounding and float64 summation order could make up, so a row tied with
// the floor at float32 is never skipped.
func prunable(ub, floor float64) bool {
	return ub < floor-math.Abs(floor)*1e-6-1e-37
}

// sparseScratch is one search's working memory.
type sparseScratch struct {
	acc     []float64
	mark    []bool
	touched []uint32
	cs      []float64
	has     []bool
	order   []int
	pos     []int64
	end     []int64
	pre     []float64
	cd      []uint32
	// maxScoreBulk's window: a bound per row, the rows touched, where
	// where each list's part in the window starts, each term's place in
	// the order by bound.
	wacc   []float64
	wbits  []uint64
	wstart []int64
	slot   []int
}

func (x *sparseIndex) getScratch(nq int) *sparseScratch {
	s, _ := x.scratch.Get().(*sparseScratch)
	if s == nil {
		s = &sparseScratch{}
	}
	if len(s.acc) < x.rows && x.algo == algoTAAT {
		s.acc, s.mark = make([]float64, x.rows), make([]bool, x.rows)
	}
	if len(s.cs) < nq {
		s.cs, s.has = make([]float64, nq), make([]bool, nq)
		s.order, s.pos, s.pre = make([]int, nq), make([]int64, nq), make([]float64, nq)
		s.end, s.cd = make([]int64, nq), make([]uint32, nq)
	}
	return s
}

// search returns q's top-k rows that allow passes, best first, and the
// postings it scored (its work).
func (x *sparseIndex) search(q []qterm, k int, allow *bitset) ([]scored, int64) {
	if k <= 0 || len(q) == 0 {
		return nil, 0
	}
	s := x.getScratch(len(q))
	defer x.scratch.Put(s)
	h := &topHeap{k: k, h: make([]scored, 0, k)}
	var work int64
	switch x.algo {
	case algoTAAT:
		work = x.taat(q, h, allow, s)
	case algoWAND:
		work = x.wand(q, h, allow, s)
	default:
		if len(q) >= bulkTerms {
			work = x.maxScoreBulk(q, h, allow, s)
		} else {
			work = x.maxScore(q, h, allow, s)
		}
	}
	return h.sorted(), work
}

// taat accumulates every term's list into per-row scores, in query order.
func (x *sparseIndex) taat(q []qterm, h *topHeap, allow *bitset, s *sparseScratch) int64 {
	acc, mark := s.acc, s.mark
	touched := s.touched[:0]
	var work int64
	for i := range q {
		t := &q[i]
		lo, hi := x.start[t.list], x.start[t.list+1]
		work += hi - lo
		for p := lo; p < hi; p++ {
			r := x.row[p]
			if !mark[r] {
				mark[r] = true
				touched = append(touched, r)
			}
			acc[r] += x.contrib(t, p)
		}
	}
	for _, r := range touched {
		if allow.has(r) {
			h.offer(scored{float32(acc[r]), r})
		}
		acc[r], mark[r] = 0, false
	}
	s.touched = touched
	return work
}

// docAt is the row at list position p of term i, or ^0 past its end.
func (x *sparseIndex) docAt(q []qterm, i int, p int64) uint32 {
	if p >= x.start[q[i].list+1] {
		return math.MaxUint32
	}
	return x.row[p]
}

// seek returns the first position at or after p in term i's list whose
// row is ≥ r (galloping, then binary search).
func (x *sparseIndex) seek(q []qterm, i int, p int64, r uint32) int64 {
	end := x.start[q[i].list+1]
	if p >= end || x.row[p] >= r {
		return p
	}
	step := int64(1)
	lo := p
	for lo+step < end && x.row[lo+step] < r {
		lo += step
		step *= 2
	}
	hi := min(lo+step, end)
	// x.row[lo] < r; find the first in (lo, hi] with row ≥ r.
	n, _ := slices.BinarySearch(x.row[lo+1:hi], r)
	return lo + 1 + int64(n)
}

// finish sums the recorded contributions in query order, clears them, and
// offers the row.
func finish(h *topHeap, s *sparseScratch, nq int, r uint32) {
	var sum float64
	for i := range nq {
		if s.has[i] {
			sum += s.cs[i]
			s.cs[i], s.has[i] = 0, false
		}
	}
	h.offer(scored{float32(sum), r})
}

// maxScore is DAAT MaxScore (Turtle & Flood): terms sorted by bound; the
// byBound fills order with 0..len-1 sorted by the terms' upper bounds,
// lowest first (ties in query order).
func byBound(order []int, q []qterm) {
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(q[a].ub, q[b].ub) })
}

// lowest-bound terms whose bounds together cannot reach the floor are
// non-essential: rows are drawn from the essential lists only, and the
// non-essential ones are probed, highest bound first, while the row can
// still make the floor.
func (x *sparseIndex) maxScore(q []qterm, h *topHeap, allow *bitset, s *sparseScratch) int64 {
	n := len(q)
	order, pos, pre, end, cd := s.order[:n], s.pos[:n], s.pre[:n], s.end[:n], s.cd[:n]
	byBound(order, q)
	var acc float64
	next := uint32(math.MaxUint32) // the smallest current row of the essential lists
	for j, i := range order {
		pos[j], end[j] = x.start[q[i].list], x.start[q[i].list+1]
		cd[j] = x.row[pos[j]] // lists are never empty
		next = min(next, cd[j])
		acc += q[i].ub
		pre[j] = acc // bound of a row found only in order[:j+1]
	}
	var work int64
	ess := 0 // order[ess:] are essential
	for {
		floor := h.floor()
		if prunable(pre[min(ess, n-1)], floor) && ess < n {
			for ess < n && prunable(pre[ess], floor) {
				ess++
			}
			next = math.MaxUint32
			for j := ess; j < n; j++ {
				next = min(next, cd[j])
			}
		}
		if ess == n || next == math.MaxUint32 {
			return work
		}
		d := next
		next = math.MaxUint32
		ok := allow.has(d)
		var partial float64
		for j := ess; j < n; j++ {
			if cd[j] == d {
				if ok {
					i := order[j]
					c := x.contrib(&q[i], pos[j])
					s.cs[i], s.has[i] = c, true
					partial += c
					work++
				}
				pos[j]++
				if pos[j] < end[j] {
					cd[j] = x.row[pos[j]]
				} else {
					cd[j] = math.MaxUint32
				}
			}
			next = min(next, cd[j])
		}
		if !ok {
			continue
		}
		pruned := false
		for j := ess - 1; j >= 0; j-- {
			if prunable(partial+pre[j], floor) {
				pruned = true
				break
			}
			if cd[j] < d {
				pos[j] = x.seek(q, order[j], pos[j], d)
				if pos[j] < end[j] {
					cd[j] = x.row[pos[j]]
				} else {
					cd[j] = math.MaxUint32
				}
			}
			if cd[j] == d {
				i := order[j]
				c := x.contrib(&q[i], pos[j])
				s.cs[i], s.has[i] = c, true
				partial += c
				work++
			}
		}
		if pruned {
			for i := range n {
				s.cs[i], s.has[i] = 0, false
			}
			continue
		}
		finish(h, s, n, d)
	}
}

// bulkTerms and bulkWindow: from bulkTerms searched terms on, MaxScore
// scores a window of bulkWindow rows at a time (knowhere's
// DaatMaxScoreSearcher::run_sorted_bulk, after Lucene's
// MaxScoreBulkScorer, whose default bulk_query_nnz_threshold is 20).
const (
	bulkTerms  = 20
	bulkWindow = 4096
)

// maxScoreBulk is MaxScore over windows of rows: the essential partition
// is frozen for a window, the essential lists' postings in it are
// accumulated term at a time into a bound per row, and each row whose
// bound with the non-essential lists' can still make the floor is
// completed by probing those (highest bound first, stopping once it
// cannot). A row that survives is scored exactly as the other algorithms
// score it: its contributions summed in query order (the essential ones
// found again by binary search in the window's part of their lists).
func (x *sparseIndex) maxScoreBulk(q []qterm, h *topHeap, allow *bitset, s *sparseScratch) int64 {
	n := len(q)
	order, pos, pre, end, cd := s.order[:n], s.pos[:n], s.pre[:n], s.end[:n], s.cd[:n]
	if len(s.wacc) < bulkWindow {
		s.wacc, s.wbits = make([]float64, bulkWindow), make([]uint64, bulkWindow/64)
	}
	if len(s.wstart) < n {
		s.wstart, s.slot = make([]int64, n), make([]int, n)
	}
	wacc, wbits, wstart, slot := s.wacc, s.wbits, s.wstart[:n], s.slot[:n]
	byBound(order, q)
	var acc float64
	for j, i := range order {
		pos[j], end[j] = x.start[q[i].list], x.start[q[i].list+1]
		cd[j] = x.row[pos[j]]
		acc += q[i].ub
		pre[j] = acc
		slot[i] = j
	}
	var work int64
	ess := 0
	for {
		floor := h.floor()
		for ess < n && prunable(pre[ess], floor) {
			ess++
		}
		if ess == n {
			return work
		}
		lo := uint32(math.MaxUint32)
		for j := ess; j < n; j++ {
			lo = min(lo, cd[j])
		}
		if lo == math.MaxUint32 {
			return work
		}
		hi := uint32(min(uint64(lo)+bulkWindow, uint64(math.MaxUint32)))
		// Essential postings of the window, term at a time in query
		// order: a row no non-essential list holds then has its exact
		// score in wacc.
		for i := range q {
			j := slot[i]
			if j < ess {
				continue
			}
			wstart[j] = pos[j]
			t := &q[i]
			p := pos[j]
			for ; p < end[j] && x.row[p] < hi; p++ {
				off := x.row[p] - lo
				wacc[off] += x.contrib(t, p)
				wbits[off/64] |= 1 << (off % 64)
			}
			work += p - pos[j]
			pos[j] = p
			if p < end[j] {
				cd[j] = x.row[p]
			} else {
				cd[j] = math.MaxUint32
			}
		}
		for w := range (hi - lo + 63) / 64 {
			bits := wbits[w]
			wbits[w] = 0
			for bits != 0 {
				b := uint32(mathbits.TrailingZeros64(bits))
				bits &= bits - 1
				off := uint32(w)*64 + b
				d := lo + off
				partial := wacc[off]
				wacc[off] = 0
				if !allow.has(d) {
					continue
				}
				floor := h.floor()
				if prunable(partial+preOr0(pre, ess-1), floor) {
					continue
				}
				pruned, more := false, false
				for j := ess - 1; j >= 0; j-- {
					if prunable(partial+pre[j], floor) {
						pruned = true
						break
					}
					i := order[j]
					if cd[j] < d {
						pos[j] = x.seek(q, i, pos[j], d)
						if pos[j] < end[j] {
							cd[j] = x.row[pos[j]]
						} else {
							cd[j] = math.MaxUint32
						}
					}
					if cd[j] == d {
						c := x.contrib(&q[i], pos[j])
						s.cs[i], s.has[i] = c, true
						partial += c
						work++
						more = true
					}
				}
				if pruned && more {
					for j := range ess {
						s.cs[order[j]], s.has[order[j]] = 0, false
					}
				}
				if pruned {
					continue
				}
				if !more {
					h.offer(scored{float32(partial), d})
					continue
				}
				// Non-essential lists hold the row too: its essential
				// contributions again, for the sum in query order.
				for j := ess; j < n; j++ {
					k, ok := slices.BinarySearch(x.row[wstart[j]:pos[j]], d)
					if ok {
						i := order[j]
						s.cs[i], s.has[i] = x.contrib(&q[i], wstart[j]+int64(k)), true
					}
				}
				finish(h, s, n, d)
			}
		}
	}
}

// preOr0 is pre[j], or 0 for j < 0.
func preOr0(pre []float64, j int) float64 {
	if j < 0 {
		return 0
	}
	return pre[j]
}

// wand is DAAT WAND (Broder et al.): cursors ordered by current row; the
// pivot is the first cursor at which the bounds so far could reach the
// floor; a row is scored only when every cursor before the pivot sits on
// it, otherwise those cursors jump to the pivot's row.
func (x *sparseIndex) wand(q []qterm, h *topHeap, allow *bitset, s *sparseScratch) int64 {
	n := len(q)
	cur, pos, end, cd := s.order[:0], s.pos[:n], s.end[:n], s.cd[:n]
	for i := range q {
		pos[i], end[i] = x.start[q[i].list], x.start[q[i].list+1]
		cd[i] = x.row[pos[i]] // lists are never empty
		cur = append(cur, i)
	}
	// moved sets term i's cursor to position p.
	moved := func(i int, p int64) {
		pos[i] = p
		if p < end[i] {
			cd[i] = x.row[p]
		} else {
			cd[i] = math.MaxUint32
		}
	}
	// byDoc restores the order by current row (ties by term) with an
	// insertion sort: only the cursors that moved are out of place.
	byDoc := func() {
		for j := 1; j < len(cur); j++ {
			c := cur[j]
			dc := cd[c]
			i := j
			for ; i > 0; i-- {
				p := cur[i-1]
				if dp := cd[p]; dp < dc || (dp == dc && p < c) {
					break
				}
				cur[i] = p
			}
			cur[i] = c
		}
		for len(cur) > 0 && cd[cur[len(cur)-1]] == math.MaxUint32 {
			cur = cur[:len(cur)-1]
		}
	}
	byDoc()
	var work int64
	for len(cur) > 0 {
		floor := h.floor()
		var ub float64
		pivot := -1
		for j, i := range cur {
			ub += q[i].ub
			if !prunable(ub, floor) {
				pivot = j
				break
			}
		}
		if pivot < 0 {
			return work
		}
		pd := cd[cur[pivot]]
		if cd[cur[0]] == pd {
			ok := allow.has(pd)
			for _, i := range cur {
				if cd[i] != pd {
					break
				}
				if ok {
					s.cs[i], s.has[i] = x.contrib(&q[i], pos[i]), true
					work++
				}
				moved(i, pos[i]+1)
			}
			if ok {
				finish(h, s, n, pd)
			}
		} else {
			for _, i := range cur[:pivot] {
				if cd[i] < pd {
					moved(i, x.seek(q, i, pos[i], pd))
				}
			}
		}
		byDoc()
	}
	return work
}
