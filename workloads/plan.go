package workloads

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// IndexConfig is one index to build: a type and a point of its build sweep.
type IndexConfig struct {
	Type  string `json:"type"`
	Build Params `json:"build"`
	// Field is the field the index is on, set for collections with
	// sparse or text fields ("" in a single dense vector workload).
	Field string `json:"field,omitempty"`
	// VectorType, when set, is the type the vectors this index is built
	// over are stored as (an index entry's vector_type), not the dataset's.
	VectorType string `json:"vector_type,omitempty"`
}

// String renders the config as TYPE(k=v,...) with keys sorted, after
// "field:" when Field is set, and with vector_type=T among the keys when
// VectorType is set.
func (c IndexConfig) String() string {
	b := c.Build
	if c.VectorType != "" {
		b = b.Clone()
		b["vector_type"] = c.VectorType
	}
	if c.Field != "" {
		return c.Field + ":" + c.Type + FormatParams(b)
	}
	return c.Type + FormatParams(b)
}

// SearchPoint is one plan point against a built index: the request shape
// and the load level. Which level fields are set depends on the load model:
// Concurrency (closed; mixed without rate), Rate (open; mixed with rate;
// 0 for capacity, which searches for it), InsertRate and InsertBatch
// (mixed), InsertBatch and InsertConcurrency (ingest).
type SearchPoint struct {
	Params      Params `json:"params"`
	TopK        int    `json:"topk"`
	NQ          int    `json:"nq"`
	Concurrency int    `json:"concurrency,omitempty"`
	// Selectivity is the share of rows the search filter passes (1: none).
	Selectivity       float64 `json:"selectivity"`
	Rate              float64 `json:"rate,omitempty"`
	InsertRate        float64 `json:"insert_rate,omitempty"`
	InsertBatch       int     `json:"insert_batch,omitempty"`
	InsertConcurrency int     `json:"insert_concurrency,omitempty"`
	// Repeat numbers the repetitions of a point (1..load.repeat).
	Repeat int `json:"repeat"`
	// Kind, Field and Hybrid are set in workloads with sparse or text
	// fields: the search kind, the field a single-field kind searches
	// (Params are for its index) and a hybrid point's sub-requests (the
	// swept index's Params are in its field's sub-request).
	Kind   string       `json:"kind,omitempty"`
	Field  string       `json:"field,omitempty"`
	Hybrid *HybridPoint `json:"hybrid,omitempty"`
	// Range and Group are a range or group point's parameters.
	Range *RangePoint `json:"range,omitempty"`
	Group *GroupPoint `json:"group,omitempty"`
	// Iterator is an iterator point's batch size and limit.
	Iterator *IteratorPoint `json:"iterator,omitempty"`
	// Filter names the point's search.filters filter (a FilterPoint; ""
	// none).
	Filter string `json:"filter,omitempty"`
}

// SearchKind is the point's kind ("" reads as ann).
func (p SearchPoint) SearchKind() string {
	if p.Kind == "" {
		return KindANN
	}
	return p.Kind
}

// Level describes the point's load level in words, e.g. "c=4", "rate=1000/s".
func (p SearchPoint) Level() string { return strings.Join(p.LevelParts(), " ") }

// LevelParts are the parts of Level: "c=4", "rate=1000/s", "insert=500
// rows/s", "batch=100", "inserters=2", "repeat=3", those that are set.
func (p SearchPoint) LevelParts() []string {
	var parts []string
	if p.Concurrency > 0 {
		parts = append(parts, fmt.Sprintf("c=%d", p.Concurrency))
	}
	if p.Rate > 0 {
		parts = append(parts, fmt.Sprintf("rate=%g/s", p.Rate))
	}
	if p.InsertRate > 0 {
		parts = append(parts, fmt.Sprintf("insert=%g rows/s", p.InsertRate))
	}
	if p.InsertBatch > 0 {
		parts = append(parts, fmt.Sprintf("batch=%d", p.InsertBatch))
	}
	if p.InsertConcurrency > 0 {
		parts = append(parts, fmt.Sprintf("inserters=%d", p.InsertConcurrency))
	}
	if p.Repeat > 1 {
		parts = append(parts, fmt.Sprintf("repeat=%d", p.Repeat))
	}
	return parts
}

