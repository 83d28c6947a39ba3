package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/milvbench/milvbench/datasets"
)

// rowBatch is rows for one write call: ids and their vectors (a copy the
// call may keep).
type rowBatch struct {
	ids  []int64
	vecs [][]float32
}

// rowFeed hands out the base rows from one id up to another in id order
// and in batches, read ahead by a background scan of the dataset, so a
// paced write stream never waits on the dataset (a file or generator).
type rowFeed struct {
	ch     chan rowBatch
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// feedAhead is how many batches a feed reads ahead.
const feedAhead = 8

// newRowFeed starts reading rows [from, to) of base in batches of batch.
func newRowFeed(ctx context.Context, base datasets.Base, from, to, batch int) *rowFeed {
	ctx, cancel := context.WithCancel(ctx)
	f := &rowFeed{ch: make(chan rowBatch, feedAhead), cancel: cancel, done: make(chan struct{})}
	to = min(to, base.Size())
	go func() {
		defer close(f.done)
		defer close(f.ch)
		if from >= to {
			return
		}
		dim := base.Dim()
		var cur rowBatch
		var buf []float32
		send := func() bool {
			select {
			case f.ch <- cur:
				cur = rowBatch{}
				return true
			case <-ctx.Done():
				return false
			}
		}
		err := base.Scan(ctx, max(batch, 1024), func(first int64, vecs [][]float32) error {
			for i, v := range vecs {
				id := first + int64(i)
				if id < int64(from) {
					continue
				}
				if id >= int64(to) {
					return errFeedEnd
				}
				if cur.ids == nil {
					n := min(batch, to-int(id))
					cur = rowBatch{ids: make([]int64, 0, n), vecs: make([][]float32, 0, n)}
					buf = make([]float32, n*dim)
				}
				j := len(cur.ids)
				row := buf[j*dim : (j+1)*dim : (j+1)*dim]
				copy(row, v)
				cur.ids, cur.vecs = append(cur.ids, id), append(cur.vecs, row)
				if len(cur.ids) == cap(cur.ids) && !send() {
					return ctx.Err()
				}
			}
			return nil
		})
		if err != nil && !errors.Is(err, errFeedEnd) && ctx.Err() == nil {
			f.err = err
		}
	}()
	return f
}

var errFeedEnd = errors.New("bench: end of feed")

// take returns the next batch, or false when the rows ran out (or the
// feed failed: see close).
func (f *rowFeed) take(ctx context.Context) (rowBatch, bool) {
	select {
	case b, ok := <-f.ch:
		return b, ok
	case <-ctx.Done():
		return rowBatch{}, false
	}
}

// close stops the feed and returns the error that ended it early, if any.
func (f *rowFeed) close() error {
	f.cancel()
	<-f.done
	return f.err
}

// opRecorder collects one write stream's measurements into two interval
// ops: op (latency per call from its intended or actual send to the final
// answer, retries included) and op_service (the successful attempt's
// service time). Its methods are safe for concurrent use.
type opRecorder struct {
	lat, svc *Op
	mu       sync.Mutex
	calls    int64
	rows     int64
	first    time.Time
	last     time.Time
	lastRows rowBatch // the last batch acknowledged
}

func newOpRecorder(iv *Intervals, op string, slots int) *opRecorder {
	return &opRecorder{lat: iv.Op(op, slots), svc: iv.Op(op+ServiceSuffix, slots)}
}

// call sends one write call through slot with the harness's retry policy
// (see again: rate-limited or unavailable attempts are sent again after a
// backoff, every attempt counted, as for searches) and records it: latency
// from since (the intended or actual send) to the final answer, and the
// service time of the successful attempt. It reports whether the call
// succeeded.
func (o *opRecorder) call(ctx context.Context, w Writer, op string, b rowBatch, since, deadline time.Time, slot int) bool {
	var service time.Duration
	var err error
	sent := time.Now()
	for attempt := 1; ; attempt++ {
		t0 := time.Now()
		err = w.Write(ctx, op, b.ids, b.vecs)
		service = time.Since(t0)
		if err == nil || !again(ctx, deadline, o.lat, slot, attempt, err) {
			break
		}
	}
	end := time.Now()
	if err == nil {
		o.lat.Record(slot, end.Sub(since))
		o.svc.Record(slot, service)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.first.IsZero() || sent.Before(o.first) {
		o.first = sent
	}
	if end.After(o.last) {
		o.last = end
	}
	if err != nil {
		return false
	}
	o.calls++
	o.rows += int64(len(b.ids))
	o.lastRows = b
	return true
}

// stats summarises the stream once its intervals are stopped; offered is
// a paced stream's rate (0: closed loop) and span its schedule's length:
// a paced stream's rates are over the schedule, or over its window if
// that took longer (its calls are spread over the schedule, the last one
// due a call's interval before its end).
func (o *opRecorder) stats(batch int, offered float64, span time.Duration, latency string) (*OpStats, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	lat, err := o.lat.Total()
	if err != nil {
		return nil, err
	}
	svc, err := o.svc.Total()
	if err != nil {
		return nil, err
	}
	errs := o.lat.Errors()
	st := &OpStats{
		OfferedRowsPerS: offered, Batch: batch, Requests: o.calls + errs.Total, Calls: o.calls, Rows: o.rows,
		Errors: errs, Latency: latency,
	}
	if st.LatencyMS, st.Histogram, err = DigestHistogram(lat); err != nil {
		return nil, err
	}
	svcMS, svcEnc, err := DigestHistogram(svc)
	if err != nil {
		return nil, err
	}
	st.ServiceMS, st.ServiceHistogram = &svcMS, svcEnc
	if !o.first.IsZero() {
		st.WindowS = o.last.Sub(o.first).Seconds()
	}
	if secs := max(st.WindowS, span.Seconds()); secs > 0 {
		st.RowsPerS, st.CallsPerS = float64(o.rows)/secs, float64(o.calls)/secs
	}
	return st, nil
}

// pacedWrites is one open-loop write stream of a mixed trial: calls of
// batch rows at rate rows/s on a fixed schedule (call i is due at start +
// i·batch/rate), each measured from its due time, so a slow target shows
// in the latency rather than slowing the schedule. At most inFlight calls
// are outstanding; when a call is due and none is free the stream is
// saturated (it waits, and the wait counts in the latency).
type pacedWrites struct {
	op       string
	rate     float64
	batch    int
	inFlight int
	// next returns the rows of the next call; false when none are left
	// (why: the reason, for the trial's notes).
	next func(ctx context.Context) (b rowBatch, ok bool, why string)
	// sent numbers a call about to be sent; acked and failed settle it.
	sent   func() uint64
	acked  func(seq uint64, b rowBatch)
	failed func(seq uint64, b rowBatch)
}

// pacedResult is how a paced stream went beyond its recorded calls.
type pacedResult struct {
	// saturated: a call was due while inFlight calls were outstanding.
	saturated bool
	// unsent counts the calls due in the window that were never sent,
	// because every slot stayed busy until the window ended.
	unsent int64
	// exhausted says why the stream ran out of rows, if it did.
	exhausted string
}

// run drives the stream from start for dur, recording into rec. No call
// is sent after the window ends: calls still waiting for a slot then are
// counted as unsent, so the window stays the trial's and the achieved
// rate shows what the target kept up with.
func (p pacedWrites) run(ctx context.Context, w Writer, rec *opRecorder, start time.Time, dur time.Duration) pacedResult {
	var res pacedResult
	end := start.Add(dur)
	every := time.Duration(float64(p.batch) / p.rate * float64(time.Second))
	calls := int64((dur + every - 1) / every) // due in [start, end)
	slots := make(chan struct{}, max(p.inFlight, 1))
	window, stop := context.WithDeadline(ctx, end)
	defer stop()
	var wg sync.WaitGroup
	var i int64
	for ; i < calls && ctx.Err() == nil; i++ {
		due := start.Add(time.Duration(i) * every)
		if waitUntil(ctx, due) != nil {
			break
		}
		select {
		case slots <- struct{}{}:
		default:
			res.saturated = true
			select {
			case slots <- struct{}{}:
			case <-window.Done():
			}
		}
		if window.Err() != nil {
			break
		}
		b, ok, why := p.next(ctx)
		if !ok {
			<-slots
			if ctx.Err() == nil {
				res.exhausted = fmt.Sprintf("%s after %.2fs: %s", p.op, time.Since(start).Seconds(), why)
			}
			break
		}
		var seq uint64
		if p.sent != nil {
			seq = p.sent()
		}
		slot := int(i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok := rec.call(ctx, w, p.op, b, due, end.Add(time.Minute), slot)
			<-slots
			switch {
			case ok && p.acked != nil:
				p.acked(seq, b)
			case !ok && p.failed != nil:
				p.failed(seq, b)
			}
		}()
	}
	if res.exhausted == "" && ctx.Err() == nil {
		res.unsent = calls - i
	}
	wg.Wait()
	return res
}
