package bench

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// writeState is what the mixed and ingest models did to the collection.
// It lasts across trials: the collection keeps its rows between trials and
// an id is never inserted twice.
type writeState struct {
	// preload is how many rows Open loaded (ids 0..preload-1).
	preload int
	// gone marks ids that are not in the collection although below the
	// next id to insert: deleted, or their insert failed.
	gone []uint64
	// delNext is the next id the delete stream removes (oldest first);
	// upNext the next id the upsert stream rewrites.
	delNext, upNext int
	// truth is the live ground truth of the mixed model's checkpoints,
	// for truthKey (selectivity, topk); it follows every write of the
	// trials that used it.
	truth    *liveTruth
	truthKey [2]float64
}

func (w *writeState) isGone(id int64) bool {
	return int(id>>6) < len(w.gone) && w.gone[id>>6]&(1<<(uint(id)&63)) != 0
}

func (w *writeState) markGone(ids []int64, size int) {
	if w.gone == nil {
		w.gone = make([]uint64, (size+63)/64)
	}
	for _, id := range ids {
		w.gone[id>>6] |= 1 << (uint(id) & 63)
	}
}

// Checkpoint searches: how many queries each sends (the first of the
// dataset's queries), how many per request, and how many requests are in
// flight at once.
const (
	checkpointQueries = 1000
	checkpointNQ      = 10
	checkpointWorkers = 2
	// writesInFlight bounds the outstanding calls of each paced write stream.
	writesInFlight = 8
)

// writerOf returns the target's Writer; targets without one can still
// take inserts, through Target.Insert.
func writerOf(t Target) (Writer, bool) {
	if w, ok := t.(Writer); ok {
		return w, true
	}
	return insertOnly{t}, false
}

// insertOnly adapts a Target without a Writer: inserts only.
type insertOnly struct{ t Target }

func (w insertOnly) Write(ctx context.Context, op string, ids []int64, vecs [][]float32) error {
	if op != OpInsert {
		return fmt.Errorf("bench: the target cannot %s rows during a trial", op)
	}
	return w.t.Insert(ctx, ids, vecs)
}

// mixedModel measures searches while rows are inserted (and optionally
// deleted and upserted) at fixed rates (load model mixed).
//
// Warm-up runs the search stream alone. Then, for load.duration, at the
// same time: the search stream (a closed loop of pt.Concurrency workers,
// or an open loop at pt.Rate requests/s, measured as in the closed and
// open models), an insert stream of the dataset's rows beyond those
// already in, in id order, at pt.InsertRate rows/s in calls of
// pt.InsertBatch rows, and the delete and upsert streams. Deletes remove
// the oldest preloaded rows; upserts rewrite preloaded rows with their own
// vectors (the upsert path's cost without changing the true neighbours);
// the two never touch the same rows. Recall is measured load.checkpoints
// times, evenly from the window's start to its end, against exact ground
// truth over the rows visible then (see liveTruth), with
// strong-consistency searches; the trial's recall averages over the
// queries the checkpoints answered.
type mixedModel struct {
	s      *Session
	pt     workloads.SearchPoint
	search *searchModel
	lt     *liveTruth
	w      Writer
	// streams are the write streams (insert first), recs where each
	// records, paced how each went.
	streams []pacedWrites
	recs    []*opRecorder
	paced   []pacedResult
	feeds   []*rowFeed // closed with the model
	// inserted and deleted count this trial's acknowledged rows (read by
	// the checkpoints); lost the ids no longer in the collection (deleted,
	// or their insert failed).
	inserted, deleted atomic.Int64
	mu                sync.Mutex
	lost              []int64
	notes             []string
	rowsBefore        int
	searchEnd         time.Time
	checkpoints       []Checkpoint
}

// mixedModel sets up pt's mixed trial: the live ground truth of its
// checkpoints and its write streams.
func (s *Session) mixedModel(ctx context.Context, pt workloads.SearchPoint) (*mixedModel, error) {
	load := s.r.Plan.Spec.Load
	w, full := writerOf(s.r.Target)
	if !full && (load.DeleteRate > 0 || load.UpsertRate > 0) {
		return nil, fmt.Errorf("bench: the target cannot delete or upsert rows during a trial (load.delete_rate, load.upsert_rate)")
	}
	m := &mixedModel{s: s, pt: pt, search: s.searchModel(pt, pt.Rate), w: w}
	lt, err := s.liveTruth(ctx, pt, m.search.truth.Filter)
	if err != nil {
		return nil, fmt.Errorf("ground truth for checkpoints: %w", err)
	}
	m.lt = lt
	m.rowsBefore, _ = lt.counts()
	m.streams = append(m.streams, m.insertStream(ctx))
	delLo, delHi, upLo, upHi := s.mutationRanges(load)
	if load.DeleteRate > 0 {
		m.streams = append(m.streams, m.deleteStream(ctx, delLo, delHi))
	}
	if load.UpsertRate > 0 {
		m.streams = append(m.streams, m.upsertStream(ctx, upLo, upHi))
	}
	return m, nil
}