// Build is an index configuration and every search point run against it.
type Build struct {
	Index IndexConfig `json:"index"`
	// Fixed are the indexes of the collection's other vector fields,
	// built with Index (each field must be indexed before a load).
	Fixed  []IndexConfig `json:"fixed,omitempty"`
	Points []SearchPoint `json:"points"`
	// Layout is the tenancy layout the build is measured in ("" without
	// tenancy); builds of one layout are consecutive.
	Layout string `json:"layout,omitempty"`
	// Scalar are the payload fields' scalar indexes built with Index
	// (field → type, "" none; nil without any).
	Scalar map[string]string `json:"scalar,omitempty"`
}

// Indexes returns every index of the build: Fixed, then Index.
func (b Build) Indexes() []IndexConfig {
	return append(append([]IndexConfig(nil), b.Fixed...), b.Index)
}

// Plan is the ordered list of work a Spec expands to: one build per index
// configuration, then every search point against that build.
type Plan struct {
	Spec   *Spec   `json:"spec"`
	Builds []Build `json:"builds"`
}

// NewPlan expands the sweeps of a validated Spec: with tenancy, every
// build once per layout, the layouts in turn.
func NewPlan(s *Spec) *Plan {
	p := newPlan(s)
	if choices := s.ScalarChoices(); len(choices) > 1 || len(choices[0]) > 0 {
		builds := p.Builds
		p.Builds = nil
		for _, b := range builds {
			for _, c := range choices {
				b.Scalar = c
				p.Builds = append(p.Builds, b)
			}
		}
	}
	if s.Tenancy == nil {
		return p
	}
	builds := p.Builds
	p.Builds = nil
	for _, l := range s.Tenancy.Layouts {
		for _, b := range builds {
			b.Layout = l
			p.Builds = append(p.Builds, b)
		}
	}
	return p
}

func newPlan(s *Spec) *Plan {
	p := &Plan{Spec: s}
	for _, ix := range s.Indexes {
		defaults := buildDefaults(ix.Type)
		if s.Dataset.Source == SourceCollection {
			defaults = Params{} // the collection's index, as it is
		}
		multi := s.MultiField()
		if multi {
			f, _ := s.Field(s.IndexField(ix))
			defaults = fieldBuildDefaults(ix.Type, f.Type)
		}
		for _, b := range expand(ix.Build, defaults) {
			build := Build{Index: IndexConfig{Type: ix.Type, Build: b, VectorType: ix.VectorType}}
			if multi {
				build = multiFieldBuild(s, ix, b)
				p.Builds = append(p.Builds, build)
				continue
			}
			if s.Load.Model == LoadIngest {
				// Ingest measures inserts; searches only time how soon the
				// last row is found, with the first search point.
				sp := SearchPoint{Params: expand(ix.Search, searchDefaults(ix.Type, s.Search.TopK[0]))[0],
					TopK: s.Search.TopK[0], NQ: 1, Selectivity: 1}
				build.Points = repeatPoints(levels(s.Load, sp), s.Load.Repeat)
				p.Builds = append(p.Builds, build)
				continue
			}
			for _, topk := range s.Search.TopK {
				for _, sp := range expand(ix.Search, searchDefaults(ix.Type, topk)) {
					for _, sel := range s.Search.Selectivity {
						if !s.HasANN() {
							break // range and group alone
						}
						for _, filter := range s.filterNames() {
							for _, nq := range s.Search.NQ {
								pt := SearchPoint{Params: sp, TopK: topk, NQ: nq, Selectivity: sel, Filter: filter}
								build.Points = append(build.Points, repeatPoints(levels(s.Load, pt), s.Load.Repeat)...)
							}
						}
					}
					for _, nq := range s.Search.NQ {
						build.Points = append(build.Points, rangeGroupPoints(s, sp, topk, nq)...)
					}
					if topk == s.Search.TopK[0] {
						build.Points = append(build.Points, iteratorPoints(s, sp)...)
					}
				}
			}
			p.Builds = append(p.Builds, build)
		}
	}
	return p
}

