package bench

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/milvbench/milvbench/workloads"
)

// capacity searches the highest rate meeting the goals for one point: each
// probe is an open-loop trial, recorded as it ends (load model capacity).
func (s *Session) capacity(ctx context.Context, pt workloads.SearchPoint) ([]Trial, error) {
	spec := s.r.Plan.Spec
	num := len(s.res.Capacity) + 1
	var trials []Trial
	probe := func(rate float64, step string) (bool, error) {
		m := &probeModel{searchModel: s.searchModel(pt, rate), s: s, goals: spec.Goals, search: num, step: step}
		tr, err := s.runTrial(ctx, pt, fmt.Sprintf("rate=%g/s", rate), len(trials)+1, m)
		if err != nil {
			return false, err
		}
		trials = append(trials, tr)
		if m.gone != nil {
			if err := ctx.Err(); err != nil {
				return false, err
			}
			return false, fmt.Errorf("capacity probe at %g/s (trial %d): all %d requests failed (last: %s), and the same search sent alone after it failed too: %w; the server is gone or refuses the request, which says nothing about its capacity",
				rate, tr.ID, tr.Requests, tr.Errors.Last, m.gone)
		}
		return tr.Capacity.Pass, nil
	}
	if _, err := searchKnee(spec.Load, probe); err != nil {
		return trials, err
	}
	s.addCapacity(trials)
	return trials, nil
}

// probeModel is one probe of a capacity search: the open-loop search model
// at the probe's rate, whose trial carries the probe's verdict.
type probeModel struct {
	*searchModel
	s      *Session
	goals  workloads.Goals
	search int
	step   string
	// gone is set when every request failed and the same search, sent
	// alone after the probe, failed too: the server is gone.
	gone error
}

// result is the probe's trial judged against the goals (judgeProbe). A
// probe at which every request failed is checked at rest
// (answersAtRest): failing only under load is a capacity answer.
func (m *probeModel) result(ctx context.Context, w *trialWindow) (Trial, error) {
	tr, err := m.searchModel.result(ctx, w)
	if err != nil {
		return tr, err
	}
	pass, reasons := judgeProbe(tr, m.goals, m.spec.MaxErrorRate)
	tr.Capacity = &CapacityProbe{Search: m.search, Step: m.step, Pass: pass, Reasons: reasons}
	if tr.Requests == 0 || tr.Errors.Total != tr.Requests {
		return tr, nil
	}
	if m.gone = m.s.answersAtRest(ctx, m.pt); m.gone != nil && ctx.Err() == nil {
		tr.Notes = append(tr.Notes, fmt.Sprintf("every request failed, and the same search sent alone after the probe failed too (%v): the server is gone or refuses the request, so the search stopped here", m.gone))
	} else if m.gone == nil {
		tr.Notes = append(tr.Notes, "every request failed under this rate, but the same search sent alone after the probe succeeded: the failures came with the load")
	}
	return tr, nil
}

// restPauses are the pauses before each search answersAtRest sends: a
// server that failed every request of a probe under load has had time to
// drain its backlog by the last.
var restPauses = []time.Duration{100 * time.Millisecond, 400 * time.Millisecond, 1500 * time.Millisecond}

// answersAtRest checks, after a probe at which every request failed,
// whether the target still answers pt's search when sent alone: it sends
// one request after each of restPauses (under the harness's retry policy)
// and returns nil at the first answer, else the last error. A probe that
// failed only under load is a capacity answer (the knee is below it); one
// whose request fails also at rest is not (the server is gone, or rejects
// the request whatever the rate).
func (s *Session) answersAtRest(ctx context.Context, pt workloads.SearchPoint) error {
	st, _ := s.stream(pt)
	req := st.request(0, make([]int, pt.NQ))
	var err error
	for _, p := range restPauses {
		if werr := waitUntil(ctx, time.Now().Add(p)); werr != nil {
			return werr
		}
		if _, _, _, err = st.do(ctx, req, time.Now().Add(restDeadline), 0, nil); err == nil {
			return nil
		}
	}
	return err
}

// restDeadline bounds the retries of one answersAtRest search.
const restDeadline = 5 * time.Second

// addCapacity appends the result of the capacity search whose probes are
// trials (also for probes adopted on resume) and reports its knee.
func (s *Session) addCapacity(probes []Trial) {
	_, remote := s.r.Target.(NetworkProber)
	c := capacityResult(probes, s.r.Plan.Spec.Load, remote)
	s.res.Capacity = append(s.res.Capacity, c)
	s.r.logf("knee   %s", c.Summary())
}