func (m *mixedModel) close() {
	for _, f := range m.feeds {
		f.close()
	}
}

func (m *mixedModel) note(format string, args ...any) {
	m.mu.Lock()
	m.notes = append(m.notes, fmt.Sprintf(format, args...))
	m.mu.Unlock()
}

func (m *mixedModel) lose(ids []int64) {
	m.mu.Lock()
	m.lost = append(m.lost, ids...)
	m.mu.Unlock()
}

// insertStream inserts the dataset's rows beyond those already in.
func (m *mixedModel) insertStream(ctx context.Context) pacedWrites {
	s, pt, lt := m.s, m.pt, m.lt
	size := s.r.Data.Base.Size()
	feed := newRowFeed(ctx, s.r.Data.Base, s.rows, size, pt.InsertBatch)
	m.feeds = append(m.feeds, feed)
	return pacedWrites{
		op: OpInsert, rate: pt.InsertRate, batch: pt.InsertBatch, inFlight: writesInFlight,
		next: func(ctx context.Context) (rowBatch, bool, string) {
			b, ok := feed.take(ctx)
			if !ok {
				return b, false, fmt.Sprintf("the dataset has no rows left to insert (all %d of dataset.size are in; ids are never reused)", size)
			}
			s.rows = int(b.ids[len(b.ids)-1]) + 1
			return b, true, ""
		},
		sent: lt.begin,
		acked: func(seq uint64, b rowBatch) {
			lt.inserted(seq, b.ids, b.vecs)
			m.inserted.Add(int64(len(b.ids)))
		},
		failed: func(seq uint64, b rowBatch) {
			lt.drop(seq)
			m.lose(b.ids)
		},
	}
}

// deleteStream removes preloaded rows [lo, hi), oldest first.
func (m *mixedModel) deleteStream(ctx context.Context, lo, hi int) pacedWrites {
	s, pt, lt := m.s, m.pt, m.lt
	return pacedWrites{
		op: OpDelete, rate: s.r.Plan.Spec.Load.DeleteRate, batch: pt.InsertBatch, inFlight: 1,
		next: func(context.Context) (rowBatch, bool, string) {
			from := max(s.writes.delNext, lo)
			if from >= hi {
				return rowBatch{}, false, fmt.Sprintf("every preloaded row it may delete (ids %d..%d) is deleted", lo, hi-1)
			}
			to := min(from+pt.InsertBatch, hi)
			b := rowBatch{ids: make([]int64, 0, to-from)}
			for id := from; id < to; id++ {
				b.ids = append(b.ids, int64(id))
			}
			s.writes.delNext = to
			return b, true, ""
		},
		sent: lt.begin,
		acked: func(seq uint64, b rowBatch) {
			if err := lt.deleted(ctx, seq, b.ids); err != nil {
				m.note("ground truth after a delete: %v", err)
			}
			m.deleted.Add(int64(len(b.ids)))
			m.lose(b.ids)
		},
		// A delete that failed may or may not have been applied; the rows
		// count as still there.
		failed: func(seq uint64, _ rowBatch) { lt.drop(seq) },
	}
}

// upsertStream rewrites preloaded rows [lo, hi) with their own vectors,
// wrapping around.
func (m *mixedModel) upsertStream(ctx context.Context, lo, hi int) pacedWrites {
	s, pt := m.s, m.pt
	base := s.r.Data.Base
	s.writes.upNext = max(s.writes.upNext, lo)
	feed := newRowFeed(ctx, base, s.writes.upNext, hi, pt.InsertBatch)
	m.feeds = append(m.feeds, feed)
	return pacedWrites{
		op: OpUpsert, rate: s.r.Plan.Spec.Load.UpsertRate, batch: pt.InsertBatch, inFlight: writesInFlight,
		next: func(ctx context.Context) (rowBatch, bool, string) {
			b, ok := feed.take(ctx)
			if !ok { // wrap around: rewrite the range again
				if err := feed.close(); err != nil {
					return b, false, err.Error()
				}
				feed = newRowFeed(ctx, base, lo, hi, pt.InsertBatch)
				m.feeds = append(m.feeds, feed)
				if b, ok = feed.take(ctx); !ok {
					return b, false, fmt.Sprintf("no preloaded rows to upsert (ids %d..%d)", lo, hi-1)
				}
			}
			s.writes.upNext = int(b.ids[len(b.ids)-1]) + 1
			return b, true, ""
		},
	}
}

