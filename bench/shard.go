package bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// Shard is one generator's part of a run that several generator processes
// (or pods) share against one collection (scale-out): generator Index of
// Count. Each shard sends its share of every trial's load; merging the
// shards' histograms gives the run's latency exactly.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// ParseShard reads "i/N" (0 ≤ i < N): shard i of N.
func ParseShard(s string) (Shard, error) {
	is, ns, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(is))
	n, err2 := strconv.Atoi(strings.TrimSpace(ns))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("shard %q: want i/N with 0 ≤ i < N, e.g. 0/4 for the first of four generators", s)
	}
	return Shard{Index: i, Count: n}, nil
}

func (sh Shard) String() string { return fmt.Sprintf("%d/%d", sh.Index, sh.Count) }

// Concurrency is this shard's part of c closed-loop workers: c/N each, and
// one more for each of the first c mod N shards, so the parts add up to c.
// A shard's part may be 0 (fewer workers than shards): it sits the trial out.
func (sh Shard) Concurrency(c int) int {
	n := c / sh.Count
	if sh.Index < c%sh.Count {
		n++
	}
	return n
}

// Rate is this shard's part of an open-loop rate: rate/N.
func (sh Shard) Rate(rate float64) float64 { return rate / float64(sh.Count) }

// Request maps the shard's n-th request to the run's request number: the
// shards take turns (n·N + i), so together they send the run's request
// sequence once, and no two shards send the same queries at the same step.
func (sh Shard) Request(n int64) int64 { return n*int64(sh.Count) + int64(sh.Index) }

// Offset is where this shard's constant-rate open-loop schedule starts
// against the run's: shard i sends the run's requests i, i+N, i+2N, ...,
// so it starts i inter-arrival times of the whole rate late and the shards'
// sends interleave evenly.
func (sh Shard) Offset(rate float64) time.Duration {
	if rate <= 0 {
		return 0
	}
	return time.Duration(float64(sh.Index) * float64(time.Second) / rate)
}

// Split is pt with this shard's part of its load level.
func (sh Shard) Split(pt workloads.SearchPoint) workloads.SearchPoint {
	pt.Concurrency = sh.Concurrency(pt.Concurrency)
	pt.Rate = sh.Rate(pt.Rate)
	return pt
}

// CheckShardable refuses what a shard cannot run on its own: a capacity
// search decides each next rate from the last probe's result, which one
// generator cannot see for the others; mixed and ingest write rows, which
// shards would duplicate; and on_error retry_trial would run a retried
// trial outside its slot on the trial clock the generators share, where
// its window no longer lines up with the others'.
func CheckShardable(l workloads.LoadSpec) error {
	switch l.Model {
	case workloads.LoadClosed, workloads.LoadOpen:
	case workloads.LoadCapacity:
		return fmt.Errorf("load model capacity cannot be split over generators (each next rate depends on every generator's last probe): sweep load.rate with model open instead, and read the knee off the merged report")
	default:
		return fmt.Errorf("load model %s cannot be split over generators (it writes rows, which the generators would duplicate): run it with one generator", l.Model)
	}
	if l.OnError == workloads.OnErrorRetry {
		return fmt.Errorf("load.on_error retry_trial cannot apply to a scale-out run (a retried trial would run outside its slot on the trial clock the generators share, so its window would not line up with theirs): use abort or continue")
	}
	return nil
}

// TrialClock places every trial of a shard run at a wall-clock instant all
// shards share, so their measured windows (and interval histograms) line
// up: trial k (0-based, in plan order) warms up from Start + k·Slot and is
// measured from Start + k·Slot + warm-up.
type TrialClock struct {
	Start time.Time
	// Slot is warm-up + duration + a gap for draining and recording.
	Slot time.Duration
}

// TrialSlot is the wall-clock slot of one trial under load: its warm-up and
// measured window, then gap.
func TrialSlot(load workloads.LoadSpec, gap time.Duration) time.Duration {
	return load.Warmup.D() + load.Duration.D() + gap
}

// DefaultTrialGap is the pause between trial slots: time for the last
// requests of a window to come back and the trial to be recorded — 2 s, or
// a tenth of the trial if longer.
func DefaultTrialGap(load workloads.LoadSpec) time.Duration {
	return max(2*time.Second, (load.Warmup.D()+load.Duration.D())/10)
}

