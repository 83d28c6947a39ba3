package bench

import (
	"context"
	"fmt"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// searchStream is what a search load sends: requests of pt's shape (nq
// consecutive queries each, wrapping around the query set) with the
// trial's filter and output fields.
type searchStream struct {
	target  Target
	queries [][]float32
	pt      workloads.SearchPoint
	filter  *datasets.Filter
	// filters, when set, is each query's own filter (a request of one
	// query carries its query's).
	filters []*datasets.Filter
	// bandOf is each query's tenant size band (tenancy; nil otherwise).
	bandOf []int8
	fields []string
	// shard, in a scale-out run, interleaves this generator's requests
	// with the other generators' (see Shard.Request).
	shard Shard
	// self, when set, is each query's own id (Truth.Self): requests ask
	// for one more than topk, and the answers drop it.
	self []int64
	// fq builds the payload of sparse, bm25 and hybrid requests (nil for
	// ann).
	fq *fieldQueries
}

// topK is how many results a request asks for: one more than pt's topk
// when queries are rows of the base, whose own row is dropped.
func (s *searchStream) topK() int {
	if s.self != nil {
		return s.pt.TopK + 1
	}
	return s.pt.TopK
}

// request builds request number seq; idx receives the query numbers.
func (s *searchStream) request(seq int64, idx []int) SearchRequest {
	if s.shard.Count > 1 {
		seq = s.shard.Request(seq)
	}
	vecs := make([][]float32, len(idx))
	base := int(seq % int64(len(s.queries)) * int64(len(idx)) % int64(len(s.queries)))
	for j := range vecs {
		idx[j] = (base + j) % len(s.queries)
		vecs[j] = s.queries[idx[j]]
	}
	req := SearchRequest{Vectors: vecs, TopK: s.topK(), Params: s.pt.Params, Filter: s.filter, OutputFields: s.fields}
	if s.filters != nil {
		req.Filter = s.filters[idx[0]]
	}
	if s.fq != nil {
		s.fq.fill(&req, idx)
	}
	return req
}

// do sends req under the harness's retry policy (see again), not
// retrying past deadline. It returns the answer, when the first attempt was
// sent and when the final answer (or failure) came back. With rec set, the
// successful attempt's service time and every failure and retry are
// counted through slot.
func (s *searchStream) do(ctx context.Context, req SearchRequest, deadline time.Time, slot int, rec *searchRec) (res SearchResult, first, done time.Time, err error) {
	var failures *Op
	if rec != nil {
		failures = rec.latency
	}
	first = time.Now()
	for attempt := 1; ; attempt++ {
		t0 := time.Now()
		res, err = s.target.Search(ctx, req)
		done = time.Now()
		if err == nil {
			if rec != nil {
				rec.service.Record(slot, done.Sub(t0))
			}
			return res, first, done, nil
		}
		if !again(ctx, deadline, failures, slot, attempt, err) {
			return res, first, done, err
		}
	}
}

// searchRec is where a measured search phase records: the headline latency
// and the service time as interval-cut ops (in latency.hlog), and for an
// open loop the client-observed latency as a whole-trial tally. Failures
// are counted on the headline op.
type searchRec struct {
	latency *Op
	service *Op
	client  *Tally // open loop: first actual send to final answer
	ans     *answers
	bands   *bandRec // tenancy: latency by tenant size band
	iter    *iterRec // iterator: batches and times to first and last batch
}

func newSearchRec(iv *Intervals, slots int, open bool, ans *answers) *searchRec {
	r := &searchRec{latency: iv.Op(OpSearch, slots), service: iv.Op(OpSearchService, slots), ans: ans}
	if open {
		r.client = NewTally(slots)
	}
	return r
}

// answer keeps res for recall.
func (r *searchRec) answer(idx []int, res SearchResult) {
	for j, ids := range res.IDs {
		if j < len(idx) {
			r.ans.offer(idx[j], ids)
		}
	}
}

// window is what one measured search phase produced.
type window struct {
	start   time.Time
	elapsed time.Duration
	latency *hdrhistogram.Histogram
	service *hdrhistogram.Histogram
	client  *hdrhistogram.Histogram // open loop only
	ok      int64
	errs    ErrorCounts
	series  []OpSeries
	ans     *answers
	gen     generatorStats // open loop only
	bands   *bandRec
	iter    *iterRec
}

// window collects what was recorded from start to end, once the
// trial's intervals were stopped.
func (r *searchRec) window(start, end time.Time) (window, error) {
	w := window{start: start, elapsed: end.Sub(start), errs: r.latency.Errors(), ans: r.ans, bands: r.bands, iter: r.iter}
	var err error
	w.latency, err = r.latency.Total()
	if err != nil {
		return w, err
	}
	if w.service, err = r.service.Total(); err != nil {
		return w, err
	}
	w.series = []OpSeries{r.latency.Series(), r.service.Series()}
	if r.client != nil {
		w.client = r.client.Histogram()
	}
	w.ok = w.latency.TotalCount()
	return w, nil
}

// searchTrial turns a measured window into a trial: recall over the
// answers, QPS over the window, the latency summaries and histograms.
func searchTrial(pt workloads.SearchPoint, truth Truth, w window, load LoadInfo) (Trial, error) {
	depth := recallDepth(pt)
	recall, n := w.ans.recall(truth.GT, depth)
	var answered *QueryRecall
	if w.ans.perQuery {
		answered = w.ans.each(truth.GT, depth)
	}
	secs := w.elapsed.Seconds()
	load.WindowS = secs
	tr := Trial{
		Search:      searchInfo(pt, truth),
		Load:        load,
		Recall:      recall,
		RecallN:     n,
		RecallDist:  NewRecallDist(w.ans.recalls(truth.GT, depth)),
		QPS:         float64(w.ok) / secs,
		QueriesPerS: float64(w.ok) * float64(pt.NQ) / secs,
		Requests:    w.ok + w.errs.Total,
		Errors:      w.errs,
		Series:      w.series,
		Answered:    answered,
		Bands:       bandResults(truth.Bands, w.bands, w.ans, truth.GT, pt.TopK),
	}
	if pt.Range != nil && truth.GT != nil {
		tr.Range = rangeQuality(truth.GT, pt.TopK, w.ans)
	}
	if pt.Group != nil && truth.GT != nil {
		tr.Group = groupQuality(truth.GT, w.ans)
	}
	var err error
	if w.iter != nil {
		if tr.Iterator, err = w.iter.quality(w.ans); err != nil {
			return Trial{}, err
		}
	}
	if tr.LatencyMS, tr.Histogram, err = DigestHistogram(w.latency); err != nil {
		return Trial{}, err
	}
	service, encService, err := DigestHistogram(w.service)
	if err != nil {
		return Trial{}, err
	}
	tr.ServiceMS, tr.ServiceHistogram = &service, encService
	client := tr.LatencyMS // a closed loop's headline is client-observed
	if w.client != nil {
		if client, tr.ClientHistogram, err = DigestHistogram(w.client); err != nil {
			return Trial{}, err
		}
	}
	tr.ClientMS = &client
	return tr, nil
}

// stream is the search stream of pt in this session, and its ground truth.
func (s *Session) stream(pt workloads.SearchPoint) (*searchStream, Truth) {
	r := s.r
	truth := s.truth(pt)
	st := &searchStream{target: r.Target, queries: r.Data.Queries, pt: pt, filter: truth.Filter, filters: truth.Filters, bandOf: truth.BandOf, fields: r.Plan.Spec.Search.OutputFields, self: truth.Self, fq: r.newFieldQueries(pt)}
	if r.Shard != nil {
		st.shard = r.Shard.Shard
	}
	return st, truth
}

// trialMeasures is what a trial's progress line reports: for an ingest
// trial (it measures inserts, not searches) rows/s, calls/s, p99 per call,
// the flush and the time to searchable; for search trials QPS, p99 and
// recall (the mixed model's over its checkpoints; n/a when no query was
// answered, e.g. every request failed), then errors.
func trialMeasures(tr Trial) string {
	if ing := tr.Ingest; ing != nil {
		searchable := "n/a"
		switch {
		case ing.Searchable:
			searchable = fmt.Sprintf("%.3fs", ing.SearchableS)
		case ing.Probes > 0:
			searchable = fmt.Sprintf("not within %.0fs", ing.SearchableS)
		}
		return fmt.Sprintf("rows/s=%.0f calls/s=%.0f p99=%.3fms/call flush=%.2fs searchable=%s errors=%d",
			tr.QueriesPerS, tr.QPS, tr.LatencyMS.P99, ing.FlushS, searchable, tr.Errors.Total)
	}
	recall := "recall=n/a"
	if tr.RecallN > 0 {
		recall = fmt.Sprintf("recall=%.4f", tr.Recall)
	}
	return fmt.Sprintf("qps=%.0f p99=%.3fms %s errors=%d", tr.QPS, tr.LatencyMS.P99, recall, tr.Errors.Total)
}

// trialNote is what a trial's progress line adds for open-loop trials: the
// achieved rate and whether the generator fell behind; for mixed trials
// each write stream's achieved and offered rows/s; and a capacity probe's
// verdict.
func trialNote(tr Trial) string {
	var b strings.Builder
	if tr.Load.Rate > 0 {
		fmt.Fprintf(&b, " achieved=%.0f/s", tr.Load.AchievedRate)
		if tr.Load.GeneratorBound {
			b.WriteString(" GENERATOR-BOUND (" + tr.Load.GeneratorReason + ")")
		}
	}
	if tr.Ingest == nil { // mixed: the write streams beside the searches
		for _, op := range []string{OpInsert, OpDelete, OpUpsert} {
			if st := tr.Operations[op]; st != nil {
				fmt.Fprintf(&b, " %s=%.0f/%g rows/s", op, st.RowsPerS, st.OfferedRowsPerS)
			}
		}
	}
	if c := tr.Capacity; c != nil {
		if c.Pass {
			b.WriteString(" → holds")
		} else {
			b.WriteString(" → fails: " + strings.Join(c.Reasons, "; "))
		}
	}
	return b.String()
}

// searchLoad is how a search stream is driven: a closed loop of
// pt.Concurrency workers (open nil, with think time between answers) or an
// open loop on a schedule. The closed, open and capacity models and the
// mixed model's search stream all measure through it.
type searchLoad struct {
	st    *searchStream
	think time.Duration
	open  *openConfig
}

// searchLoad returns pt's search load in this session: an open loop at
// rate requests/s (the workload's arrivals and max_in_flight), or with
// rate 0 a closed loop of pt.Concurrency workers. It also returns the
// ground truth of pt's filter.
func (s *Session) searchLoad(pt workloads.SearchPoint, rate float64) (searchLoad, Truth) {
	load := s.r.Plan.Spec.Load
	st, truth := s.stream(pt)
	if rate <= 0 {
		return searchLoad{st: st, think: load.ThinkTime.D()}, truth
	}
	oc := openConfig{rate: rate, arrivals: load.Arrivals, seed: uint64(s.r.Plan.Spec.Dataset.Seed), maxInFlight: load.MaxInFlight}
	s.shardSchedule(&oc)
	return searchLoad{st: st, open: &oc}, truth
}

// run drives the load from start for dur (or, with limit > 0, until
// limit requests were sent), recording into rec (nil: a warm-up), and
// returns the end of its window and, for an open loop, what the
// generator did.
func (l searchLoad) run(ctx context.Context, start time.Time, dur time.Duration, rec *searchRec, limit int64) (time.Time, generatorStats) {
	if l.open != nil {
		return openLoop(ctx, l.st, *l.open, start, dur, rec)
	}
	return closedLoop(ctx, l.st, l.think, start, dur, limit, rec), generatorStats{}
}

// recorder returns where a measured window of the load records, on the
// trial's intervals; perQuery keeps each query's recall (shard runs).
func (l searchLoad) recorder(iv *Intervals, perQuery bool) *searchRec {
	slots := l.st.pt.Concurrency
	if l.open != nil {
		slots = openSlots()
	}
	ans := newAnswers(len(l.st.queries))
	ans.perQuery, ans.self = perQuery, l.st.self
	rec := newSearchRec(iv, slots, l.open != nil, ans)
	rec.bands = newBandRec(l.st.bandOf, 3, slots)
	if l.st.pt.Iterator != nil {
		rec.iter = newIterRec(slots)
	}
	return rec
}

// info describes the load that measured w, for its trial: the closed
// loop's concurrency and think time, or the open loop's offered and
// achieved rate and the generator's verdict.
func (l searchLoad) info(spec workloads.LoadSpec, w window) LoadInfo {
	li := loadInfo(spec)
	if l.open == nil {
		li.Concurrency, li.ThinkTimeS, li.Latency = l.st.pt.Concurrency, l.think.Seconds(), LatencyClosed
		return li
	}
	lag := Summarize(w.gen.lag)
	li.GeneratorBound, li.GeneratorReason = w.gen.verdict(l.open.maxInFlight)
	li.Rate, li.Arrivals, li.AchievedRate = l.open.rate, spec.Arrivals, w.gen.achieved(spec.Duration.D())
	li.SendLagMS, li.Unsent, li.InFlightBound = &lag, w.gen.unsent, w.gen.inFlightBound
	li.Latency = LatencyOpen
	return li
}

// searchModel is the load model of a search stream alone: the closed
// model (rate 0), the open model, and each probe of a capacity search.
type searchModel struct {
	load  searchLoad
	truth Truth
	pt    workloads.SearchPoint
	spec  workloads.LoadSpec
	// perQuery keeps each query's recall (shard runs, for merge).
	perQuery bool
	// limit, when > 0, ends the closed loop after that many requests
	// (MeasureN).
	limit int64
	rec   *searchRec
	gen   generatorStats
}

// searchModel returns pt's search stream as a load model: an open loop at
// rate requests/s, or with rate 0 a closed loop of pt.Concurrency workers.
func (s *Session) searchModel(pt workloads.SearchPoint, rate float64) *searchModel {
	sl, truth := s.searchLoad(pt, rate)
	return &searchModel{load: sl, truth: truth, pt: pt, spec: s.r.Plan.Spec.Load, perQuery: s.r.Shard != nil}
}

func (m *searchModel) warmUp(ctx context.Context, d time.Duration) error {
	m.load.run(ctx, time.Now(), d, nil, 0)
	return nil
}

func (m *searchModel) measure(ctx context.Context, w *trialWindow) (time.Time, error) {
	m.rec = m.load.recorder(w.iv, m.perQuery)
	end, gen := m.load.run(ctx, w.start, w.dur, m.rec, m.limit)
	m.gen = gen
	return end, nil
}

func (m *searchModel) result(_ context.Context, w *trialWindow) (Trial, error) {
	return m.trial(w.start, w.end)
}

// trial is the search stream's trial over its window from start to end.
func (m *searchModel) trial(start, end time.Time) (Trial, error) {
	win, err := m.rec.window(start, end)
	if err != nil {
		return Trial{}, err
	}
	win.gen = m.gen
	return searchTrial(m.pt, m.truth, win, m.load.info(m.spec, win))
}
