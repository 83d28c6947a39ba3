package bench

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// Runner executes a Plan against a Target on a Dataset.
type Runner struct {
	Target Target
	Plan   *workloads.Plan
	Data   *datasets.Dataset
	// Truths holds, per filter selectivity of the plan (1: no filter), the
	// filter and the exact ground truth under it (see Truths).
	Truths map[float64]Truth
	// FilterTruths is the ground truth of each search.filters filter, by
	// its plan name (see FilterTruths).
	FilterTruths map[string]Truth
	// Fields are the values of the collection's sparse and text fields
	// (nil for a dense-only workload), and KindTruths the exact answers of
	// the plan's sparse, bm25 and hybrid points by TruthKey (KindTruths).
	Fields     []*FieldValues
	KindTruths map[string]*datasets.GroundTruth
	// Collection names the collection to create; RunID marks it as this run's.
	Collection string
	RunID      string
	// Keep leaves the collection in place after the run.
	Keep bool
	// Harness is the harness version recorded in provenance.
	Harness string
	// Progress receives one line per stage and trial; nil discards it.
	Progress io.Writer
	// Watch, when set, receives a live status of the trial being measured
	// every WatchEvery (default 250 ms), from another goroutine.
	Watch      func(TrialStatus)
	WatchEvery time.Duration
	// Done holds the trials of plan points an earlier attempt of this run
	// completed (--resume); those points are not run again.
	Done map[PointKey][]Trial
	// Resume says this run continues an earlier one with the same RunID:
	// a collection marked with RunID and holding the preloaded rows is
	// reused instead of recreated, where the target can attach to it.
	Resume bool
	// OnPoint, when set, is called after each plan point with its trials
	// (e.g. to journal them), before the next point starts.
	OnPoint func(PointKey, []Trial)
	// Shard, when set, makes the runner one generator of a scale-out run
	// (see RunShard); Run ignores it.
	Shard *ShardRun
	// OnError says what a failed trial or build does to the run:
	// workloads.OnErrorAbort (default), OnErrorContinue or OnErrorRetry.
	OnError string
	// RetryPause is the pause between attempts under OnErrorRetry (0: 2 s).
	RetryPause time.Duration
	// ReadOnly says the collection is someone else's, attached with
	// ReadOnlyAttacher (dataset.source: collection): the run creates,
	// inserts, builds, loads, releases and drops nothing, and each plan
	// build measures the collection's own index (of the type it names).
	ReadOnly bool
}

// PointKey names a plan point: the build's and the point's positions.
type PointKey struct {
	Build int `json:"build"`
	Point int `json:"point"`
}

func (r *Runner) logf(format string, args ...any) {
	if r.Progress != nil {
		fmt.Fprintf(r.Progress, format+"\n", args...)
	}
}

// Run performs the whole plan and returns the measurements. The collection is
// dropped at the end (also on failure) unless Keep is set. When the run stops
// early (an error, a failed trial under on_error abort, or ctx cancelled) it
// returns the trials measured so far in a Result with Complete false, beside
// the error; the result is nil only when nothing was measured or set up.
func (r *Runner) Run(ctx context.Context) (res *Result, err error) {
	s, err := r.Open(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		res, err = s.finish(ctx, err)
	}()
	for bi, b := range r.Plan.Builds {
		if b.Layout != s.layout && r.pending(bi) > 0 {
			if err := s.relayout(ctx, b.Layout); err != nil {
				return nil, err
			}
		}
		s.scalar = b.Scalar
		if r.pending(bi) > 0 {
			if err := r.attempt(ctx, fmt.Sprintf("build %s", b.Index), func() error { return s.Build(ctx, b.Index) }); err != nil {
				if r.OnError != workloads.OnErrorContinue || ctx.Err() != nil {
					return nil, err
				}
				r.logf("error  %v; on_error continue: skipping its %d trials", err, r.pending(bi))
				r.adoptDone(s, bi)
				continue
			}
		}
		if err := r.measurePoints(ctx, s, bi, func(_ int, pt workloads.SearchPoint) ([]Trial, error) { return s.Measure(ctx, pt) }); err != nil {
			return nil, err
		}
		if err := s.Unbuild(ctx); err != nil {
			if r.OnError != workloads.OnErrorContinue || ctx.Err() != nil {
				return nil, err
			}
			r.logf("error  %v; on_error continue: going on", err)
		}
	}
	return nil, nil
}