// levels expands one request shape over the load model's levels.
func levels(l LoadSpec, pt SearchPoint) []SearchPoint {
	var out []SearchPoint
	switch l.Model {
	case LoadOpen:
		for _, r := range l.Rate {
			q := pt
			q.Rate = r
			out = append(out, q)
		}
	case LoadCapacity:
		out = append(out, pt)
	case LoadMixed:
		var search []SearchPoint
		for _, r := range l.Rate {
			q := pt
			q.Rate = r
			search = append(search, q)
		}
		for _, c := range l.Concurrency {
			q := pt
			q.Concurrency = c
			search = append(search, q)
		}
		for _, q := range search {
			for _, ir := range l.InsertRate {
				for _, ib := range l.InsertBatch {
					q.InsertRate, q.InsertBatch = ir, ib
					out = append(out, q)
				}
			}
		}
	case LoadIngest:
		for _, ib := range l.InsertBatch {
			for _, ic := range l.InsertConcurrency {
				q := pt
				q.InsertBatch, q.InsertConcurrency = ib, ic
				out = append(out, q)
			}
		}
	default: // closed
		for _, c := range l.Concurrency {
			q := pt
			q.Concurrency = c
			out = append(out, q)
		}
	}
	return out
}

// repeatPoints returns each point n times in a row, numbered 1..n.
func repeatPoints(pts []SearchPoint, n int) []SearchPoint {
	out := make([]SearchPoint, 0, len(pts)*n)
	for _, pt := range pts {
		for r := 1; r <= n; r++ {
			pt.Repeat = r
			out = append(out, pt)
		}
	}
	return out
}

// PreloadRows converts dataset.preload (0: all, ≤ 1: a share, > 1: a
// count) into a row count of a base set of size rows.
func PreloadRows(preload float64, size int) int {
	switch {
	case preload <= 0:
		return size
	case preload <= 1:
		return int(preload * float64(size))
	}
	return min(int(preload), size)
}

// IngestRowBudget is the most rows one ingest trial inserts: the rows
// beyond the preload, shared evenly by the plan's trials (each trial
// inserts new rows, ids are never reused). A trial inserts for
// load.duration or until its budget is used, whichever comes first; its
// warm-up inserts come out of the same budget.
func (p *Plan) IngestRowBudget() int {
	ds := p.Spec.Dataset
	n := p.Trials()
	if p.Spec.Load.Model != LoadIngest || n == 0 {
		return 0
	}
	return (ds.Size - PreloadRows(ds.Preload, ds.Size)) / n
}

// Trials returns the number of measured trials.
func (p *Plan) Trials() int {
	n := 0
	for _, b := range p.Builds {
		n += len(b.Points)
	}
	return n
}

// MaxTopK returns the largest topk any trial asks for (ground truth depth).
func (p *Plan) MaxTopK() int {
	k := 0
	for _, t := range p.Spec.Search.TopK {
		k = max(k, t)
	}
	return k
}

