package workloads

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/milvbench/milvbench/expr"
	"go.yaml.in/yaml/v3"
)

// Payload field types (dataset.payload[].type): the scalar fields a
// collection carries beside its vectors, filtered on by search.filters.
const (
	PayloadInt64        = "int64"
	PayloadDouble       = "double"
	PayloadBool         = "bool"
	PayloadVarchar      = "varchar"
	PayloadArrayInt64   = "array_int64"
	PayloadArrayVarchar = "array_varchar"
	PayloadJSON         = "json"
)

// PayloadTypes lists the payload field types in documentation order.
func PayloadTypes() []string {
	return []string{PayloadInt64, PayloadDouble, PayloadBool, PayloadVarchar, PayloadArrayInt64, PayloadArrayVarchar, PayloadJSON}
}

// Payload value distributions.
const (
	PayloadUniform = "uniform"
	PayloadZipf    = "zipf"
)

// Correlations of a payload field with the vectors.
const (
	// CorrIndependent: a row's value is drawn from its own seed, whatever
	// its vector; a query's own value likewise.
	CorrIndependent = "independent"
	// CorrCorrelated: a row's value follows the region of vector space it
	// lies in, and a query's own value is that of the region nearest to
	// it, so a filter on the query's own value keeps its neighbourhood.
	CorrCorrelated = "correlated"
	// CorrAnti: rows as correlated, but a query's own value is that of the
	// region farthest from it, so the filter keeps rows far from the query.
	CorrAnti = "anti-correlated"
)

// Scalar index types a payload field may be given (Milvus targets).
const (
	ScalarInverted = "INVERTED"
	ScalarBitmap   = "BITMAP"
	ScalarSTLSort  = "STL_SORT"
	ScalarTrie     = "TRIE"
)

// PayloadField is one dataset.payload entry: a scalar field, its type and
// how its values are generated (or read from dataset.payload_file).
type PayloadField struct {
	Name string `json:"name"`
	Type string `json:"type"`
	// Values is the number of distinct values of a categorical field
	// (varchar, int64 without min/max, a JSON field's "brand") or the tag
	// vocabulary of an array; Distribution how they are drawn (uniform or
	// zipf, with ZipfS).
	Values       int     `json:"values,omitempty"`
	Distribution string  `json:"distribution,omitempty"`
	ZipfS        float64 `json:"zipf_s,omitempty"`
	// Min and Max bound a numeric field drawn uniformly (int64 or double).
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
	// Length is the largest number of tags of an array row (each row has
	// 0..Length).
	Length int `json:"length,omitempty"`
	// Correlation with the vectors: independent, correlated or
	// anti-correlated (see the constants).
	Correlation string `json:"correlation,omitempty"`
	// Nulls is the share of rows whose value is null (a JSON field: whose
	// "brand" key is missing).
	Nulls float64 `json:"nulls,omitempty"`
	// Indexes are the scalar indexes a Milvus target builds on the field,
	// swept like the vector index's build parameters ("" is none).
	Indexes []string `json:"index,omitempty"`
	// FromFile: the values come from dataset.payload_file (a column or
	// key of this name) rather than a generator.
	FromFile bool `json:"from_file,omitempty"`
	// Tenancy marks the field tenancy adds (each row's tenant).
	Tenancy bool `json:"tenancy,omitempty"`
	Line    int  `json:"-"`
}

// ExprKind is the expression kind of the field's values.
func (f PayloadField) ExprKind() expr.Kind {
	switch f.Type {
	case PayloadInt64:
		return expr.KindInt
	case PayloadDouble:
		return expr.KindFloat
	case PayloadBool:
		return expr.KindBool
	case PayloadVarchar:
		return expr.KindString
	case PayloadArrayInt64:
		return expr.KindIntArray
	case PayloadArrayVarchar:
		return expr.KindStringArray
	}
	return expr.KindJSON
}

// Ranged reports whether a numeric field is drawn from [Min, Max] rather
// than as categories.
func (f PayloadField) Ranged() bool { return f.Min != nil || f.Max != nil }

// FilterSpec is one search.filters entry: a Milvus boolean expression with
// {placeholders} and where each placeholder's value comes from.
type FilterSpec struct {
	// Name labels the filter in trial names and the report.
	Name string `json:"name"`
	Expr string `json:"expr"`
	// Params gives each placeholder its values (see ParamSource).
	Params map[string]ParamSource `json:"params,omitempty"`
	// Hints are the search-time filter strategies to sweep ("" sends
	// none; iterative_filter): Milvus targets only.
	Hints []string `json:"hints,omitempty"`
	Line  int      `json:"-"`
}

