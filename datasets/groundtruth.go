package datasets

import (
	"context"
	"runtime"
	"sort"
	"sync"

	"github.com/milvbench/milvbench/workloads"
)

// GroundTruth holds the exact nearest neighbours of each query, closest first,
// with their distances (as Distance defines them). Each list has at least K
// entries (fewer only when the base is smaller) and continues past K with every
// further neighbour at exactly the K-th distance that was found, so ties at
// the K-th distance can count as hits.
type GroundTruth struct {
	K     int         `json:"k"`
	IDs   [][]int64   `json:"-"`
	Dists [][]float32 `json:"-"`
}

// tieSlack is how many extra candidates beyond K are kept while scanning, to
// retain neighbours tied at the K-th distance.
const tieSlack = 32

// ComputeGroundTruth finds the exact top-k of every query by brute force,
// scanning the base once in blocks with queries split across all cores.
func ComputeGroundTruth(ctx context.Context, ds *Dataset, k int) (*GroundTruth, error) {
	dist := Distance(ds.Info.Metric)
	queries := make([][]float32, len(ds.Queries))
	for i, q := range ds.Queries {
		queries[i] = Prepare(ds.Info.Metric, q)
	}
	heaps := make([]maxHeap, len(queries))
	capacity := k + tieSlack
	workers := runtime.GOMAXPROCS(0)
	err := ds.Base.Scan(ctx, 8192, func(first int64, vecs [][]float32) error {
		block := vecs
		if ds.Info.Metric == workloads.Cosine {
			block = make([][]float32, len(vecs))
			for i, v := range vecs {
				block[i] = Prepare(workloads.Cosine, v)
			}
		}
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for qi := w; qi < len(queries); qi += workers {
					q, h := queries[qi], &heaps[qi]
					for r, v := range block {
						d := dist(q, v)
						if len(h.items) < capacity {
							h.push(neighbour{d, first + int64(r)})
						} else if d < h.items[0].d {
							h.replaceTop(neighbour{d, first + int64(r)})
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
	gt := &GroundTruth{K: k, IDs: make([][]int64, len(queries)), Dists: make([][]float32, len(queries))}
	for qi := range heaps {
		items := heaps[qi].items
		sort.Slice(items, func(a, b int) bool {
			if items[a].d != items[b].d {
				return items[a].d < items[b].d
			}
			return items[a].id < items[b].id
		})
		n := min(k, len(items))
		for n < len(items) && items[n].d == items[k-1].d {
			n++
		}
		ids, ds := make([]int64, n), make([]float32, n)
		for i := range n {
			ids[i], ds[i] = items[i].id, items[i].d
		}
		gt.IDs[qi], gt.Dists[qi] = ids, ds
	}
	return gt, nil
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

type neighbour struct {
	d  float32
	id int64
}

// maxHeap keeps the farthest kept neighbour at items[0].
type maxHeap struct{ items []neighbour }

func (h *maxHeap) push(x neighbour) {
	h.items = append(h.items, x)
	i := len(h.items) - 1
	for i > 0 {
		p := (i - 1) / 2
		if h.items[p].d >= h.items[i].d {
			break
		}
		h.items[p], h.items[i] = h.items[i], h.items[p]
		i = p
	}
}

func (h *maxHeap) replaceTop(x neighbour) {
	h.items[0] = x
	n, i := len(h.items), 0
	for {
		l, big := 2*i+1, i
		if l < n && h.items[l].d > h.items[big].d {
			big = l
		}
		if r := l + 1; r < n && h.items[r].d > h.items[big].d {
			big = r
		}
		if big == i {
			return
		}
		h.items[i], h.items[big] = h.items[big], h.items[i]
		i = big
	}
}
