package bench

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/milvbench/milvbench/datasets"
)

// answers keeps the first result returned for each query, for recall. Storing
// at most one result per query keeps the request loop cheap (one atomic swap)
// and memory bounded by queries × topk.
type answers struct {
	seen []atomic.Bool
	ids  [][]int64
	// perQuery keeps each query's recall in the trial (shard runs: merge
	// averages recall over the union of the shards' answers).
	perQuery bool
	// self, when set, is each query's own id, dropped from its answer
	// (see Truth.Self).
	self []int64
}

func newAnswers(queries int) *answers {
	return &answers{seen: make([]atomic.Bool, queries), ids: make([][]int64, queries)}
}

func (a *answers) offer(qi int, ids []int64) {
	if !a.seen[qi].Load() && a.seen[qi].CompareAndSwap(false, true) {
		if a.self != nil {
			if i := slices.Index(ids, a.self[qi]); i >= 0 {
				ids = slices.Delete(slices.Clone(ids), i, i+1)
			}
		}
		a.ids[qi] = ids
	}
}

// recall averages recall@k over the queries that were answered, and
// returns how many were.
func (a *answers) recall(gt *datasets.GroundTruth, k int) (float64, int) {
	rs := a.recalls(gt, k)
	if len(rs) == 0 {
		return 0, 0
	}
	sum := 0.0
	for _, r := range rs {
		sum += r
	}
	return sum / float64(len(rs)), len(rs)
}

// recalls is recall@k of each query that was answered, in query order.
func (a *answers) recalls(gt *datasets.GroundTruth, k int) []float64 {
	var rs []float64
	for qi, ids := range a.ids {
		if a.seen[qi].Load() {
			rs = append(rs, Recall(gt, qi, k, ids))
		}
	}
	return rs
}

// closedLoop runs s.pt.Concurrency workers from start, each sending its
// next request as soon as the previous one returned (and think has
// passed), until dur has passed (or limit requests were sent, limit > 0),
// recording into rec (nil: a warm-up, nothing recorded). The latency
// recorded is client-observed: from the first attempt's send to the final
// answer, retries and backoff included; the successful attempt's service
// time is recorded beside it. Requests started before the deadline all
// count, and the window runs from start to the last completion, which
// closedLoop returns: no in-flight work is dropped.
func closedLoop(ctx context.Context, s *searchStream, think time.Duration, start time.Time, dur time.Duration, limit int64, rec *searchRec) (end time.Time) {
	var next atomic.Int64
	deadline := start.Add(dur)
	var wg sync.WaitGroup
	for w := range s.pt.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			idx := make([]int, s.pt.NQ)
			for now := start; ctx.Err() == nil && now.Before(deadline); {
				seq := next.Add(1) - 1
				if limit > 0 && seq >= limit {
					return
				}
				req := s.request(seq, idx)
				res, first, done, err := s.do(ctx, req, deadline, w, rec)
				if ctx.Err() != nil {
					return
				}
				if err == nil && rec != nil {
					rec.latency.Record(w, done.Sub(first))
					rec.bands.record(w, idx, done.Sub(first))
					rec.answer(idx, res)
					rec.iter.record(w, res.Iter)
				}
				now = done
				if think > 0 {
					if !sleepUntil(ctx, deadline, think) {
						return
					}
					now = time.Now()
				}
			}
		}()
	}
	wg.Wait()
	return time.Now()
}

// The harness's retry policy for measured requests: a request that fails as
// rate limited or unavailable is sent again after an exponential backoff, at
// most retryAttempts times in all. Every attempt is counted as a request and
// every failure as an error. The successful attempt's service time is
// recorded (service_ms), and so is the latency the caller saw, backoff
// included (latency_ms; see closedLoop and openLoop).
const retryAttempts = 4

func retryBackoff(attempt int) time.Duration {
	return min(10*time.Millisecond<<(attempt-1), time.Second)
}

// again decides, after attempt number attempt of a call failed with err,
// whether the call is sent again: when the failure is retryable, attempts
// are left and the backoff ends before deadline (it sleeps the backoff).
// Every failed attempt is counted on op through slot, and every one sent
// again as a retry (op nil: counted nowhere). A failure after ctx ended is
// not counted: the run is stopping, not the target failing. Search
// streams and write streams both retry through it.
func again(ctx context.Context, deadline time.Time, op *Op, slot, attempt int, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	class := Classify(err)
	if op != nil {
		op.Fail(slot, class, err)
	}
	if !Retryable(class) || attempt == retryAttempts || !sleepUntil(ctx, deadline, retryBackoff(attempt)) {
		return false
	}
	if op != nil {
		op.Retry(slot)
	}
	return true
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