// ParamSource is where a placeholder's value comes from: fixed values
// swept like any parameter (each its own plan point), or a value drawn per
// query — the query's own value of a payload field (Query), uniform in
// [lo, hi] (Uniform; whole numbers when both are), or one of a list
// (Choice), seeded by the query's number.
type ParamSource struct {
	Values  []Value   `json:"values,omitempty"`
	Query   string    `json:"query,omitempty"`
	Uniform []float64 `json:"uniform,omitempty"`
	// UniformInt is set when both bounds of Uniform were whole numbers.
	UniformInt bool    `json:"uniform_int,omitempty"`
	Choice     []Value `json:"choice,omitempty"`
}

// PerQuery reports whether the value is drawn per query.
func (p ParamSource) PerQuery() bool { return p.Values == nil }

// FilterPoint is one filter of the plan: a FilterSpec with its swept
// placeholders fixed.
type FilterPoint struct {
	// Name is the spec's name plus the fixed values when the spec sweeps
	// (e.g. "cheap p=10").
	Name string `json:"name"`
	Expr string `json:"expr"`
	// Fixed are the placeholders' fixed values; PerQuery those drawn per
	// query.
	Fixed    map[string]Value       `json:"fixed,omitempty"`
	PerQuery map[string]ParamSource `json:"per_query,omitempty"`
	Hint     string                 `json:"hint,omitempty"`
	// Tenant marks tenancy's filter (each request's tenant).
	Tenant bool `json:"tenant,omitempty"`
}

// FilterPoints expands search.filters into the plan's filters, in file
// order, each swept placeholder's values in turn (none: no filters).
func (s *Spec) FilterPoints() []FilterPoint {
	if s.Tenancy != nil {
		return []FilterPoint{s.Tenancy.TenantFilter()}
	}
	var out []FilterPoint
	for _, f := range s.Search.Filters {
		var swept []string
		for name, ps := range f.Params {
			if !ps.PerQuery() {
				swept = append(swept, name)
			}
		}
		sort.Strings(swept)
		combos := []map[string]Value{{}}
		for _, name := range swept {
			var next []map[string]Value
			for _, c := range combos {
				for _, v := range f.Params[name].Values {
					m := map[string]Value{}
					for k, x := range c {
						m[k] = x
					}
					m[name] = v
					next = append(next, m)
				}
			}
			combos = next
		}
		hints := f.Hints
		if len(hints) == 0 {
			hints = []string{""}
		}
		for _, c := range combos {
			for _, h := range hints {
				fp := FilterPoint{Name: f.Name, Expr: f.Expr, Fixed: c, Hint: h}
				var parts []string
				for _, name := range swept {
					if len(f.Params[name].Values) > 1 {
						parts = append(parts, fmt.Sprintf("%s=%v", name, c[name]))
					}
				}
				if len(hints) > 1 {
					hn := h
					if hn == "" {
						hn = "none"
					}
					parts = append(parts, "hint="+hn)
				}
				if len(parts) > 0 {
					fp.Name += " " + strings.Join(parts, " ")
				}
				for name, ps := range f.Params {
					if ps.PerQuery() {
						if fp.PerQuery == nil {
							fp.PerQuery = map[string]ParamSource{}
						}
						fp.PerQuery[name] = ps
					}
				}
				out = append(out, fp)
			}
		}
	}
	return out
}

// FilterPoint returns the plan filter named name.
func (s *Spec) FilterPoint(name string) (FilterPoint, bool) {
	for _, f := range s.FilterPoints() {
		if f.Name == name {
			return f, true
		}
	}
	return FilterPoint{}, false
}

// filterNames is the filter dimension of the plan: "" (no filter) alone
// when the workload has no search.filters.
func (s *Spec) filterNames() []string {
	fps := s.FilterPoints()
	if len(fps) == 0 {
		return []string{""}
	}
	names := make([]string, len(fps))
	for i, f := range fps {
		names[i] = f.Name
	}
	return names
}

// ScalarChoices are the plan's scalar index combinations: one map (field
// → index type, "" none) per combination of every payload field's
// swept indexes, in file order; a single empty map without any.
func (s *Spec) ScalarChoices() []map[string]string {
	out := []map[string]string{{}}
	for _, f := range s.Dataset.Payload {
		if len(f.Indexes) == 0 {
			continue
		}
		var next []map[string]string
		for _, c := range out {
			for _, ix := range f.Indexes {
				m := map[string]string{}
				for k, v := range c {
					m[k] = v
				}
				m[f.Name] = ix
				next = append(next, m)
			}
		}
		out = next
	}
	return out
}

