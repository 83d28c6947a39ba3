package workloads

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Error is a problem in a workload file, located by file, line and field.
type Error struct {
	File  string
	Line  int
	Field string
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(oneLineField(e.Field))
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// oneLineField is a field path as errors print it: as written, or quoted
// (Go syntax) when a key in it holds a line break or another control
// character, so that an error stays one line whatever the file's keys.
func oneLineField(f string) string {
	for _, r := range f {
		if r < ' ' || r == 0x7f {
			return strconv.Quote(f)
		}
	}
	return f
}

// LookupEnv resolves ${NAME} references; os.LookupEnv in production.
type LookupEnv func(name string) (string, bool)

// Load reads, decodes, defaults and validates the workload at path; env
// resolves ${NAME} references (os.LookupEnv in the CLI).
func Load(path string, env LookupEnv) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("workload: %w", err)
	}
	return Parse(path, data, env)
}

// Parse decodes data (named file in errors) strictly, applies defaults and
// validates the result. The first problem found is returned as an *Error.
func Parse(file string, data []byte, env LookupEnv) (*Spec, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: file, Msg: "file is empty; a workload needs at least name, dataset and indexes"}
		}
		return nil, yamlError(file, err)
	}
	d := &decoder{file: file, env: env, lines: map[string]int{}}
	doc := &root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	spec := &Spec{File: file}
	if err := d.spec(doc, spec); err != nil {
		return nil, err
	}
	spec.Warnings = d.warnings
	applyDefaults(spec)
	if err := resolveTarget(file, &spec.Target, env, d.lines); err != nil {
		return nil, err
	}
	if err := validate(file, spec, d.lines); err != nil {
		return nil, err
	}
	// The identity is fixed now, before a run opens the dataset's files
	// and fills in the shape they determine.
	spec.hash = identity(spec)
	return spec, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func yamlError(file string, err error) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return &Error{File: file, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

type decoder struct {
	file  string
	env   LookupEnv
	lines map[string]int // field path → line, for errors found after decoding
	// warnings are problems that do not stop the workload (Spec.Warnings).
	warnings []string
}

func (d *decoder) errf(n *yaml.Node, field, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &Error{File: d.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// fieldFunc decodes the value node of one key; path is the dotted field name.
type fieldFunc func(n *yaml.Node, path string) error

// mapping walks a mapping node, refusing unknown and duplicate keys and
// reporting required keys that are missing.
func (d *decoder) mapping(n *yaml.Node, path string, fields map[string]fieldFunc, required ...string) error {
	if n.Kind != yaml.MappingNode {
		return d.errf(n, path, "must be a mapping of keys (%s), got %s", allowed(fields), kindName(n))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := k.Value
		fp := join(path, key)
		fn, ok := fields[key]
		if !ok {
			return d.errf(k, fp, "unknown key %q (allowed: %s)", key, allowed(fields))
		}
		if seen[key] {
			return d.errf(k, fp, "key %q appears twice", key)
		}
		seen[key] = true
		d.lines[fp] = k.Line
		if err := fn(v, fp); err != nil {
			return err
		}
	}
	for _, r := range required {
		if !seen[r] {
			return d.errf(n, join(path, r), "is missing (required)")
		}
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func allowed(fields map[string]fieldFunc) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	if n.Tag == "!!null" {
		return "nothing"
	}
	return fmt.Sprintf("%q", n.Value)
}

var envRef = regexp.MustCompile(`\$\{([^}]*)\}`)

// scalar returns the node's text with ${NAME} references expanded.
func (d *decoder) scalar(n *yaml.Node, path string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", d.errf(n, path, "must be a single value, got %s", kindName(n))
	}
	var err error
	out := envRef.ReplaceAllStringFunc(n.Value, func(ref string) string {
		name := ref[2 : len(ref)-1]
		if err != nil {
			return ""
		}
		if !validEnvName(name) {
			err = d.errf(n, path, "%q is not a valid environment variable reference (use ${NAME} with letters, digits and _)", ref)
			return ""
		}
		v, ok := d.env(name)
		if !ok {
			err = d.errf(n, path, "environment variable %s is not set", name)
			return ""
		}
		return v
	})
	return out, err
}

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') || (i > 0 && r >= '0' && r <= '9') {
			continue
		}
		return false
	}
	return true
}

func (d *decoder) str(dst *string) fieldFunc {
	return func(n *yaml.Node, path string) error {
		s, err := d.scalar(n, path)
		*dst = s
		return err
	}
}