func (m *mixedModel) warmUp(ctx context.Context, d time.Duration) error {
	return m.search.warmUp(ctx, d)
}

// measure runs the search stream, the write streams and the checkpoints
// together for the window, then judges the checkpoints once the writes in
// flight during them have settled. The window ends when the last stream
// does.
func (m *mixedModel) measure(ctx context.Context, w *trialWindow) (time.Time, error) {
	m.search.rec = m.search.load.recorder(w.iv, false) // the search op leads the live status
	m.recs = make([]*opRecorder, len(m.streams))
	for i, st := range m.streams {
		m.recs[i] = newOpRecorder(w.iv, st.op, writesInFlight)
	}
	m.paced = make([]pacedResult, len(m.streams))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		m.searchEnd, m.search.gen = m.search.load.run(ctx, w.start, w.dur, m.search.rec, 0)
	}()
	for i, st := range m.streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.paced[i] = st.run(ctx, m.w, m.recs[i], w.start, w.dur)
		}()
	}
	streamsDone := make(chan struct{})
	judges := make(chan []func() Checkpoint, 1)
	go func() { judges <- m.runCheckpoints(ctx, w, streamsDone) }()
	wg.Wait()
	end := time.Now()
	close(streamsDone)
	for i, judge := range <-judges {
		cp := judge()
		m.checkpoints = append(m.checkpoints, cp)
		m.s.r.logf("mixed  checkpoint %d/%d at %.1fs: %d rows visible, recall=%.4f (new rows %.0f%% of true neighbours, %.0f%% of them found)",
			i+1, m.s.r.Plan.Spec.Load.Checkpoints, cp.AtS, cp.Rows, cp.Recall, 100*cp.NewShare, 100*cp.NewRecall)
	}
	return end, nil
}

// runCheckpoints takes load.checkpoints checkpoints beside the streams,
// evenly from the window's start to its end; the last one waits for the
// streams to finish (streamsDone) so it sees the final rows. It returns
// a judge per checkpoint taken: each is judged once the writes in flight
// during it have settled, after the streams, so a slow write never
// delays the next checkpoint.
func (m *mixedModel) runCheckpoints(ctx context.Context, w *trialWindow, streamsDone <-chan struct{}) []func() Checkpoint {
	var judges []func() Checkpoint
	n := m.s.r.Plan.Spec.Load.Checkpoints
	for i := range n {
		at := w.dur
		if n > 1 {
			at = w.dur * time.Duration(i) / time.Duration(n-1)
		}
		if i == n-1 {
			select {
			case <-streamsDone:
			case <-ctx.Done():
				return judges
			}
		} else if waitUntil(ctx, w.start.Add(at)) != nil {
			return judges
		}
		ins, del := m.inserted.Load(), m.deleted.Load()
		judge := m.s.checkpoint(ctx, m.lt, m.pt, m.search.truth.Filter, w.start)
		judges = append(judges, func() Checkpoint {
			cp := judge()
			cp.Inserted, cp.Deleted = ins, del
			return cp
		})
	}
	return judges
}

