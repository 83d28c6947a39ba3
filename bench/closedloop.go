package bench

import (
	"context"
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

// phase is one load phase of a trial: warm-up (every == 0: nothing is
// recorded) or a measured window cut into intervals of length every.
type phase struct {
	dur   time.Duration
	every time.Duration
	ans   *answers
	// limit, when > 0, ends a closed loop after that many requests.
	limit int64
	// at, when set, is the instant the phase starts (a shard's trial clock).
	at time.Time
	// watch, when set, is called as the phase starts, with the measured
	// window's intervals (nil in warm-up), and returns a function to call
	// when it ends (live progress).
	watch func(start time.Time, iv *Intervals) (stop func())
}

func (ph phase) measured() bool { return ph.every > 0 }

// start begins a phase at start: for a measured phase it returns the
// recorder (nil for warm-up). stop ends the live reports.
func (ph phase) start(start time.Time, slots int, open bool) (rec *searchRec, stop func()) {
	var iv *Intervals
	if ph.measured() {
		rec = newSearchRec(start, ph.every, slots, open, ph.ans)
		iv = rec.iv
		iv.Start()
	}
	stop = func() {}
	if ph.watch != nil {
		stop = ph.watch(start, iv)
	}
	return rec, stop
}

// closedLoop runs pt.Concurrency workers, each sending its next request as
// soon as the previous one returned (and think has passed), until dur has
// passed (or ph.limit requests were sent). The latency recorded is client-observed: from the first attempt's
// send to the final answer, retries and backoff included; the successful
// attempt's service time is recorded beside it. Requests started before the
// deadline all count, and the window runs from the first send to the last
// completion, so no in-flight work is dropped.
func closedLoop(ctx context.Context, s *searchStream, think time.Duration, ph phase) (window, error) {
	conc := s.pt.Concurrency
	var next atomic.Int64
	if err := waitUntil(ctx, ph.at); err != nil {
		return window{}, err
	}
	start := time.Now()
	deadline := start.Add(ph.dur)
	rec, stopWatch := ph.start(start, conc, false)
	var wg sync.WaitGroup
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			idx := make([]int, s.pt.NQ)
			for now := start; ctx.Err() == nil && now.Before(deadline); {
				seq := next.Add(1) - 1
				if ph.limit > 0 && seq >= ph.limit {
					return
				}
				req := s.request(seq, idx)
				res, first, done, err := s.do(ctx, req, deadline, w, rec)
				if ctx.Err() != nil {
					return
				}
				if err == nil && rec != nil {
					rec.latency.Record(w, done.Sub(first))
					rec.answer(idx, res)
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
	end := time.Now()
	stopWatch()
	if rec == nil {
		return window{}, nil
	}
	return rec.finish(start, end)
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