// secret decodes a credential into dst and records in src where it came
// from: "env NAME (field)" for a value that is one ${NAME} reference, else
// "field (literal in the workload file)" with a warning, because a file
// is copied, committed and shared in ways a variable is not. envName and
// fileField name the alternatives the warning suggests.
func (d *decoder) secret(dst, src *string, envName, fileField string) fieldFunc {
	return func(n *yaml.Node, path string) error {
		if m := wholeEnvRef.FindStringSubmatch(n.Value); m != nil {
			*src = "env " + m[1] + " (" + path + ")"
		} else {
			*src = path + " (literal in the workload file)"
			d.warnings = append(d.warnings, fmt.Sprintf("%s:%d: %s is written literally in the workload file, where every copy of the file shows it; use %s: ${%s}, %s, or the %s environment variable",
				d.file, n.Line, path, path[strings.LastIndexByte(path, '.')+1:], envName, fileField, envName))
		}
		return d.str(dst)(n, path)
	}
}

func (d *decoder) oneOf(dst *string, choices ...string) fieldFunc {
	return func(n *yaml.Node, path string) error {
		s, err := d.scalar(n, path)
		if err != nil {
			return err
		}
		if !slices.Contains(choices, s) {
			return d.errf(n, path, "%q is not allowed (allowed: %s)", s, strings.Join(choices, ", "))
		}
		*dst = s
		return nil
	}
}

func (d *decoder) parseInt(n *yaml.Node, path string) (int, error) {
	s, err := d.scalar(n, path)
	if err != nil {
		return 0, err
	}
	v, perr := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
	if perr != nil && !errors.Is(perr, strconv.ErrRange) {
		return 0, d.errf(n, path, "must be a whole number, got %q", s)
	}
	if perr != nil || v > math.MaxInt32 || v < math.MinInt32 {
		return 0, d.errf(n, path, "%s is out of range (a whole number from %d to %d)", s, math.MinInt32, math.MaxInt32)
	}
	return int(v), nil
}

func (d *decoder) integer(dst *int) fieldFunc {
	return func(n *yaml.Node, path string) error {
		v, err := d.parseInt(n, path)
		*dst = v
		return err
	}
}

func (d *decoder) int64(dst *int64) fieldFunc {
	return func(n *yaml.Node, path string) error {
		s, err := d.scalar(n, path)
		if err != nil {
			return err
		}
		v, perr := strconv.ParseInt(s, 10, 64)
		if perr != nil {
			return d.errf(n, path, "must be a whole number, got %q", s)
		}
		*dst = v
		return nil
	}
}

func (d *decoder) float(dst *float64) fieldFunc {
	return func(n *yaml.Node, path string) error {
		s, err := d.scalar(n, path)
		if err != nil {
			return err
		}
		v, perr := strconv.ParseFloat(s, 64)
		if perr != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return d.errf(n, path, "must be a number, got %q", s)
		}
		*dst = v
		return nil
	}
}

func (d *decoder) duration(dst *Duration) fieldFunc {
	return func(n *yaml.Node, path string) error {
		s, err := d.scalar(n, path)
		if err != nil {
			return err
		}
		v, perr := time.ParseDuration(s)
		if perr != nil {
			return d.errf(n, path, "%q is not a duration (use a number with a unit: 500ms, 10s, 2m)", s)
		}
		if v < 0 {
			return d.errf(n, path, "must not be negative, got %s", s)
		}
		*dst = Duration(v)
		return nil
	}
}

// items returns the elements of a list node, or the node itself for a scalar.
func items(n *yaml.Node) []*yaml.Node {
	if n.Kind == yaml.SequenceNode {
		return n.Content
	}
	return []*yaml.Node{n}
}

// listOf decodes a scalar or a list, each element with parse, recording
// each element's line for later errors.
func listOf[T any](d *decoder, dst *[]T, parse func(n *yaml.Node, path string) (T, error)) fieldFunc {
	return func(n *yaml.Node, path string) error {
		its := items(n)
		if len(its) == 0 {
			return d.errf(n, path, "must not be an empty list")
		}
		*dst = nil
		for i, it := range its {
			p := path
			if n.Kind == yaml.SequenceNode {
				p = fmt.Sprintf("%s[%d]", path, i)
			}
			v, err := parse(it, p)
			if err != nil {
				return err
			}
			d.lines[p] = it.Line
			*dst = append(*dst, v)
		}
		return nil
	}
}

// intList decodes a scalar or a list of whole numbers.
func (d *decoder) intList(dst *[]int) fieldFunc { return listOf(d, dst, d.parseInt) }