// ScalarText names a scalar index combination: "cat:INVERTED,price:none"
// in field order ("" when empty).
func ScalarText(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		v := m[k]
		if v == "" {
			v = "none"
		}
		parts = append(parts, k+":"+v)
	}
	return strings.Join(parts, ",")
}

// PayloadKinds maps each payload field to its expression kind.
func (s *Spec) PayloadKinds() map[string]expr.Kind {
	m := map[string]expr.Kind{}
	for _, f := range s.Dataset.Payload {
		m[f.Name] = f.ExprKind()
	}
	return m
}

func (d *decoder) payload(dst *[]PayloadField) fieldFunc {
	return func(n *yaml.Node, p string) error {
		if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
			return d.errf(n, p, "must be a non-empty list of fields, each with name and type")
		}
		for i, it := range n.Content {
			fp := fmt.Sprintf("%s[%d]", p, i)
			f := PayloadField{Line: it.Line}
			opt := func(dst **float64) fieldFunc {
				return func(n *yaml.Node, p string) error {
					var v float64
					if err := d.float(&v)(n, p); err != nil {
						return err
					}
					*dst = &v
					return nil
				}
			}
			err := d.mapping(it, fp, map[string]fieldFunc{
				"name":         d.str(&f.Name),
				"type":         d.oneOf(&f.Type, PayloadTypes()...),
				"values":       d.integer(&f.Values),
				"distribution": d.oneOf(&f.Distribution, PayloadUniform, PayloadZipf),
				"zipf_s":       d.float(&f.ZipfS),
				"min":          opt(&f.Min),
				"max":          opt(&f.Max),
				"length":       d.integer(&f.Length),
				"correlation":  d.oneOf(&f.Correlation, CorrIndependent, CorrCorrelated, CorrAnti),
				"nulls":        d.float(&f.Nulls),
				"index": listOf(d, &f.Indexes, func(n *yaml.Node, p string) (string, error) {
					var x string
					err := d.oneOf(&x, "none", ScalarInverted, ScalarBitmap, ScalarSTLSort, ScalarTrie)(n, p)
					if x == "none" {
						x = ""
					}
					return x, err
				}),
				"from_file": func(n *yaml.Node, p string) error {
					s, err := d.scalar(n, p)
					if err == nil && s != "true" && s != "false" {
						err = d.errf(n, p, "must be true or false, got %q", s)
					}
					f.FromFile = s == "true"
					return err
				},
			}, "name", "type")
			if err != nil {
				return err
			}
			*dst = append(*dst, f)
		}
		return nil
	}
}

func (d *decoder) filters(dst *[]FilterSpec) fieldFunc {
	return func(n *yaml.Node, p string) error {
		if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
			return d.errf(n, p, "must be a non-empty list of filters, each with name and expr")
		}
		for i, it := range n.Content {
			fp := fmt.Sprintf("%s[%d]", p, i)
			f := FilterSpec{Line: it.Line}
			err := d.mapping(it, fp, map[string]fieldFunc{
				"name": d.str(&f.Name),
				"expr": d.str(&f.Expr),
				"params": func(n *yaml.Node, p string) error {
					if n.Kind != yaml.MappingNode {
						return d.errf(n, p, "must be a mapping of placeholder names to values, a list of values, or one of {query: FIELD}, {uniform: [lo, hi]}, {choice: [...]}, got %s", kindName(n))
					}
					f.Params = map[string]ParamSource{}
					for j := 0; j+1 < len(n.Content); j += 2 {
						k, v := n.Content[j], n.Content[j+1]
						pp := join(p, k.Value)
						d.lines[pp] = k.Line
						if _, dup := f.Params[k.Value]; dup {
							return d.errf(k, pp, "placeholder %q appears twice", k.Value)
						}
						ps, err := d.paramSource(v, pp)
						if err != nil {
							return err
						}
						f.Params[k.Value] = ps
					}
					return nil
				},
				"hints": listOf(d, &f.Hints, func(n *yaml.Node, p string) (string, error) {
					var h string
					err := d.oneOf(&h, "none", "iterative_filter")(n, p)
					if h == "none" {
						h = ""
					}
					return h, err
				}),
			}, "name", "expr")
			if err != nil {
				return err
			}
			*dst = append(*dst, f)
		}
		return nil
	}
}

