package bench

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/milvbench/milvbench/workloads"
)

// loadModel is what a load model supplies to the trial routine
// (Session.runTrial): how its requests are scheduled and what it records.
// Everything else of a trial is the routine's and the same for every
// model: the collected heap it starts on, its place on a shard's trial
// clock, the live status, the server's samples, the interval cutting, and
// the numbering, stamping and progress line of the finished trial.
//
// The routine calls warmUp (only when load.warmup is set), then measure,
// then, once the trial's intervals are cut for the last time, result. A
// model that holds resources (row feeds) also implements closer; the
// routine closes it however the trial ends.
//
// A new load model is one file with its loadModel and one case in
// Session.Measure.
type loadModel interface {
	// warmUp sends the model's load for d, recording nothing.
	warmUp(ctx context.Context, d time.Duration) error
	// measure runs the measured window from w.start for w.dur, recording
	// into operations it adds to w.iv (the first it adds is the one the
	// live status leads with), and returns when the window ended: its last
	// completion, or the end of its schedule.
	measure(ctx context.Context, w *trialWindow) (end time.Time, err error)
	// result assembles the trial from what measure recorded, after w.iv
	// was stopped at w.end. The routine stamps the rest (see record).
	result(ctx context.Context, w *trialWindow) (Trial, error)
}

// closer is implemented by load models holding resources until the trial
// ends.
type closer interface{ close() }

// trialWindow is the measured window of a trial, as the routine hands it
// to the load model.
type trialWindow struct {
	start time.Time
	dur   time.Duration
	// end is set once measure returned: the window's last instant.
	end time.Time
	// iv cuts every operation of the trial at the same instants (one
	// latency.hlog interval grid per trial); its ops feed the live status.
	iv *Intervals
}

// runTrial runs one trial of pt under m and records it: a collected heap
// first (as go test -bench does before each run: an in-process target and
// the generator share this heap, and the garbage of the last build or
// trial must not be collected inside this window), then, for the first
// trial after an index load, the cold phases (coldPhases: load.cold
// requests one at a time after the load, after a release and load, after
// load.idle_before), then the warm-up, then
// the measured window of load.duration with its live status and the
// server's samples (targets with a SignalSource), cut into intervals of
// load.interval. In a shard run the warm-up starts on the trial clock
// (Session.slotAt) and the window when the warm-up's time is over, so
// every generator's window opens at the same instant. level names the
// load level in the status and progress lines; probe numbers a capacity
// search's probes (0 for other trials).
func (s *Session) runTrial(ctx context.Context, pt workloads.SearchPoint, level string, probe int, m loadModel) (Trial, error) {
	if c, ok := m.(closer); ok {
		defer c.close()
	}
	load := s.r.Plan.Spec.Load
	label := s.label(pt, level)
	runtime.GC()
	cold, err := s.coldPhases(ctx, m)
	if err != nil {
		return Trial{}, err
	}
	if cold != nil {
		runtime.GC() // the cold phases' garbage, before the window
	}
	at := s.slotAt // zero outside shard runs: at once
	if d := load.Warmup.D(); d > 0 {
		if err := waitUntil(ctx, at); err != nil {
			return Trial{}, err
		}
		stop := s.status(label, probe, d, time.Now(), nil)
		err := m.warmUp(ctx, d)
		stop()
		if cerr := ctx.Err(); cerr != nil {
			return Trial{}, cerr
		}
		if err != nil {
			return Trial{}, err
		}
	}
	if !at.IsZero() {
		if err := waitUntil(ctx, at.Add(load.Warmup.D())); err != nil {
			return Trial{}, err
		}
	}
	w := &trialWindow{start: time.Now(), dur: load.Duration.D()}
	w.iv = NewIntervals(w.start, load.Interval.D())
	w.iv.Start()
	stopStatus := s.status(label, probe, w.dur, w.start, w.iv)
	stopServer := watchServer(ctx, s.r.Target, w.start, load.Interval.D())
	cpu0 := processCPU()
	end, merr := m.measure(ctx, w)
	clientCPU := processCPU() - cpu0
	w.end = end
	w.iv.Stop(end)
	stopStatus()
	server := stopServer()
	if cerr := ctx.Err(); cerr != nil {
		return Trial{}, cerr
	}
	if merr != nil {
		return Trial{}, merr
	}
	tr, err := m.result(ctx, w)
	if err != nil {
		return Trial{}, err
	}
	tr.Started = w.start.UTC()
	tr.Server = server
	tr.Cold = cold
	tr.CPU = trialCPU(tr, clientCPU)
	if probe == 0 { // a capacity search counts as one point, before its probes
		s.done++
	}
	return s.record(tr, pt, level), nil
}