// floatList decodes a scalar or a list of numbers.
func (d *decoder) floatList(dst *[]float64) fieldFunc {
	return listOf(d, dst, func(n *yaml.Node, path string) (float64, error) {
		var v float64
		err := d.float(&v)(n, path)
		return v, err
	})
}

// value decodes one parameter value by its YAML type.
func (d *decoder) value(n *yaml.Node, path string) (Value, error) {
	s, err := d.scalar(n, path)
	if err != nil {
		return nil, err
	}
	// A quoted literal stays a string; a quoted ${NAME} (needed inside
	// [flow, lists]) takes the type of what it expands to.
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 && !strings.Contains(n.Value, "${") {
		return s, nil
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, nil
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
		return v, nil
	}
	if v, err := strconv.ParseBool(s); err == nil && (n.Tag == "!!bool" || strings.Contains(n.Value, "${")) {
		return v, nil
	}
	return s, nil
}

// params decodes a mapping of parameter name to scalar-or-list.
func (d *decoder) params(dst *map[string][]Value) fieldFunc {
	return func(n *yaml.Node, path string) error {
		if n.Kind != yaml.MappingNode {
			return d.errf(n, path, "must be a mapping of parameter names to a value or a list of values, got %s", kindName(n))
		}
		out := map[string][]Value{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			fp := join(path, k.Value)
			if _, dup := out[k.Value]; dup {
				return d.errf(k, fp, "key %q appears twice", k.Value)
			}
			d.lines[fp] = k.Line
			its := items(v)
			if len(its) == 0 {
				return d.errf(v, fp, "must not be an empty list")
			}
			for j, it := range its {
				p := fp
				if v.Kind == yaml.SequenceNode {
					p = fmt.Sprintf("%s[%d]", fp, j)
				}
				val, err := d.value(it, p)
				if err != nil {
					return err
				}
				out[k.Value] = append(out[k.Value], val)
			}
		}
		*dst = out
		return nil
	}
}

func (d *decoder) spec(n *yaml.Node, s *Spec) error {
	if n.Kind != yaml.MappingNode {
		return d.errf(n, "", "a workload must be a mapping with keys name, target, dataset, fields, insert, indexes, search, load, goals, pricing, tenancy; got %s", kindName(n))
	}
	return d.mapping(n, "", map[string]fieldFunc{
		"name":    d.str(&s.Name),
		"target":  d.target(&s.Target),
		"dataset": d.dataset(&s.Dataset),
		"fields":  d.fields(&s.Fields),
		"insert": func(n *yaml.Node, p string) error {
			return d.mapping(n, p, map[string]fieldFunc{"batch": d.integer(&s.Insert.Batch)})
		},
		"indexes": d.indexes(&s.Indexes),
		"search": func(n *yaml.Node, p string) error {
			return d.mapping(n, p, map[string]fieldFunc{
				"topk":        d.intList(&s.Search.TopK),
				"nq":          d.intList(&s.Search.NQ),
				"selectivity": d.floatList(&s.Search.Selectivity),
				"output_fields": listOf(d, &s.Search.OutputFields, func(n *yaml.Node, p string) (string, error) {
					return d.scalar(n, p)
				}),
				"kind": listOf(d, &s.Search.Kinds, func(n *yaml.Node, p string) (string, error) {
					var k string
					err := d.oneOf(&k, SearchKinds()...)(n, p)
					return k, err
				}),
				"field":   d.str(&s.Search.Field),
				"hybrid":  d.hybrid(&s.Search.Hybrid),
				"filters": d.filters(&s.Search.Filters),
				"range":   d.rangeSweep(&s.Search.Range),
				"group":   d.groupSweep(&s.Search.Group),
				// kind iterator's parameters (iterator.go)
				"iterator": d.iteratorSweep(&s.Search.Iterator),
			})
		},
		"load":    d.load(&s.Load),
		"goals":   d.goals(&s.Goals),
		"cluster": d.cluster(&s.Cluster),
		"pricing": d.pricingSection(&s.Pricing),
		"tenancy": d.tenancy(&s.Tenancy),
	}, "name", "dataset", "indexes")
}

