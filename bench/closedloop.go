package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/milvbench/milvbench/workloads"
)

// window is what one load phase measured.
type window struct {
	hist     *hdrhistogram.Histogram
	ok       int64
	errs     ErrorCounts
	elapsed  time.Duration
	answered *answers
}

// answers keeps the first result returned for each query, for recall. Storing
// at most one result per query keeps the request loop cheap (one atomic swap)
// and memory bounded by queries × topk.
type answers struct {
	seen []atomic.Bool
	ids  [][]int64
}

func newAnswers(queries int) *answers {
	return &answers{seen: make([]atomic.Bool, queries), ids: make([][]int64, queries)}
}

func (a *answers) offer(qi int, ids []int64) {
	if !a.seen[qi].Load() && a.seen[qi].CompareAndSwap(false, true) {
		a.ids[qi] = ids
	}
}

// closedLoop runs pt.Concurrency workers, each sending its next request as soon
// as the previous one returns, until dur has passed. Latency is service time.
// Requests started before the deadline all count, and the window runs from
// the first send to the last completion, so no in-flight work is dropped.
// When ans is nil results are not kept (warm-up).
func closedLoop(ctx context.Context, t Target, queries [][]float32, pt workloads.SearchPoint, dur time.Duration, ans *answers) window {
	type worker struct {
		hist *hdrhistogram.Histogram
		ok   int64
		errs ErrorCounts
	}
	workers := make([]worker, pt.Concurrency)
	var next atomic.Int64
	start := time.Now()
	deadline := start.Add(dur)
	var wg sync.WaitGroup
	for w := range workers {
		workers[w].hist = NewHistogram()
		wg.Add(1)
		go func(wk *worker) {
			defer wg.Done()
			idx := make([]int, pt.NQ)
			for ctx.Err() == nil && time.Now().Before(deadline) {
				base := int(next.Add(1)-1) * pt.NQ
				vecs := make([][]float32, pt.NQ)
				for j := range vecs {
					idx[j] = (base + j) % len(queries)
					vecs[j] = queries[idx[j]]
				}
				req := SearchRequest{Vectors: vecs, TopK: pt.TopK, Params: pt.Params}
				t0 := time.Now()
				res, err := t.Search(ctx, req)
				lat := time.Since(t0)
				if err != nil {
					if ctx.Err() != nil {
						return
					}
					wk.errs.Add(Classify(err), err)
					continue
				}
				RecordLatency(wk.hist, lat)
				wk.ok++
				if ans != nil {
					for j, ids := range res.IDs {
						if j < len(idx) {
							ans.offer(idx[j], ids)
						}
					}
				}
			}
		}(&workers[w])
	}
	wg.Wait()
	out := window{hist: NewHistogram(), elapsed: time.Since(start), answered: ans}
	for _, wk := range workers {
		out.hist.Merge(wk.hist)
		out.ok += wk.ok
		out.errs.Merge(wk.errs)
	}
	return out
}
