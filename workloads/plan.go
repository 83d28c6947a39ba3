package workloads

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// IndexConfig is one index to build: a type and a point of its build sweep.
type IndexConfig struct {
	Type  string `json:"type"`
	Build Params `json:"build"`
}

// String renders the config as TYPE(k=v,...) with keys sorted.
func (c IndexConfig) String() string {
	return c.Type + FormatParams(c.Build)
}

// SearchPoint is one measured trial against a built index.
type SearchPoint struct {
	Params      Params `json:"params"`
	TopK        int    `json:"topk"`
	NQ          int    `json:"nq"`
	Concurrency int    `json:"concurrency"`
	// Selectivity is the share of rows the search filter passes (1: none).
	Selectivity float64 `json:"selectivity"`
}

// Build is an index configuration and every search point run against it.
type Build struct {
	Index  IndexConfig   `json:"index"`
	Points []SearchPoint `json:"points"`
}

// Plan is the ordered list of work a Spec expands to: one build per index
// configuration, then every search point against that build.
type Plan struct {
	Spec   *Spec   `json:"spec"`
	Builds []Build `json:"builds"`
}

// NewPlan expands the sweeps of a validated Spec.
func NewPlan(s *Spec) *Plan {
	p := &Plan{Spec: s}
	for _, ix := range s.Indexes {
		for _, b := range expand(ix.Build, buildDefaults(ix.Type)) {
			build := Build{Index: IndexConfig{Type: ix.Type, Build: b}}
			for _, topk := range s.Search.TopK {
				for _, sp := range expand(ix.Search, searchDefaults(ix.Type, topk)) {
					for _, sel := range s.Search.Selectivity {
						for _, nq := range s.Search.NQ {
							for _, c := range s.Load.Concurrency {
								build.Points = append(build.Points, SearchPoint{Params: sp, TopK: topk, NQ: nq, Concurrency: c, Selectivity: sel})
							}
						}
					}
				}
			}
			p.Builds = append(p.Builds, build)
		}
	}
	return p
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

// MeasureTime is the time spent in warm-up and measured windows alone; insert
// and build time come on top and depend on the target.
func (p *Plan) MeasureTime() time.Duration {
	return time.Duration(p.Trials()) * (p.Spec.Load.Warmup.D() + p.Spec.Load.Duration.D())
}

// Summary is the human-readable plan `milvbench validate` prints.
func (p *Plan) Summary() string {
	var b strings.Builder
	s := p.Spec
	fmt.Fprintf(&b, "workload %s (%s)\n", s.Name, s.File)
	fmt.Fprintf(&b, "target:   %s\n", s.Target.Kind)
	ds := s.Dataset
	fmt.Fprintf(&b, "dataset:  %s %s, %d × %d, %s, %d queries, seed %d\n", ds.Source, ds.Distribution, ds.Size, ds.Dim, ds.Metric, ds.Queries, ds.Seed)
	fmt.Fprintf(&b, "stages:   1 insert (%d batches of ≤ %d), %d index builds, %d measured trials\n",
		(ds.Size+s.Insert.Batch-1)/s.Insert.Batch, s.Insert.Batch, len(p.Builds), p.Trials())
	for _, bd := range p.Builds {
		fmt.Fprintf(&b, "  build %-40s %d trials\n", bd.Index, len(bd.Points))
	}
	fmt.Fprintf(&b, "load:     %s loop, concurrency %v, warm-up %s + measure %s per trial\n", s.Load.Model, s.Load.Concurrency, s.Load.Warmup, s.Load.Duration)
	fmt.Fprintf(&b, "estimate: %s of warm-up and measurement, plus insert and index build time\n", p.MeasureTime())
	return b.String()
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
