package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/milvbench/milvbench/datasets"
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

// recall averages recall@k over the queries that were answered, and
// returns how many were.
func (a *answers) recall(gt *datasets.GroundTruth, k int) (float64, int) {
	sum, n := 0.0, 0
	for qi, ids := range a.ids {
		if a.seen[qi].Load() {
			sum += Recall(gt, qi, k, ids)
			n++
		}
	}
	if n == 0 {
		return 0, 0
	}
	return sum / float64(n), n
}

// closedLoop runs pt.Concurrency workers, each sending its next request as soon
// as the previous one returns, until dur has passed. Latency is service time.
// Requests started before the deadline all count, and the window runs from
// the first send to the last completion, so no in-flight work is dropped.
// When ans is nil results are not kept (warm-up).
func closedLoop(ctx context.Context, t Target, queries [][]float32, pt workloads.SearchPoint, filter *datasets.Filter, fields []string, dur time.Duration, ans *answers) window {
	return closedLoopN(ctx, t, queries, pt, filter, fields, dur, 0, ans)
}

// closedLoopN is closedLoop that also stops after n requests have been
// sent (n ≤ 0: no limit).
func closedLoopN(ctx context.Context, t Target, queries [][]float32, pt workloads.SearchPoint, filter *datasets.Filter, fields []string, dur time.Duration, n int64, ans *answers) window {
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
				i := next.Add(1) - 1
				if n > 0 && i >= n {
					return
				}
				base := int(i) * pt.NQ
				vecs := make([][]float32, pt.NQ)
				for j := range vecs {
					idx[j] = (base + j) % len(queries)
					vecs[j] = queries[idx[j]]
				}
				req := SearchRequest{Vectors: vecs, TopK: pt.TopK, Params: pt.Params, Filter: filter, OutputFields: fields}
				var res SearchResult
				var lat time.Duration
				var err error
				for attempt := 1; ; attempt++ {
					t0 := time.Now()
					res, err = t.Search(ctx, req)
					lat = time.Since(t0)
					if err == nil || ctx.Err() != nil {
						break
					}
					class := Classify(err)
					wk.errs.Add(class, err)
					if !Retryable(class) || attempt == retryAttempts || !sleepUntil(ctx, deadline, retryBackoff(attempt)) {
						break
					}
					wk.errs.Retries++
				}
				if ctx.Err() != nil {
					return
				}
				if err != nil {
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

// The harness's retry policy for measured requests: a request that fails as
// rate limited or unavailable is sent again after an exponential backoff, at
// most retryAttempts times in all. Every attempt is counted as a request and
// every failure as an error; the latency recorded is the successful
// attempt's service time.
const retryAttempts = 4

func retryBackoff(attempt int) time.Duration {
	return min(10*time.Millisecond<<(attempt-1), time.Second)
}

// Retryable reports whether a failure of class is worth retrying: the server
// asked to slow down or was briefly unreachable.
func Retryable(class string) bool {
	return class == ClassRateLimited || class == ClassUnavailable
}

// sleepUntil sleeps d, or less if deadline or ctx come first; it reports
// whether the full d passed before the deadline.
func sleepUntil(ctx context.Context, deadline time.Time, d time.Duration) bool {
	if time.Now().Add(d).After(deadline) {
		return false
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-ctx.Done():
		return false
	}
}