// capacityResult summarises a capacity search from its probes (in the
// order run): the knee is the highest rate that held, the failing rate the
// lowest that failed (with its reasons). The knee is generator-limited only
// when the failing probe failed for no reason but a generator that fell
// behind on its own: not one whose in-flight bound filled because the
// server was slow, nor one sharing the CPU with an in-process target (then
// the machine saturated, server included); remote says the target is not
// in-process.
func capacityResult(probes []Trial, l workloads.LoadSpec, remote bool) CapacityResult {
	var c CapacityResult
	for _, tr := range probes {
		c.Probes = append(c.Probes, tr.ID)
		switch p := tr.Capacity; {
		case p == nil:
		case p.Pass && tr.Load.Rate > c.KneeRate:
			c.KneeRate, c.KneeTrial, c.KneeQPS, c.KneeP99MS = tr.Load.Rate, tr.ID, tr.QPS, tr.LatencyMS.P99
		case !p.Pass && (c.FailRate == 0 || tr.Load.Rate < c.FailRate):
			c.FailRate, c.FailTrial, c.FailReasons = tr.Load.Rate, tr.ID, p.Reasons
			c.GeneratorLimited = remote && tr.Load.GeneratorBound && !tr.Load.InFlightBound && len(p.Reasons) == 1
		}
	}
	if len(probes) > 0 {
		c.Index, c.Search = probes[0].Index, probes[0].Search
	}
	c.Warm, c.Warmth = kneeWarmth(probes, c.KneeTrial)
	switch {
	case c.FailRate == 0:
		c.Stop = fmt.Sprintf("load.max_rate %g/s reached with every probe holding: raise max_rate to find the knee", l.MaxRate)
	case c.KneeRate == 0:
		c.Stop = fmt.Sprintf("the first probe (load.start_rate %g/s) failed: lower start_rate", l.StartRate)
	default:
		c.Precision = c.FailRate/c.KneeRate - 1
		c.Stop = fmt.Sprintf("bracket within load.precision %g", l.Precision)
	}
	return c
}

