package embedded

import (
	"math"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/milvbench/milvbench/workloads"
)

// hnsw is a Hierarchical Navigable Small World graph (Malkov & Yashunin),
// with Milvus's parameter names: M (max links per node on upper layers, 2·M on
// layer 0), efConstruction (build beam width) and ef (search beam width).
// Inserts run in parallel with striped node locks; searches after the build
// read the graph without locks (the target serialises writes).
type hnsw struct {
	s      *store
	sp     space // the distances the graph is built and searched on
	m, m0  int
	efc    int
	ml     float64
	levels []uint8
	l0     []uint32 // per node: count, then up to m0 neighbours
	// upper holds, for the nodes above layer 0, their lists of layers
	// 1..level back to back (count, then up to m neighbours each), from
	// upperOff[node]: one array rather than a slice per node, whose 24-byte
	// header would cost every node more than its upper links do.
	upper    []uint32
	upperOff []uint32
	locks    [1024]sync.Mutex
	epMu     sync.RWMutex
	entry    uint32
	maxLevel int
	empty    bool
	visited  sync.Pool
}

// space is what an HNSW graph measures distances in: the raw vectors
// (*store) for HNSW, quantised codes for HNSW_SQ (hnswsq.go). A query is
// first put in the space's query form (prepare); node gives a stored row
// in that form, so the graph compares a row with its neighbours (while
// inserting it and choosing links) in the same way as with a query.
type space interface {
	len() int
	// prepare returns q in query form, using buf when it needs memory.
	prepare(q, buf []float32) []float32
	// node returns row i in query form, using buf when it needs memory.
	node(i uint32, buf []float32) []float32
	// dist is the distance (smaller is closer) between a query form and row i.
	dist(pq []float32, i uint32) float32
	// distIDs sets out[j] to dist(pq, ids[j]).
	distIDs(pq []float32, ids []uint32, out []float32)
}

func newHNSW(s *store, p workloads.Params) *hnsw {
	return newHNSWOn(s, s, p)
}

// newHNSWOn is an HNSW graph over the rows of s whose distances are sp's.
func newHNSWOn(s *store, sp space, p workloads.Params) *hnsw {
	m := p.Int("M", 30)
	return &hnsw{
		s: s, sp: sp, m: m, m0: 2 * m, efc: p.Int("efConstruction", 360),
		ml: 1 / math.Log(float64(max(m, 2))), empty: true,
	}
}

// visitSet is one search's scratch: marks of the nodes seen (a generation
// counter avoids clearing them between searches), the neighbours of the
// node being expanded that are new, their distances, and the two heaps.
type visitSet struct {
	gen   uint16
	marks []uint16
	ids   []uint32
	ds    []float32
	cands minHeap
	res   maxHeap
}

func (h *hnsw) getVisited() *visitSet {
	n := len(h.levels)
	v, _ := h.visited.Get().(*visitSet)
	if v == nil || len(v.marks) < n {
		v = &visitSet{marks: make([]uint16, n+n/4), ids: make([]uint32, h.m0), ds: make([]float32, h.m0)}
	}
	v.gen++
	if v.gen == 0 {
		clear(v.marks)
		v.gen = 1
	}
	return v
}

// level draws a node's top layer from its row number, so it does not depend
// on the order in which parallel workers insert.
func (h *hnsw) level(i uint32) int {
	x := uint64(i)*0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019
	x ^= x >> 31
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 29
	u := (float64(x>>11) + 0.5) / (1 << 53)
	return min(int(-math.Log(u)*h.ml), 255)
}

func (h *hnsw) links(i uint32, layer int) []uint32 {
	if layer == 0 {
		o := int(i) * (h.m0 + 1)
		return h.l0[o : o+h.m0+1]
	}
	o := int(h.upperOff[i]) + (layer-1)*(h.m+1)
	return h.upper[o : o+h.m+1]
}

// add inserts rows [from, sp.len()) into the graph, in parallel.
func (h *hnsw) add(from int) {
	n := h.sp.len()
	if from >= n {
		return
	}
	h.l0 = append(h.l0, make([]uint32, (n-from)*(h.m0+1))...)
	for i := from; i < n; i++ {
		lv := h.level(uint32(i))
		h.levels = append(h.levels, uint8(lv))
		h.upperOff = append(h.upperOff, uint32(len(h.upper)))
		if lv > 0 {
			h.upper = append(h.upper, make([]uint32, lv*(h.m+1))...)
		}
	}
	start := from
	if h.empty {
		h.entry, h.maxLevel, h.empty = uint32(from), int(h.levels[from]), false
		start++
	}
	var next atomic.Int64
	next.Store(int64(start))
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				h.insert(uint32(i))
			}
		}()
	}
	wg.Wait()
}

