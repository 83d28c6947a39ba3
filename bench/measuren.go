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
// primitive for go test -bench, where the testing package chooses n (b.N)
// and times the call; Measure is the one for runs, which measure windows of
// load.duration.
func (s *Session) MeasureN(ctx context.Context, pt workloads.SearchPoint, n int) (Trial, error) {
	if s.index == nil {
		return Trial{}, fmt.Errorf("bench: measure before build")
	}
	if n <= 0 {
		return Trial{}, fmt.Errorf("bench: MeasureN of %d requests", n)
	}
	pt.Concurrency = max(1, min(pt.Concurrency, n))
	st, truth := s.stream(pt)
	every := s.r.Plan.Spec.Load.Interval.D()
	if every <= 0 {
		every = time.Second
	}
	// No deadline: the count ends the loop (and retries may back off freely).
	w, err := closedLoop(ctx, st, 0, phase{dur: noDeadline, every: every, ans: newAnswers(len(st.queries)), limit: int64(n)})
	if cerr := ctx.Err(); cerr != nil {
		return Trial{}, cerr
	}
	if err != nil {
		return Trial{}, err
	}
	tr, err := searchTrial(pt, truth, w, LoadInfo{Model: workloads.LoadClosed, Concurrency: pt.Concurrency, Latency: LatencyClosed})
	tr.Index = *s.index
	return tr, err
}