// paramSource decodes a placeholder's values: a scalar or list (swept), or
// a mapping with one of query, uniform, choice (drawn per query).
func (d *decoder) paramSource(n *yaml.Node, p string) (ParamSource, error) {
	var ps ParamSource
	switch n.Kind {
	case yaml.ScalarNode:
		v, err := d.value(n, p)
		ps.Values = []Value{v}
		return ps, err
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			return ps, d.errf(n, p, "must not be an empty list")
		}
		for j, it := range n.Content {
			if it.Kind == yaml.SequenceNode {
				// A list value for `in {xs}`: one swept value that is a list.
				var xs []any
				for k, x := range it.Content {
					v, err := d.value(x, fmt.Sprintf("%s[%d][%d]", p, j, k))
					if err != nil {
						return ps, err
					}
					xs = append(xs, v)
				}
				ps.Values = append(ps.Values, xs)
				continue
			}
			v, err := d.value(it, fmt.Sprintf("%s[%d]", p, j))
			if err != nil {
				return ps, err
			}
			ps.Values = append(ps.Values, v)
		}
		return ps, nil
	}
	values := func(dst *[]Value) fieldFunc {
		return func(n *yaml.Node, p string) error {
			if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
				return d.errf(n, p, "must be a non-empty list of values")
			}
			for j, it := range n.Content {
				v, err := d.value(it, fmt.Sprintf("%s[%d]", p, j))
				if err != nil {
					return err
				}
				*dst = append(*dst, v)
			}
			return nil
		}
	}
	var uni []Value
	err := d.mapping(n, p, map[string]fieldFunc{
		"query":   d.str(&ps.Query),
		"uniform": values(&uni),
		"choice":  values(&ps.Choice),
	})
	if err != nil {
		return ps, err
	}
	set := 0
	for _, b := range []bool{ps.Query != "", uni != nil, ps.Choice != nil} {
		if b {
			set++
		}
	}
	if set != 1 {
		return ps, d.errf(n, p, "give exactly one of query (a payload field: the query's own value), uniform ([lo, hi]) or choice (a list)")
	}
	if uni != nil {
		if len(uni) != 2 {
			return ps, d.errf(n, p+".uniform", "must be [lo, hi], got %d values", len(uni))
		}
		ps.UniformInt = true
		for _, v := range uni {
			switch x := v.(type) {
			case int64:
				ps.Uniform = append(ps.Uniform, float64(x))
			case float64:
				ps.Uniform = append(ps.Uniform, x)
				ps.UniformInt = false
			default:
				return ps, d.errf(n, p+".uniform", "bounds must be numbers, got %v", v)
			}
		}
		if !(ps.Uniform[0] < ps.Uniform[1]) {
			return ps, d.errf(n, p+".uniform", "lo must be below hi, got [%g, %g]", ps.Uniform[0], ps.Uniform[1])
		}
	}
	return ps, nil
}

// Payload limits.
const (
	MaxPayloadValues = 1_000_000
	MaxTagLength     = 64
)

// validatePayload checks dataset.payload and search.filters.
func validatePayload(s *Spec, e func(field, format string, args ...any) error) error {
	ds := s.Dataset
	seen := map[string]bool{"id": true, "vec": true}
	for _, f := range s.Fields {
		seen[f.Name] = true
	}
	for i, f := range ds.Payload {
		fp := fmt.Sprintf("dataset.payload[%d]", i)
		if !nameRE.MatchString(f.Name) {
			return e(fp+".name", "%q is not allowed: use a letter then up to 63 letters, digits or _", f.Name)
		}
		if seen[f.Name] || (ds.Labels != "" && (f.Name == "label" || f.Name == "category")) {
			return e(fp+".name", "%q is already a field of the collection", f.Name)
		}
		seen[f.Name] = true
		if f.FromFile {
			if ds.PayloadFile == "" {
				return e(fp+".from_file", "needs dataset.payload_file (a .jsonl or .parquet file with a column %q per base row)", f.Name)
			}
			for _, k := range []struct {
				key string
				set bool
			}{{"values", f.Values != 0}, {"distribution", f.Distribution != ""}, {"min", f.Min != nil}, {"max", f.Max != nil}, {"length", f.Length != 0}, {"correlation", f.Correlation != ""}, {"nulls", f.Nulls != 0}} {
				if k.set {
					return e(fp+"."+k.key, "does not apply to a field read from dataset.payload_file")
				}
			}
		} else if err := validateGenerated(f, fp, e); err != nil {
			return err
		}
		for j, ix := range f.Indexes {
			if ix == "" {
				continue
			}
			if err := validateScalarIndex(s, f, ix, fmt.Sprintf("%s.index[%d]", fp, j), e); err != nil {
				return err
			}
		}
	}
	if ds.PayloadFile != "" {
		if !slices.ContainsFunc(ds.Payload, func(f PayloadField) bool { return f.FromFile }) {
			return e("dataset.payload_file", "no payload field reads it: mark the fields it holds with from_file: true")
		}
		if ds.Source == SourceSynthetic || ds.Source == SourceCollection {
			return e("dataset.payload_file", "applies to file datasets (one row per base vector, in order), not source %s", ds.Source)
		}
	}
	if len(ds.Payload) > 0 && len(s.Fields) > 0 {
		return e("dataset.payload", "payload fields go with the one dense field of a workload without fields; filters apply to kind ann")
	}
	if len(ds.Payload) > 0 && ds.Source == SourceCollection {
		return e("dataset.payload", "an attached collection is measured read-only; its scalar fields are not generated by milvbench")
	}
	return validateFilters(s, e)
}