// pending counts the points of build bi an earlier attempt of the run did
// not complete.
func (r *Runner) pending(bi int) int {
	n := 0
	for pi := range r.Plan.Builds[bi].Points {
		if _, ok := r.Done[PointKey{bi, pi}]; !ok {
			n++
		}
	}
	return n
}

// adoptDone adopts the points of build bi an earlier attempt completed
// (their build failed this time, under on_error continue).
func (r *Runner) adoptDone(s *Session, bi int) {
	for pi := range r.Plan.Builds[bi].Points {
		if done, ok := r.Done[PointKey{bi, pi}]; ok {
			s.adopt(done)
		}
	}
}

// measurePoints walks the points of build bi in plan order, for Run and
// RunShard alike: a point an earlier attempt completed (Done) is adopted,
// any other is measured by measure (given its position and the point),
// under the run's on_error policy: abort returns the error, continue logs
// it and goes on, retry_trial measures the point again (its failed
// attempts' trials dropped). A trial whose every request failed counts as
// failed (failedTrial). Each completed point goes to OnPoint. It returns
// the error that stops the run.
func (r *Runner) measurePoints(ctx context.Context, s *Session, bi int, measure func(pi int, pt workloads.SearchPoint) ([]Trial, error)) error {
	b := r.Plan.Builds[bi]
	for pi, pt := range b.Points {
		key := PointKey{bi, pi}
		if done, ok := r.Done[key]; ok {
			s.adopt(done)
			continue
		}
		var trials []Trial
		var failed []string // the errors of attempts retried (on_error retry_trial)
		mark := s.mark()
		err := r.attempt(ctx, fmt.Sprintf("trial %s %s %s", b.Index, workloads.FormatParams(pt.Params), pt.Level()), func() error {
			if len(failed) > 0 {
				s.rollback(mark) // a retried point keeps only its last attempt's trials
			}
			var err error
			trials, err = measure(pi, pt)
			if err == nil {
				err = failedTrial(trials)
			}
			if err != nil {
				failed = append(failed, err.Error())
			}
			return err
		})
		if len(failed) > 0 && (err == nil || len(failed) > 1) {
			s.noteRetries(mark, failed, err == nil)
			trials = append([]Trial(nil), s.res.Trials[mark.trials:]...) // with the note, for the journal
		}
		if err == nil && r.OnPoint != nil {
			r.OnPoint(key, trials) // a completed point is kept, also when a signal came meanwhile
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil && r.OnError != workloads.OnErrorContinue {
			return err
		}
		if err != nil {
			r.logf("error  %v; on_error continue: going on", err)
			if r.OnPoint != nil {
				r.OnPoint(key, trials)
			}
		}
	}
	return nil
}

// attempt runs fn once, or, under on_error retry_trial, up to
// retryTrialAttempts times with a pause between attempts.
func (r *Runner) attempt(ctx context.Context, what string, fn func() error) error {
	var err error
	for n := 1; ; n++ {
		if err = fn(); err == nil || ctx.Err() != nil || r.OnError != workloads.OnErrorRetry || n == retryTrialAttempts {
			return err
		}
		pause := r.RetryPause
		if pause == 0 {
			pause = retryTrialPause
		}
		r.logf("error  %s failed: %v; on_error retry_trial: attempt %d of %d in %s", what, err, n+1, retryTrialAttempts, pause)
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return err
		}
	}
}

// Under on_error retry_trial a failed trial or build is tried this many
// times in all, this long apart.
const (
	retryTrialAttempts = 3
	retryTrialPause    = 2 * time.Second
)

// failedTrial returns an error when a trial failed as a whole: it sent
// requests and none succeeded (e.g. the server went away). A trial with
// some errors is a measurement, reported with its error counts. Capacity
// probes are exempt: a probe whose every request failed is a capacity
// answer (the knee is below it); the capacity search itself ends the run
// when the same search fails also when sent alone (see Session.capacity).
func failedTrial(trials []Trial) error {
	for _, t := range trials {
		if t.Capacity == nil && t.Requests > 0 && t.Requests == t.Errors.Total {
			return fmt.Errorf("trial %d: all %d requests failed (last: %s)", t.ID, t.Requests, t.Errors.Last)
		}
	}
	return nil
}

