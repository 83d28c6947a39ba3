package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// noopTarget answers every search at once with the same ids: a target for
// calibrating the load generator itself (requests/s, per-request overhead,
// schedule accuracy), never for measuring a database.
func noopTarget() searchFunc {
	ids := [][]int64{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}
	res := SearchResult{IDs: ids}
	return func(SearchRequest) (SearchResult, error) { return res, nil }
}

// stallTarget answers after service, but every n-th request stalls the
// whole target for stall: that request and every one arriving before the
// stall ends wait for it, as a server does in a long pause.
type stallTarget struct {
	searchFunc
	n       int64
	stall   time.Duration
	service time.Duration
	count   atomic.Int64
	mu      sync.Mutex
	until   time.Time
}

func newStallTarget(n int64, stall, service time.Duration) *stallTarget {
	t := &stallTarget{n: n, stall: stall, service: service}
	t.searchFunc = func(SearchRequest) (SearchResult, error) { return SearchResult{IDs: [][]int64{{0}}}, nil }
	return t
}

func (t *stallTarget) Search(ctx context.Context, req SearchRequest) (SearchResult, error) {
	now := time.Now()
	t.mu.Lock()
	if t.count.Add(1)%t.n == 0 {
		t.until = now.Add(t.stall)
	}
	until := t.until
	t.mu.Unlock()
	time.Sleep(max(until.Sub(now), 0) + t.service)
	return t.searchFunc(req)
}
