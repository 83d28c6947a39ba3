package bench

import (
	"sync"
	"time"
)

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
	// Ops has one entry per recorded operation (search first): the last
	// complete interval and the totals so far. Empty during warm-up.
	Ops []Live
}

// defaultWatchEvery is how often Runner.Watch is called unless WatchEvery
// says otherwise.
const defaultWatchEvery = 250 * time.Millisecond

// phase returns the load phase of a trial of pt: warm-up when ans is nil,
// else a measured window cut every load.interval; with Runner.Watch set it
// reports the phase live.
func (s *Session) phase(label string, probe int, dur time.Duration, ans *answers) phase {
	ph := phase{dur: dur, ans: ans}
	if ans != nil {
		ph.every = s.r.Plan.Spec.Load.Interval.D()
	}
	s.sharded(&ph)
	if s.r.Watch != nil {
		// Measure counts a capacity search's point before its probes run,
		// other points after their trial.
		trial := s.done + 1
		if probe > 0 {
			trial = s.done
		}
		st := TrialStatus{Trial: trial, Trials: s.r.Plan.Trials(), Probe: probe, Label: label, WarmUp: ans == nil, Duration: dur}
		ph.watch = func(start time.Time, iv *Intervals) func() { return s.watch(st, start, iv) }
	}
	return ph
}

// watch calls Runner.Watch with st every WatchEvery until the returned stop
// function is called.
func (s *Session) watch(st TrialStatus, start time.Time, iv *Intervals) (stop func()) {
	every := s.r.WatchEvery
	if every <= 0 {
		every = defaultWatchEvery
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tk := time.NewTicker(every)
		defer tk.Stop()
		for {
			select {
			case <-done:
				return
			case now := <-tk.C:
				st.Elapsed = now.Sub(start)
				if iv != nil {
					st.Ops = iv.Live(now)
				}
				s.r.Watch(st)
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}
