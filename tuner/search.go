package tuner

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
)

// Session is the part of a run in progress the search drives:
// *bench.Session implements it. The search decides what to build and
// measure; the session does it.
type Session interface {
	Build(ctx context.Context, cfg workloads.IndexConfig) error
	Unbuild(ctx context.Context) error
	Recall(ctx context.Context, pt workloads.SearchPoint) (float64, error)
	Measure(ctx context.Context, pt workloads.SearchPoint) ([]bench.Trial, error)
}

// Keep is the successive-halving cut: a config whose cheap probe reaches
// less than this share of the best probe so far gets no more trials.
const Keep = 0.5

// MonotoneParams are the search parameters along which recall rises and
// speed falls: a larger ef, nprobe, search_list, reorder_k or level
// searches more of the index.
var MonotoneParams = []string{"ef", "nprobe", "search_list", "reorder_k", "level"}

// Boundary returns the smallest i in [0, n) for which pred is true, for a
// predicate that is false up to some index and true from it on, or n when
// it is never true. It probes 0, 2, 6, 14, … (exponential search, so a
// boundary near the cheap end costs few probes) until pred holds, then
// bisects the last gap.
func Boundary(n int, pred func(i int) (bool, error)) (int, error) {
	if n == 0 {
		return 0, nil
	}
	lo, hi := -1, n // pred(lo) false, pred(hi) true (virtually)
	for step := 1; ; step *= 2 {
		i := min(lo+step, n-1)
		ok, err := pred(i)
		if err != nil {
			return 0, err
		}
		if ok {
			hi = i
			break
		}
		lo = i
		if i == n-1 {
			return n, nil
		}
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := pred(mid)
		if err != nil {
			return 0, err
		}
		if ok {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi, nil
}

// Tune measures what the plan needs to reach the recommendation the full
// grid would give, with a fraction of its trials:
//
//   - For every build config (FLAT, the exact baseline, last) and request
//     shape, the smallest value of each monotone search parameter that
//     meets the recall goal, by Boundary over the values the workload
//     allows, using quick recall passes (no latency). With a latency goal
//     alone, the largest value whose p99 (p95) meets it, by measured
//     trials at the lightest load.
//   - Successive halving across configs: each config's cheap probe (its
//     chosen params at the nq and load level where the best config so far
//     does best, else the lightest) is compared with that best; configs
//     reaching less than Keep of it, or missing the latency goal even at
//     the lightest load, get no more trials. The promising ones are measured at every nq and load level,
//     ascending, stopping a batch size's levels at the first that misses
//     the latency goal and larger batch sizes when the lightest level does.
//
// Builds happen once each (a build is the expensive step; no config is
// rebuilt). logf receives one line per decision. On an error the counts so
// far are returned beside it.
func Tune(ctx context.Context, s Session, plan *workloads.Plan, logf func(format string, args ...any)) (*bench.TuneInfo, error) {
	g := plan.Spec.Goals
	if g.Recall == 0 && g.P99 == 0 && g.P95 == 0 {
		return nil, fmt.Errorf("%s: tune needs a goal to search for: set goals.recall, goals.p99 or goals.p95 (or run the full grid with `milvbench run`)", plan.Spec.File)
	}
	if m := plan.Spec.Load.Model; m == workloads.LoadIngest {
		return nil, fmt.Errorf("%s: tune searches search parameters; load model ingest measures inserts: use `milvbench run`", plan.Spec.File)
	}
	t := &tuneRun{s: s, g: g, logf: logf, best: map[Shape]probeResult{},
		info: &bench.TuneInfo{GridTrials: plan.Trials(), GridBuilds: len(plan.Builds)}}
	builds := slices.Clone(plan.Builds)
	sort.SliceStable(builds, func(i, j int) bool { return builds[i].Index.Type != "FLAT" && builds[j].Index.Type == "FLAT" })
	for _, b := range builds {
		if err := s.Build(ctx, b.Index); err != nil {
			return t.info, err
		}
		t.info.Builds++
		// Measurements are of this build only.
		t.trials, t.recalls = map[string][]bench.Trial{}, map[string]float64{}
		for _, sh := range shapesOf(b.Points) {
			if err := t.shape(ctx, b.Index, sh, pointsOf(b.Points, sh)); err != nil {
				return t.info, err
			}
		}
		if err := s.Unbuild(ctx); err != nil {
			return t.info, err
		}
	}
	t.note("tune ran %d of the grid's %d trials (%.0f%%) and %d quick recall passes; built all %d index configs",
		t.info.Trials, t.info.GridTrials, 100*float64(t.info.Trials)/float64(max(t.info.GridTrials, 1)), t.info.RecallPasses, t.info.Builds)
	return t.info, nil
}

type tuneRun struct {
	s    Session
	g    workloads.Goals
	logf func(format string, args ...any)
	info *bench.TuneInfo
	// best is the best point measured so far per shape.
	best map[Shape]probeResult
	// trials and recalls cache the measurements of the current build.
	trials  map[string][]bench.Trial
	recalls map[string]float64
}

// probeResult is a measured point of a config: its recall, queries/s,
// batch size and load level.
type probeResult struct {
	recall, queries float64
	nq              int
	level           string
}

func (t *tuneRun) note(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	t.info.Log = append(t.info.Log, line)
	if t.logf != nil {
		t.logf("tune   %s", line)
	}
}

// shape tunes one build config for one request shape.
func (t *tuneRun) shape(ctx context.Context, idx workloads.IndexConfig, sh Shape, pts []workloads.SearchPoint) error {
	name := fmt.Sprintf("%s %s", idx, sh)
	sets := paramSets(pts)
	var chosen workloads.Params
	var ok bool
	var err error
	if t.g.Recall > 0 {
		chosen, ok, err = t.searchRecall(ctx, name, sh, pts, sets)
	} else {
		chosen, ok, err = t.searchLatency(ctx, name, pts, sets)
	}
	if err != nil || !ok {
		return err
	}
	mine := forParams(pts, chosen)
	label := strings.TrimSpace(name + " " + workloads.FormatParams(chosen))
	// The cheap probe: the point where the best config so far does best
	// (the objective, compared like for like), else the lightest.
	inc, seen := t.best[sh]
	probe, lightest := mine[0], true
	if seen {
		for i, pt := range mine {
			if pt.NQ == inc.nq && pt.Level() == inc.level {
				probe, lightest = pt, i == 0
				break
			}
		}
	}
	var mineTrials []bench.Trial
	var raw float64 // queries/s of the last probe, within the goals or not
	measure := func(pt workloads.SearchPoint) (probeResult, bool, error) {
		trs, err := t.measure(ctx, pt)
		mineTrials = append(mineTrials, trs...)
		raw = 0
		for _, p := range aggregate(trs) {
			raw = max(raw, p.queries)
		}
		pr, pass := t.passing(trs)
		return pr, pass, err
	}
	pr, pass, err := measure(probe)
	if err != nil {
		return err
	}
	if !pass && !lightest {
		// Too heavy for this config: its best lies at a lighter point,
		// where it serves fewer queries/s than it did here (fewer workers,
		// smaller batches). Only if that could still compete is the
		// lightest point measured.
		if t.g.Recall > 0 && raw < Keep*inc.queries {
			t.note("%s: at nq=%d %s it misses the latency goal with %s queries/s, below %.0f%% of the best so far (%s): no more trials",
				label, probe.NQ, probe.Level(), Count(raw), 100*Keep, Count(inc.queries))
			return nil
		}
		probe = mine[0]
		if pr, pass, err = measure(probe); err != nil {
			return err
		}
	}
	if !pass {
		t.note("%s: misses the latency goal (or fails requests) already at nq=%d %s: no more trials", label, probe.NQ, probe.Level())
		return nil
	}
	switch {
	case seen && t.g.Recall == 0 && pr.recall < inc.recall-recallTolerance:
		// Without a recall goal the answer is the most accurate config
		// within the latency goal.
		t.note("%s: recall %.4f within the latency goal is below the best so far (%.4f): no more trials", label, pr.recall, inc.recall)
		return nil
	case seen && (t.g.Recall > 0 || pr.recall <= inc.recall+recallTolerance) && pr.queries < Keep*inc.queries:
		t.note("%s: probe %s queries/s at nq=%d %s is below %.0f%% of the best so far (%s at nq=%d %s): no more trials",
			label, Count(pr.queries), probe.NQ, probe.Level(), 100*Keep, Count(inc.queries), inc.nq, inc.level)
		return nil
	}
	t.note("%s: probe %s queries/s at nq=%d %s: promising, measuring every batch size and load level", label, Count(pr.queries), probe.NQ, probe.Level())
	groups := byNQ(mine)
sweep:
	for gi, group := range groups {
		levels := byLevel(group)
		for li, level := range levels {
			var all []bench.Trial
			for _, pt := range level {
				trs, err := t.measure(ctx, pt)
				if err != nil {
					return err
				}
				mineTrials = append(mineTrials, trs...)
				all = append(all, trs...)
			}
			if _, pass := t.passing(all); pass {
				continue
			}
			if li == 0 {
				if gi+1 < len(groups) {
					t.note("%s: nq=%d misses the latency goal at the lightest load: larger batches are not measured", label, level[0].NQ)
				}
				break sweep
			}
			if li+1 < len(levels) {
				t.note("%s: nq=%d misses the latency goal at %s: heavier load levels are not measured", label, level[0].NQ, level[0].Level())
			}
			break
		}
	}
	if b, ok := t.passing(mineTrials); ok && (!seen || better(&point{recall: b.recall, queries: b.queries}, &point{recall: inc.recall, queries: inc.queries}, t.g)) {
		t.best[sh] = b
	}
	return nil
}

// passing returns the best point among the trials that meets the latency
// goals without failing requests (best as the answer orders them), and
// whether there is one.
func (t *tuneRun) passing(trs []bench.Trial) (probeResult, bool) {
	var best *point
	for _, p := range aggregate(trs) {
		if latencyOK(p, t.g) && p.errRate <= MaxErrorRate && !p.genBound && (best == nil || better(p, best, t.g)) {
			best = p
		}
	}
	if best == nil {
		return probeResult{}, false
	}
	return probeResult{recall: best.recall, queries: best.queries, nq: best.nq, level: best.level}, true
}

// measure runs one plan point once, reusing a point measured before.
func (t *tuneRun) measure(ctx context.Context, pt workloads.SearchPoint) ([]bench.Trial, error) {
	k := pointKey(pt)
	if trs, ok := t.trials[k]; ok {
		return trs, nil
	}
	trs, err := t.s.Measure(ctx, pt)
	if err != nil {
		return nil, err
	}
	t.info.Trials++
	t.trials[k] = trs
	return trs, nil
}

func pointKey(pt workloads.SearchPoint) string {
	return fmt.Sprintf("%s|%d|%g|%s|%d|%s|%d", workloads.FormatParams(pt.Params), pt.TopK, pt.Selectivity, pt.Filter, pt.NQ, pt.Level(), pt.Repeat)
}

// searchRecall finds, one monotone parameter at a time (the others at
// their largest value), the smallest value meeting the recall goal.
func (t *tuneRun) searchRecall(ctx context.Context, name string, sh Shape, pts []workloads.SearchPoint, sets []workloads.Params) (workloads.Params, bool, error) {
	nq := 1
	for _, p := range pts {
		nq = max(nq, p.NQ)
	}
	var path []string
	recall := func(p workloads.Params) (float64, error) {
		k := workloads.FormatParams(p) + fmt.Sprintf("|%d|%g|%s", sh.TopK, sh.Selectivity, sh.Filter)
		if r, ok := t.recalls[k]; ok {
			return r, nil
		}
		r, err := t.s.Recall(ctx, workloads.SearchPoint{Params: p, TopK: sh.TopK, NQ: nq, Selectivity: sh.Selectivity, Filter: sh.Filter, Concurrency: 1, Repeat: 1})
		if err != nil {
			return 0, err
		}
		t.info.RecallPasses++
		t.recalls[k] = r
		path = append(path, fmt.Sprintf("%s %.4f", orExact(p), r))
		return r, nil
	}
	chosen, ok, err := coordinate(sets, true, func(p workloads.Params) (bool, error) {
		r, err := recall(p)
		return r >= t.g.Recall, err
	})
	if err != nil {
		return nil, false, err
	}
	trail := strings.Join(path, ", ")
	if !ok {
		t.note("%s: no allowed search params reach recall %g (%s): no trials", name, t.g.Recall, trail)
		return nil, false, nil
	}
	if len(chosen) == 0 {
		t.note("%s: meets recall %g with no search params to tune (recall pass: %s)", name, t.g.Recall, trail)
	} else {
		t.note("%s: %s is the cheapest setting meeting recall %g (recall passes: %s)", name, orExact(chosen), t.g.Recall, trail)
	}
	return chosen, true, nil
}

// searchLatency finds, with only a latency goal, the largest value of
// each monotone parameter whose trial at the lightest load meets it.
func (t *tuneRun) searchLatency(ctx context.Context, name string, pts []workloads.SearchPoint, sets []workloads.Params) (workloads.Params, bool, error) {
	chosen, ok, err := coordinate(sets, false, func(p workloads.Params) (bool, error) {
		trs, err := t.measure(ctx, forParams(pts, p)[0])
		if err != nil {
			return false, err
		}
		_, pass := t.passing(trs)
		return !pass, nil
	})
	if err != nil {
		return nil, false, err
	}
	if !ok {
		t.note("%s: even the fastest allowed search params miss the latency goal at the lightest load", name)
		return nil, false, nil
	}
	t.note("%s: %s is the most thorough setting within the latency goal", name, orExact(chosen))
	return chosen, true, nil
}

func orExact(p workloads.Params) string {
	if len(p) == 0 {
		return "the only setting"
	}
	return strings.Trim(workloads.FormatParams(p), "()")
}

// coordinate searches the parameter sets one monotone parameter at a time
// (sorted by name). With smallest, it finds the smallest value for which
// hit holds, the other unfixed parameters at their largest value; else the
// value just below the smallest for which hit holds (the largest value
// before hit, i.e. before a miss), the others at their smallest. It
// returns the set fixed this way and whether one was found.
func coordinate(sets []workloads.Params, smallest bool, hit func(workloads.Params) (bool, error)) (workloads.Params, bool, error) {
	names := monotoneNames(sets)
	if len(names) == 0 {
		if len(sets) == 0 {
			return nil, false, nil
		}
		h, err := hit(sets[0])
		if err != nil {
			return nil, false, err
		}
		return sets[0], h == smallest, nil
	}
	fixed := workloads.Params{}
	for _, name := range names {
		var cands []workloads.Params
		for _, s := range sets {
			if agrees(s, fixed) && othersAtEnd(s, sets, fixed, name, smallest) {
				cands = append(cands, s)
			}
		}
		sort.Slice(cands, func(i, j int) bool { return cands[i].Int(name, 0) < cands[j].Int(name, 0) })
		i, err := Boundary(len(cands), func(i int) (bool, error) { return hit(cands[i]) })
		if err != nil {
			return nil, false, err
		}
		if !smallest {
			i--
		}
		if i < 0 || i >= len(cands) {
			return nil, false, nil
		}
		fixed[name] = cands[i][name]
	}
	for _, s := range sets {
		if agrees(s, fixed) && len(s) == len(fixed) {
			return s, true, nil
		}
	}
	return nil, false, nil
}

// monotoneNames returns the parameters the sets vary that are monotone.
func monotoneNames(sets []workloads.Params) []string {
	var names []string
	for _, n := range MonotoneParams {
		for _, s := range sets {
			if _, ok := s[n]; ok {
				names = append(names, n)
				break
			}
		}
	}
	sort.Strings(names)
	return names
}

func agrees(s, fixed workloads.Params) bool {
	for k, v := range fixed {
		if s[k] != v {
			return false
		}
	}
	return true
}

// othersAtEnd reports whether every parameter of s other than name and
// the fixed ones is at its largest (high) or smallest value among sets.
func othersAtEnd(s workloads.Params, sets []workloads.Params, fixed workloads.Params, name string, high bool) bool {
	for k := range s {
		if k == name {
			continue
		}
		if _, f := fixed[k]; f {
			continue
		}
		end := s.Int(k, 0)
		for _, o := range sets {
			v := o.Int(k, 0)
			if (high && v > end) || (!high && v < end) {
				return false
			}
		}
	}
	return true
}

// shapesOf lists the request shapes of points in plan order.
func shapesOf(pts []workloads.SearchPoint) []Shape {
	var out []Shape
	for _, p := range pts {
		sh := Shape{TopK: p.TopK, Selectivity: p.Selectivity, Filter: p.Filter}
		if !slices.Contains(out, sh) {
			out = append(out, sh)
		}
	}
	return out
}

func pointsOf(pts []workloads.SearchPoint, sh Shape) []workloads.SearchPoint {
	var out []workloads.SearchPoint
	for _, p := range pts {
		if p.TopK == sh.TopK && p.Selectivity == sh.Selectivity && p.Filter == sh.Filter {
			out = append(out, p)
		}
	}
	return out
}

// paramSets lists the distinct search parameter sets of points.
func paramSets(pts []workloads.SearchPoint) []workloads.Params {
	var out []workloads.Params
	seen := map[string]bool{}
	for _, p := range pts {
		k := workloads.FormatParams(p.Params)
		if !seen[k] {
			seen[k] = true
			out = append(out, p.Params)
		}
	}
	return out
}

// forParams returns the points with params p, by nq, then load level,
// then repeat, ascending.
func forParams(pts []workloads.SearchPoint, p workloads.Params) []workloads.SearchPoint {
	k := workloads.FormatParams(p)
	var out []workloads.SearchPoint
	for _, pt := range pts {
		if workloads.FormatParams(pt.Params) == k {
			out = append(out, pt)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.NQ != b.NQ {
			return a.NQ < b.NQ
		}
		if a.Concurrency != b.Concurrency {
			return a.Concurrency < b.Concurrency
		}
		if a.Rate != b.Rate {
			return a.Rate < b.Rate
		}
		return a.Repeat < b.Repeat
	})
	return out
}

// byNQ splits sorted points into runs of equal nq.
func byNQ(pts []workloads.SearchPoint) [][]workloads.SearchPoint {
	return runs(pts, func(a, b workloads.SearchPoint) bool { return a.NQ == b.NQ })
}

// byLevel splits sorted points of one nq into runs of one load level (its
// repeats).
func byLevel(pts []workloads.SearchPoint) [][]workloads.SearchPoint {
	return runs(pts, func(a, b workloads.SearchPoint) bool {
		a.Repeat, b.Repeat = 0, 0
		return a.Level() == b.Level()
	})
}

func runs(pts []workloads.SearchPoint, same func(a, b workloads.SearchPoint) bool) [][]workloads.SearchPoint {
	var out [][]workloads.SearchPoint
	for i, p := range pts {
		if i == 0 || !same(pts[i-1], p) {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], p)
	}
	return out
}
