package workloads

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Range and grouping search kinds, on the one dense field.
const (
	// KindRange: every row whose distance lies in (radius, range_filter]
	// by the metric's direction, the closest topk of them.
	KindRange = "range"
	// KindGroup: the topk groups of a payload field by their best hit, up
	// to group_size hits each.
	KindGroup = "group"
)

// RangeSweep is search.range: the radii and range filters to sweep
// (RangeFilter empty: none).
type RangeSweep struct {
	Radius      []float64 `json:"radius"`
	RangeFilter []float64 `json:"range_filter,omitempty"`
	Line        int       `json:"-"`
}

// GroupSweep is search.group: the payload field to group by, the group
// sizes to sweep and whether a group must be filled.
type GroupSweep struct {
	Field     string `json:"field"`
	GroupSize []int  `json:"group_size"`
	Strict    bool   `json:"strict_group_size,omitempty"`
	Line      int    `json:"-"`
}

// RangePoint is one point of a range sweep. For L2, HAMMING and JACCARD
// (distances, smaller closer) a row is in range when RangeFilter <=
// distance < Radius; for IP and COSINE (scores) when Radius < score <=
// RangeFilter. Without RangeFilter the inner bound is open.
type RangePoint struct {
	Radius      float64  `json:"radius"`
	RangeFilter *float64 `json:"range_filter,omitempty"`
}

// String renders the point as radius=R,range_filter=F ("" for nil).
func (r *RangePoint) String() string {
	if r == nil {
		return ""
	}
	s := fmt.Sprintf("radius=%g", r.Radius)
	if r.RangeFilter != nil {
		s += fmt.Sprintf(",range_filter=%g", *r.RangeFilter)
	}
	return s
}

// GroupPoint is one point of a grouping sweep.
type GroupPoint struct {
	Field     string `json:"field"`
	GroupSize int    `json:"group_size"`
	Strict    bool   `json:"strict_group_size,omitempty"`
}

// String renders the point as field:size[:strict] ("" for nil).
func (g *GroupPoint) String() string {
	if g == nil {
		return ""
	}
	s := fmt.Sprintf("%s:%d", g.Field, g.GroupSize)
	if g.Strict {
		s += ":strict"
	}
	return s
}

// Hits is the most hits a group point returns: topk groups of GroupSize.
func (g *GroupPoint) Hits(topk int) int { return topk * g.GroupSize }

// DistanceMetric reports whether m's number is a distance, smaller closer
// (L2, HAMMING, JACCARD), rather than a score, larger closer (IP, COSINE):
// the direction of its range bounds and of its results.
func DistanceMetric(m Metric) bool { return m == L2 || BinaryMetric(m) }

// InRange reports whether a distance d (the metric's own: squared L2, the
// score of IP and COSINE, the HAMMING or JACCARD distance) lies in r's
// range. HAMMING and JACCARD are compared as the server compares them, in
// float32 (knowhere's binary range search and its range_filter pass take
// float bounds): their distances are exact float32 values that often sit
// on a bound, where a float64 bound such as 0.7 would put 7/10 on the
// other side of it.
func (r *RangePoint) InRange(m Metric, d float64) bool {
	if BinaryMetric(m) {
		d, rad := float32(d), float32(r.Radius)
		return d < rad && (r.RangeFilter == nil || d >= float32(*r.RangeFilter))
	}
	if m == L2 {
		return d < r.Radius && (r.RangeFilter == nil || d >= *r.RangeFilter)
	}
	return d > r.Radius && (r.RangeFilter == nil || d <= *r.RangeFilter)
}

func (d *decoder) rangeSweep(dst **RangeSweep) fieldFunc {
	return func(n *yaml.Node, p string) error {
		r := &RangeSweep{Line: n.Line}
		*dst = r
		return d.mapping(n, p, map[string]fieldFunc{
			"radius":       d.floatList(&r.Radius),
			"range_filter": d.floatList(&r.RangeFilter),
		}, "radius")
	}
}

func (d *decoder) groupSweep(dst **GroupSweep) fieldFunc {
	return func(n *yaml.Node, p string) error {
		g := &GroupSweep{Line: n.Line}
		*dst = g
		return d.mapping(n, p, map[string]fieldFunc{
			"field":      d.str(&g.Field),
			"group_size": d.intList(&g.GroupSize),
			"strict_group_size": func(n *yaml.Node, p string) error {
				s, err := d.scalar(n, p)
				if err != nil {
					return err
				}
				switch s {
				case "true":
					g.Strict = true
				case "false":
				default:
					return d.errf(n, p, "must be true or false, got %q", s)
				}
				return nil
			},
		}, "field")
	}
}

// groupTypes are the payload types Milvus groups by.
var groupTypes = []string{PayloadInt64, PayloadBool, PayloadVarchar}

