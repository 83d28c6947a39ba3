package tuner

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
	"gonum.org/v1/gonum/stat"
)

// Shape is the request shape a recommendation answers for: results of
// different topk or filter selectivity are different questions.
type Shape struct {
	TopK        int     `json:"topk"`
	Selectivity float64 `json:"selectivity"`
	// Kind is the search kind when it is not a dense ann request: a
	// hybrid or BM25 request answers another question than a dense one,
	// so each kind gets its own answer.
	Kind string `json:"kind,omitempty"`
	// Filter is the search.filters filter the points ran under: each
	// filter gets its own answer.
	Filter string `json:"filter,omitempty"`
	// Layout is the tenancy layout: each layout gets its own answer.
	Layout string `json:"layout,omitempty"`
}

func (s Shape) String() string {
	k := ""
	if s.Kind != "" {
		k = s.Kind + " "
	}
	if s.Layout != "" {
		k += "layout " + s.Layout + ", "
	}
	if s.Filter != "" {
		return fmt.Sprintf("%stopk=%d, filter %s", k, s.TopK, s.Filter)
	}
	if s.Selectivity < 1 {
		return fmt.Sprintf("%stopk=%d, filter passing %g of rows", k, s.TopK, s.Selectivity)
	}
	return fmt.Sprintf("%stopk=%d", k, s.TopK)
}

// shapeKind is the Shape.Kind of a trial's search: "" for ann; a range
// or group request with its parameters ("range radius=0.5", "group
// doc:3"), since another radius or group size asks another question.
func shapeKind(s bench.SearchInfo) string {
	switch {
	case s.Kind == workloads.KindANN:
		return ""
	case s.Range != nil:
		return s.Kind + " " + s.Range.String()
	case s.Group != nil:
		return s.Kind + " " + s.Group.String()
	case s.Iterator != nil:
		return s.Kind + " " + s.Iterator.String()
	}
	return s.Kind
}

// MaxErrorRate is the share of failed requests above which a point does
// not meet the goals, whatever its latency.
const MaxErrorRate = 0.001

// point is one operating point: an index config, search params, batch size
// and load level, with the medians of its repeated trials.
type point struct {
	shape  Shape
	index  workloads.IndexConfig
	search workloads.Params
	nq     int
	// request is a hybrid point's sub-requests and ranker ("" for the
	// single-field kinds, whose index names the field).
	request     string
	level       string
	concurrency int
	rate        float64
	trialIDs    []int
	// samples are the queries/s of each repeat (for the ties' t-test).
	samples    []float64
	recall     float64
	recallP5   float64 // median over repeats of the per-query p5; -1: not recorded
	qps        float64 // requests/s
	queries    float64 // queries/s = requests/s × nq
	p99, p95   float64
	errRate    float64
	genBound   bool
	indexBytes int64
	// serverUS is the median server CPU µs per query over the repeats
	// (0: not measured on every repeat); clientUS the harness's.
	serverUS, clientUS float64
}

// config identifies a point without its load level: what a user deploys.
func (p *point) config() string { return configName(p.index, p.search, p.request, p.nq) }

// configName renders a deployable config: TYPE(build) search [hybrid
// request] nq=N.
func configName(idx workloads.IndexConfig, search workloads.Params, request string, nq int) string {
	s := idx.String()
	if len(search) > 0 {
		s += " " + strings.Trim(workloads.FormatParams(search), "()")
	}
	if request != "" {
		s += " " + request
	}
	return fmt.Sprintf("%s nq=%d", s, nq)
}

// requestOf names a trial's hybrid request and the scalar indexes it
// ran with ("" for neither).
func requestOf(s bench.SearchInfo) string {
	var parts []string
	if s.Hybrid != nil {
		parts = append(parts, "hybrid "+s.Hybrid.String())
	}
	if s.Scalar != "" {
		parts = append(parts, "scalar indexes "+s.Scalar)
	}
	return strings.Join(parts, " ")
}

