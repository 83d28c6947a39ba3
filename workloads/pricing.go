package workloads

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Pricing is a table of Zilliz Cloud prices, per-CU capacities and plan
// limits. milvbench ships a dated default table (tuner/pricing); a
// workload's `pricing` section, or a file it names, overrides any part of
// it, because prices change and differ by region and contract.
type Pricing struct {
	// File is the pricing file the section named (resolved path), if any.
	File string `json:"file,omitempty"`
	// Source says where the numbers come from (a URL, a contract); Date
	// when they were read; Region and Currency what they apply to.
	Source   string `json:"source,omitempty"`
	Date     string `json:"date,omitempty"`
	Region   string `json:"region,omitempty"`
	Currency string `json:"currency,omitempty"`
	// HoursPerMonth converts hourly prices to monthly (730 = 8760/12).
	HoursPerMonth float64 `json:"hours_per_month,omitempty"`
	// StorageGBMonth is the price of a GB of stored data per month.
	StorageGBMonth float64 `json:"storage_gb_month,omitempty"`
	// CUTypes describes each CU type: capacity, throughput, latency class.
	CUTypes map[string]CUTypeSpec `json:"cu_types,omitempty"`
	// Plans holds each dedicated plan's limits and price per CU-hour.
	Plans map[string]PlanTier `json:"plans,omitempty"`
	// Sources names the source of individual values by their dotted key
	// (e.g. "plans.standard.cu_hour.performance"); values without an entry
	// fall back to Source.
	Sources map[string]string `json:"sources,omitempty"`
	// Conflicts lists, by dotted key, every figure the publisher's own
	// pages give for a value where they disagree, each with its source
	// and the date it was read. The table's value is the conservative
	// one (see Conservative), and the recommendation says so.
	Conflicts map[string][]PublishedFigure `json:"conflicts,omitempty"`
	// Notes say what the table could not find or had to assume.
	Notes []string `json:"notes,omitempty"`
}

// PublishedFigure is one published value of a figure: what it is, where
// it was read and when.
type PublishedFigure struct {
	Value  float64 `json:"value"`
	Source string  `json:"source"`
	Date   string  `json:"date,omitempty"`
}

// Conservative returns the figure of fs a sizing should use for key: the
// fewest vectors or queries per CU (more CUs), or the highest price (a
// larger bill). The second result is false for an empty list.
func Conservative(key string, fs []PublishedFigure) (PublishedFigure, bool) {
	if len(fs) == 0 {
		return PublishedFigure{}, false
	}
	higher := !strings.Contains(key, "vectors_per_cu") && !strings.Contains(key, "qps_per_cu") && !strings.Contains(key, "build_level")
	best := fs[0]
	for _, f := range fs[1:] {
		if (higher && f.Value > best.Value) || (!higher && f.Value < best.Value) {
			best = f
		}
	}
	return best, true
}

