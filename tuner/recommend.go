// Package tuner turns measurements into decisions: Pareto frontiers, the
// recall-targeted parameter search behind `milvbench tune`, and the
// recommendation (index, search parameters, batch size, memory, Zilliz
// Cloud CUs, replicas and monthly cost). It is pure: results, goals and
// prices in, decisions out; it never reaches a target itself (the search
// drives the Session it is handed).
package tuner

import (
	"fmt"
	"math"
	"sort"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
	"gonum.org/v1/gonum/stat"
)

// Bases of a figure.
const (
	Measured = "measured"
	Assumed  = "assumed"
)

// Figure is one number of a recommendation with what it rests on: measured
// by this run, or assumed (from a published table, a formula, a price
// list or an extrapolation), and the source.
type Figure struct {
	Value  float64 `json:"value"`
	Unit   string  `json:"unit,omitempty"`
	Basis  string  `json:"basis"`
	Source string  `json:"source"`
}

func measured(v float64, unit, source string) Figure {
	return Figure{Value: v, Unit: unit, Basis: Measured, Source: source}
}

func assumed(v float64, unit, source string) Figure {
	return Figure{Value: v, Unit: unit, Basis: Assumed, Source: source}
}

// Label is "measured" or "assumed (source)".
func (f Figure) Label() string {
	if f.Basis == Measured {
		return Measured
	}
	return fmt.Sprintf("assumed (%s)", f.Source)
}

// Recommendation is the answer to "what should I deploy": one Answer per
// request shape measured, with the frontiers and what the numbers rest on.
// recommendation.json is its JSON encoding.
type Recommendation struct {
	Workload string          `json:"workload"`
	Target   string          `json:"target"`
	Goals    workloads.Goals `json:"goals"`
	// Rows and Dim are the production size sized for.
	Rows    Figure      `json:"rows"`
	Dim     Figure      `json:"dim"`
	Pricing PricingInfo `json:"pricing"`
	// Measured is what the throughput figures scale from.
	Measured  string          `json:"measured_on"`
	Answers   []Answer        `json:"answers"`
	Frontiers []Frontier      `json:"frontiers"`
	Tune      *bench.TuneInfo `json:"tune,omitempty"`
	Notes     []string        `json:"notes,omitempty"`
}

// PricingInfo says which pricing table the costs come from.
type PricingInfo struct {
	Source   string `json:"source"`
	Date     string `json:"date"`
	Region   string `json:"region"`
	Currency string `json:"currency"`
	File     string `json:"file,omitempty"`
}

// Answer is the recommendation for one request shape.
type Answer struct {
	Shape Shape `json:"shape"`
	// Met is whether any measured config meets every goal.
	Met bool `json:"met"`
	// Summary is the answer in plain words.
	Summary string  `json:"summary"`
	Choice  *Choice `json:"choice,omitempty"`
	// RunnerUp is the next config when it is within goals.tie of the
	// choice's throughput: a tie as far as one measurement can tell.
	RunnerUp *Choice `json:"runner_up,omitempty"`
	// Alternatives are the best config of each other index type that
	// meets the goals, fastest first.
	Alternatives []Choice      `json:"alternatives,omitempty"`
	BatchSizes   []BatchOption `json:"batch_sizes,omitempty"`
	Memory       *Memory       `json:"memory,omitempty"`
	SelfHosted   *SelfHosted   `json:"self_hosted,omitempty"`
	Cloud        []CloudOption `json:"cloud,omitempty"`
	CloudPick    int           `json:"cloud_pick"`
	Rule         *RuleCheck    `json:"rule_of_thumb,omitempty"`
	Failure      *Failure      `json:"failure,omitempty"`
	Points       int           `json:"points"`
	Trials       int           `json:"trials"`
}