// Selectivities returns the distinct filter selectivities of the plan, each
// needing its own ground truth.
func (p *Plan) Selectivities() []float64 {
	var out []float64
	for _, s := range p.Spec.Search.Selectivity {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// CapacityProbes estimates the probes a capacity search takes per point:
// the geometric ramp from start_rate to max_rate, plus the bisection steps
// to the precision. The ramp usually stops early, at the knee.
func (p *Plan) CapacityProbes() int {
	l := p.Spec.Load
	if l.Model != LoadCapacity {
		return 1
	}
	ramp := int(math.Ceil(math.Log(l.MaxRate/l.StartRate)/math.Log(l.RampFactor))) + 1
	bisect := int(math.Ceil(math.Log2(math.Log(l.RampFactor) / math.Log1p(l.Precision))))
	return ramp + max(bisect, 0)
}

// MeasureTime is the time spent in warm-up and measured windows alone (at
// most, for capacity searches); insert and build time come on top and
// depend on the target.
func (p *Plan) MeasureTime() time.Duration {
	return time.Duration(p.Trials()*p.CapacityProbes()) * (p.Spec.Load.Warmup.D() + p.Spec.Load.Duration.D())
}

// Summary is the human-readable plan `milvbench validate` prints.
func (p *Plan) Summary() string {
	var b strings.Builder
	s := p.Spec
	fmt.Fprintf(&b, "workload %s (%s)\n", s.Name, s.File)
	fmt.Fprintf(&b, "target:   %s\n", s.Target.Kind)
	ds := s.Dataset
	attached := ds.Source == SourceCollection
	_, dense := s.DenseField()
	switch {
	case !dense:
		fmt.Fprintf(&b, "dataset:  %d rows, %d queries, seed %d (no dense field)\n", ds.Size, ds.Queries, ds.Seed)
	case ds.Source == SourceSynthetic:
		fmt.Fprintf(&b, "dataset:  %s %s, %d × %d, %s, %d queries, seed %d\n", ds.Source, ds.Distribution, ds.Size, ds.Dim, ds.Metric, ds.Queries, ds.Seed)
	case attached:
		fmt.Fprintf(&b, "dataset:  existing collection %s, read-only: its rows, its index and its metric; %d queries\n", s.Target.Collection, ds.Queries)
	default:
		fmt.Fprintf(&b, "dataset:  %s files, %d × %d, %s, %d queries\n", ds.Source, ds.Size, ds.Dim, ds.Metric, ds.Queries)
	}
	if s.MultiField() {
		var fs []string
		for _, f := range s.CollectionFields() {
			d := f.Name + " (" + f.Type
			if f.Data != nil {
				d += ", " + f.Data.Source
			}
			fs = append(fs, d+")")
		}
		fmt.Fprintf(&b, "fields:   %s\n", strings.Join(fs, ", "))
		fmt.Fprintf(&b, "search:   %s\n", strings.Join(s.SearchKinds(), ", "))
	}
	insert, rows := p.stages()
	builds := Count(len(p.Builds), "index build", "index builds")
	if attached {
		insert, builds = "no insert", "no index build (the collection's own index)"
	}
	fmt.Fprintf(&b, "stages:   %s, %s, %s\n", insert, builds, Count(p.Trials(), "measured trial", "measured trials"))
	for _, bd := range p.Builds {
		fmt.Fprintf(&b, "  build %-40s %d trials\n", bd.Index, len(bd.Points))
	}
	if rows != "" {
		fmt.Fprintf(&b, "rows:     %s\n", rows)
	}
	fmt.Fprintf(&b, "load:     %s\n", p.LoadSummary())
	rp := p.Rows()
	rest := fmt.Sprintf("plus the time to insert %d rows and make %s%s", rp.Preload, Count(len(p.Builds), "index build", "index builds"), rp.buildRows())
	switch {
	case attached:
		rest = "plus reading the collection's rows once for ground truth (cached)"
	case rp.Size == 0:
		rest = "plus insert and index build time"
	}
	est := "%s of warm-up and measurement, %s\n"
	if s.Load.Model == LoadCapacity {
		est = "at most %s of warm-up and measurement (probes stop at the knee), %s\n"
	}
	fmt.Fprintf(&b, "estimate: "+est, p.MeasureTime(), rest)
	return b.String()
}

// LoadSummary describes the load model and its levels in one line.
func (p *Plan) LoadSummary() string {
	l := p.Spec.Load
	per := fmt.Sprintf("warm-up %s + measure %s per trial", l.Warmup, l.Duration)
	if l.Repeat > 1 {
		per += fmt.Sprintf(", each trial %d times", l.Repeat)
	}
	search := fmt.Sprintf("closed loop, concurrency %v", l.Concurrency)
	if l.ThinkTime > 0 {
		search += fmt.Sprintf(", think time %s", l.ThinkTime)
	}
	if l.OpenSearch() && l.Model != LoadCapacity {
		search = fmt.Sprintf("open loop, %s arrivals at %v requests/s (≤ %d in flight)", l.Arrivals, l.Rate, l.MaxInFlight)
	}
	switch l.Model {
	case LoadCapacity:
		return fmt.Sprintf("capacity search: open loop (%s arrivals) from %g requests/s ×%g up to %g, then bisection to %g%%; ≤ %d probes per point; %s",
			l.Arrivals, l.StartRate, l.RampFactor, l.MaxRate, 100*l.Precision, p.CapacityProbes(), per)
	case LoadMixed:
		writes := ""
		if l.DeleteRate > 0 {
			writes += fmt.Sprintf(", deletes at %g rows/s", l.DeleteRate)
		}
		if l.UpsertRate > 0 {
			writes += fmt.Sprintf(", upserts at %g rows/s", l.UpsertRate)
		}
		return fmt.Sprintf("mixed: search %s, with inserts at %v rows/s in batches of %v%s; %d recall checkpoints; %s",
			search, l.InsertRate, l.InsertBatch, writes, l.Checkpoints, per)
	case LoadIngest:
		return fmt.Sprintf("ingest: insert batches of %v rows with %v inserters, each trial until %d rows (its share of the rows beyond the preload) or the duration; %s",
			l.InsertBatch, l.InsertConcurrency, p.IngestRowBudget(), per)
	}
	return search + "; " + per
}

// FormatParams renders params as (k=v,...) with keys sorted; "" when empty.
func FormatParams(p Params) string {
	if len(p) == 0 {
		return ""
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%v", k, p[k])
	}
	return "(" + strings.Join(parts, ",") + ")"
}