// ConflictsUnder returns the conflicts whose key is key or lies under it
// (key "cu_types.performance.vectors_per_cu" finds ".768"), sorted by key.
func (p Pricing) ConflictsUnder(key string) []string {
	var keys []string
	for k := range p.Conflicts {
		if k == key || strings.HasPrefix(k, key+".") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// CUTypeSpec is what one Zilliz Cloud CU of a type holds and serves.
type CUTypeSpec struct {
	// VectorsPerCU is the published capacity of one CU by vector dimension.
	VectorsPerCU map[int]float64 `json:"vectors_per_cu,omitempty"`
	// QPSPerCU is a published search throughput of one CU, used only when
	// the measured target was not a Zilliz Cloud cluster.
	QPSPerCU float64 `json:"qps_per_cu,omitempty"`
	// LatencyMS is the type's published latency class (an upper bound of
	// typical search latency).
	LatencyMS float64 `json:"latency_ms,omitempty"`
	// MinCUs is the smallest cluster of this type.
	MinCUs int `json:"min_cus,omitempty"`
	// BuildLevel is the capacity factor over VectorsPerCU of each Zilliz
	// Cloud build_level the publisher gives a figure for (goals.build_level).
	BuildLevel map[int]float64 `json:"build_level,omitempty"`
}

// PlanTier is a dedicated-cluster plan tier.
type PlanTier struct {
	// MaxCUs bounds CUs × replicas of one cluster.
	MaxCUs int `json:"max_cus,omitempty"`
	// ReplicasMinCUs is the smallest CU count that may add replicas; 0
	// means the plan offers no replicas.
	ReplicasMinCUs int `json:"replicas_min_cus,omitempty"`
	// CUHour is the price of one CU-hour by CU type.
	CUHour map[string]float64 `json:"cu_hour,omitempty"`
}

// Plan tiers and CU types a pricing table may describe.
var (
	pricingPlans   = []string{PlanStandard, PlanEnterprise, PlanBusinessCritical}
	pricingCUTypes = goalCUTypes
)

// ParsePricing decodes a pricing file (file names it in errors).
func ParsePricing(file string, data []byte, env LookupEnv) (*Pricing, error) {
	doc, err := documentNode(file, data, "pricing file is empty")
	if err != nil {
		return nil, err
	}
	d := &decoder{file: file, env: env, lines: map[string]int{}}
	p := &Pricing{}
	if err := d.pricing(doc, "", p, false); err != nil {
		return nil, err
	}
	return p, nil
}

// pricingSection decodes a workload's `pricing`: a file name, or a mapping
// whose optional `file` is read first and whose other keys override it.
func (d *decoder) pricingSection(dst **Pricing) fieldFunc {
	return func(n *yaml.Node, path string) error {
		p := &Pricing{}
		if n.Kind == yaml.ScalarNode {
			name, err := d.scalar(n, path)
			if err != nil {
				return err
			}
			if p, err = d.pricingFile(n, path, name); err != nil {
				return err
			}
			*dst = p
			return nil
		}
		if err := d.pricing(n, path, p, true); err != nil {
			return err
		}
		*dst = p
		return nil
	}
}

// pricingFile reads the pricing file name, relative to the workload file.
func (d *decoder) pricingFile(n *yaml.Node, path, name string) (*Pricing, error) {
	if name == "" {
		return nil, d.errf(n, path, "must name a pricing file or be a mapping of prices")
	}
	full := name
	if !filepath.IsAbs(full) && !strings.HasPrefix(d.file, ExamplePrefix) {
		full = filepath.Join(filepath.Dir(d.file), name)
	}
	data, err := os.ReadFile(full)
	if err != nil {
		return nil, d.errf(n, path, "cannot read pricing file: %v", err)
	}
	p, err := ParsePricing(full, data, d.env)
	if err != nil {
		return nil, err
	}
	p.File = full
	return p, nil
}

// pricing decodes a pricing mapping into p; inline allows the `file` key
// (only in a workload's section). Every value set gets a source: its
// sources entry, else the mapping's source, else file:line.
func (d *decoder) pricing(n *yaml.Node, path string, p *Pricing, inline bool) error {
	var leaves []string
	leaf := func(f fieldFunc) fieldFunc {
		return func(n *yaml.Node, fp string) error {
			if err := f(n, fp); err != nil {
				return err
			}
			leaves = append(leaves, fp)
			return nil
		}
	}
	var fileName string
	var fileNode *yaml.Node
	fields := map[string]fieldFunc{
		"source":           d.str(&p.Source),
		"date":             d.str(&p.Date),
		"region":           d.str(&p.Region),
		"currency":         d.str(&p.Currency),
		"hours_per_month":  leaf(d.positive(&p.HoursPerMonth, 744)),
		"storage_gb_month": leaf(d.positive(&p.StorageGBMonth, 1e6)),
		"cu_types": d.namedMap(pricingCUTypes, func(name string, n *yaml.Node, fp string) error {
			if p.CUTypes == nil {
				p.CUTypes = map[string]CUTypeSpec{}
			}
			var c CUTypeSpec
			err := d.mapping(n, fp, map[string]fieldFunc{
				"vectors_per_cu": leaf(d.vectorsPerCU(&c.VectorsPerCU)),
				"qps_per_cu":     leaf(d.positive(&c.QPSPerCU, 1e9)),
				"latency_ms":     leaf(d.positive(&c.LatencyMS, 1e6)),
				"min_cus":        leaf(d.bounded(&c.MinCUs, 1, 1024)),
				"build_level":    leaf(d.buildLevels(&c.BuildLevel)),
			})
			p.CUTypes[name] = c
			return err
		}),
		"plans": d.namedMap(pricingPlans, func(name string, n *yaml.Node, fp string) error {
			if p.Plans == nil {
				p.Plans = map[string]PlanTier{}
			}
			var pl PlanTier
			err := d.mapping(n, fp, map[string]fieldFunc{
				"max_cus":          leaf(d.bounded(&pl.MaxCUs, 1, 100000)),
				"replicas_min_cus": leaf(d.bounded(&pl.ReplicasMinCUs, 0, 100000)),
				"cu_hour": d.namedMap(pricingCUTypes, func(t string, n *yaml.Node, fp string) error {
					if pl.CUHour == nil {
						pl.CUHour = map[string]float64{}
					}
					var v float64
					err := leaf(d.positive(&v, 1e6))(n, fp)
					pl.CUHour[t] = v
					return err
				}),
			})
			p.Plans[name] = pl
			return err
		}),
		"notes": listOf(d, &p.Notes, func(n *yaml.Node, fp string) (string, error) { return d.scalar(n, fp) }),
		"conflicts": func(n *yaml.Node, fp string) error {
			if n.Kind != yaml.MappingNode {
				return d.errf(n, fp, "must be a mapping of dotted keys to lists of {value, source, date}")
			}
			p.Conflicts = map[string][]PublishedFigure{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				key, list := n.Content[i].Value, n.Content[i+1]
				kp := join(fp, key)
				if list.Kind != yaml.SequenceNode || len(list.Content) < 2 {
					return d.errf(list, kp, "must list at least two published figures, each {value, source, date}")
				}
				for j, item := range list.Content {
					var f PublishedFigure
					ip := fmt.Sprintf("%s[%d]", kp, j)
					if err := d.mapping(item, ip, map[string]fieldFunc{
						"value":  d.positive(&f.Value, 1e15),
						"source": d.str(&f.Source),
						"date":   d.str(&f.Date),
					}); err != nil {
						return err
					}
					if f.Source == "" {
						return d.errf(item, ip, "needs a source")
					}
					p.Conflicts[key] = append(p.Conflicts[key], f)
				}
			}
			return nil
		},
		"sources": func(n *yaml.Node, fp string) error {
			if n.Kind != yaml.MappingNode {
				return d.errf(n, fp, "must be a mapping of dotted keys (e.g. plans.standard.cu_hour.performance) to where the value comes from")
			}
			p.Sources = map[string]string{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				v, err := d.scalar(n.Content[i+1], join(fp, n.Content[i].Value))
				if err != nil {
					return err
				}
				p.Sources[n.Content[i].Value] = v
			}
			return nil
		},
	}
	if inline {
		fields["file"] = func(n *yaml.Node, fp string) error {
			fileNode = n
			var err error
			fileName, err = d.scalar(n, fp)
			return err
		}
	}
	if err := d.mapping(n, path, fields); err != nil {
		return err
	}
	prefix := ""
	if path != "" {
		prefix = path + "."
	}
	if p.Sources == nil && len(leaves) > 0 {
		p.Sources = map[string]string{}
	}
	for _, fp := range leaves {
		key := strings.TrimPrefix(fp, prefix)
		if _, ok := p.Sources[key]; ok {
			continue
		}
		if p.Source != "" {
			p.Sources[key] = p.Source
		} else {
			p.Sources[key] = fmt.Sprintf("%s:%d", d.file, d.lines[fp])
		}
	}
	if fileNode != nil {
		base, err := d.pricingFile(fileNode, join(path, "file"), fileName)
		if err != nil {
			return err
		}
		*p = base.Merge(*p)
	}
	return nil
}

// namedMap decodes a mapping whose keys must be among names, calling each
// for every entry.
func (d *decoder) namedMap(names []string, each func(name string, n *yaml.Node, path string) error) fieldFunc {
	return func(n *yaml.Node, path string) error {
		fields := map[string]fieldFunc{}
		for _, name := range names {
			fields[name] = func(n *yaml.Node, fp string) error { return each(name, n, fp) }
		}
		return d.mapping(n, path, fields)
	}
}

// positive decodes a number in (0, hi].
func (d *decoder) positive(dst *float64, hi float64) fieldFunc {
	return func(n *yaml.Node, path string) error {
		if err := d.float(dst)(n, path); err != nil {
			return err
		}
		if *dst <= 0 || *dst > hi {
			return d.errf(n, path, "%g is out of range (0 < value ≤ %s)", *dst, strconv.FormatFloat(hi, 'f', -1, 64))
		}
		return nil
	}
}

// bounded decodes a whole number in [lo, hi].
func (d *decoder) bounded(dst *int, lo, hi int) fieldFunc {
	return func(n *yaml.Node, path string) error {
		if err := d.integer(dst)(n, path); err != nil {
			return err
		}
		if *dst < lo || *dst > hi {
			return d.errf(n, path, "%d is out of range (allowed %d..%d)", *dst, lo, hi)
		}
		return nil
	}
}

// buildLevels decodes {build_level: capacity factor, ...}.
func (d *decoder) buildLevels(dst *map[int]float64) fieldFunc {
	return func(n *yaml.Node, path string) error {
		if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
			return d.errf(n, path, "must be a mapping of build_level (0, 1, 2) to a capacity factor over vectors_per_cu, e.g. {0: 1.3}")
		}
		out := map[int]float64{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			fp := join(path, k.Value)
			lvl, err := strconv.Atoi(k.Value)
			if err != nil || lvl < 0 || lvl > 2 {
				return d.errf(k, fp, "%q is not a build_level (0, 1 or 2)", k.Value)
			}
			var v float64
			if err := d.positive(&v, 100)(n.Content[i+1], fp); err != nil {
				return err
			}
			out[lvl] = v
		}
		*dst = out
		return nil
	}
}

// vectorsPerCU decodes {dim: vectors, ...}.
func (d *decoder) vectorsPerCU(dst *map[int]float64) fieldFunc {
	return func(n *yaml.Node, path string) error {
		if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
			return d.errf(n, path, "must be a mapping of vector dimension to vectors per CU, e.g. {128: 7.5e6, 768: 1.5e6}")
		}
		out := map[int]float64{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			fp := join(path, k.Value)
			dim, err := strconv.Atoi(k.Value)
			if err != nil || dim < 2 || dim > 32768 {
				return d.errf(k, fp, "%q is not a vector dimension (a whole number 2..32768)", k.Value)
			}
			if _, dup := out[dim]; dup {
				return d.errf(k, fp, "dimension %d appears twice", dim)
			}
			var v float64
			if err := d.positive(&v, 1e15)(n.Content[i+1], fp); err != nil {
				return err
			}
			out[dim] = v
		}
		*dst = out
		return nil
	}
}

