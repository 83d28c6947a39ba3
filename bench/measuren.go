package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/milvbench/milvbench/workloads"
)

// noDeadline bounds a count-limited loop by time only nominally.
const noDeadline = 100 * 365 * 24 * time.Hour

// MeasureN sends exactly n search requests of pt to the built index from
// pt.Concurrency closed-loop workers, without warm-up, and returns what they
// measured as a trial that is not added to the session's result. It is the
// primitive for go test -bench, where the testing package chooses n (b.N),
// collects the heap and times the call; Measure is the one for runs, which
// measure windows of load.duration through the trial routine. It records
// through the closed model's own recorder, in one interval.
func (s *Session) MeasureN(ctx context.Context, pt workloads.SearchPoint, n int) (Trial, error) {
	if s.index == nil {
		return Trial{}, fmt.Errorf("bench: measure before build")
	}
	if n <= 0 {
		return Trial{}, fmt.Errorf("bench: MeasureN of %d requests", n)
	}
	pt.Concurrency = max(1, min(pt.Concurrency, n))
	s.fresh = false // its requests are the index's first: no cold phase after it
	m := s.searchModel(pt, 0)
	m.limit = int64(n)
	// No deadline: the count ends the loop (and retries may back off freely).
	w := &trialWindow{start: time.Now(), dur: noDeadline}
	w.iv = NewIntervals(w.start, noDeadline)
	end, _ := m.measure(ctx, w)
	w.end = end
	w.iv.Stop(end)
	if err := ctx.Err(); err != nil {
		return Trial{}, err
	}
	tr, err := m.result(ctx, w)
	if err != nil {
		return Trial{}, err
	}
	tr.Load = LoadInfo{Model: workloads.LoadClosed, Concurrency: pt.Concurrency, WindowS: tr.Load.WindowS, Latency: LatencyClosed}
	tr.Index, tr.Started = *s.index, w.start.UTC()
	return tr, nil
}