func validateGenerated(f PayloadField, fp string, e func(field, format string, args ...any) error) error {
	categorical := f.Type == PayloadVarchar || f.Type == PayloadJSON || f.Type == PayloadArrayInt64 || f.Type == PayloadArrayVarchar ||
		(f.Type == PayloadInt64 && !f.Ranged())
	if categorical && (f.Values < 2 || f.Values > MaxPayloadValues) {
		return e(fp+".values", "%d is out of range: a %s field needs the number of distinct values, 2..%d", f.Values, f.Type, MaxPayloadValues)
	}
	if !categorical && f.Values != 0 {
		return e(fp+".values", "does not apply to a %s field drawn from min..max", f.Type)
	}
	if f.Type == PayloadDouble && !f.Ranged() {
		return e(fp+".min", "a double field needs min and max")
	}
	if f.Ranged() {
		if f.Type != PayloadInt64 && f.Type != PayloadDouble {
			return e(fp+".min", "applies to int64 and double fields only")
		}
		if f.Min == nil || f.Max == nil || !(*f.Min < *f.Max) {
			return e(fp+".min", "give both min and max, min < max")
		}
	}
	if f.Distribution == PayloadZipf && !categorical {
		return e(fp+".distribution", "zipf applies to categorical fields (with values)")
	}
	if f.ZipfS != 0 && f.Distribution != PayloadZipf {
		return e(fp+".zipf_s", "only applies to distribution: zipf")
	}
	if f.ZipfS < 0 || f.ZipfS > 4 {
		return e(fp+".zipf_s", "%g is out of range (0 < zipf_s ≤ 4; default 1.1)", f.ZipfS)
	}
	isArray := f.Type == PayloadArrayInt64 || f.Type == PayloadArrayVarchar
	if isArray && (f.Length < 1 || f.Length > MaxTagLength) {
		return e(fp+".length", "%d is out of range: an array field needs length, the most tags a row has (1..%d)", f.Length, MaxTagLength)
	}
	if !isArray && f.Length != 0 {
		return e(fp+".length", "only applies to array fields")
	}
	if isArray && f.Correlation != "" && f.Correlation != CorrIndependent {
		return e(fp+".correlation", "%s applies to scalar fields; array fields are independent", f.Correlation)
	}
	if f.Nulls < 0 || f.Nulls >= 1 || math.IsNaN(f.Nulls) {
		return e(fp+".nulls", "%g is out of range (a share of rows, 0 ≤ nulls < 1)", f.Nulls)
	}
	return nil
}

// validateScalarIndex checks a payload field's scalar index against
// Milvus's rules for the field type.
func validateScalarIndex(s *Spec, f PayloadField, ix, fp string, e func(field, format string, args ...any) error) error {
	if s.Target.Kind != TargetMilvus {
		return e(fp, "scalar indexes are built by Milvus targets; the embedded target filters by scanning its payload")
	}
	ok := map[string][]string{
		ScalarInverted: {PayloadInt64, PayloadDouble, PayloadBool, PayloadVarchar, PayloadArrayInt64, PayloadArrayVarchar},
		ScalarBitmap:   {PayloadInt64, PayloadBool, PayloadVarchar, PayloadArrayInt64, PayloadArrayVarchar},
		ScalarSTLSort:  {PayloadInt64, PayloadDouble},
		ScalarTrie:     {PayloadVarchar},
	}[ix]
	if !slices.Contains(ok, f.Type) {
		return e(fp, "%s does not index a %s field (it indexes %s)", ix, f.Type, strings.Join(ok, ", "))
	}
	return nil
}