// aggregate groups search trials into points, repeats of the same point
// summarised by their medians (gonum stat.Quantile, empirical: the lower
// middle value of an even count). Ingest trials measure inserts, not
// searches, and are left out. Points keep the trials' order.
func aggregate(trials []bench.Trial) []*point {
	var order []string
	groups := map[string][]bench.Trial{}
	for _, t := range trials {
		if t.Load.Model == workloads.LoadIngest {
			continue
		}
		k := fmt.Sprintf("%s|%s|%s|%s|%d|%g|%s|%s|%d|%d|%g", t.Index, workloads.FormatParams(t.Search.Params), shapeKind(t.Search), requestOf(t.Search), t.Search.TopK,
			selectivity(t.Search), t.Search.FilterName, t.Search.Layout+"|"+t.Search.Scalar, t.Search.NQ, t.Load.Concurrency, t.Load.Rate)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], t)
	}
	out := make([]*point, 0, len(order))
	for _, k := range order {
		ts := groups[k]
		t0 := ts[0]
		p := &point{
			shape: Shape{TopK: t0.Search.TopK, Selectivity: selectivity(t0.Search), Kind: shapeKind(t0.Search), Filter: t0.Search.FilterName, Layout: t0.Search.Layout},
			index: t0.Index, search: t0.Search.Params, nq: max(t0.Search.NQ, 1), request: requestOf(t0.Search),
			concurrency: t0.Load.Concurrency, rate: t0.Load.Rate, level: levelOf(t0.Load),
		}
		var recall, recallP5, qps, queries, p99, p95, serverUS, clientUS []float64
		var errs, reqs int64
		for _, t := range ts {
			p.trialIDs = append(p.trialIDs, t.ID)
			recall = append(recall, t.Recall)
			if t.RecallDist != nil {
				recallP5 = append(recallP5, t.RecallDist.P5)
			}
			qps = append(qps, t.QPS)
			queries = append(queries, queriesPerS(t))
			p99 = append(p99, t.LatencyMS.P99)
			p95 = append(p95, t.LatencyMS.P95)
			errs += t.Errors.Total
			reqs += t.Requests
			p.genBound = p.genBound || t.Load.GeneratorBound
			p.indexBytes = max(p.indexBytes, t.IndexBytes)
			if c := t.CPU; c != nil {
				clientUS = append(clientUS, c.ClientUSPerQuery)
				if c.ServerUSPerQuery != nil {
					serverUS = append(serverUS, *c.ServerUSPerQuery)
				}
			}
		}
		if len(serverUS) == len(ts) {
			p.serverUS = median(serverUS)
		}
		if len(clientUS) == len(ts) {
			p.clientUS = median(clientUS)
		}
		p.recall, p.qps, p.queries = median(recall), median(qps), median(queries)
		p.recallP5 = -1
		if len(recallP5) == len(ts) {
			p.recallP5 = median(recallP5)
		}
		p.samples = queries
		p.p99, p.p95 = median(p99), median(p95)
		if reqs > 0 {
			p.errRate = float64(errs) / float64(reqs)
		}
		out = append(out, p)
	}
	return out
}

// selectivity is the label filter's share (1: none, or a search.filters
// filter, which Shape.Filter names).
func selectivity(s bench.SearchInfo) float64 {
	if s.Selectivity <= 0 || s.FilterName != "" {
		return 1
	}
	return s.Selectivity
}

func queriesPerS(t bench.Trial) float64 {
	if t.QueriesPerS > 0 {
		return t.QueriesPerS
	}
	return t.QPS * float64(max(t.Search.NQ, 1))
}

func levelOf(l bench.LoadInfo) string {
	switch {
	case l.Rate > 0:
		return fmt.Sprintf("rate=%g/s", l.Rate)
	case l.Concurrency > 0:
		return fmt.Sprintf("c=%d", l.Concurrency)
	}
	return ""
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return stat.Quantile(0.5, stat.Empirical, s, nil)
}

// meets reports whether p meets every measurable goal (the throughput goal
// is met by sizing, not by one point).
func meets(p *point, g workloads.Goals) bool {
	return p.recall >= g.Recall && (g.RecallP5 == 0 || p.recallP5 >= g.RecallP5) && latencyOK(p, g) && p.errRate <= MaxErrorRate && !p.genBound
}

// latencyOK reports whether p meets the latency goals.
func latencyOK(p *point, g workloads.Goals) bool {
	return (g.P99 == 0 || p.p99 <= ms(g.P99)) && (g.P95 == 0 || p.p95 <= ms(g.P95))
}

func ms(d workloads.Duration) float64 { return float64(d.D().Microseconds()) / 1000 }

// recallTolerance is the recall difference below which two points count as
// equally accurate (recall is measured over a finite query set).
const recallTolerance = 0.001

// better orders configs (at their best passing level) for the answer: with
// a recall goal, the highest queries/s (the goal fixes accuracy; speed
// decides); without one, the highest recall within the latency goals, then
// queries/s. Ties go to the lower p99.
func better(a, b *point, g workloads.Goals) bool {
	if g.Recall == 0 && math.Abs(a.recall-b.recall) > recallTolerance {
		return a.recall > b.recall
	}
	if a.queries != b.queries {
		return a.queries > b.queries
	}
	return a.p99 < b.p99
}

// leastWork drops, from configs ordered best first, every config that
// another passing config of the same index build, batch size and shape
// beats on work: search parameters (ef, nprobe, …) no larger and one
// smaller. A larger search parameter never makes a search faster, so when
// it measured faster the difference is noise; the recall goal is met
// either way. It returns the configs kept, in order, and a note when the
// fastest config measured was dropped this way.
func leastWork(configs []string, best map[string]*point) ([]string, []string) {
	var kept, notes []string
	for _, k := range configs {
		p := best[k]
		var by *point
		for _, o := range configs {
			if q := best[o]; q != p && doesLessWork(q, p) && (by == nil || doesLessWork(q, by)) {
				by = q
			}
		}
		if by == nil {
			kept = append(kept, k)
			continue
		}
		if k == configs[0] && p.queries > by.queries {
			notes = append(notes, fmt.Sprintf("%s measured faster than %s (%s vs %s queries/s) though it searches more of the index: a difference within measurement noise, so the smaller setting is the one recommended.",
				p.config(), by.config(), Count(p.queries), Count(by.queries)))
		}
	}
	return kept, notes
}