// result is the search stream's trial over its own window, with each write
// stream's measurements, the checkpoints and the recall over the queries
// they answered.
func (m *mixedModel) result(_ context.Context, w *trialWindow) (Trial, error) {
	s := m.s
	for _, f := range m.feeds {
		if err := f.close(); err != nil {
			return Trial{}, fmt.Errorf("reading rows to insert: %w", err)
		}
	}
	s.writes.markGone(m.lost, s.r.Data.Base.Size())
	tr, err := m.search.trial(w.start, m.searchEnd)
	if err != nil {
		return Trial{}, err
	}
	tr.Load.Latency += "; while the writes run"
	tr.Load.InsertRate, tr.Load.InsertBatch = m.pt.InsertRate, m.pt.InsertBatch
	tr.Operations = map[string]*OpStats{}
	for i, st := range m.streams {
		op, err := m.recs[i].stats(st.batch, st.rate, w.dur, "from the intended send time of each call (paced stream), retries included")
		if err != nil {
			return Trial{}, err
		}
		p := m.paced[i]
		op.Saturated, op.Unsent, op.Exhausted = p.saturated, p.unsent, p.exhausted
		tr.Operations[st.op] = op
		tr.Series = append(tr.Series, m.recs[i].lat.Series(), m.recs[i].svc.Series())
		if op.Exhausted != "" {
			m.note("the %s stream stopped early: %s", st.op, op.Exhausted)
		}
		if op.Saturated {
			m.note("the %s stream reached %d calls in flight: the target did not keep up with %g rows/s (achieved %.0f rows/s; %d calls due in the window were never sent)", st.op, max(st.inFlight, 1), st.rate, op.RowsPerS, op.Unsent)
		}
	}
	rowsAfter, _ := m.lt.counts()
	tr.Mixed = &MixedInfo{Consistency: "strong", Queries: len(m.lt.queries), PreloadRows: s.writes.preload, RowsBefore: m.rowsBefore, RowsAfter: rowsAfter}
	tr.Checkpoints = m.checkpoints
	tr.Recall, tr.RecallN = checkpointRecall(m.checkpoints)
	tr.Notes = m.notes
	return tr, nil
}

// checkpointRecall is the recall over every query the checkpoints
// answered (each checkpoint's recall weighted by its answered queries),
// and how many they were: a checkpoint whose every search failed answered
// nothing and weighs nothing.
func checkpointRecall(cps []Checkpoint) (float64, int) {
	sum, n := 0.0, 0
	for _, cp := range cps {
		sum += cp.Recall * float64(cp.Queries)
		n += cp.Queries
	}
	if n == 0 {
		return 0, 0
	}
	return sum / float64(n), n
}

// mutationRanges returns the preloaded ids the delete stream may remove,
// [delLo, delHi), and those the upsert stream rewrites, [upLo, upHi):
// disjoint halves when both run, all preloaded rows otherwise.
func (s *Session) mutationRanges(load workloads.LoadSpec) (delLo, delHi, upLo, upHi int) {
	p := s.writes.preload
	switch {
	case load.DeleteRate > 0 && load.UpsertRate > 0:
		return 0, p / 2, p / 2, p
	default:
		return 0, p, 0, p
	}
}

// liveTruth returns the live ground truth for pt's selectivity and topk,
// building it over the rows in the collection if the last one was for
// another point.
func (s *Session) liveTruth(ctx context.Context, pt workloads.SearchPoint, f *datasets.Filter) (*liveTruth, error) {
	key := [2]float64{pt.Selectivity, float64(pt.TopK)}
	if s.writes.truth != nil && s.writes.truthKey == key {
		return s.writes.truth, nil
	}
	var allow func(int64) bool
	if f != nil {
		allow = f.Allow
	}
	qs := s.r.Data.Queries[:min(len(s.r.Data.Queries), checkpointQueries)]
	lt, err := newLiveTruth(ctx, s.r.Data.Base, s.r.Data.Info.Metric, qs, allow, pt.TopK, s.rows,
		func(id int64) bool { return !s.writes.isGone(id) })
	if err != nil {
		return nil, err
	}
	s.writes.truth, s.writes.truthKey = lt, key
	return lt, nil
}

// checkpoint sends every query of lt once, checkpointNQ per request, with
// strong consistency, and returns a function that judges each answer
// against exact ground truth over the rows visible while it was in flight
// (see judgeAnswer): the query's list when the request was sent, and again
// once every write sent before its answer came back had settled. The
// judge waits for those writes.
func (s *Session) checkpoint(ctx context.Context, lt *liveTruth, pt workloads.SearchPoint, f *datasets.Filter, start time.Time) (judge func() Checkpoint) {
	t0 := time.Now()
	rows, _ := lt.counts()
	cp := Checkpoint{AtS: t0.Sub(start).Seconds(), Rows: rows}
	preload := int64(s.writes.preload)
	var mu sync.Mutex
	var waiting []*pending
	var next int
	var wg sync.WaitGroup
	for range checkpointWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				mu.Lock()
				q0 := next
				next += checkpointNQ
				mu.Unlock()
				if q0 >= len(lt.raw) {
					return
				}
				q1 := min(q0+checkpointNQ, len(lt.raw))
				p := &pending{q0: q0, before: make([]truthList, q1-q0), after: make([]truthList, q1-q0), ready: make(chan struct{})}
				for i := range p.before {
					p.before[i] = lt.snapshot(q0 + i)
				}
				res, err := s.r.Target.Search(ctx, SearchRequest{Vectors: lt.raw[q0:q1], TopK: pt.TopK, Params: pt.Params, Filter: f, Strong: true})
				mu.Lock()
				if err != nil || len(res.IDs) != q1-q0 {
					cp.Errors++
					mu.Unlock()
					continue
				}
				waiting = append(waiting, p)
				mu.Unlock()
				p.got = res.IDs
				lt.afterSettled(func() {
					for i := range p.after {
						p.after[i] = lt.snapshotLocked(q0 + i)
					}
					close(p.ready)
				})
			}
		}()
	}
	wg.Wait()
	cp.PassS = time.Since(t0).Seconds()
	return func() Checkpoint {
		return judgeAll(ctx, cp, waiting, pt.TopK, preload)
	}
}

