package bench

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// liveTruth is the exact top-k of a set of queries over the rows visible
// so far, kept up to date while the mixed model inserts and deletes rows,
// so that recall checkpoints are judged against exact ground truth over
// what the collection held at that moment.
//
// Per query it keeps the nearest visible rows, sorted, down to a bound:
// every visible row (passing the filter) at distance ≤ bound is in the
// list. An inserted batch is scored with the same exact distance the
// ground truth uses (datasets.Distance, vecmath kernels) and merged; the
// list is cut back to depth rows (plus ties), which lowers the bound. A
// delete removes rows from the lists without moving the bound, so depth
// is deeper than topk to absorb deletes; a query whose list falls below
// topk rows is recomputed by an exact scan of the visible rows.
//
// Writes are numbered when sent (begin) and settled when they succeed or
// fail (applied or dropped); a checkpoint can read the lists once every
// write sent before a moment has settled (afterSettled), and so judge an
// answer against every row that could have been visible to it.
type liveTruth struct {
	base    datasets.Base
	metric  workloads.Metric
	raw     [][]float32 // the queries as given (ExactTopK prepares them)
	queries [][]float32 // prepared for Distance
	filter  func(int64) bool
	k       int
	depth   int
	dist    func(a, b []float32) float32

	mu      sync.Mutex
	lists   []truthList
	visible []uint64 // bitset over ids
	rows    int      // visible rows
	maxID   int64    // highest id ever made visible
	sent    uint64   // writes numbered so far
	done    map[uint64]bool
	low     uint64 // every write ≤ low has settled
	waiters []waiter
}

// waiter is a function to call once every write ≤ seq has settled.
type waiter struct {
	seq uint64
	f   func()
}

type truthList struct {
	ids   []int64
	dists []float32
	bound float32 // +Inf: the list holds every visible row
}

// newLiveTruth starts a live ground truth at depth topk for queries over
// the ids for which visible returns true among base's first n rows
// (filter, when set, restricts it further).
func newLiveTruth(ctx context.Context, base datasets.Base, metric workloads.Metric, queries [][]float32, filter func(int64) bool, k, n int, visible func(int64) bool) (*liveTruth, error) {
	lt := &liveTruth{
		base: base, metric: metric, filter: filter, k: k, depth: k + max(k, 16),
		dist: datasets.Distance(metric), done: map[uint64]bool{}, maxID: -1,
		lists: make([]truthList, len(queries)), visible: make([]uint64, (base.Size()+63)/64),
	}
	lt.raw, lt.queries = queries, make([][]float32, len(queries))
	for i, q := range queries {
		lt.queries[i] = datasets.Prepare(metric, q)
	}
	for id := range int64(n) {
		if visible(id) {
			lt.setVisible(id, true)
		}
	}
	all := make([]int, len(queries))
	for i := range all {
		all[i] = i
	}
	if err := lt.recompute(ctx, all); err != nil {
		return nil, err
	}
	return lt, nil
}

func (lt *liveTruth) isVisible(id int64) bool {
	return id >= 0 && int(id>>6) < len(lt.visible) && lt.visible[id>>6]&(1<<(uint(id)&63)) != 0
}

func (lt *liveTruth) setVisible(id int64, on bool) {
	if on == lt.isVisible(id) {
		return
	}
	if on {
		lt.visible[id>>6] |= 1 << (uint(id) & 63)
		lt.rows++
		lt.maxID = max(lt.maxID, id)
	} else {
		lt.visible[id>>6] &^= 1 << (uint(id) & 63)
		lt.rows--
	}
}

// recompute replaces the lists of qs by an exact scan of the visible rows.
// The caller holds mu (or owns lt exclusively).
func (lt *liveTruth) recompute(ctx context.Context, qs []int) error {
	qv := make([][]float32, len(qs))
	for i, qi := range qs {
		qv[i] = lt.raw[qi]
	}
	admit := func(id int64) bool { return lt.isVisible(id) && (lt.filter == nil || lt.filter(id)) }
	gt, err := datasets.ExactTopK(ctx, prefixBase{lt.base, int(lt.maxID + 1)}, qv, lt.metric, datasets.GTOptions{K: lt.depth, Filter: admit})
	if err != nil {
		return err
	}
	for i, qi := range qs {
		l := truthList{ids: gt.IDs[i], dists: gt.Dists[i], bound: float32(math.Inf(1))}
		if len(l.ids) >= lt.depth {
			l.bound = l.dists[len(l.dists)-1]
		}
		lt.lists[qi] = l
	}
	return nil
}

// begin numbers a write about to be sent.
func (lt *liveTruth) begin() uint64 {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	lt.sent++
	return lt.sent
}

// settle marks write seq done and calls the waiters it releases; the
// caller holds mu.
func (lt *liveTruth) settle(seq uint64) {
	lt.done[seq] = true
	for lt.done[lt.low+1] {
		delete(lt.done, lt.low+1)
		lt.low++
	}
	n := 0
	for _, w := range lt.waiters {
		if w.seq <= lt.low {
			w.f()
		} else {
			lt.waiters[n] = w
			n++
		}
	}
	lt.waiters = lt.waiters[:n]
}