// Session is a run in progress: the collection exists and holds the
// preloaded rows; indexes are built, measured and dropped one at a time.
// Run drives a session through the whole plan; the tuner drives one
// adaptively. A Session is not safe for concurrent use.
type Session struct {
	r   *Runner
	res *Result
	// rows is the next base row to insert: ids 0..rows-1 were inserted
	// (minus what writes records as deleted or failed).
	rows int
	// writes is what the mixed and ingest models changed.
	writes  writeState
	insertS float64
	// index is the built index being measured (nil between builds), with
	// its timings and memory.
	index *workloads.IndexConfig
	// built is every index of the current build: the other fields'
	// fixed indexes, then index (ground-truth keys depend on them).
	built  []workloads.IndexConfig
	buildS float64
	loadS  float64
	mem    int64
	done   int
	closed bool
	// slotAt is when the current trial's slot starts on a shard's trial
	// clock (zero outside shard runs).
	slotAt time.Time
	// fresh is set when an index was just loaded and no trial has sent
	// it a request yet: its first trial measures the cold phases.
	fresh bool
	// layout is the tenancy layout the collection is in ("" without).
	layout string
	// scalar are the scalar indexes the next Build makes (the plan
	// build's; nil without).
	scalar map[string]string
}

// relayout drops the collection and makes it anew in the tenancy layout
// the next build is measured in, with the preloaded rows.
func (s *Session) relayout(ctx context.Context, layout string) error {
	r := s.r
	if err := r.Target.Drop(ctx); err != nil {
		return fmt.Errorf("layout %s: drop the %s collection: %w", layout, s.layout, err)
	}
	s.layout, s.rows = layout, 0
	r.logf("layout %s: the collection is made anew", layout)
	if err := r.Target.Create(ctx, r.collectionSpec(layout)); err != nil {
		return fmt.Errorf("layout %s: %w", layout, err)
	}
	var err error
	if s.insertS, err = s.insert(ctx, PreloadRows(r.Plan.Spec.Dataset.Preload, r.Data.Base.Size())); err != nil {
		return fmt.Errorf("layout %s: %w", layout, err)
	}
	s.writes.preload = s.rows
	return nil
}

// Open checks the plan against the target, creates the collection and
// inserts the base set (the preloaded share for mixed and ingest).
func (r *Runner) Open(ctx context.Context) (*Session, error) {
	return r.open(ctx, true)
}

// open is Open; truth says whether the plan's ground truth must be there
// (not to prepare a scale-out run, which measures nothing).
func (r *Runner) open(ctx context.Context, truth bool) (*Session, error) {
	s, err := r.newSession(ctx, truth)
	if err != nil {
		return nil, err
	}
	plan, ds := r.Plan, r.Data
	if len(plan.Builds) > 0 {
		s.layout = plan.Builds[0].Layout
	}
	spec := r.collectionSpec(s.layout)
	if r.ReadOnly {
		s.rows, s.writes.preload = ds.Base.Size(), ds.Base.Size()
		r.logf("attach collection %s read-only: %d rows; nothing is created, written, loaded, released or dropped", spec.Name, s.rows)
		s.probe(ctx)
		return s, nil
	}
	preload := PreloadRows(plan.Spec.Dataset.Preload, ds.Base.Size())
	if plan.Spec.Tenancy == nil { // a tenancy collection is made anew, in its layout
		if reused, err := s.reuse(ctx, spec, preload); err != nil || reused {
			return s, err
		}
	}
	if err := r.Target.Create(ctx, spec); err != nil {
		return nil, err
	}
	if s.insertS, err = s.insert(ctx, preload); err != nil {
		return nil, s.drop(ctx, err)
	}
	s.writes.preload = s.rows
	s.probe(ctx)
	return s, nil
}

