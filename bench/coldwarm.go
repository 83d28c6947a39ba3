package bench

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// ColdPhase is the latency of the first requests a freshly loaded (or
// idle) index answered, sent one at a time before the trial's warm-up and
// window: what a tiered or mmap deployment's first users see, which the
// steady-state window (after the warm-up) hides.
type ColdPhase struct {
	// Phase is "after load", "after release + load" or "after idle 30s".
	Phase    string `json:"phase"`
	Requests int    `json:"requests"`
	Errors   int    `json:"errors,omitempty"`
	// FirstMS is the first request's latency; P50MS, MaxMS and MeanMS are
	// over the phase's requests that succeeded.
	FirstMS float64 `json:"first_ms"`
	P50MS   float64 `json:"p50_ms"`
	MaxMS   float64 `json:"max_ms"`
	MeanMS  float64 `json:"mean_ms"`
	// LoadS is how long the release and load took (release + load phase).
	LoadS float64 `json:"load_s,omitempty"`
	// IdleS is how long nothing was sent before the phase (idle phase).
	IdleS float64 `json:"idle_s,omitempty"`
	// LastError is the last failure's message, when any failed.
	LastError string `json:"last_error,omitempty"`
}

// Cold phases by name.
const (
	PhaseAfterLoad   = "after load"
	PhaseAfterReload = "after release + load"
)

// coldSampler is implemented by load models that send searches: one
// request at a time, n of them, timed each (the cold phase).
type coldSampler interface {
	sampleCold(ctx context.Context, n int) ColdPhase
}

// sampleCold sends n requests of the model's search one after another,
// each under the retry policy (bounded by restDeadline), and times them.
func (m *searchModel) sampleCold(ctx context.Context, n int) ColdPhase {
	st := m.load.st
	idx := make([]int, m.pt.NQ)
	ph := ColdPhase{Requests: n}
	var ms []float64
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		req := st.request(int64(i), idx)
		t0 := time.Now()
		_, _, done, err := st.do(ctx, req, t0.Add(restDeadline), 0, nil)
		v := float64(done.Sub(t0).Microseconds()) / 1000
		if i == 0 {
			ph.FirstMS = v
		}
		if err != nil {
			ph.Errors++
			ph.LastError = err.Error()
			continue
		}
		ms = append(ms, v)
	}
	if len(ms) > 0 {
		sum := 0.0
		for _, v := range ms {
			sum += v
		}
		ph.MeanMS = sum / float64(len(ms))
		sort.Float64s(ms)
		ph.P50MS, ph.MaxMS = ms[(len(ms)-1)/2], ms[len(ms)-1]
	}
	return ph
}

// coldPhases measures the cold phases of the first trial after an index
// load (load.cold requests each): right after the load; after releasing
// and loading the collection again, when this run may release it (not a
// read-only run: the collection is not its own); and after load.idle_before
// of nothing sent. It returns nil when the trial has none: load.cold is 0,
// the model sends no searches, the index was already sampled, or this is
// a shard (whose trial clock leaves no room, and which never loads).
func (s *Session) coldPhases(ctx context.Context, m loadModel) ([]ColdPhase, error) {
	load := s.r.Plan.Spec.Load
	cs, ok := m.(coldSampler)
	if !ok || load.Cold <= 0 || !s.fresh || s.r.Shard != nil {
		return nil, nil
	}
	s.fresh = false
	ph := cs.sampleCold(ctx, load.Cold)
	ph.Phase = PhaseAfterLoad
	out := []ColdPhase{ph}
	if !s.r.ReadOnly {
		t0 := time.Now()
		if err := s.r.Target.Release(ctx); err != nil {
			return out, fmt.Errorf("cold phase: release: %w", err)
		}
		if err := s.r.Target.Load(ctx); err != nil {
			return out, fmt.Errorf("cold phase: load again: %w", err)
		}
		loadS := time.Since(t0).Seconds()
		ph = cs.sampleCold(ctx, load.Cold)
		ph.Phase, ph.LoadS = PhaseAfterReload, loadS
		out = append(out, ph)
	}
	if d := load.IdleBefore.D(); d > 0 {
		if err := waitUntil(ctx, time.Now().Add(d)); err != nil {
			return out, err
		}
		ph = cs.sampleCold(ctx, load.Cold)
		ph.Phase, ph.IdleS = fmt.Sprintf("after idle %s", load.IdleBefore), d.Seconds()
		out = append(out, ph)
	}
	for _, p := range out {
		s.r.logf("cold   %s: first %.3fms, p50 %.3fms, max %.3fms over %d requests (%d failed)", p.Phase, p.FirstMS, p.P50MS, p.MaxMS, p.Requests, p.Errors)
	}
	return out, ctx.Err()
}