// Merge returns p with every value over sets replacing p's, and over's
// sources for them. Descriptive fields (source, date, region, currency)
// are taken from over when it has them.
func (p Pricing) Merge(over Pricing) Pricing {
	out := p
	out.CUTypes = maps.Clone(p.CUTypes)
	out.Plans = map[string]PlanTier{}
	for k, v := range p.Plans {
		v.CUHour = maps.Clone(v.CUHour)
		out.Plans[k] = v
	}
	out.Sources = maps.Clone(p.Sources)
	if out.Sources == nil {
		out.Sources = map[string]string{}
	}
	maps.Copy(out.Sources, over.Sources)
	// A value the override sets is its own figure: the published ones it
	// replaces no longer conflict.
	out.Conflicts = maps.Clone(p.Conflicts)
	for k := range out.Conflicts {
		for set := range over.Sources {
			if k == set || strings.HasPrefix(k, set+".") {
				delete(out.Conflicts, k)
			}
		}
	}
	if len(over.Conflicts) > 0 && out.Conflicts == nil {
		out.Conflicts = map[string][]PublishedFigure{}
	}
	maps.Copy(out.Conflicts, over.Conflicts)
	out.Notes = append(slices.Clone(p.Notes), over.Notes...)
	for _, s := range []struct{ dst, src *string }{
		{&out.File, &over.File}, {&out.Source, &over.Source}, {&out.Date, &over.Date},
		{&out.Region, &over.Region}, {&out.Currency, &over.Currency},
	} {
		if *s.src != "" {
			*s.dst = *s.src
		}
	}
	if over.HoursPerMonth > 0 {
		out.HoursPerMonth = over.HoursPerMonth
	}
	if over.StorageGBMonth > 0 {
		out.StorageGBMonth = over.StorageGBMonth
	}
	if len(over.CUTypes) > 0 && out.CUTypes == nil {
		out.CUTypes = map[string]CUTypeSpec{}
	}
	for name, o := range over.CUTypes {
		c := out.CUTypes[name]
		if len(o.VectorsPerCU) > 0 {
			c.VectorsPerCU = maps.Clone(o.VectorsPerCU)
		}
		if o.QPSPerCU > 0 {
			c.QPSPerCU = o.QPSPerCU
		}
		if o.LatencyMS > 0 {
			c.LatencyMS = o.LatencyMS
		}
		if o.MinCUs > 0 {
			c.MinCUs = o.MinCUs
		}
		if len(o.BuildLevel) > 0 {
			c.BuildLevel = maps.Clone(o.BuildLevel)
		}
		out.CUTypes[name] = c
	}
	for name, o := range over.Plans {
		pl := out.Plans[name]
		if o.MaxCUs > 0 {
			pl.MaxCUs = o.MaxCUs
		}
		if o.ReplicasMinCUs > 0 {
			pl.ReplicasMinCUs = o.ReplicasMinCUs
		}
		if pl.CUHour == nil && len(o.CUHour) > 0 {
			pl.CUHour = map[string]float64{}
		}
		maps.Copy(pl.CUHour, o.CUHour)
		out.Plans[name] = pl
	}
	return out
}

// SourceOf returns where the value at the dotted key came from.
func (p Pricing) SourceOf(key string) string {
	if s, ok := p.Sources[key]; ok {
		return s
	}
	return p.Source
}

// documentNode decodes a YAML file's top node; empty is the error for a
// file with nothing in it.
func documentNode(file string, data []byte, empty string) (*yaml.Node, error) {
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: file, Msg: empty}
		}
		return nil, yamlError(file, err)
	}
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		return root.Content[0], nil
	}
	return &root, nil
}