// insert links row q into the graph. It chooses q's neighbours on every
// layer first, top down, and only then makes q reachable: q's own lists are
// written as each layer is searched (nothing links to q yet, so no other
// insert reads them), and the reverse links from its neighbours, which are
// what lets other inserts find q, are added after the last layer. For q's
// own neighbours this is the same as adding them layer by layer (a layer's
// search never reads the layers above it). Adding them layer by layer let a
// concurrent insert reach q on an upper layer while q's lists below were
// still empty: that insert then began its lower-layer search at a node with
// no links and kept one or two neighbours where it should have had M, and
// many such rows later lost every in-link (issue 24). hnswlib gets the same
// guarantee by holding q's lock for its whole insert; publishing last gets
// it without making other inserts wait.
//
// An insert whose level is above the graph's top holds epMu for its whole
// insert, as hnswlib holds its global lock: inserts starting meanwhile wait
// and then descend from the new top, instead of each raising the top
// themselves with upper layers nobody links.
func (h *hnsw) insert(q uint32) {
	vec := h.sp.node(q, nil)
	lv := int(h.levels[q])
	h.epMu.Lock()
	ep, top := h.entry, h.maxLevel
	if lv <= top {
		h.epMu.Unlock()
	}
	cur := cand{h.sp.dist(vec, ep), ep}
	for layer := top; layer > lv; layer-- {
		cur = h.greedy(vec, cur, layer, true)
	}
	sels := make([][]cand, min(lv, top)+1)
	for layer := min(lv, top); layer >= 0; layer-- {
		w := h.searchLayer(vec, cur, h.efc, layer, true, nil)
		sel := h.selectNeighbours(w, h.m)
		h.locks[q%1024].Lock()
		l := h.links(q, layer)
		l[0] = uint32(len(sel))
		for j, c := range sel {
			l[j+1] = c.id
		}
		h.locks[q%1024].Unlock()
		sels[layer] = sel
		cur = w[0]
	}
	for layer, sel := range sels {
		limit := h.m
		if layer == 0 {
			limit = h.m0
		}
		for _, c := range sel {
			h.connect(c.id, q, c.d, layer, limit)
		}
	}
	if lv > top {
		h.entry, h.maxLevel = q, lv
		h.epMu.Unlock()
	}
}

// connect adds a link e→q, shrinking e's list with the heuristic when full.
func (h *hnsw) connect(e, q uint32, d float32, layer, limit int) {
	mu := &h.locks[e%1024]
	mu.Lock()
	defer mu.Unlock()
	l := h.links(e, layer)
	n := int(l[0])
	for _, x := range l[1 : n+1] {
		if x == q {
			return
		}
	}
	if n < limit {
		l[n+1] = q
		l[0]++
		return
	}
	ev := h.sp.node(e, nil)
	cs := make([]cand, 0, n+1)
	cs = append(cs, cand{d, q})
	for _, x := range l[1 : n+1] {
		cs = append(cs, cand{h.sp.dist(ev, x), x})
	}
	sort.Slice(cs, func(a, b int) bool { return cs[a].d < cs[b].d })
	sel := h.selectNeighbours(cs, limit)
	l[0] = uint32(len(sel))
	for j, c := range sel {
		l[j+1] = c.id
	}
}

// selectNeighbours applies the HNSW heuristic to candidates sorted closest
// first: keep a candidate only if it is closer to the base node than to every
// neighbour already kept, which spreads links across directions.
func (h *hnsw) selectNeighbours(cs []cand, m int) []cand {
	if len(cs) <= m {
		return cs
	}
	out := make([]cand, 0, m)
	var buf []float32
	for _, c := range cs {
		cv := h.sp.node(c.id, buf)
		buf = cv
		good := true
		for _, o := range out {
			if h.sp.dist(cv, o.id) < c.d {
				good = false
				break
			}
		}
		if good {
			out = append(out, c)
			if len(out) == m {
				break
			}
		}
	}
	return out
}