// validateRangeGroup checks search.range and search.group against the
// kinds, the metric and the payload fields.
func validateRangeGroup(s *Spec, e func(field, format string, args ...any) error) error {
	kinds := s.SearchKinds()
	hasRange, hasGroup := slices.Contains(kinds, KindRange), slices.Contains(kinds, KindGroup)
	if s.Search.Range != nil && !hasRange {
		return e("search.range", "applies to kind range only (search.kind is %s)", strings.Join(kinds, ", "))
	}
	if s.Search.Group != nil && !hasGroup {
		return e("search.group", "applies to kind group only (search.kind is %s)", strings.Join(kinds, ", "))
	}
	if !hasRange && !hasGroup {
		return nil
	}
	if s.MultiField() {
		return e("search.kind", "range and group search the one dense field of a workload without sparse, text or further dense fields")
	}
	if s.Tenancy != nil {
		return e("search.kind", "range and group run without tenancy (its ground truth is per tenant for kind ann)")
	}
	if hasRange {
		if err := validateRange(s, e); err != nil {
			return err
		}
	}
	if hasGroup {
		return validateGroup(s, e)
	}
	return nil
}

func validateRange(s *Spec, e func(field, format string, args ...any) error) error {
	r := s.Search.Range
	if r == nil {
		return e("search.range", "is missing: kind range needs radius (and optionally range_filter)")
	}
	m := s.Dataset.Metric
	dist := DistanceMetric(m)
	for j, f := range r.RangeFilter {
		fp := fmt.Sprintf("search.range.range_filter[%d]", j)
		if m == Hamming && f != math.Trunc(f) {
			return e(fp, "%g is not a whole number: HAMMING distances count bits, and Milvus truncates a HAMMING bound to an integer", f)
		}
		for _, rad := range r.Radius {
			switch {
			case dist && f >= rad:
				return e(fp, "%g is not below radius %g: for %s, radius is the outer bound (distance < radius) and range_filter the inner (distance >= range_filter)", f, rad, m)
			case dist && f < 0:
				return e(fp, "%g is negative: a %s distance is at least 0", f, m)
			case !dist && f <= rad:
				return e(fp, "%g is not above radius %g: for %s, radius is the lower bound (score > radius) and range_filter the upper (score <= range_filter)", f, rad, m)
			}
		}
	}
	for j, rad := range r.Radius {
		if dist && rad <= 0 {
			return e(fmt.Sprintf("search.range.radius[%d]", j), "%g: the %s radius must be above 0 (rows at distance < radius are in range)", rad, m)
		}
		if m == Hamming && rad != math.Trunc(rad) {
			return e(fmt.Sprintf("search.range.radius[%d]", j), "%g is not a whole number: HAMMING distances count bits, and Milvus truncates a HAMMING radius to an integer (radius %g keeps distances below %g)", rad, rad, math.Trunc(rad))
		}
		if m == Cosine && (rad < -1 || rad >= 1) {
			return e(fmt.Sprintf("search.range.radius[%d]", j), "%g: a COSINE radius lies in -1..1", rad)
		}
	}
	return nil
}

func validateGroup(s *Spec, e func(field, format string, args ...any) error) error {
	g := s.Search.Group
	if g == nil {
		return e("search.group", "is missing: kind group needs field (a payload field) and group_size")
	}
	var names []string
	var f *PayloadField
	for i := range s.Dataset.Payload {
		names = append(names, s.Dataset.Payload[i].Name)
		if s.Dataset.Payload[i].Name == g.Field {
			f = &s.Dataset.Payload[i]
		}
	}
	if f == nil {
		return e("search.group.field", "%q is not a payload field (dataset.payload: %s)", g.Field, strings.Join(names, ", "))
	}
	if !slices.Contains(groupTypes, f.Type) {
		return e("search.group.field", "%q is %s; Milvus groups by %s fields", g.Field, f.Type, strings.Join(groupTypes, ", "))
	}
	if f.Nulls > 0 {
		return e("search.group.field", "%q has nulls; group by a field without them", g.Field)
	}
	if len(g.GroupSize) == 0 {
		g.GroupSize = []int{1}
	}
	for j, n := range g.GroupSize {
		for _, k := range s.Search.TopK {
			if n < 1 || n*k > MaxTopK {
				return e(fmt.Sprintf("search.group.group_size[%d]", j), "%d is out of range: 1 and topk × group_size at most %d (topk %d)", n, MaxTopK, k)
			}
		}
	}
	return nil
}

// rangeGroupPoints are the range and group points of one index search
// point sp at topk and nq, before load levels, in the order of the kinds.
func rangeGroupPoints(s *Spec, sp Params, topk, nq int) []SearchPoint {
	var out []SearchPoint
	for _, kind := range s.SearchKinds() {
		shape := SearchPoint{Params: sp, TopK: topk, NQ: nq, Selectivity: 1, Kind: kind}
		switch kind {
		case KindRange:
			r := s.Search.Range
			filters := []*float64{nil}
			if len(r.RangeFilter) > 0 {
				filters = nil
				for _, f := range r.RangeFilter {
					filters = append(filters, &f)
				}
			}
			for _, rad := range r.Radius {
				for _, f := range filters {
					pt := shape
					pt.Range = &RangePoint{Radius: rad, RangeFilter: f}
					out = append(out, repeatPoints(levels(s.Load, pt), s.Load.Repeat)...)
				}
			}
		case KindGroup:
			g := s.Search.Group
			for _, n := range g.GroupSize {
				pt := shape
				pt.Group = &GroupPoint{Field: g.Field, GroupSize: n, Strict: g.Strict}
				out = append(out, repeatPoints(levels(s.Load, pt), s.Load.Repeat)...)
			}
		}
	}
	return out
}