// TieP is the Welch t-test p-value at or above which two configs measured
// with repeats count as tied: their queries/s do not differ by more than
// the spread of the repeats explains.
const TieP = 0.05

// tiedWith reports whether the measurements do not separate a from the
// fastest config top, and how that was judged: within band (goals.tie) of
// top's queries/s, or, with two or more repeats each, further apart but
// with Welch's t-test on their queries/s finding no difference (p ≥ TieP).
// Repeats within one run never separate configs closer than band: they
// share one build of each index and one state of the host, and separate
// runs of the grid on a shared 2-core host differed by 13% on average for
// the same config.
func tiedWith(a, top *point, band float64) (bool, string) {
	within := a.queries >= (1-band)*top.queries
	if len(a.samples) >= 2 && len(top.samples) >= 2 {
		p := WelchP(a.samples, top.samples)
		if within {
			return true, fmt.Sprintf("within %.0f%% (goals.tie), closer than separate runs on a shared host agree; Welch's t-test over %d and %d repeats gives p = %.2f", 100*band, len(a.samples), len(top.samples), p)
		}
		return p >= TieP, fmt.Sprintf("Welch's t-test over %d and %d repeats gives p = %.2f", len(a.samples), len(top.samples), p)
	}
	return within, fmt.Sprintf("within %.0f%% (goals.tie): single trials on a shared host vary that much", 100*band)
}

// breakTies puts first, among configs (best first) whose throughput the
// measurements do not separate from the fastest (tiedWith, band is
// goals.tie), the one that
// costs least besides throughput: a smaller loaded memory at rows × dim
// (when it differs by more than 5%), then smaller requests (a lower
// latency per request), then the smaller memory however slight, then the
// faster measurement. Choosing among ties by what is known exactly makes
// the answer stable from run to run, and the same for tune and the grid.
// It returns the reordered configs, the tied ones after the first, and a
// note when the choice is not the fastest measured.
func breakTies(configs []string, best map[string]*point, rows int64, dim int, vt string, band float64) ([]string, []string, string) {
	fastest := best[configs[0]]
	mem := func(p *point) float64 {
		b, _ := IndexMemoryOf(p.index, rows, dim, vt)
		return b
	}
	tied := []string{configs[0]}
	for _, k := range configs[1:] {
		if ok, _ := tiedWith(best[k], fastest, band); ok {
			tied = append(tied, k)
		}
	}
	if len(tied) == 1 {
		return configs, nil, ""
	}
	order := slices.Clone(tied)
	slices.SortStableFunc(order, func(x, y string) int {
		a, b := best[x], best[y]
		ma, mb := mem(a), mem(b)
		if math.Abs(ma-mb) > 0.05*math.Max(ma, mb) {
			return cmp.Compare(ma, mb)
		}
		if a.nq != b.nq {
			return cmp.Compare(a.nq, b.nq)
		}
		return cmp.Compare(ma, mb)
	})
	pick := order[0]
	out := []string{pick}
	for _, k := range configs {
		if k != pick {
			out = append(out, k)
		}
	}
	var note string
	if pick != configs[0] {
		p := best[pick]
		m1, m2 := mem(p), mem(fastest)
		var why string
		switch {
		case math.Abs(m1-m2) > 0.05*math.Max(m1, m2):
			why = fmt.Sprintf("it needs less memory (%s against %s for %s rows)", Bytes(m1), Bytes(m2), Count(float64(rows)))
		case p.nq < fastest.nq:
			why = fmt.Sprintf("it sends smaller requests (nq=%d, p99 %.3f ms against %.3f ms)", p.nq, p.p99, fastest.p99)
		case m1 < m2:
			why = fmt.Sprintf("of equivalent configs it needs the least memory (%s less, of %s for %s rows), a fixed rule so that repeated runs give the same answer", Bytes(m2-m1), Bytes(m2), Count(float64(rows)))
		default:
			why = "of equivalent configs it comes first by memory, then batch size, a fixed rule so that repeated runs give the same answer"
		}
		_, how := tiedWith(p, fastest, band)
		note = fmt.Sprintf("%s measured the most queries/s (%s), but the measurements do not separate it from %s (%s; %s): %s is recommended because %s.",
			fastest.config(), Count(fastest.queries), p.config(), Count(p.queries), how, p.config(), why)
	}
	return out, order[1:], note
}

// doesLessWork reports whether a and b share index build, batch size and
// shape, every search parameter of a is at most b's, and one is smaller.
func doesLessWork(a, b *point) bool {
	if a.shape != b.shape || a.nq != b.nq || a.index.String() != b.index.String() || len(a.search) != len(b.search) {
		return false
	}
	smaller := false
	for k := range b.search {
		av, ok := a.search[k]
		if !ok {
			return false
		}
		x, y := a.search.Int(k, 0), b.search.Int(k, 0)
		if x > y || (x == y && av != b.search[k]) {
			return false
		}
		smaller = smaller || x < y
	}
	return smaller
}