// newSession checks the plan against the target and, with truth, the
// ground truth, and starts the result with the run's provenance.
func (r *Runner) newSession(ctx context.Context, truth bool) (*Session, error) {
	plan, ds := r.Plan, r.Data
	for _, b := range plan.Builds {
		for _, ix := range b.Indexes() {
			if err := r.Target.CheckIndex(ix); err != nil {
				return nil, err
			}
		}
	}
	if truth {
		if err := r.checkKindTruths(); err != nil {
			return nil, err
		}
	}
	for _, sel := range plan.Selectivities() {
		if !truth || !plan.Spec.HasANN() {
			break
		}
		t, ok := r.Truths[sel]
		if !ok || t.GT == nil || t.GT.K < plan.MaxTopK() || len(t.GT.IDs) != len(ds.Queries) || (sel < 1) != (t.Filter != nil) {
			return nil, fmt.Errorf("bench: no ground truth covering %d queries at depth %d for selectivity %g", len(ds.Queries), plan.MaxTopK(), sel)
		}
		for _, vt := range indexVectorTypes(plan, ds) {
			if gt := t.Typed[vt]; gt == nil || gt.K < plan.MaxTopK() || len(gt.IDs) != len(ds.Queries) {
				return nil, fmt.Errorf("bench: no ground truth over %s vectors covering %d queries at depth %d for selectivity %g", vt, len(ds.Queries), plan.MaxTopK(), sel)
			}
		}
	}
	for _, fp := range plan.Spec.FilterPoints() {
		if !truth {
			break
		}
		t, ok := r.FilterTruths[fp.Name]
		if !ok || t.GT == nil || t.GT.K < plan.MaxTopK() || len(t.GT.IDs) != len(ds.Queries) || len(t.Filters) != len(ds.Queries) {
			return nil, fmt.Errorf("bench: no ground truth covering %d queries at depth %d for filter %s", len(ds.Queries), plan.MaxTopK(), fp.Name)
		}
	}
	info, err := r.Target.Describe(ctx)
	if err != nil {
		return nil, err
	}
	return &Session{r: r, res: &Result{
		Provenance: Provenance{
			Harness: r.Harness, GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
			Cores: runtime.NumCPU(), Started: time.Now().UTC(), RunID: r.RunID, Target: info,
		},
		Workload: plan.Spec,
		Dataset:  ds.Info,
	}}, nil
}

// collectionSpec describes the run's collection, in the tenancy layout
// ("" without tenancy).
func (r *Runner) collectionSpec(layout string) CollectionSpec {
	ds := r.Data
	fields := collectionFields(r.Plan.Spec)
	for i, f := range fields {
		if fv := r.furtherDense(f.Name); fv != nil { // files decide its dim
			fields[i].Dim, fields[i].Metric = fv.Dim, fv.Metric
		}
	}
	return CollectionSpec{Name: r.Collection, Dim: ds.Info.Dim, Metric: ds.Info.Metric, RunID: r.RunID, Rows: ds.Base.Size(), Labels: ds.Labels, Payload: ds.Payload, Fields: fields,
		Tenancy: r.Plan.Spec.Tenancy, Layout: layout, VectorType: ds.Info.VectorType}
}

// reuse attaches, on resume, to the collection an earlier attempt of this
// run left (it must hold exactly the preloaded rows), dropping any index it
// was left with. It reports whether the collection was reused.
func (s *Session) reuse(ctx context.Context, spec CollectionSpec, rows int) (bool, error) {
	a, ok := s.r.Target.(Attacher)
	if !s.r.Resume || !ok {
		return false, nil
	}
	have, err := a.Attach(ctx, spec)
	if err != nil || have == 0 {
		return false, err
	}
	if have != rows {
		s.r.logf("resume collection %s holds %d rows, not the %d this run preloads: recreating it", spec.Name, have, rows)
		return false, nil
	}
	_ = s.r.Target.Release(ctx) // it may not be loaded
	if err := s.r.Target.DropIndex(ctx); err != nil {
		return false, err
	}
	s.rows, s.writes.preload = rows, rows
	s.r.logf("resume reusing collection %s of this run (%d rows)", spec.Name, rows)
	s.probe(ctx)
	return true, nil
}

