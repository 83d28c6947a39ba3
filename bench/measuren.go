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
	r := s.r
	truth := r.Truths[pt.Selectivity]
	pt.Concurrency = max(1, min(pt.Concurrency, n))
	ans := newAnswers(len(r.Data.Queries))
	// No deadline: the count ends the loop (and retries may back off freely).
	w := closedLoopN(ctx, r.Target, r.Data.Queries, pt, truth.Filter, r.Plan.Spec.Search.OutputFields, noDeadline, int64(n), ans)
	if err := ctx.Err(); err != nil {
		return Trial{}, err
	}
	recall, answered := ans.recall(truth.GT, pt.TopK)
	secs := w.elapsed.Seconds()
	return Trial{
		Index:       *s.index,
		Search:      searchInfo(pt, truth.Filter),
		Load:        LoadInfo{Model: workloads.LoadClosed, Concurrency: pt.Concurrency, WindowS: secs, Latency: "service time (closed loop)"},
		Recall:      recall,
		RecallN:     answered,
		QPS:         float64(w.ok) / secs,
		QueriesPerS: float64(w.ok) * float64(pt.NQ) / secs,
		Requests:    w.ok + w.errs.Total,
		LatencyMS:   Summarize(w.hist),
		Errors:      w.errs,
	}, nil
}