// At is when trial k's warm-up starts.
func (c TrialClock) At(k int) time.Time { return c.Start.Add(time.Duration(k) * c.Slot) }

// waitUntil sleeps until t (at once if it has passed); it returns ctx's
// error if ctx ends first.
func waitUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// IndexConfig is a workload's index configuration (type and build params).
type IndexConfig = workloads.IndexConfig

// ShardRun makes a Runner one generator of a scale-out run (RunShard):
// it measures its share of the points of one build that `milvbench
// prepare` built and loaded, each point at the instant Clock gives it.
type ShardRun struct {
	Shard Shard
	// Build is the position in the plan of the build prepare made.
	Build int
	Clock TrialClock
	// WorkloadHash identifies the workload, so merge refuses shards of
	// different workloads.
	WorkloadHash string
	// Timings and IndexBytes are what prepare measured, stamped on every
	// trial as a single run stamps its own.
	Timings    Timings
	IndexBytes int64
	// Wait bounds waiting for the prepared collection to be loaded.
	Wait time.Duration
}

// RunShard measures this generator's share of every point of the prepared
// build (see ShardRun). It attaches to the collection prepare made (marker
// and run id checked), waits until it is loaded, and for each point waits
// for the point's instant on the trial clock, then runs the shard's part
// of its load: concurrency and rate split as Shard says, requests
// interleaved with the other shards'. It never builds, releases or drops:
// `milvbench cleanup` drops the collection once every shard is done.
func (r *Runner) RunShard(ctx context.Context) (res *Result, err error) {
	sr := r.Shard
	if sr == nil {
		return nil, fmt.Errorf("bench: RunShard without a ShardRun")
	}
	if err := CheckShardable(r.Plan.Spec.Load); err != nil {
		return nil, err
	}
	if sr.Build < 0 || sr.Build >= len(r.Plan.Builds) {
		return nil, fmt.Errorf("bench: build %d is not in the plan (it has %d)", sr.Build, len(r.Plan.Builds))
	}
	j, ok := r.Target.(Joiner)
	if !ok {
		return nil, fmt.Errorf("bench: this target cannot be shared by several generator processes (scale-out needs a server target: kind milvus)")
	}
	b := r.Plan.Builds[sr.Build]
	s, err := r.newSession(ctx, true)
	if err != nil {
		return nil, err
	}
	spec := r.collectionSpec(b.Layout)
	rows, err := j.Join(ctx, spec, b.Index, sr.Wait)
	if err != nil {
		return nil, err
	}
	if rows != spec.Rows {
		return nil, fmt.Errorf("bench: collection %s holds %d rows, but this workload's dataset has %d: is it the workload prepare ran?", spec.Name, rows, spec.Rows)
	}
	r.Keep = true // the collection is the run's, not this generator's
	s.rows = rows
	s.index = &b.Index
	s.insertS, s.buildS, s.loadS, s.mem = sr.Timings.Insert, sr.Timings.Build, sr.Timings.Load, sr.IndexBytes
	s.res.Shard = &ShardInfo{Shard: sr.Shard, WorkloadHash: sr.WorkloadHash, Build: sr.Build, StartAt: sr.Clock.Start.UTC(), SlotS: sr.Clock.Slot.Seconds()}
	r.logf("shard  %s joined collection %s (%d rows, %s loaded); first trial at %s", sr.Shard, spec.Name, rows, b.Index, sr.Clock.Start.UTC().Format(time.RFC3339Nano))
	s.probe(ctx)
	if late := time.Since(sr.Clock.Start); late > 0 {
		return nil, fmt.Errorf("shard %s: the first trial was to start at %s, %s before this generator was ready (dataset, ground truth, joining): give every shard the same later --start-at",
			sr.Shard, sr.Clock.Start.UTC().Format(time.RFC3339), late.Round(time.Millisecond))
	}
	defer func() {
		res, err = s.finish(ctx, err)
	}()
	return nil, r.measurePoints(ctx, s, sr.Build, func(pi int, pt workloads.SearchPoint) ([]Trial, error) {
		at := sr.Clock.At(pi)
		if late := time.Since(at); late > 0 {
			r.logf("shard  %s starts trial %d %s late: the previous trial overran its slot (prepare --trial-gap sets the slack)", sr.Shard, pi+1, late.Round(time.Millisecond))
		}
		return s.measureShare(ctx, pt, at)
	})
}