// probe measures the network floor of remote targets and reads the
// server's signals (health, metrics) where the target has them.
func (s *Session) probe(ctx context.Context) {
	if p, ok := s.r.Target.(NetworkProber); ok {
		s.res.NetworkFloor = probeNetwork(ctx, p, networkProbes)
		s.r.logf("net    floor p50=%.3fms p99=%.3fms over %d round trips (%d errors)",
			s.res.NetworkFloor.P50MS, s.res.NetworkFloor.P99MS, s.res.NetworkFloor.Probes, s.res.NetworkFloor.Errors)
	}
	if sv := readServer(ctx, s.r.Target); sv != nil {
		s.res.ServerBefore = sv
		s.r.logf("server %s", sv.Describe())
	}
}

// PreloadRows converts dataset.preload (0: all, ≤ 1: a share, > 1: a
// count) into a row count of a base set of size rows.
func PreloadRows(preload float64, size int) int { return workloads.PreloadRows(preload, size) }

// Rows returns the next base row to insert: the collection holds ids
// 0..Rows-1, minus rows the mixed model deleted or whose insert failed
// (see the trials' notes).
func (s *Session) Rows() int { return s.rows }

// Result returns the measurements so far.
func (s *Session) Result() *Result { return s.res }

// Build builds cfg over the collection and loads it, timing both. Any index
// built before must have been dropped with Unbuild.
func (s *Session) Build(ctx context.Context, cfg workloads.IndexConfig) error {
	if s.index != nil {
		return fmt.Errorf("bench: build %s while %s is still built", cfg, *s.index)
	}
	r := s.r
	if r.ReadOnly { // the collection's own index, as it is
		s.index, s.buildS, s.loadS, s.mem = &cfg, 0, 0, 0
		s.built = []workloads.IndexConfig{cfg}
		r.logf("index  %s: the collection's own (not built or loaded by this run)", cfg)
		return nil
	}
	if len(s.scalar) > 0 {
		si, ok := r.Target.(ScalarIndexer)
		if !ok {
			return fmt.Errorf("build %s: this target builds no scalar indexes (%s)", cfg, workloads.ScalarText(s.scalar))
		}
		si.SetScalarIndexes(s.scalar)
	}
	fixed := workloads.FixedIndexes(r.Plan.Spec, cfg.Field)
	for _, fx := range fixed {
		r.logf("build  %s (fixed) ...", fx)
		if err := r.Target.BuildIndex(ctx, fx); err != nil {
			return fmt.Errorf("build %s: %w", fx, err)
		}
	}
	if len(s.scalar) > 0 {
		r.logf("build  %s with scalar indexes %s ...", cfg, workloads.ScalarText(s.scalar))
	} else {
		r.logf("build  %s ...", cfg)
	}
	t0 := time.Now()
	if err := r.Target.BuildIndex(ctx, cfg); err != nil {
		return fmt.Errorf("build %s: %w", cfg, err)
	}
	s.buildS = time.Since(t0).Seconds()
	s.built = append(fixed, cfg)
	t0 = time.Now()
	if err := r.Target.Load(ctx); err != nil {
		return fmt.Errorf("load %s: %w", cfg, err)
	}
	s.loadS = time.Since(t0).Seconds()
	s.mem = 0
	if m, ok := r.Target.(MemoryReporter); ok {
		s.mem = m.IndexMemoryBytes()
	}
	s.index, s.fresh = &cfg, true
	r.logf("build  %s done: build %.2fs, load %.2fs", cfg, s.buildS, s.loadS)
	return nil
}

// Unbuild releases the collection and drops the index; the data stays.
func (s *Session) Unbuild(ctx context.Context) error {
	if s.index == nil {
		return nil
	}
	cfg := *s.index
	s.index = nil
	if s.r.ReadOnly {
		return nil
	}
	if err := s.r.Target.Release(ctx); err != nil {
		return fmt.Errorf("release %s: %w", cfg, err)
	}
	if err := s.r.Target.DropIndex(ctx); err != nil {
		return fmt.Errorf("drop index %s: %w", cfg, err)
	}
	return nil
}