func validateFilters(s *Spec, e func(field, format string, args ...any) error) error {
	kinds := s.PayloadKinds()
	names := map[string]bool{}
	for i, f := range s.Search.Filters {
		fp := fmt.Sprintf("search.filters[%d]", i)
		if len(s.Dataset.Payload) == 0 {
			return e(fp, "filters need payload fields to filter on: add dataset.payload")
		}
		if f.Name == "" || strings.ContainsAny(f.Name, " \t\n=") {
			return e(fp+".name", "%q is not allowed: a name without spaces or =", f.Name)
		}
		if names[f.Name] {
			return e(fp+".name", "%q names two filters", f.Name)
		}
		names[f.Name] = true
		x, err := expr.Parse(f.Expr)
		if err != nil {
			return e(fp+".expr", "%v", err)
		}
		if err := x.Check(kinds); err != nil {
			return e(fp+".expr", "%v (payload fields: %s)", err, payloadNames(s))
		}
		used := x.Placeholders()
		for _, ph := range used {
			if _, ok := f.Params[ph]; !ok {
				return e(fp+".params", "placeholder {%s} has no value: give params.%s (a value, a list to sweep, or {query: FIELD}, {uniform: [lo, hi]}, {choice: [...]})", ph, ph)
			}
		}
		var perQuery bool
		for name, ps := range f.Params {
			pp := fp + ".params." + name
			if !slices.Contains(used, name) {
				return e(pp, "the expression has no placeholder {%s}", name)
			}
			if ps.Query != "" {
				if _, ok := kinds[ps.Query]; !ok {
					return e(pp+".query", "%q is not a payload field (payload fields: %s)", ps.Query, payloadNames(s))
				}
			}
			perQuery = perQuery || ps.PerQuery()
			// Every fixed value must bind.
			for _, v := range ps.Values {
				probe := expr.Params{}
				for other, ops := range f.Params {
					probe[other] = sampleValue(ops, kinds)
				}
				probe[name] = v
				if _, err := x.Bind(probe); err != nil {
					return e(pp, "%v", err)
				}
			}
		}
		if perQuery {
			for j, nq := range s.Search.NQ {
				if nq > 1 {
					return e(fmt.Sprintf("search.nq[%d]", j), "%d: filter %q draws its values per query, and a request carries one filter; use nq: 1", nq, f.Name)
				}
			}
		}
		if len(f.Hints) > 0 && s.Target.Kind != TargetMilvus {
			return e(fp+".hints", "are Milvus search strategies; the embedded target always pre-filters with a bitset")
		}
	}
	if len(s.Search.Filters) > 0 {
		if m := s.Load.Model; m == LoadMixed || m == LoadIngest {
			return e("search.filters", "load.model %s measures without expression filters; use closed, open or capacity", m)
		}
		for j, sel := range s.Search.Selectivity {
			if sel < 1 {
				return e(fmt.Sprintf("search.selectivity[%d]", j), "%g: use search.filters or search.selectivity (label filters), not both", sel)
			}
		}
		if len(s.SearchKinds()) > 1 || s.SearchKind() != KindANN {
			return e("search.filters", "filters apply to kind ann alone here; kinds %s run without a filter", strings.Join(s.SearchKinds(), ", "))
		}
	}
	return nil
}

// sampleValue is a value of the source's type, to check that other
// placeholders bind.
func sampleValue(ps ParamSource, kinds map[string]expr.Kind) any {
	switch {
	case ps.Query != "":
		switch kinds[ps.Query] {
		case expr.KindInt:
			return int64(0)
		case expr.KindFloat:
			return 0.0
		case expr.KindBool:
			return false
		case expr.KindIntArray:
			return []int64{0}
		case expr.KindStringArray:
			return []string{""}
		}
		return ""
	case ps.Values != nil:
		return ps.Values[0]
	case ps.Choice != nil:
		return ps.Choice[0]
	case ps.Uniform != nil:
		if ps.UniformInt {
			return int64(ps.Uniform[0])
		}
		return ps.Uniform[0]
	}
	return nil
}

func payloadNames(s *Spec) string {
	var names []string
	for _, f := range s.Dataset.Payload {
		names = append(names, f.Name)
	}
	return strings.Join(names, ", ")
}
