package datasets

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

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
	k := opt.K
	if k < 1 || k > MaxK {
		return nil, fmt.Errorf("ground truth: k must be in 1..%d, got %d", MaxK, k)
	}
	d := base.Dim()
	for i, q := range queries {
		if len(q) != d {
			return nil, fmt.Errorf("ground truth: query %d has dimension %d, base has %d", i, len(q), d)
		}
	}
	workers := opt.Workers
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	l2 := metric == workloads.L2
	dp := (d + 7) &^ 7 // padded dimension, the kernel's step
	nq := len(queries)
	nqp := (nq + 3) &^ 3
	qbuf := make([]float32, nqp*dp)
	qn := make([]float64, nq) // ‖q‖² of the prepared query
	prepared := make([][]float32, nq)
	for i, q := range queries {
		row := qbuf[i*dp : i*dp+d : i*dp+d]
		copy(row, q)
		if metric == workloads.Cosine {
			vecmath.Normalize(row)
		}
		prepared[i] = row
		qn[i] = float64(vecmath.Dot(row, row))
	}
	capacity := k + max(32, k/8)
	heaps := make([]candHeap, nq)
	dist := Distance(metric)
	filter := opt.Filter

	blockRows := gtBlock
	xbuf := make([]float32, (blockRows+3)*dp)
	xn := make([]float32, blockRows+3)
	var maxXn float64
	chunk := gtQueryChunk
	for chunk > 4 && nqp/chunk < 4*workers {
		chunk /= 2
	}
	tiles := make([][]float32, workers)
	for w := range tiles {
		tiles[w] = make([]float32, chunk*(gtTile+1))
	}

	err := base.Scan(ctx, blockRows, func(first int64, vecs [][]float32) error {
		n := len(vecs)
		for j, v := range vecs {
			if len(v) != d {
				return fmt.Errorf("ground truth: base row %d has dimension %d, want %d", first+int64(j), len(v), d)
			}
			row := xbuf[j*dp : j*dp+dp]
			copy(row, v)
			if metric == workloads.Cosine {
				vecmath.Normalize(row[:d])
			}
			xn[j] = vecmath.Dot(row[:d], row[:d])
			maxXn = max(maxXn, float64(xn[j]))
		}
		np3 := (n + 2) / 3 * 3
		clear(xbuf[n*dp : np3*dp])
		var next atomic.Int64
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out := tiles[w]
				ldo := gtTile + 1
				for {
					q0 := int(next.Add(int64(chunk))) - chunk
					if q0 >= nq {
						return
					}
					q1 := min(q0+chunk, nq)
					for t0 := 0; t0 < n; t0 += gtTile {
						tn := min(gtTile, np3-t0)
						for qa := q0; qa < q1; qa += 4 {
							vecmath.Dots4x3(qbuf[qa*dp:], dp, xbuf[t0*dp:], dp, dp, out[(qa-q0)*ldo:], ldo, tn)
						}
						rows := min(tn, n-t0)
						for qi := q0; qi < q1; qi++ {
							h := &heaps[qi]
							dots := out[(qi-q0)*ldo : (qi-q0)*ldo+rows]
							norms := xn[t0 : t0+rows]
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
								c := candidate{a: a, e: dist(prepared[qi], xbuf[r*dp:r*dp+d]), id: id}
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
					}
				}
			}()
		}
		wg.Wait()
		return ctx.Err()
	})
	if err != nil {
		return nil, err
	}

	gt := &GroundTruth{K: k, IDs: make([][]int64, nq), Dists: make([][]float32, nq)}
	var redo []int
	redoBound := make(map[int]float32)
	const u = 1.0 / (1 << 24)
	for qi := range heaps {
		items := heaps[qi].items
		slices.SortFunc(items, byExact)
		if len(items) == capacity {
			worst := float64(slices.MaxFunc(items, func(a, b candidate) int { return cmpF32(a.a, b.a) }).a)
			if l2 {
				worst += qn[qi]
			}
			r := math.Sqrt(maxXn) + math.Sqrt(qn[qi])
			e := 4*float64(d+4)*u*r*r + 1e-30
			if dk := float64(items[k-1].e); !(dk < worst-e) {
				redo = append(redo, qi)
				redoBound[qi] = items[k-1].e
				continue
			}
		}
		gt.IDs[qi], gt.Dists[qi] = cut(items, k)
		heaps[qi].items = nil
	}
	if len(redo) > 0 {
		if err := exactPass(ctx, base, prepared, metric, filter, redo, redoBound, k, gt); err != nil {
			return nil, err
		}
	}
	return gt, nil
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