// Choice is a deployable config and how it measured at its best load
// level meeting the goals.
type Choice struct {
	Index  workloads.IndexConfig `json:"index"`
	Search workloads.Params      `json:"search"`
	NQ     int                   `json:"nq"`
	// Request is a hybrid choice's sub-requests and ranker (absent for
	// other kinds).
	Request string `json:"request,omitempty"`
	// Level is the load level of the numbers below (c=4, rate=500/s).
	Level    string `json:"level"`
	TrialIDs []int  `json:"trials"`
	Recall   Figure `json:"recall"`
	// QPS is requests/s; QueriesPerS = QPS × nq is what the throughput
	// goal and the sizing use.
	QPS         Figure `json:"qps"`
	QueriesPerS Figure `json:"queries_per_s"`
	P99         Figure `json:"p99_ms"`
	P95         Figure `json:"p95_ms"`
}

// Name renders the config: TYPE(build) search nq=N.
func (c Choice) Name() string { return configName(c.Index, c.Search, c.Request, c.NQ) }

// BatchOption is how the chosen index and search params did at one
// request batch size.
type BatchOption struct {
	NQ          int     `json:"nq"`
	Level       string  `json:"level"`
	QueriesPerS float64 `json:"queries_per_s"`
	P99         float64 `json:"p99_ms"`
	Meets       bool    `json:"meets_goals"`
}

// Memory is the loaded size of the chosen index at production size.
type Memory struct {
	Formula string `json:"formula"`
	// Estimate is the formula's size; WithHeadroom × LoadHeadroom.
	Estimate     Figure `json:"estimate_bytes"`
	WithHeadroom Figure `json:"with_headroom_bytes"`
	// Measured is the target's own report, scaled to production rows.
	Measured *Figure `json:"measured_bytes,omitempty"`
}

// SelfHosted sizes a self-hosted deployment: memory and cores.
type SelfHosted struct {
	MemoryBytes Figure  `json:"memory_bytes"`
	QPSPerCore  *Figure `json:"queries_per_s_per_core,omitempty"`
	Cores       *Figure `json:"cores,omitempty"`
}

// CloudOption is a Zilliz Cloud dedicated cluster of one CU type sized
// for the production rows and throughput goal.
type CloudOption struct {
	CUType string `json:"cu_type"`
	Layout
	CapacityCUs   Figure `json:"capacity_cus"`
	ThroughputCUs Figure `json:"throughput_cus"`
	QPSPerCU      Figure `json:"queries_per_s_per_cu"`
	PricePerCU    Figure `json:"price_per_cu_hour"`
	Monthly       Figure `json:"monthly_cost"`
	PerMillion    Figure `json:"cost_per_million_queries"`
	// BusinessCritical is the monthly cost of the same layout on the
	// Business Critical plan, when the pricing table prices it.
	BusinessCritical *Figure `json:"business_critical_monthly,omitempty"`
	// Sensitivity re-sizes the cluster with QPSPerCU off by ±30%
	// (SensitivityFactors), when there is a throughput goal.
	Sensitivity []Sensitivity `json:"sensitivity,omitempty"`
	// Eligible says whether the option can carry the latency goal: the
	// measured CU type, the fastest type, or a type whose published
	// latency class is within the p99 goal. Why explains a no.
	Eligible bool   `json:"eligible"`
	Why      string `json:"why,omitempty"`
}

// Sensitivity is a cluster sized with the queries/s per CU scaled by
// Factor (0.7: the assumption 30% too high).
type Sensitivity struct {
	Factor   float64 `json:"factor"`
	QPSPerCU float64 `json:"queries_per_s_per_cu"`
	Layout
	Monthly float64 `json:"monthly_cost"`
}

// RuleCheck sets the rule-of-thumb choice beside the measured one.
type RuleCheck struct {
	Rule   workloads.IndexConfig `json:"rule"`
	Reason string                `json:"reason"`
	// Agrees is whether the measured recommendation is the rule's type
	// with parameters within a factor of two of the rule's.
	Agrees  bool   `json:"agrees"`
	Verdict string `json:"verdict"`
}

// Failure says, when no config meets the goals, which goal failed, by how
// much, and what to relax.
type Failure struct {
	Misses []GoalMiss `json:"misses"`
	Relax  []string   `json:"relax"`
}

