package bench

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/milvbench/milvbench/workloads"
)

// searchableLimit bounds the wait for the last inserted rows to be found;
// searchableProbeRows is how many of them a probe searches for.
const (
	searchableLimit     = 10 * time.Second
	searchableProbeRows = 8
)

// ingestTrial measures insert throughput and latency at one batch size and
// insert concurrency (load model ingest).
//
// pt.InsertConcurrency inserters each send a call of pt.InsertBatch rows
// as soon as their last call returned (closed loop: latency is the service
// time of each call, retries included), taking the dataset's rows beyond
// those already in, in id order, for load.duration or until the trial's
// row budget (Plan.IngestRowBudget) is used. Warm-up inserts, when
// load.warmup is set, come out of the same budget (at most a fifth of it)
// and are not measured. After the last call the trial times how long until
// a search for the exact vectors of the last acknowledged call's rows (up
// to 8, at the target's configured consistency) returns one of them for
// its own vector: the call's rows became visible together. Then it times
// a flush.
func (s *Session) ingestTrial(ctx context.Context, pt workloads.SearchPoint) (Trial, error) {
	r := s.r
	load := r.Plan.Spec.Load
	w, _ := writerOf(r.Target)
	size := r.Data.Base.Size()
	budget := min(r.Plan.IngestRowBudget(), size-s.rows)
	if budget < pt.InsertBatch*pt.InsertConcurrency {
		return Trial{}, fmt.Errorf("bench: ingest trial %s has %d rows left to insert, fewer than one call per inserter (the dataset has %d rows; ids are never reused)", pt.Level(), budget, size)
	}
	from := s.rows
	feed := newRowFeed(ctx, r.Data.Base, from, from+budget, pt.InsertBatch)
	defer feed.close()
	var mu sync.Mutex
	taken := 0 // rows handed to inserters
	// take returns the next batch while the phase lasts and, in warm-up,
	// while under limit rows were taken.
	take := func(ctx context.Context, until time.Time, limit int) (rowBatch, bool) {
		mu.Lock()
		defer mu.Unlock()
		if !time.Now().Before(until) || taken >= limit {
			return rowBatch{}, false
		}
		b, ok := feed.take(ctx)
		if ok {
			taken += len(b.ids)
			s.rows = int(b.ids[len(b.ids)-1]) + 1
		}
		return b, ok
	}
	var lostMu sync.Mutex
	var lost []int64
	phase := func(rec *opRecorder, until time.Time, limit int) {
		var wg sync.WaitGroup
		for slot := range pt.InsertConcurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					b, ok := take(ctx, until, limit)
					if !ok {
						return
					}
					if !rec.call(ctx, w, OpInsert, b, time.Now(), until.Add(time.Minute), slot) {
						lostMu.Lock()
						lost = append(lost, b.ids...)
						lostMu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
	}
	if load.Warmup > 0 {
		warm := NewIntervals(time.Now(), load.Warmup.D()) // never cut: discarded
		phase(newOpRecorder(warm, OpInsert, pt.InsertConcurrency), time.Now().Add(load.Warmup.D()), budget/5)
	}
	mu.Lock()
	warmRows := taken
	mu.Unlock()
	start := time.Now()
	iv := NewIntervals(start, load.Interval.D())
	rec := newOpRecorder(iv, OpInsert, pt.InsertConcurrency)
	iv.Start()
	stopServer := watchServer(ctx, r.Target, start, load.Interval.D())
	phase(rec, start.Add(load.Duration.D()), budget)
	iv.Stop(time.Now())
	mu.Lock()
	stopped := "duration"
	if taken >= budget {
		stopped = "row budget"
	}
	mu.Unlock()
	if err := ctx.Err(); err != nil {
		stopServer()
		return Trial{}, err
	}
	if err := feed.close(); err != nil {
		stopServer()
		return Trial{}, fmt.Errorf("reading rows to insert: %w", err)
	}
	s.writes.markGone(lost, size)

	ing := &IngestStats{RowBudget: budget, Stopped: stopped, WarmupRows: warmRows}
	rec.mu.Lock()
	last, lastAck := rec.lastRows, rec.last
	rec.mu.Unlock()
	if n := len(last.ids); n > 0 {
		probe := rowBatch{ids: last.ids[max(0, n-searchableProbeRows):], vecs: last.vecs[max(0, n-searchableProbeRows):]}
		var err error
		ing.SearchableS, ing.Searchable, ing.Probes, err = s.timeToSearchable(ctx, pt, probe, lastAck)
		if err != nil {
			stopServer()
			return Trial{}, err
		}
	}
	t0 := time.Now()
	if err := r.Target.Flush(ctx); err != nil {
		stopServer()
		return Trial{}, fmt.Errorf("flush after ingest %s: %w", pt.Level(), err)
	}
	ing.FlushS = time.Since(t0).Seconds()
	server := stopServer()

	st, err := rec.stats(pt.InsertBatch, 0, 0, "service time of each insert call (closed loop: each inserter sends when its last call returned), retries included")
	if err != nil {
		return Trial{}, err
	}
	if st.WindowS+ing.FlushS > 0 {
		ing.RowsPerSWithFlush = float64(st.Rows) / (st.WindowS + ing.FlushS)
	}
	tr := Trial{
		Search: searchInfo(pt, nil),
		Load: LoadInfo{
			Model: load.Model, InsertBatch: pt.InsertBatch, InsertConcurrency: pt.InsertConcurrency,
			WarmupS: load.Warmup.D().Seconds(), DurationS: load.Duration.D().Seconds(), WindowS: st.WindowS,
			Latency: "insert calls: " + st.Latency,
		},
		QPS:              st.CallsPerS,
		QueriesPerS:      st.RowsPerS,
		Requests:         st.Requests,
		LatencyMS:        st.LatencyMS,
		Errors:           st.Errors,
		Histogram:        st.Histogram,
		ServiceMS:        st.ServiceMS,
		ServiceHistogram: st.ServiceHistogram,
		Started:          start,
		Series:           []OpSeries{rec.lat.Series(), rec.svc.Series()},
		Operations:       map[string]*OpStats{OpInsert: st},
		Ingest:           ing,
		Server:           server,
	}
	if len(lost) > 0 {
		tr.Notes = append(tr.Notes, fmt.Sprintf("%d rows whose insert failed are not in the collection (their ids are not reused)", len(lost)))
	}
	if !ing.Searchable && len(last.ids) > 0 {
		tr.Notes = append(tr.Notes, fmt.Sprintf("no row of the last insert call (ids %d..%d) was found by a search for its own vector within %s", last.ids[0], last.ids[len(last.ids)-1], searchableLimit))
	}
	return tr, nil
}

// timeToSearchable searches for the vectors of rows until some row is in
// its own answer, from since (the acknowledgement of their insert); it
// returns the seconds from since to that answer, whether one came within
// searchableLimit, and the searches sent. Failed searches count as probes
// and are sent again.
func (s *Session) timeToSearchable(ctx context.Context, pt workloads.SearchPoint, rows rowBatch, since time.Time) (float64, bool, int, error) {
	req := SearchRequest{Vectors: rows.vecs, TopK: pt.TopK, Params: pt.Params}
	probes := 0
	for {
		res, err := s.r.Target.Search(ctx, req)
		probes++
		if ctx.Err() != nil {
			return 0, false, probes, ctx.Err()
		}
		if err == nil && len(res.IDs) == len(rows.ids) {
			for i, ids := range res.IDs {
				if slices.Contains(ids, rows.ids[i]) {
					return time.Since(since).Seconds(), true, probes, nil
				}
			}
		}
		if time.Since(since) > searchableLimit {
			return time.Since(since).Seconds(), false, probes, nil
		}
		if waitUntil(ctx, time.Now().Add(time.Millisecond)) != nil {
			return 0, false, probes, ctx.Err()
		}
	}
}