func (d *decoder) dataset(ds *DatasetSpec) fieldFunc {
	return func(n *yaml.Node, p string) error {
		var metric string
		err := d.mapping(n, p, map[string]fieldFunc{
			"name":         d.str(&ds.Name),
			"source":       d.oneOf(&ds.Source, SourceSynthetic, SourceFvecs, SourceBvecs, SourceNpy, SourceParquet, SourceDir, SourceCollection, SourceHDF5),
			"size":         d.integer(&ds.Size),
			"dim":          d.integer(&ds.Dim),
			"metric":       d.oneOf(&metric, string(L2), string(IP), string(Cosine), string(Hamming), string(Jaccard)),
			"queries":      d.integer(&ds.Queries),
			"seed":         d.int64(&ds.Seed),
			"distribution": d.oneOf(&ds.Distribution, DistGaussian, DistClustered, DistSkewed),
			"clusters":     d.integer(&ds.Clusters),
			"labels":       d.oneOf(&ds.Labels, LabelsInt, LabelsCategory),
			"categories":   d.integer(&ds.Categories),
			"preload":      d.float(&ds.Preload),
			"path":         d.str(&ds.Path),
			"base_file":    d.str(&ds.BaseFile),
			"query_file":   d.str(&ds.QueryFile),
			"truth_file":   d.str(&ds.TruthFile),
			"payload":      d.payload(&ds.Payload),
			"payload_file": d.str(&ds.PayloadFile),
			"vector_type":  d.oneOf(&ds.VectorType, VectorTypes()...),
		})
		ds.Metric = Metric(metric)
		if err == nil && ds.Name != "" {
			err = d.namedDataset(p, ds)
		}
		return err
	}
}

// namedDataset refuses the keys a named dataset sets itself.
func (d *decoder) namedDataset(p string, ds *DatasetSpec) error {
	for _, k := range []struct{ key, v string }{{"source", ds.Source}, {"path", ds.Path}, {"base_file", ds.BaseFile}, {"query_file", ds.QueryFile}, {"truth_file", ds.TruthFile}} {
		if fp := p + "." + k.key; k.v != "" {
			return &Error{File: d.file, Line: d.lines[fp], Field: fp, Msg: fmt.Sprintf("does not apply with dataset.name %q: a named dataset's files are the ones `milvbench dataset fetch %s` put in the cache", ds.Name, ds.Name)}
		}
	}
	return nil
}

func (d *decoder) indexes(dst *[]IndexSweep) fieldFunc {
	return func(n *yaml.Node, p string) error {
		if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
			return d.errf(n, p, "must be a non-empty list of indexes, each with type, build and search")
		}
		for i, it := range n.Content {
			ip := fmt.Sprintf("%s[%d]", p, i)
			x := IndexSweep{Line: it.Line}
			err := d.mapping(it, ip, map[string]fieldFunc{
				"type":        d.oneOf(&x.Type, IndexTypes()...),
				"field":       d.str(&x.Field),
				"build":       d.params(&x.Build),
				"search":      d.params(&x.Search),
				"vector_type": d.oneOf(&x.VectorType, VectorTypes()...),
			}, "type")
			if err != nil {
				return err
			}
			*dst = append(*dst, x)
		}
		return nil
	}
}

func (d *decoder) load(l *LoadSpec) fieldFunc {
	return func(n *yaml.Node, p string) error {
		return d.mapping(n, p, map[string]fieldFunc{
			"model":         d.oneOf(&l.Model, LoadModels()...),
			"concurrency":   d.intList(&l.Concurrency),
			"think_time":    d.duration(&l.ThinkTime),
			"rate":          d.floatList(&l.Rate),
			"arrivals":      d.oneOf(&l.Arrivals, ArrivalsConstant, ArrivalsPoisson),
			"max_in_flight": d.integer(&l.MaxInFlight),
			"duration":      d.duration(&l.Duration),
			"warmup":        d.duration(&l.Warmup),
			"interval":      d.duration(&l.Interval),
			"repeat":        d.integer(&l.Repeat),
			"cold":          d.integer(&l.Cold),
			"idle_before":   d.duration(&l.IdleBefore),
			"start_rate":    d.float(&l.StartRate),
			"max_rate":      d.float(&l.MaxRate),
			"ramp_factor":   d.float(&l.RampFactor),
			"precision":     d.float(&l.Precision),
			"max_error_rate": func(n *yaml.Node, p string) error {
				l.errRateSet = true
				return d.float(&l.MaxErrorRate)(n, p)
			},
			"insert_rate":        d.floatList(&l.InsertRate),
			"insert_batch":       d.intList(&l.InsertBatch),
			"delete_rate":        d.float(&l.DeleteRate),
			"upsert_rate":        d.float(&l.UpsertRate),
			"checkpoints":        d.integer(&l.Checkpoints),
			"insert_concurrency": d.intList(&l.InsertConcurrency),
			"on_error":           d.oneOf(&l.OnError, OnErrorAbort, OnErrorContinue, OnErrorRetry),
		})
	}
}