// GoalMiss is one goal no config met: the best value measured (Best, by
// Config; Of says among which points) and how far it is from the goal.
type GoalMiss struct {
	Goal   string  `json:"goal"`
	Want   float64 `json:"want"`
	Best   float64 `json:"best"`
	Unit   string  `json:"unit,omitempty"`
	By     string  `json:"by"`
	Of     string  `json:"of"`
	Config string  `json:"best_config"`
}

// Inputs are what a recommendation is computed from besides the trials.
type Inputs struct {
	Goals   workloads.Goals
	Pricing workloads.Pricing
	Cluster workloads.ClusterSpec
}

// InputsOf reads the goals, pricing (the default table with the
// workload's section over it) and measured cluster (as resolved before the
// run, else as the workload gave it) recorded in res.
func InputsOf(res *bench.Result) (Inputs, error) {
	var in Inputs
	var over *workloads.Pricing
	if res.Workload != nil {
		in.Goals, in.Cluster, over = res.Workload.Goals, res.Workload.Cluster, res.Workload.Pricing
	}
	if res.Cluster != nil {
		in.Cluster = *res.Cluster
	}
	p, err := EffectivePricing(over)
	in.Pricing = p
	return in, err
}

// Recommend computes the recommendation for res under in.
func Recommend(res *bench.Result, in Inputs) (*Recommendation, error) {
	g := in.Goals
	rec := &Recommendation{
		Target: res.Provenance.Target.Kind, Goals: g, Tune: res.Tune,
		Pricing: PricingInfo{Source: in.Pricing.Source, Date: in.Pricing.Date, Region: in.Pricing.Region,
			Currency: in.Pricing.Currency, File: in.Pricing.File},
	}
	if res.Workload != nil {
		rec.Workload = res.Workload.Name
	}
	ds := res.Dataset
	rec.Rows = measured(float64(ds.Size), "rows", "the dataset's size")
	if g.Rows > 0 {
		rec.Rows = assumed(float64(g.Rows), "rows", "goals.rows")
	}
	if g.Growth > 0 {
		rows := rec.Rows.Value + float64(g.Growth)*float64(g.GrowthMonths)
		rec.Rows = assumed(rows, "rows", fmt.Sprintf("%s + goals.growth %d rows/month × %d months", rec.Rows.Source, g.Growth, g.GrowthMonths))
	}
	rec.Dim = measured(float64(ds.Dim), "", "the dataset's dim")
	if g.Dim > 0 && g.Dim != ds.Dim {
		rec.Dim = assumed(float64(g.Dim), "", "goals.dim")
		rec.Notes = append(rec.Notes, fmt.Sprintf("Measured at dim %d, sized for dim %d: latency and throughput grow with dim, so re-measure at the production dim before relying on the throughput figures.", ds.Dim, g.Dim))
	}
	if ds.Size > 0 && rec.Rows.Value > 2*float64(ds.Size) {
		rec.Notes = append(rec.Notes, fmt.Sprintf("Measured on %s rows, sized for %s: recall and latency at a given search setting change with the row count (most for FLAT and IVF), so confirm the choice at production scale.", Count(float64(ds.Size)), Count(rec.Rows.Value)))
	}
	m := measuredOn(res, in.Cluster)
	rec.Measured = m.describe
	points := aggregate(res.Trials)
	var shapes []Shape
	byShape := map[Shape][]*point{}
	for _, p := range points {
		if _, ok := byShape[p.shape]; !ok {
			shapes = append(shapes, p.shape)
		}
		byShape[p.shape] = append(byShape[p.shape], p)
	}
	frontierPts := map[Shape][]FrontierPoint{}
	for _, sh := range shapes {
		for _, p := range byShape[sh] {
			frontierPts[sh] = append(frontierPts[sh], FrontierPoint{
				Label: fmt.Sprintf("%s %s", p.config(), p.level), IndexType: p.index.Type, TrialIDs: p.trialIDs,
				Recall: p.recall, QPS: p.queries, P99: p.p99,
			})
		}
		a, err := answer(sh, byShape[sh], rec, in, m)
		if err != nil {
			return nil, err
		}
		rec.Answers = append(rec.Answers, a)
	}
	rec.Frontiers = Frontiers(frontierPts, shapes)
	if !g.Set() {
		rec.Notes = append(rec.Notes, "No goals were set: set goals.recall and goals.p99 (and goals.qps for sizing) in the workload, or pass them to `milvbench recommend DIR --goals FILE`.")
	}
	rec.Notes = append(rec.Notes, pricingNotes(rec, in.Pricing)...)
	rec.Notes = append(rec.Notes, "Zilliz Cloud Serverless bills per vCU of data read and written rather than per CU, so it is not priced here; consider it for small or spiky workloads.")
	return rec, nil
}