// readLinks returns a copy of node i's links at layer when locked (during
// inserts) or a view otherwise.
func (h *hnsw) readLinks(i uint32, layer int, locked bool, buf *[]uint32) []uint32 {
	if !locked {
		l := h.links(i, layer)
		return l[1 : l[0]+1]
	}
	mu := &h.locks[i%1024]
	mu.Lock()
	l := h.links(i, layer)
	*buf = append((*buf)[:0], l[1:l[0]+1]...)
	mu.Unlock()
	return *buf
}

// greedy walks layer from cur to a local minimum.
func (h *hnsw) greedy(q []float32, cur cand, layer int, locked bool) cand {
	var buf []uint32
	var arr [64]float32
	ds := arr[:]
	for changed := true; changed; {
		changed = false
		links := h.readLinks(cur.id, layer, locked, &buf)
		if len(links) > len(ds) {
			ds = make([]float32, len(links))
		}
		h.sp.distIDs(q, links, ds)
		for i, x := range links {
			if d := ds[i]; d < cur.d {
				cur, changed = cand{d, x}, true
			}
		}
	}
	return cur
}

// searchLayer is the beam search of width ef on one layer; it returns the
// candidates found, closest first.
//
// With a filter (allow non-nil) the walk still goes through every node, but
// only allowed nodes enter the results, so the beam keeps widening until it
// holds ef allowed nodes: the same rule hnswlib applies to its filters.
//
// Each step scores the expanded node's unvisited neighbours in one kernel
// call, which prefetches each next row while it computes the current one.
func (h *hnsw) searchLayer(q []float32, ep cand, ef, layer int, locked bool, allow *bitset) []cand {
	vis := h.getVisited()
	defer h.visited.Put(vis)
	vis.marks[ep.id] = vis.gen
	cands := append(vis.cands[:0], ep)
	res := vis.res[:0]
	if allow.has(ep.id) {
		res.push(ep)
	}
	var buf []uint32
	for len(cands) > 0 {
		c := cands.pop()
		if len(res) >= ef && c.d > res[0].d {
			break
		}
		fresh := vis.ids[:0]
		for _, x := range h.readLinks(c.id, layer, locked, &buf) {
			if vis.marks[x] != vis.gen {
				vis.marks[x] = vis.gen
				fresh = append(fresh, x)
			}
		}
		ds := vis.ds[:len(fresh)]
		h.sp.distIDs(q, fresh, ds)
		for i, x := range fresh {
			d := ds[i]
			if len(res) < ef || d < res[0].d {
				cands.push(cand{d, x})
				if allow.has(x) {
					res.push(cand{d, x})
					if len(res) > ef {
						res.pop()
					}
				}
			}
		}
	}
	out := res.sorted()
	vis.cands, vis.res = cands, res
	return out
}

// bruteForceShare is the share of allowed rows below which a filtered HNSW
// search scans the allowed rows directly instead of walking the graph (as
// Milvus's engine also does for very selective filters).
const bruteForceShare = 0.02

func (h *hnsw) search(q []float32, k int, p workloads.Params, allow *bitset) []cand {
	if h.empty {
		return nil
	}
	q = h.sp.prepare(q, nil)
	if allow != nil && float64(allow.count) < bruteForceShare*float64(len(h.levels)) {
		res := make(maxHeap, 0, k+1)
		for i := range uint32(len(h.levels)) {
			if allow.has(i) {
				res.offer(cand{h.sp.dist(q, i), i}, k)
			}
		}
		return res.sorted()
	}
	ef := max(p.Int("ef", k), k)
	h.epMu.RLock()
	ep, top := h.entry, h.maxLevel
	h.epMu.RUnlock()
	cur := cand{h.sp.dist(q, ep), ep}
	for layer := top; layer > 0; layer-- {
		cur = h.greedy(q, cur, layer, false)
	}
	w := h.searchLayer(q, cur, ef, 0, false, allow)
	if len(w) > k {
		w = w[:k]
	}
	return w
}

// memoryBytes is the raw vectors at their type's size and the graph.
func (h *hnsw) memoryBytes() int64 { return h.s.rawBytes() + h.graphBytes() }

// graphBytes is the graph's links and levels.
func (h *hnsw) graphBytes() int64 {
	return int64(len(h.l0)+len(h.upper)+len(h.upperOff))*4 + int64(len(h.levels))
}