// Measure runs one plan point against the built index under the workload's
// load model and records the trials it produced (one, or one per probe for
// capacity searches, recorded as each ends). Every model's trials go
// through the one trial routine (runTrial); what differs is the model.
func (s *Session) Measure(ctx context.Context, pt workloads.SearchPoint) ([]Trial, error) {
	if s.index == nil {
		return nil, fmt.Errorf("bench: measure before build")
	}
	var m loadModel
	var err error
	switch model := s.r.Plan.Spec.Load.Model; model {
	case workloads.LoadClosed:
		m = s.searchModel(pt, 0)
	case workloads.LoadOpen:
		m = s.searchModel(pt, pt.Rate)
	case workloads.LoadCapacity:
		// Each probe is a trial of its own, recorded as it ends.
		s.done++
		return s.capacity(ctx, pt)
	case workloads.LoadMixed:
		m, err = s.mixedModel(ctx, pt)
	case workloads.LoadIngest:
		m, err = s.ingestModel(ctx, pt)
	default:
		err = fmt.Errorf("bench: unknown load model %q", model)
	}
	if err != nil {
		return nil, err
	}
	tr, err := s.runTrial(ctx, pt, pt.Level(), 0, m)
	if err != nil {
		return nil, err
	}
	return []Trial{tr}, nil
}

// sessionMark is how far a session's results had got: where a retried
// plan point's trials start.
type sessionMark struct{ trials, capacity, done int }

func (s *Session) mark() sessionMark {
	return sessionMark{len(s.res.Trials), len(s.res.Capacity), s.done}
}

// rollback drops the trials (and capacity summaries) recorded since m: a
// failed attempt that on_error retry_trial runs again, so that the point
// is not counted twice (as repeats, in medians and frontiers).
func (s *Session) rollback(m sessionMark) {
	s.res.Trials = s.res.Trials[:m.trials]
	s.res.Capacity = s.res.Capacity[:m.capacity]
	s.done = m.done
}

// noteRetries tells, on every trial recorded since m, what the attempts
// before it failed with; ok says the last attempt succeeded.
func (s *Session) noteRetries(m sessionMark, failed []string, ok bool) {
	earlier := failed
	if !ok {
		earlier = failed[:len(failed)-1]
	}
	note := fmt.Sprintf("on_error retry_trial: attempt %d of this point; the %d before failed and their trials were dropped: %s",
		len(earlier)+1, len(earlier), strings.Join(earlier, "; "))
	for i := m.trials; i < len(s.res.Trials); i++ {
		s.res.Trials[i].Notes = append(s.res.Trials[i].Notes, note)
	}
}

// adopt appends trials an earlier attempt of the run measured (resume),
// renumbered in plan order.
func (s *Session) adopt(trials []Trial) {
	first := len(s.res.Trials)
	for _, tr := range trials {
		tr.ID = len(s.res.Trials) + 1
		s.res.Trials = append(s.res.Trials, tr)
	}
	s.done++
	if len(trials) > 0 && trials[0].Capacity != nil {
		s.addCapacity(s.res.Trials[first:])
	}
}

// Recall measures recall@topk of pt's search parameters quickly: every
// query once, a few requests in flight, no latency recorded. The tuner uses
// it to search parameters before spending time on latency.
func (s *Session) Recall(ctx context.Context, pt workloads.SearchPoint) (float64, error) {
	if s.index == nil {
		return 0, fmt.Errorf("bench: recall before build")
	}
	s.fresh = false // its requests are the index's first: no cold phase after it
	queries := s.r.Data.Queries
	truth := s.truth(pt)
	fq := s.r.newFieldQueries(pt)
	nq := max(pt.NQ, 1)
	workers := min(4, (len(queries)+nq-1)/nq)
	ans := newAnswers(len(queries))
	ans.self = truth.Self
	topK := pt.TopK
	if truth.Self != nil { // one more: the query's own row is dropped
		topK++
	}
	var next int
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				mu.Lock()
				first := next
				next += nq
				mu.Unlock()
				if first >= len(queries) {
					return
				}
				last := min(first+nq, len(queries))
				req := SearchRequest{Vectors: queries[first:last], TopK: topK, Params: pt.Params, Filter: truth.filterFor(first)}
				if fq != nil {
					idx := make([]int, last-first)
					for j := range idx {
						idx[j] = first + j
					}
					fq.fill(&req, idx)
				}
				res, err := s.r.Target.Search(ctx, req)
				if err != nil {
					errs[w] = fmt.Errorf("recall of %s %s: %w", s.index, workloads.FormatParams(pt.Params), err)
					return
				}
				for j, ids := range res.IDs {
					ans.offer(first+j, ids)
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return 0, err
		}
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	recall, _ := ans.recall(truth.GT, recallDepth(pt))
	return recall, nil
}