// afterSettled calls f, holding mu, once every write sent so far has
// settled: at once if they have. f may read the lists (snapshotLocked).
func (lt *liveTruth) afterSettled(f func()) {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	if lt.low >= lt.sent {
		f()
		return
	}
	lt.waiters = append(lt.waiters, waiter{lt.sent, f})
}

// drop settles a write that failed: its rows are not visible.
func (lt *liveTruth) drop(seq uint64) {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	lt.settle(seq)
}

// inserted merges rows that write seq made visible.
func (lt *liveTruth) inserted(seq uint64, ids []int64, vecs [][]float32) {
	rows := make([][]float32, len(vecs))
	keep := make([]bool, len(ids))
	for i, v := range vecs {
		rows[i] = datasets.Prepare(lt.metric, v)
		keep[i] = lt.filter == nil || lt.filter(ids[i])
	}
	ds := make([]float32, len(ids))
	lt.mu.Lock()
	defer lt.mu.Unlock()
	for _, id := range ids {
		lt.setVisible(id, true)
	}
	for qi, q := range lt.queries {
		l := &lt.lists[qi]
		added := false
		for i, r := range rows {
			ds[i] = lt.dist(q, r)
			if keep[i] && ds[i] <= l.bound {
				j, _ := slices.BinarySearch(l.dists, ds[i])
				for j < len(l.dists) && l.dists[j] == ds[i] && l.ids[j] < ids[i] {
					j++
				}
				l.ids = slices.Insert(l.ids, j, ids[i])
				l.dists = slices.Insert(l.dists, j, ds[i])
				added = true
			}
		}
		if added && len(l.ids) > lt.depth {
			n := lt.depth
			for n < len(l.dists) && l.dists[n] == l.dists[lt.depth-1] {
				n++
			}
			l.ids, l.dists = l.ids[:n:n], l.dists[:n:n]
			l.bound = l.dists[n-1]
		}
	}
	lt.settle(seq)
}

// deleted removes rows that write seq deleted. Lists left shorter than
// topk (and not holding every visible row) are recomputed exactly.
func (lt *liveTruth) deleted(ctx context.Context, seq uint64, ids []int64) error {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	defer lt.settle(seq)
	gone := make(map[int64]bool, len(ids))
	for _, id := range ids {
		if lt.isVisible(id) {
			gone[id] = true
			lt.setVisible(id, false)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	var short []int
	for qi := range lt.lists {
		l := &lt.lists[qi]
		n := 0
		for i, id := range l.ids {
			if !gone[id] {
				l.ids[n], l.dists[n] = id, l.dists[i]
				n++
			}
		}
		l.ids, l.dists = l.ids[:n], l.dists[:n]
		if n < lt.k && !math.IsInf(float64(l.bound), 1) {
			short = append(short, qi)
		}
	}
	if len(short) == 0 {
		return nil
	}
	return lt.recompute(ctx, short)
}

// snapshot returns a copy of query qi's list.
func (lt *liveTruth) snapshot(qi int) truthList {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	return lt.snapshotLocked(qi)
}

func (lt *liveTruth) snapshotLocked(qi int) truthList {
	l := lt.lists[qi]
	return truthList{ids: slices.Clone(l.ids), dists: slices.Clone(l.dists), bound: l.bound}
}

// relevant returns the ids that count as correct at depth k: the first k
// plus ties with the k-th, as a set.
func (l truthList) relevant(k int) map[int64]bool {
	n := min(k, len(l.ids))
	for n > 0 && n < len(l.dists) && l.dists[n] == l.dists[n-1] {
		n++
	}
	set := make(map[int64]bool, n)
	for _, id := range l.ids[:n] {
		set[id] = true
	}
	return set
}

// relevant returns query qi's relevant set now (see truthList.relevant).
func (lt *liveTruth) relevant(qi, k int) map[int64]bool { return lt.snapshot(qi).relevant(k) }

// counts returns the visible rows and the highest visible id.
func (lt *liveTruth) counts() (rows int, maxID int64) {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	return lt.rows, lt.maxID
}

// prefixBase is the first n rows of a base set.
type prefixBase struct {
	datasets.Base
	n int
}

func (p prefixBase) Size() int { return min(p.n, p.Base.Size()) }

var errPrefixEnd = errors.New("bench: end of prefix")

func (p prefixBase) Scan(ctx context.Context, batch int, fn func(first int64, vecs [][]float32) error) error {
	n := p.Size()
	if n == 0 {
		return nil
	}
	err := p.Base.Scan(ctx, batch, func(first int64, vecs [][]float32) error {
		if int(first) >= n {
			return errPrefixEnd
		}
		return fn(first, vecs[:min(len(vecs), n-int(first))])
	})
	if errors.Is(err, errPrefixEnd) {
		return nil
	}
	return err
}