// record numbers a finished trial, stamps the index timings, appends it to
// the result and reports it in a progress line.
func (s *Session) record(tr Trial, pt workloads.SearchPoint, level string) Trial {
	tr.ID = len(s.res.Trials) + 1
	tr.Index = *s.index
	tr.Search.Layout = s.layout
	tr.Search.Scalar = workloads.ScalarText(s.scalar)
	tr.TimingsS = Timings{Insert: s.insertS, Build: s.buildS, Load: s.loadS}
	tr.IndexBytes = s.mem
	tr.Load.Repeat = pt.Repeat
	s.res.Trials = append(s.res.Trials, tr)
	s.r.logf("trial  %d/%d %s: %s%s", s.done, s.r.Plan.Trials(), s.label(pt, level), trialMeasures(tr), trialNote(tr))
	return tr
}

// TrialStatus is a live snapshot of the trial being measured, for progress
// displays (see Runner.Watch).
type TrialStatus struct {
	// Trial is the plan point being measured (1-based) of Trials; Probe
	// numbers a capacity search's probes (0 for other models).
	Trial, Trials, Probe int
	// Label names the index, search parameters and load level.
	Label string
	// WarmUp is set during the warm-up, when nothing is recorded.
	WarmUp bool
	// Elapsed of Duration: the phase's progress.
	Elapsed, Duration time.Duration
	// Ops has one entry per recorded operation (the model's main one
	// first: search, or insert for ingest): the last complete interval and
	// the totals so far. Empty during warm-up.
	Ops []Live
}

// defaultWatchEvery is how often Runner.Watch is called unless WatchEvery
// says otherwise.
const defaultWatchEvery = 250 * time.Millisecond

// status calls Runner.Watch (if set) with the live status of a trial's
// phase once as it starts and then every WatchEvery, until the returned
// stop is called: the warm-up when iv is nil, else the measured window
// whose intervals iv cuts. The first call means a phase shorter than
// WatchEvery (a fast ingest warm-up) is still shown.
func (s *Session) status(label string, probe int, dur time.Duration, start time.Time, iv *Intervals) (stop func()) {
	if s.r.Watch == nil {
		return func() {}
	}
	every := s.r.WatchEvery
	if every <= 0 {
		every = defaultWatchEvery
	}
	// A capacity search's point is counted before its probes run, other
	// points after their trial.
	trial := s.done + 1
	if probe > 0 {
		trial = s.done
	}
	st := TrialStatus{Trial: trial, Trials: s.r.Plan.Trials(), Probe: probe, Label: label, WarmUp: iv == nil, Duration: dur}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tk := time.NewTicker(every)
		defer tk.Stop()
		report := func(now time.Time) {
			st.Elapsed = max(now.Sub(start), 0)
			if iv != nil {
				st.Ops = iv.Live(now)
			}
			s.r.Watch(st)
		}
		report(time.Now())
		for {
			select {
			case <-done:
				return
			case now := <-tk.C:
				report(now)
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}

// loadInfo is the part of a trial's LoadInfo every model shares: the
// model, its warm-up and duration.
func loadInfo(spec workloads.LoadSpec) LoadInfo {
	return LoadInfo{Model: spec.Model, WarmupS: spec.Warmup.D().Seconds(), DurationS: spec.Duration.D().Seconds()}
}

// label names pt at a load level on the built index, as progress lines do.
func (s *Session) label(pt workloads.SearchPoint, level string) string {
	filter := ""
	switch {
	case pt.Filter != "":
		filter = " filter=" + pt.Filter
	case pt.Selectivity < 1:
		filter = fmt.Sprintf(" filter=%g", pt.Selectivity)
	case pt.Range != nil:
		filter = " range " + pt.Range.String()
	case pt.Group != nil:
		filter = " group " + pt.Group.String()
	case pt.Iterator != nil:
		filter = " iterator " + pt.Iterator.String()
	}
	layout := ""
	if s.layout != "" {
		layout = " layout=" + s.layout
	}
	if len(s.scalar) > 0 {
		layout += " scalar=" + workloads.ScalarText(s.scalar)
	}
	return fmt.Sprintf("%s%s %s topk=%d nq=%d%s %s", s.index.Type, layout, workloads.FormatParams(pt.Params), pt.TopK, pt.NQ, filter, level)
}
