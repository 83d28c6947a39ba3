package workloads

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// goalCUTypes are the Zilliz Cloud CU types goals.cu_types may name.
var goalCUTypes = []string{CUPerformance, CUCapacity, CUTiered}

// DefaultGrowthMonths is how far ahead goals.growth is sized when
// goals.growth_months is not given.
const DefaultGrowthMonths = 12

// DefaultTie is goals.tie when the workload does not set it: throughput
// within 15% counts as a tie.
const DefaultTie = 0.15

// TieBand is the goals' tie band: Tie, or DefaultTie when unset.
func (g Goals) TieBand() float64 {
	if g.Tie > 0 {
		return g.Tie
	}
	return DefaultTie
}

// Goal limits (docs/tuning.md, "Goals").
const (
	maxGoalQPS      = 1e9
	maxGoalRows     = 1_000_000_000_000
	maxGrowthMonths = 120
	maxGoalReplicas = 256
)

func (d *decoder) goals(g *Goals) fieldFunc {
	return func(n *yaml.Node, p string) error {
		return d.mapping(n, p, map[string]fieldFunc{
			"recall":        d.float(&g.Recall),
			"recall_p5":     d.float(&g.RecallP5),
			"p99":           d.duration(&g.P99),
			"p95":           d.duration(&g.P95),
			"qps":           d.float(&g.QPS),
			"rows":          d.count(&g.Rows),
			"dim":           d.integer(&g.Dim),
			"growth":        d.count(&g.Growth),
			"growth_months": d.integer(&g.GrowthMonths),
			"cu_types": listOf(d, &g.CUTypes, func(n *yaml.Node, p string) (string, error) {
				var s string
				err := d.oneOf(&s, goalCUTypes...)(n, p)
				return s, err
			}),
			"max_replicas": d.integer(&g.MaxReplicas),
			"tie":          d.float(&g.Tie),
			"build_level": func(n *yaml.Node, p string) error {
				var v int
				if err := d.integer(&v)(n, p); err != nil {
					return err
				}
				if v < 0 || v > 2 {
					return d.errf(n, p, "%d is not a Zilliz Cloud build_level (0 capacity-first, 1 balanced, 2 precision-first)", v)
				}
				g.BuildLevel = &v
				return nil
			},
		})
	}
}

// count decodes a whole number that may be large (rows), written with
// optional _ separators (20_000_000) or in exponent form (2e7).
func (d *decoder) count(dst *int64) fieldFunc {
	return func(n *yaml.Node, path string) error {
		s, err := d.scalar(n, path)
		if err != nil {
			return err
		}
		clean := strings.ReplaceAll(s, "_", "")
		if v, perr := strconv.ParseInt(clean, 10, 64); perr == nil {
			*dst = v
			return nil
		}
		f, perr := strconv.ParseFloat(clean, 64)
		if perr != nil || f != float64(int64(f)) || f > maxGoalRows*10 || f < -maxGoalRows*10 {
			return d.errf(n, path, "must be a whole number (e.g. 20000000, 20_000_000 or 2e7), got %q", s)
		}
		*dst = int64(f)
		return nil
	}
}

func applyGoalDefaults(g *Goals) {
	if g.Growth > 0 && g.GrowthMonths == 0 {
		g.GrowthMonths = DefaultGrowthMonths
	}
}

// validateGoals checks each goal's range; e is validate's error helper.
func validateGoals(g Goals, e func(field, format string, args ...any) error) error {
	switch {
	case g.Recall < 0 || g.Recall > 1:
		return e("goals.recall", "%g is out of range (allowed 0..1)", g.Recall)
	case g.RecallP5 < 0 || g.RecallP5 > 1:
		return e("goals.recall_p5", "%g is out of range (allowed 0..1)", g.RecallP5)
	case g.QPS < 0 || g.QPS > maxGoalQPS:
		return e("goals.qps", "%g is out of range (queries/s, 0..%g; 0 means no throughput goal)", g.QPS, float64(maxGoalQPS))
	case g.Rows < 0 || g.Rows > maxGoalRows:
		return e("goals.rows", "%d is out of range (0..%d; 0 means the dataset's size)", g.Rows, int64(maxGoalRows))
	case g.Dim != 0 && (g.Dim < 2 || g.Dim > 32768):
		return e("goals.dim", "%d is out of range (2..32768; 0 means the dataset's dim)", g.Dim)
	case g.Growth < 0 || g.Growth > maxGoalRows:
		return e("goals.growth", "%d is out of range (rows added per month, 0..%d)", g.Growth, int64(maxGoalRows))
	case g.GrowthMonths != 0 && g.Growth == 0:
		return e("goals.growth_months", "only applies with goals.growth (rows added per month)")
	case g.GrowthMonths < 0 || g.GrowthMonths > maxGrowthMonths:
		return e("goals.growth_months", "%d is out of range (allowed 1..%d)", g.GrowthMonths, maxGrowthMonths)
	case g.MaxReplicas < 0 || g.MaxReplicas > maxGoalReplicas:
		return e("goals.max_replicas", "%d is out of range (0..%d; 0 means the plan's limit)", g.MaxReplicas, maxGoalReplicas)
	case g.Tie < 0 || g.Tie >= 0.5:
		return e("goals.tie", "%g is out of range (a fraction of queries/s, 0..0.5, e.g. 0.2 for 20%%; 0 means the default %g)", g.Tie, DefaultTie)
	}
	for i, t := range g.CUTypes {
		for _, u := range g.CUTypes[:i] {
			if t == u {
				return e(fmt.Sprintf("goals.cu_types[%d]", i), "%q is listed twice", t)
			}
		}
	}
	return nil
}

// Overrides are goals and prices given apart from a workload, to
// recompute a recommendation from existing results (`milvbench recommend
// DIR --goals FILE`): Goals replace the workload's goals, Pricing is
// merged over its pricing.
type Overrides struct {
	Goals   *Goals
	Pricing *Pricing
}

// ParseOverrides decodes an overrides file: a mapping with `goals` and/or
// `pricing`, each as in a workload.
func ParseOverrides(file string, data []byte, env LookupEnv) (*Overrides, error) {
	doc, err := documentNode(file, data, "file is empty; give goals and/or pricing")
	if err != nil {
		return nil, err
	}
	d := &decoder{file: file, env: env, lines: map[string]int{}}
	o := &Overrides{}
	var g Goals
	err = d.mapping(doc, "", map[string]fieldFunc{
		"goals": func(n *yaml.Node, p string) error {
			o.Goals = &g
			return d.goals(&g)(n, p)
		},
		"pricing": d.pricingSection(&o.Pricing),
	})
	if err != nil {
		return nil, err
	}
	if o.Goals != nil {
		applyGoalDefaults(o.Goals)
		e := func(field, format string, args ...any) error {
			return &Error{File: file, Line: d.lines[field], Field: field, Msg: fmt.Sprintf(format, args...)}
		}
		if err := validateGoals(*o.Goals, e); err != nil {
			return nil, err
		}
	}
	return o, nil
}