// measureShare measures this shard's part of pt, whose slot starts at at.
// A shard whose part is nothing (fewer closed-loop workers than shards)
// sits the slot out and records an idle trial.
func (s *Session) measureShare(ctx context.Context, pt workloads.SearchPoint, at time.Time) ([]Trial, error) {
	mine := s.r.Shard.Shard.Split(pt)
	s.slotAt = at
	defer func() { s.slotAt = time.Time{} }()
	if mine.Concurrency > 0 || mine.Rate > 0 {
		return s.Measure(ctx, mine)
	}
	tr, err := s.runTrial(ctx, mine, mine.Level(), 0, &idleShare{s: s, pt: pt, mine: mine})
	if err != nil {
		return nil, err
	}
	return []Trial{tr}, nil
}

// idleShare is the load model of a shard whose part of a trial is nothing:
// it sends nothing and records an empty trial over the slot's window, so
// the merged run still has every generator's trial.
type idleShare struct {
	s        *Session
	pt, mine workloads.SearchPoint
}

func (idleShare) warmUp(context.Context, time.Duration) error { return nil }

func (m *idleShare) measure(ctx context.Context, w *trialWindow) (time.Time, error) {
	err := waitUntil(ctx, w.start.Add(w.dur))
	return time.Now(), err
}

func (m *idleShare) result(context.Context, *trialWindow) (Trial, error) {
	_, enc, err := DigestHistogram(NewHistogram())
	if err != nil {
		return Trial{}, err
	}
	li := loadInfo(m.s.r.Plan.Spec.Load)
	li.Latency = fmt.Sprintf("none: shard %s's part of %s is nothing", m.s.r.Shard.Shard, m.pt.Level())
	return Trial{Search: searchInfo(m.mine, m.s.truth(m.pt)), Load: li, Histogram: enc}, nil
}

// shardSchedule places a shard's open-loop schedule among the other
// shards': constant arrivals interleave (shard i sends the run's requests
// i, i+N, ...), Poisson arrivals draw from a stream of the shard's own
// (the union of independent Poisson streams is the run's Poisson stream).
func (s *Session) shardSchedule(oc *openConfig) {
	if s.r.Shard == nil || s.r.Shard.Shard.Count < 2 {
		return
	}
	sh := s.r.Shard.Shard
	oc.first = sh.Offset(oc.rate * float64(sh.Count))
	oc.seed ^= uint64(sh.Index+1) * 0x9E3779B97F4A7C15
}

// each returns the recall of every answered query, in query order.
func (a *answers) each(gt *datasets.GroundTruth, k int) *QueryRecall {
	q := &QueryRecall{}
	for qi, ids := range a.ids {
		if a.seen[qi].Load() {
			q.Queries = append(q.Queries, qi)
			q.Recall = append(q.Recall, Recall(gt, qi, k, ids))
		}
	}
	return q
}

// Prepare makes the collection of a scale-out run and leaves it for the
// shards, through the same steps as Run: it creates the collection (or,
// with Resume, reuses the one marked with RunID, dropping its index),
// inserts the base set, then builds the index of the plan's build and
// loads it. It returns what those steps took and the index's memory. On a
// failure the collection is dropped unless Keep.
func (r *Runner) Prepare(ctx context.Context, build int) (Timings, int64, error) {
	if build < 0 || build >= len(r.Plan.Builds) {
		return Timings{}, 0, fmt.Errorf("bench: build %d is not in the plan (it has %d)", build, len(r.Plan.Builds))
	}
	s, err := r.open(ctx, false)
	if err != nil {
		return Timings{}, 0, err
	}
	if err := s.Build(ctx, r.Plan.Builds[build].Index); err != nil {
		if !r.Keep {
			err = s.drop(ctx, err)
		}
		return Timings{}, 0, err
	}
	return Timings{Insert: s.insertS, Build: s.buildS, Load: s.loadS}, s.mem, nil
}