// finish ends the session: drops the collection unless Keep (also after a
// failure or cancellation) and stamps the finish time. The result is
// returned also after a failure, marked incomplete, when it holds trials.
func (s *Session) finish(ctx context.Context, err error) (*Result, error) {
	if !s.r.Keep && !s.r.ReadOnly {
		err = s.drop(ctx, err)
	}
	s.res.Provenance.Finished = time.Now().UTC()
	s.res.Complete = err == nil
	if err != nil {
		s.res.Stopped = err.Error()
		if len(s.res.Trials) == 0 {
			return nil, err
		}
	}
	return s.res, err
}

// Close ends a session the caller drove itself: the index is released and
// the collection dropped unless Keep. It returns the result.
func (s *Session) Close(ctx context.Context) (*Result, error) {
	if s.closed {
		return s.res, nil
	}
	s.closed = true
	err := s.Unbuild(ctx)
	return s.finish(ctx, err)
}

// drop drops the run's collection, even when ctx was cancelled (the
// collection is ours), and returns err, or the drop's error if err is nil.
func (s *Session) drop(ctx context.Context, err error) error {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if derr := s.r.Target.Drop(dctx); derr != nil && err == nil {
		err = derr
	}
	return err
}

// insert streams the first rows of the base set into the target in batches
// and flushes.
func (s *Session) insert(ctx context.Context, rows int) (float64, error) {
	r := s.r
	base, batch := r.Data.Base, r.Plan.Spec.Insert.Batch
	start, lastLog := time.Now(), time.Now()
	ids := make([]int64, 0, batch)
	err := base.Scan(ctx, batch, func(first int64, vecs [][]float32) error {
		if int(first) >= rows {
			return errStopScan
		}
		vecs = vecs[:min(len(vecs), rows-int(first))]
		ids = ids[:0]
		for i := range vecs {
			ids = append(ids, first+int64(i))
		}
		if err := r.insertRows(ctx, ids, vecs); err != nil {
			return fmt.Errorf("insert rows %d..%d: %w", first, first+int64(len(vecs))-1, err)
		}
		n := int(first) + len(vecs)
		s.rows = n
		if time.Since(lastLog) > time.Second || n == rows {
			lastLog = time.Now()
			r.logf("insert %d/%d (%.0f%%) %.0f rows/s", n, rows, 100*float64(n)/float64(max(rows, 1)), float64(n)/time.Since(start).Seconds())
		}
		return nil
	})
	if err != nil && err != errStopScan {
		return 0, err
	}
	if err := r.Target.Flush(ctx); err != nil {
		return 0, fmt.Errorf("flush: %w", err)
	}
	return time.Since(start).Seconds(), nil
}

// errStopScan ends a base scan early, once the preloaded rows are in.
var errStopScan = fmt.Errorf("bench: stop scan")

func searchInfo(pt workloads.SearchPoint, t Truth) SearchInfo {
	si := SearchInfo{Params: pt.Params, TopK: pt.TopK, NQ: pt.NQ, Selectivity: pt.Selectivity, Filter: filterExpr(t.Filter),
		Kind: pt.Kind, Field: pt.Field, Hybrid: pt.Hybrid, Range: pt.Range, Group: pt.Group, Iterator: pt.Iterator}
	if t.Filters != nil {
		si.Filter, si.FilterName, si.Selectivity = t.FilterExpr, t.FilterName, t.Share
	}
	return si
}

// networkProbes is how many round trips measure the network floor.
const networkProbes = 200

// probeNetwork times n sequential cheap round trips.
func probeNetwork(ctx context.Context, p NetworkProber, n int) *NetworkFloor {
	h := NewHistogram()
	nf := &NetworkFloor{Probes: n}
	for range n {
		t0 := time.Now()
		if err := p.ProbeNetwork(ctx); err != nil {
			nf.Errors++
			continue
		}
		RecordLatency(h, time.Since(t0))
	}
	s := Summarize(h)
	nf.P50MS, nf.P99MS, nf.MaxMS = s.P50, s.P99, s.Max
	return nf
}

func filterExpr(f *datasets.Filter) string {
	if f == nil {
		return ""
	}
	return f.Expr
}
