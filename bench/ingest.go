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

// ingestModel measures insert throughput and latency at one batch size
// and insert concurrency (load model ingest).
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
// a flush. The measured window ends with the last call; the server is
// sampled until the flush ends.
type ingestModel struct {
	s      *Session
	pt     workloads.SearchPoint
	w      Writer
	budget int
	feed   *rowFeed
	mu     sync.Mutex
	taken  int // rows handed to inserters
	lost   []int64
	rec    *opRecorder
	ing    IngestStats
	last   rowBatch // the last call acknowledged, for time to searchable
}

// ingestModel sets up pt's ingest trial: its row budget and the feed of
// the rows beyond those already in.
func (s *Session) ingestModel(ctx context.Context, pt workloads.SearchPoint) (*ingestModel, error) {
	w, _ := writerOf(s.r.Target)
	size := s.r.Data.Base.Size()
	budget := min(s.r.Plan.IngestRowBudget(), size-s.rows)
	if budget < pt.InsertBatch*pt.InsertConcurrency {
		return nil, fmt.Errorf("bench: ingest trial %s has %d rows left to insert, fewer than one call per inserter (the dataset has %d rows; ids are never reused)", pt.Level(), budget, size)
	}
	feed := newRowFeed(ctx, s.r.Data.Base, s.rows, s.rows+budget, pt.InsertBatch)
	return &ingestModel{s: s, pt: pt, w: w, budget: budget, feed: feed, ing: IngestStats{RowBudget: budget}}, nil
}

func (m *ingestModel) close() { m.feed.close() }

// take returns the next batch while the phase lasts (until) and while
// under limit rows were taken.
func (m *ingestModel) take(ctx context.Context, until time.Time, limit int) (rowBatch, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !time.Now().Before(until) || m.taken >= limit {
		return rowBatch{}, false
	}
	b, ok := m.feed.take(ctx)
	if ok {
		m.taken += len(b.ids)
		m.s.rows = int(b.ids[len(b.ids)-1]) + 1
	}
	return b, ok
}

// insert runs the inserters until until or until limit rows were taken,
// recording into rec.
func (m *ingestModel) insert(ctx context.Context, rec *opRecorder, until time.Time, limit int) {
	var wg sync.WaitGroup
	for slot := range m.pt.InsertConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				b, ok := m.take(ctx, until, limit)
				if !ok {
					return
				}
				if !rec.call(ctx, m.w, OpInsert, b, time.Now(), until.Add(time.Minute), slot) {
					m.mu.Lock()
					m.lost = append(m.lost, b.ids...)
					m.mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
}

func (m *ingestModel) warmUp(ctx context.Context, d time.Duration) error {
	warm := NewIntervals(time.Now(), d) // never cut: discarded
	m.insert(ctx, newOpRecorder(warm, OpInsert, m.pt.InsertConcurrency), time.Now().Add(d), m.budget/5)
	return nil
}

// measure inserts for the window, then times the last rows' way to
// searchable and a flush.
func (m *ingestModel) measure(ctx context.Context, w *trialWindow) (time.Time, error) {
	m.mu.Lock()
	m.ing.WarmupRows = m.taken
	m.mu.Unlock()
	m.rec = newOpRecorder(w.iv, OpInsert, m.pt.InsertConcurrency)
	m.insert(ctx, m.rec, w.start.Add(w.dur), m.budget)
	end := time.Now()
	m.ing.Stopped = "duration"
	if m.taken >= m.budget {
		m.ing.Stopped = "row budget"
	}
	if err := ctx.Err(); err != nil {
		return end, err
	}
	if err := m.feed.close(); err != nil {
		return end, fmt.Errorf("reading rows to insert: %w", err)
	}
	m.s.writes.markGone(m.lost, m.s.r.Data.Base.Size())
	return end, m.settle(ctx)
}

// settle times how long the last acknowledged rows took to become
// searchable, then a flush.
func (m *ingestModel) settle(ctx context.Context) error {
	m.rec.mu.Lock()
	last, lastAck := m.rec.lastRows, m.rec.last
	m.rec.mu.Unlock()
	m.last = last
	if n := len(last.ids); n > 0 {
		probe := rowBatch{ids: last.ids[max(0, n-searchableProbeRows):], vecs: last.vecs[max(0, n-searchableProbeRows):]}
		var err error
		m.ing.SearchableS, m.ing.Searchable, m.ing.Probes, err = m.s.timeToSearchable(ctx, m.pt, probe, lastAck)
		if err != nil {
			return err
		}
	}
	t0 := time.Now()
	if err := m.s.r.Target.Flush(ctx); err != nil {
		return fmt.Errorf("flush after ingest %s: %w", m.pt.Level(), err)
	}
	m.ing.FlushS = time.Since(t0).Seconds()
	return nil
}

// result is the insert stream's trial: its calls as the trial's requests,
// rows/s as its queries/s.
func (m *ingestModel) result(context.Context, *trialWindow) (Trial, error) {
	st, err := m.rec.stats(m.pt.InsertBatch, 0, 0, "service time of each insert call (closed loop: each inserter sends when its last call returned), retries included")
	if err != nil {
		return Trial{}, err
	}
	ing := m.ing
	if st.WindowS+ing.FlushS > 0 {
		ing.RowsPerSWithFlush = float64(st.Rows) / (st.WindowS + ing.FlushS)
	}
	li := loadInfo(m.s.r.Plan.Spec.Load)
	li.InsertBatch, li.InsertConcurrency, li.WindowS = m.pt.InsertBatch, m.pt.InsertConcurrency, st.WindowS
	li.Latency = "insert calls: " + st.Latency
	tr := Trial{
		Search:           searchInfo(m.pt, Truth{}),
		Load:             li,
		QPS:              st.CallsPerS,
		QueriesPerS:      st.RowsPerS,
		Requests:         st.Requests,
		LatencyMS:        st.LatencyMS,
		Errors:           st.Errors,
		Histogram:        st.Histogram,
		ServiceMS:        st.ServiceMS,
		ServiceHistogram: st.ServiceHistogram,
		Series:           []OpSeries{m.rec.lat.Series(), m.rec.svc.Series()},
		Operations:       map[string]*OpStats{OpInsert: st},
		Ingest:           &ing,
	}
	if len(m.lost) > 0 {
		tr.Notes = append(tr.Notes, fmt.Sprintf("%d rows whose insert failed are not in the collection (their ids are not reused)", len(m.lost)))
	}
	if last := m.last; !ing.Searchable && len(last.ids) > 0 {
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