// denseOnly reports whether every point is a dense ann request on a
// dense index, the case the rule of thumb and the sizing model describe.
func denseOnly(pts []*point) bool {
	for _, p := range pts {
		if p.request != "" || p.index.Type == workloads.IndexSparseInverted {
			return false
		}
	}
	return true
}

// answer builds the recommendation for one shape.
func answer(sh Shape, pts []*point, rec *Recommendation, in Inputs, m measuredTarget) (Answer, error) {
	g := in.Goals
	a := Answer{Shape: sh, Points: len(pts), CloudPick: -1}
	for _, p := range pts {
		a.Trials += len(p.trialIDs)
	}
	// The best passing level of every config, fastest config first.
	best := map[string]*point{}
	var configs []string
	for _, p := range pts {
		if !meets(p, g) {
			continue
		}
		k := p.config()
		if b, ok := best[k]; !ok || p.queries > b.queries {
			if !ok {
				configs = append(configs, k)
			}
			best[k] = p
		}
	}
	sort.SliceStable(configs, func(i, j int) bool { return better(best[configs[i]], best[configs[j]], g) })
	if g.Recall > 0 {
		var notes []string
		configs, notes = leastWork(configs, best)
		rec.Notes = append(rec.Notes, notes...)
	}
	rows, dim := int64(rec.Rows.Value), int(rec.Dim.Value)
	if len(configs) == 0 {
		a.Failure = failure(pts, g)
		if denseOnly(pts) {
			a.Rule = ruleCheck(nil, pts, rows, dim, m.vectorType, g, best)
		}
		a.Summary = failureSummary(sh, a.Failure)
		return a, nil
	}
	a.Met = true
	var ties []string
	var tieNote string
	if g.Recall > 0 { // with the accuracy fixed by the goal, throughput decides, and its ties
		configs, ties, tieNote = breakTies(configs, best, rows, dim, m.vectorType, g.TieBand())
	}
	if tieNote != "" {
		rec.Notes = append(rec.Notes, sh.String()+": "+tieNote)
	}
	top := best[configs[0]]
	if top.concurrency > 0 && top.rate == 0 {
		rec.Notes = append(rec.Notes, fmt.Sprintf("%s: the throughput is what %d closed-loop client%s achieved, not the most the target can serve; an open-loop or capacity run measures that.", sh, top.concurrency, plural(top.concurrency)))
	}
	c := choiceOf(top)
	a.Choice = &c
	if len(ties) > 0 {
		second := best[ties[0]]
		r := choiceOf(second)
		a.RunnerUp = &r
		if tieNote == "" {
			advice := "Set load.repeat to 3 or more to tell them apart (a t-test over the repeats decides)."
			if len(top.samples) >= 2 {
				advice = "More repeats (load.repeat) or longer trials may tell them apart; either meets the goals."
			}
			_, how := tiedWith(second, top, g.TieBand())
			rec.Notes = append(rec.Notes, fmt.Sprintf("%s: %s (%s queries/s) is as fast as the recommendation (%s queries/s) as far as the measurements tell (%s). %s",
				sh, second.config(), Count(second.queries), Count(top.queries), how, advice))
		}
	}
	seen := map[string]bool{top.index.Type: true}
	for _, k := range configs[1:] {
		if b := best[k]; !seen[b.index.Type] {
			seen[b.index.Type] = true
			a.Alternatives = append(a.Alternatives, choiceOf(b))
		}
	}
	a.BatchSizes = batchOptions(pts, top, g)
	if rows > 0 && dim > 0 {
		a.Memory = memoryOf(top, rows, dim, m.vectorType, m.testRows)
		a.SelfHosted = selfHosted(pts, top, g, m, a.Memory)
		cloud, pick, err := cloudOptions(top, in, m, rows, dim)
		if err != nil {
			return a, err
		}
		a.Cloud, a.CloudPick = cloud, pick
	}
	if denseOnly(pts) {
		a.Rule = ruleCheck(top, pts, rows, dim, m.vectorType, g, best)
	} else if a.Memory != nil {
		rec.Notes = append(rec.Notes, sh.String()+": memory and CU sizing count the dense vectors and their index only; the sparse and text fields' indexes are not in the sizing model (the trials' index_memory_bytes holds what the target measured).")
	}
	a.Summary = summary(sh, &a, g, m, rec.Pricing.Currency)
	return a, nil
}