// judgeAll waits for each pending answer's judgement state and scores it.
func judgeAll(ctx context.Context, cp Checkpoint, waiting []*pending, k int, preload int64) Checkpoint {
	var sum float64
	var newTrue, newJudged, newFound int
	for _, p := range waiting {
		select {
		case <-p.ready:
		case <-ctx.Done():
			return cp
		}
		for i, got := range p.got {
			j := judgeAnswer(got, p.before[i], p.after[i], k, preload)
			sum += j.recall
			cp.Queries++
			newTrue += j.newTrue
			newJudged += j.newJudged
			newFound += j.newFound
		}
	}
	if cp.Queries > 0 {
		cp.Recall = sum / float64(cp.Queries)
		cp.NewShare = float64(newTrue) / float64(cp.Queries*k)
	}
	if newJudged > 0 {
		cp.NewRecall = float64(newFound) / float64(newJudged)
	}
	return cp
}

// pending is a checkpoint answer waiting for its judgement state: the
// lists after every write sent before it came back settled (ready).
type pending struct {
	q0            int
	got           [][]int64
	before, after []truthList
	ready         chan struct{}
}

// judgement is one checkpoint answer's score.
type judgement struct {
	recall float64
	// newTrue counts the true neighbours (at the answer) inserted after
	// the preload; newJudged counts them again only when the true top-k
	// did not change while the request was in flight (no doubt about
	// which rows the answer should hold), and newFound those it returned.
	newTrue, newJudged, newFound int
}

// judgeAnswer scores the first k ids of got given the query's true lists
// when the request was sent (before) and after its answer came (after);
// ids from preload on are new rows.
//
// Rows in both lists were visible throughout the request (certain); rows
// in one only were inserted or deleted while it was in flight (either
// way is right). A returned id is a hit if it is in either list and
// fewer than k certain rows are strictly closer: then some state the
// collection passed through during the request has it in its top-k.
// With no write in flight the lists are equal and this is exactly "in
// the true top-k, ties at the k-th distance included".
func judgeAnswer(got []int64, before, after truthList, k int, preload int64) judgement {
	if len(got) > k {
		got = got[:k]
	}
	dist := make(map[int64]float32, len(before.ids)+len(after.ids))
	for i, id := range before.ids {
		dist[id] = before.dists[i]
	}
	inBoth := make(map[int64]bool, len(after.ids))
	for i, id := range after.ids {
		if _, ok := dist[id]; ok {
			inBoth[id] = true
		}
		dist[id] = after.dists[i]
	}
	var certain []float32 // sorted: after's order restricted to both lists
	for i, id := range after.ids {
		if inBoth[id] {
			certain = append(certain, after.dists[i])
		}
	}
	bound := min(before.bound, after.bound)
	hits := 0
	seen := make(map[int64]bool, len(got))
	for _, id := range got {
		if seen[id] {
			continue
		}
		seen[id] = true
		d, ok := dist[id]
		if !ok || d > bound {
			continue
		}
		if closer, _ := slices.BinarySearch(certain, d); closer < k {
			hits++
		}
	}
	rb, ra := before.relevant(k), after.relevant(k)
	var j judgement
	want := min(k, max(len(rb), len(ra)))
	j.recall = 1
	if want > 0 {
		j.recall = float64(min(hits, want)) / float64(want)
	}
	stable := maps.Equal(rb, ra)
	for id := range ra {
		if id < preload {
			continue
		}
		j.newTrue++
		if stable {
			j.newJudged++
			if seen[id] {
				j.newFound++
			}
		}
	}
	return j
}

// sampleCold sends the cold phase's requests through the search stream.
func (m *mixedModel) sampleCold(ctx context.Context, n int) ColdPhase {
	return m.search.sampleCold(ctx, n)
}