// kneeWarmth says whether the knee probe (trial id knee) ran on a warm
// index: after its own warm-up, after earlier probes, or after the cold
// phases its search measured apart; not when it was the first requests
// after the load.
func kneeWarmth(probes []Trial, knee int) (bool, string) {
	for i, tr := range probes {
		if tr.ID != knee {
			continue
		}
		switch {
		case tr.Load.WarmupS > 0:
			return true, fmt.Sprintf("warm: the knee probe ran after its own warm-up of %gs", tr.Load.WarmupS)
		case i > 0:
			return true, fmt.Sprintf("warm: the knee probe ran after %d earlier probe%s on the same loaded index", i, plural(i))
		case len(tr.Cold) > 0:
			return true, "warm: the knee probe ran after the cold phases (load.cold) were measured apart"
		}
		return false, "not shown warm: the knee probe was the index's first requests after its load (no load.warmup, no load.cold), so a cold start is inside it"
	}
	return false, ""
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Summary says in one line where the knee is and why the next rate failed.
func (c CapacityResult) Summary() string {
	switch {
	case c.KneeRate == 0:
		return fmt.Sprintf("%s: no rate held; the start rate %g/s failed: %s", c.Index, c.FailRate, joinReasons(c.FailReasons))
	case c.FailRate == 0:
		return fmt.Sprintf("%s: %g/s held (p99 %.3fms) — %s", c.Index, c.KneeRate, c.KneeP99MS, c.Stop)
	}
	s := fmt.Sprintf("%s: knee %g/s (QPS %.0f, p99 %.3fms); %g/s failed: %s", c.Index, c.KneeRate, c.KneeQPS, c.KneeP99MS, c.FailRate, joinReasons(c.FailReasons))
	if c.GeneratorLimited {
		s += " — the generator, not the server, limited the search: the knee is a lower bound"
	}
	if c.Warmth != "" {
		s += "; " + c.Warmth
	}
	return s
}

func joinReasons(r []string) string { return strings.Join(r, "; ") }

// knee is where a capacity search ended: knee the highest rate that held
// (0: none), fail the lowest that failed (0: none up to max_rate).
type knee struct {
	knee, fail float64
}

// searchKnee finds the highest rate for which probe passes: a geometric
// ramp from start_rate by ramp_factor (capped at max_rate) until a probe
// fails, then bisection between the last rate that held and the first that
// failed, at their geometric mean, until fail/knee − 1 ≤ precision. A
// capacity curve is assumed monotone: a rate above one that failed is not
// tried.
func searchKnee(l workloads.LoadSpec, probe func(rate float64, step string) (bool, error)) (knee, error) {
	var k knee
	rate := l.StartRate
	for {
		ok, err := probe(rate, "ramp")
		if err != nil {
			return k, err
		}
		if !ok {
			k.fail = rate
			break
		}
		k.knee = rate
		if rate >= l.MaxRate {
			return k, nil
		}
		rate = math.Min(rate*l.RampFactor, l.MaxRate)
	}
	for k.knee > 0 && k.fail/k.knee-1 > l.Precision {
		mid := between(k.knee, k.fail)
		ok, err := probe(mid, "bisect")
		if err != nil {
			return k, err
		}
		if ok {
			k.knee = mid
		} else {
			k.fail = mid
		}
	}
	return k, nil
}

// between returns the geometric mean of lo and hi rounded to the fewest
// significant digits (3 or more) that keep it strictly inside (lo, hi), so
// probe rates read 4530/s rather than 4525.4834/s.
func between(lo, hi float64) float64 {
	mid := math.Sqrt(lo * hi)
	for digits := 3; digits <= 15; digits++ {
		scale := math.Pow(10, float64(digits)-math.Ceil(math.Log10(mid)))
		if r := math.Round(mid*scale) / scale; r > lo && r < hi {
			return r
		}
	}
	return mid
}

// keepUp is the share of the sent rate a probe's QPS must reach (see
// keepUpQPS).
const keepUp = 0.9

// keepUpQPS is the QPS a probe must reach to show the server kept up: its
// window runs until the last answer, so a server that falls behind and
// drains a backlog after the schedule ends shows a lower QPS even when the
// p99 goal is loose enough to hide it. One that keeps up needs about a
// median latency after the schedule to answer the requests still in
// flight, which the bound allows for.
func keepUpQPS(tr Trial) float64 {
	dur := tr.Load.DurationS
	if dur <= 0 {
		return keepUp * tr.Load.AchievedRate
	}
	return keepUp * tr.Load.AchievedRate * dur / (dur + tr.LatencyMS.P50/1000)
}

// judgeProbe decides whether a probe held the goals: p99 (and p95) from
// the intended send time within goals, recall at least goals.recall, QPS
// keeping up with the rate sent, an error rate within max_error_rate, and a
// generator that kept to the schedule (a generator-bound probe cannot show
// the server held its rate). It returns every reason a probe failed.
func judgeProbe(tr Trial, g workloads.Goals, maxErrorRate float64) (bool, []string) {
	var why []string
	ms := func(d workloads.Duration) float64 { return float64(d.D().Microseconds()) / 1000 }
	if tr.QPS == 0 {
		if tr.Errors.Last != "" {
			why = append(why, "no request succeeded (last error: "+tr.Errors.Last+")")
		} else {
			why = append(why, "no request succeeded")
		}
	}
	if g.P99 > 0 && tr.LatencyMS.P99 > ms(g.P99) {
		why = append(why, fmt.Sprintf("p99 %.3fms > goal %s", tr.LatencyMS.P99, g.P99))
	}
	if g.P95 > 0 && tr.LatencyMS.P95 > ms(g.P95) {
		why = append(why, fmt.Sprintf("p95 %.3fms > goal %s", tr.LatencyMS.P95, g.P95))
	}
	if g.Recall > 0 && tr.Recall < g.Recall {
		why = append(why, fmt.Sprintf("recall %.4f < goal %g", tr.Recall, g.Recall))
	}
	if want := keepUpQPS(tr); tr.QPS > 0 && tr.QPS < want {
		why = append(why, fmt.Sprintf("QPS %.0f < %.0f (%g%% of the %.0f requests/s sent, allowing a median latency to answer the last): the server did not keep up",
			tr.QPS, want, 100*keepUp, tr.Load.AchievedRate))
	}
	if tr.Requests > 0 {
		if r := float64(tr.Errors.Total) / float64(tr.Requests); r > maxErrorRate {
			reason := fmt.Sprintf("error rate %.2f%% > max_error_rate %g%%", 100*r, 100*maxErrorRate)
			if c := tr.Errors.Classes(); c != "" {
				reason += " (" + c + ")"
			}
			why = append(why, reason)
		}
	}
	if tr.Load.GeneratorBound {
		why = append(why, fmt.Sprintf("generator bound (achieved %.0f of %g requests/s: %s): the probe cannot show the server held the rate",
			tr.Load.AchievedRate, tr.Load.Rate, tr.Load.GeneratorReason))
	}
	return len(why) == 0, why
}