func choiceOf(p *point) Choice {
	src := fmt.Sprintf("trial %s at %s", ids(p.trialIDs), p.level)
	if len(p.trialIDs) > 1 {
		src = fmt.Sprintf("median of trials %s at %s", ids(p.trialIDs), p.level)
	}
	return Choice{
		Index: p.index, Search: p.search, NQ: p.nq, Request: p.request, Level: p.level, TrialIDs: p.trialIDs,
		Recall:      measured(p.recall, "", src),
		QPS:         measured(p.qps, "requests/s", src),
		QueriesPerS: measured(p.queries, "queries/s", src),
		P99:         measured(p.p99, "ms", src),
		P95:         measured(p.p95, "ms", src),
	}
}

func ids(xs []int) string {
	s := ""
	for i, x := range xs {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprint(x)
	}
	return s
}

// batchOptions lists, per nq, how the chosen index and search params did
// at their best level (meeting the goals where any level did).
func batchOptions(pts []*point, top *point, g workloads.Goals) []BatchOption {
	byNQ := map[int]*point{}
	for _, p := range pts {
		if p.index.String() != top.index.String() || workloads.FormatParams(p.search) != workloads.FormatParams(top.search) {
			continue
		}
		b, ok := byNQ[p.nq]
		pm, bm := meets(p, g), ok && meets(b, g)
		if !ok || (pm && !bm) || (pm == bm && p.queries > b.queries) {
			byNQ[p.nq] = p
		}
	}
	var out []BatchOption
	for nq, p := range byNQ {
		out = append(out, BatchOption{NQ: nq, Level: p.level, QueriesPerS: p.queries, P99: p.p99, Meets: meets(p, g)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].NQ < out[j].NQ })
	if len(out) < 2 {
		return nil
	}
	return out
}

// memoryOf estimates the chosen index's loaded memory at production size
// from the sizing formula and, where the target reported it, from the
// measured size scaled linearly from the tested rows.
func memoryOf(top *point, rows int64, dim int, vt string, testRows int) *Memory {
	est, formula := IndexMemoryOf(top.index, rows, dim, vt)
	src := "Milvus sizing formula " + formula
	mem := &Memory{
		Formula:      formula,
		Estimate:     assumed(est, "bytes", src),
		WithHeadroom: assumed(est*LoadHeadroom, "bytes", fmt.Sprintf("%s × %.2f loading headroom", src, LoadHeadroom)),
	}
	if top.indexBytes > 0 && testRows > 0 {
		f := measured(float64(top.indexBytes), "bytes", "reported by the target after the build")
		if rows != int64(testRows) {
			f = assumed(float64(top.indexBytes)*float64(rows)/float64(testRows), "bytes",
				fmt.Sprintf("measured %s at %s rows, scaled linearly to %s rows", Bytes(float64(top.indexBytes)), Count(float64(testRows)), Count(float64(rows))))
		}
		mem.Measured = &f
	}
	return mem
}

// summary is the answer in plain words.
func summary(sh Shape, a *Answer, g workloads.Goals, m measuredTarget, currency string) string {
	c := a.Choice
	s := fmt.Sprintf("Deploy %s", c.Index.Type)
	if c.Index.Field != "" {
		s += " on field " + c.Index.Field
	}
	if len(c.Index.Build) > 0 {
		s += " built with " + paramWords(c.Index.Build)
	}
	if len(c.Search) > 0 {
		s += ", search with " + paramWords(c.Search)
	}
	if c.Request != "" {
		s += ", sent as " + c.Request
	}
	s += fmt.Sprintf(", in requests of nq=%d", c.NQ)
	var met []string
	if g.RecallP5 > 0 {
		met = append(met, fmt.Sprintf("per-query recall p5 ≥ %g", g.RecallP5))
	}
	if g.Recall > 0 {
		met = append(met, fmt.Sprintf("recall ≥ %g (measured %.3f)", g.Recall, c.Recall.Value))
	}
	if g.P99 > 0 {
		met = append(met, fmt.Sprintf("p99 ≤ %s (measured %s)", g.P99, Millis(c.P99.Value)))
	}
	if g.P95 > 0 {
		met = append(met, fmt.Sprintf("p95 ≤ %s (measured %s)", g.P95, Millis(c.P95.Value)))
	}
	if len(met) > 0 {
		s += ": it meets " + joinAnd(met)
	} else {
		s += ": with no recall or latency goal, it is simply the fastest config measured"
	}
	s += fmt.Sprintf(" at %s queries/s on %s, for %s.", Count(c.QueriesPerS.Value), m.short, sh)
	if a.CloudPick >= 0 {
		o := a.Cloud[a.CloudPick]
		s += fmt.Sprintf(" On Zilliz Cloud: %s, about %s a month", o.layoutWords(), Money(o.Monthly.Value, currency))
		if g.QPS > 0 {
			s += fmt.Sprintf(" for %s queries/s", Count(g.QPS))
		}
		s += "."
		if w := o.SensitivityWords(currency); w != "" {
			s += " " + w
		}
	}
	if a.SelfHosted != nil && a.SelfHosted.Cores != nil {
		s += fmt.Sprintf(" Self-hosted: about %s and %s of memory for the index.", units(int(a.SelfHosted.Cores.Value), "core"), Bytes(a.SelfHosted.MemoryBytes.Value))
	}
	return s
}

// joinAnd joins words as "a, b and c".
func joinAnd(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	s := xs[0]
	for _, x := range xs[1 : len(xs)-1] {
		s += ", " + x
	}
	return s + " and " + xs[len(xs)-1]
}

func paramWords(p workloads.Params) string {
	var parts []string
	for _, k := range sortedKeys(p) {
		parts = append(parts, fmt.Sprintf("%s=%v", k, p[k]))
	}
	return joinAnd(parts)
}

func sortedKeys(p workloads.Params) []string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// fitThroughOrigin returns the least-squares slope of y against x through
// the origin (gonum stat.LinearRegression).
func fitThroughOrigin(x, y []float64) float64 {
	_, beta := stat.LinearRegression(x, y, nil, true)
	if math.IsNaN(beta) {
		return 0
	}
	return beta
}

// pricingNotes says, when the answer sized a Zilliz Cloud cluster, where
// Zilliz's pages disagree and which figure the sizing took, and whether
// the Business Critical plan could be priced.
func pricingNotes(rec *Recommendation, p workloads.Pricing) []string {
	sized := false
	for _, a := range rec.Answers {
		sized = sized || len(a.Cloud) > 0
	}
	if !sized {
		return nil
	}
	var out []string
	keys := p.ConflictsUnder("cu_types")
	keys = append(keys, p.ConflictsUnder("plans")...)
	for _, k := range keys {
		out = append(out, ConflictWords(p, k)+".")
	}
	if len(p.Plans[PlanBusinessCritical].CUHour) == 0 {
		out = append(out, "The Business Critical plan is not priced: no published price was found ("+p.SourceOf("plans.business_critical")+"); set pricing.plans.business_critical.cu_hour to price the same layouts on it.")
	}
	return out
}
