package workloads

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Field types (fields[].type).
const (
	// FieldDense is a FLOAT_VECTOR field. The first holds the dataset
	// section's vectors (named "vector" unless fields names it); each
	// further one reads its own from data (synthetic, fvecs or npy).
	FieldDense = "dense"
	// FieldSparse is a SPARSE_FLOAT_VECTOR field; its data says where
	// its rows and queries come from.
	FieldSparse = "sparse"
	// FieldText is a VARCHAR field with a BM25 function that turns it
	// into a sparse field <name>_bm25 (the field searched and indexed).
	FieldText = "text"
)

// FieldTypes lists the field types in documentation order.
func FieldTypes() []string { return []string{FieldDense, FieldSparse, FieldText} }

// Search kinds (search.kind), one per request Milvus serves.
const (
	// KindANN: top-k on the dense field (the default).
	KindANN = "ann"
	// KindSparse: top-k on a sparse field by inner product.
	KindSparse = "sparse"
	// KindBM25: full-text top-k: query text scored by BM25 against a
	// text field's BM25 output.
	KindBM25 = "bm25"
	// KindHybrid: several single-field requests fused by a ranker.
	KindHybrid = "hybrid"
)

// SearchKinds lists the search kinds in documentation order.
func SearchKinds() []string {
	return []string{KindANN, KindSparse, KindBM25, KindHybrid, KindRange, KindGroup, KindIterator}
}

// KindOf is the search kind a single-field request on a field of type t
// makes.
func KindOf(fieldType string) string {
	switch fieldType {
	case FieldSparse:
		return KindSparse
	case FieldText:
		return KindBM25
	}
	return KindANN
}

// Hybrid rankers (search.hybrid.ranker).
const (
	RankerRRF      = "rrf"
	RankerWeighted = "weighted"
)

// DefaultRRFK is Milvus's RRF smoothing constant k.
const DefaultRRFK = 60

// DefaultDenseField names the dense field of a workload without fields.
const DefaultDenseField = "vector"

// FieldSpec is one field of the collection.
type FieldSpec struct {
	Name string `json:"name"`
	Type string `json:"type"`
	// Data says where a sparse or text field's rows and queries come from
	// (a dense field's are the dataset section's).
	Data *FieldData `json:"data,omitempty"`
	// Analyzer and StopWords: a text field's analyzer (default
	// "standard", Milvus's) and the stop words it drops.
	Analyzer  string   `json:"analyzer,omitempty"`
	StopWords []string `json:"stop_words,omitempty"`
	// Index is the field's index when no indexes entry sweeps it (default:
	// FLAT for dense, SPARSE_INVERTED_INDEX for sparse and text), with
	// one value per parameter.
	Index *IndexSweep `json:"index,omitempty"`
	Line  int         `json:"-"`
}

// Field data sources (fields[].data.source).
const (
	FieldDataSynthetic = "synthetic"
	// Sparse files: big-ann-benchmarks CSR, or parquet (VectorDBBench-style
	// sparse columns).
	FieldDataCSR     = "csr"
	FieldDataParquet = "parquet"
	// Text files: one document per line, JSONL with a text field, parquet
	// with a string column.
	FieldDataLines = "lines"
	FieldDataJSONL = "jsonl"
	// Dense files of a second dense field (the dataset section's formats).
	FieldDataFvecs = "fvecs"
	FieldDataNpy   = "npy"
)

// FieldData says where a sparse or text field's values come from: files
// (base_file, and query_file for the queries; text without a query file
// draws its queries from the documents) or synthetic with the shape given.
// Row i of the files is row i of the collection; there must be at least
// dataset.size rows and dataset.queries queries.
type FieldData struct {
	// Name is a text corpus fetched into the cache by `milvbench dataset
	// fetch NAME` (debian-descriptions): one document per line, read in
	// place of source, base_file and query_file.
	Name      string `json:"name,omitempty"`
	Source    string `json:"source,omitempty"`
	BaseFile  string `json:"base_file,omitempty"`
	QueryFile string `json:"query_file,omitempty"`
	// Column is the JSONL key or parquet column holding the text.
	Column string `json:"column,omitempty"`
	// Synthetic sparse: the dimension space and median non-zeros per row
	// and per query.
	Dims     int64 `json:"dims,omitempty"`
	NNZ      int   `json:"nnz,omitempty"`
	QueryNNZ int   `json:"query_nnz,omitempty"`
	// Synthetic text: the vocabulary and median words per document.
	Vocabulary int `json:"vocabulary,omitempty"`
	DocWords   int `json:"doc_words,omitempty"`
	// QueryWords is the range of words per query (synthetic text, or
	// queries drawn from a corpus file): [min, max].
	QueryWords []int `json:"query_words,omitempty"`
	// A further dense field: its dimension and metric (default: the
	// dataset's metric), and a synthetic one's distribution (default
	// clustered).
	Dim          int    `json:"dim,omitempty"`
	Metric       Metric `json:"metric,omitempty"`
	Distribution string `json:"distribution,omitempty"`
	// NameLine is the line of the name key, for errors found where the
	// corpus is read.
	NameLine int `json:"-"`
}

// HybridSweep is search.hybrid: the sub-requests and the ranker, each
// parameter a list swept like the others.
type HybridSweep struct {
	Requests []HybridRequestSweep `json:"requests"`
	Ranker   string               `json:"ranker"`
	// K is RRF's smoothing constant (default 60).
	K []float64 `json:"k,omitempty"`
	// Weights: for the weighted ranker, one weight per sub-request in each
	// element.
	Weights [][]float64 `json:"weights,omitempty"`
	// NormScore maps each sub-request's score into [0, 1] before
	// weighting, as Milvus's weighted ranker does with norm_score.
	NormScore bool `json:"norm_score,omitempty"`
	Line      int  `json:"-"`
}

// HybridRequestSweep is one sub-request of a hybrid search: a field, how
// many hits it returns to the ranker, and its search parameters (for the
// field an indexes entry sweeps, that entry's search values are used).
type HybridRequestSweep struct {
	Field  string             `json:"field"`
	Limit  []int              `json:"limit"`
	Params map[string][]Value `json:"params,omitempty"`
	Line   int                `json:"-"`
}

// HybridPoint is one point of a hybrid sweep.
type HybridPoint struct {
	Requests  []SubRequest `json:"requests"`
	Ranker    string       `json:"ranker"`
	K         float64      `json:"k,omitempty"`
	Weights   []float64    `json:"weights,omitempty"`
	NormScore bool         `json:"norm_score,omitempty"`
}

// SubRequest is one single-field request of a hybrid point.
type SubRequest struct {
	Field  string `json:"field"`
	Kind   string `json:"kind"`
	Limit  int    `json:"limit"`
	Params Params `json:"params,omitempty"`
}

// String renders a hybrid point compactly, each sub-request as
// field:limit with its parameters: rrf(k=60)[vector:20(ef=64),text:20].
func (h *HybridPoint) String() string {
	var b strings.Builder
	b.WriteString(h.Ranker)
	switch h.Ranker {
	case RankerRRF:
		fmt.Fprintf(&b, "(k=%g)", h.K)
	case RankerWeighted:
		w := make([]string, len(h.Weights))
		for i, x := range h.Weights {
			w[i] = fmt.Sprint(x)
		}
		fmt.Fprintf(&b, "(%s", strings.Join(w, ","))
		if h.NormScore {
			b.WriteString(",norm")
		}
		b.WriteString(")")
	}
	b.WriteString("[")
	for i, r := range h.Requests {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "%s:%d", r.Field, r.Limit)
		if len(r.Params) > 0 {
			b.WriteString(FormatParams(r.Params))
		}
	}
	b.WriteString("]")
	return b.String()
}

// CollectionFields returns the workload's fields: fields as written, or the
// one dense field of a workload without them.
func (s *Spec) CollectionFields() []FieldSpec {
	if len(s.Fields) > 0 {
		return s.Fields
	}
	return []FieldSpec{{Name: DefaultDenseField, Type: FieldDense}}
}

// Field returns the field called name.
func (s *Spec) Field(name string) (FieldSpec, bool) {
	for _, f := range s.CollectionFields() {
		if f.Name == name {
			return f, true
		}
	}
	return FieldSpec{}, false
}

// DenseField returns the first dense field (its vectors are the dataset
// section's), if the collection has one.
func (s *Spec) DenseField() (FieldSpec, bool) {
	for _, f := range s.CollectionFields() {
		if f.Type == FieldDense {
			return f, true
		}
	}
	return FieldSpec{}, false
}

// MultiField reports whether the collection is more than today's single
// dense vector (it has a sparse, text or second dense field).
func (s *Spec) MultiField() bool {
	return len(s.CollectionFields()) > 1 || s.CollectionFields()[0].Type != FieldDense
}

// SearchKind is the workload's first search kind (search.kind, default
// ann).
func (s *Spec) SearchKind() string { return s.SearchKinds()[0] }

// SearchKinds are the workload's search kinds, in the order given
// (default: ann alone).
func (s *Spec) SearchKinds() []string {
	if len(s.Search.Kinds) == 0 {
		return []string{KindANN}
	}
	return s.Search.Kinds
}

// SearchField is the field a single-field kind searches: search.field,
// or the one field of the kind's type.
func (s *Spec) SearchField(kind string) string {
	if s.Search.Field != "" {
		return s.Search.Field
	}
	for _, f := range s.CollectionFields() {
		if KindOf(f.Type) == kind {
			return f.Name
		}
	}
	return ""
}

// IndexField is the field an indexes entry builds on: its field key, or
// the field of the one single-field kind searched, else the dense field.
func (s *Spec) IndexField(ix IndexSweep) string {
	if ix.Field != "" {
		return ix.Field
	}
	if kinds := s.SearchKinds(); len(kinds) == 1 && kinds[0] != KindHybrid {
		return s.SearchField(kinds[0])
	}
	if f, ok := s.DenseField(); ok {
		return f.Name
	}
	return ""
}

// searches reports whether some search kind of the workload searches
// field name.
func (s *Spec) searches(name string) bool {
	for _, kind := range s.SearchKinds() {
		if kind != KindHybrid && s.SearchField(kind) == name {
			return true
		}
		if kind == KindHybrid && s.Search.Hybrid != nil {
			for _, r := range s.Search.Hybrid.Requests {
				if r.Field == name {
					return true
				}
			}
		}
	}
	return false
}

// FixedIndex is the index of field f when no indexes entry sweeps it:
// its index key with defaults, or FLAT (dense) / SPARSE_INVERTED_INDEX.
func FixedIndex(f FieldSpec) (IndexConfig, Params) {
	typ := "FLAT"
	if f.Type != FieldDense {
		typ = IndexSparseInverted
	}
	var build, search map[string][]Value
	if f.Index != nil {
		typ, build, search = f.Index.Type, f.Index.Build, f.Index.Search
	}
	b := expand(build, fieldBuildDefaults(typ, f.Type))[0]
	return IndexConfig{Type: typ, Build: b, Field: f.Name}, expand(search, searchDefaults(typ, 1))[0]
}

// decodeFields decodes the fields list.
func (d *decoder) fields(dst *[]FieldSpec) fieldFunc {
	return func(n *yaml.Node, p string) error {
		if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
			return d.errf(n, p, "must be a non-empty list of fields, each with name and type (%s)", strings.Join(FieldTypes(), ", "))
		}
		for i, it := range n.Content {
			fp := fmt.Sprintf("%s[%d]", p, i)
			f := FieldSpec{Line: it.Line}
			err := d.mapping(it, fp, map[string]fieldFunc{
				"name":     d.str(&f.Name),
				"type":     d.oneOf(&f.Type, FieldTypes()...),
				"data":     d.fieldData(&f.Data),
				"analyzer": d.str(&f.Analyzer),
				"stop_words": listOf(d, &f.StopWords, func(n *yaml.Node, p string) (string, error) {
					return d.scalar(n, p)
				}),
				"index": func(n *yaml.Node, p string) error {
					x := IndexSweep{Line: n.Line}
					err := d.mapping(n, p, map[string]fieldFunc{
						"type":   d.oneOf(&x.Type, IndexTypes()...),
						"build":  d.params(&x.Build),
						"search": d.params(&x.Search),
					}, "type")
					f.Index = &x
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

func (d *decoder) fieldData(dst **FieldData) fieldFunc {
	return func(n *yaml.Node, p string) error {
		fd := &FieldData{}
		*dst = fd
		err := d.mapping(n, p, map[string]fieldFunc{
			"name":   d.str(&fd.Name),
			"source": d.oneOf(&fd.Source, FieldDataSynthetic, FieldDataCSR, FieldDataParquet, FieldDataLines, FieldDataJSONL, FieldDataFvecs, FieldDataNpy),
			"dim":    d.integer(&fd.Dim),
			"metric": func(n *yaml.Node, p string) error {
				var m string
				err := d.oneOf(&m, string(L2), string(IP), string(Cosine))(n, p)
				fd.Metric = Metric(m)
				return err
			},
			"distribution": d.oneOf(&fd.Distribution, DistGaussian, DistClustered, DistSkewed),
			"base_file":    d.str(&fd.BaseFile),
			"query_file":   d.str(&fd.QueryFile),
			"column":       d.str(&fd.Column),
			"dims":         d.int64(&fd.Dims),
			"nnz":          d.integer(&fd.NNZ),
			"query_nnz":    d.integer(&fd.QueryNNZ),
			"vocabulary":   d.integer(&fd.Vocabulary),
			"doc_words":    d.integer(&fd.DocWords),
			"query_words":  d.intList(&fd.QueryWords),
		})
		fd.NameLine = d.lines[p+".name"]
		if err != nil || fd.Name != "" {
			return err
		}
		if fd.Source == "" {
			return d.errf(n, p+".source", "is missing (required, or name: a text corpus fetched with milvbench dataset fetch)")
		}
		return nil
	}
}

func (d *decoder) hybrid(dst **HybridSweep) fieldFunc {
	return func(n *yaml.Node, p string) error {
		h := &HybridSweep{Line: n.Line}
		*dst = h
		return d.mapping(n, p, map[string]fieldFunc{
			"requests": func(n *yaml.Node, p string) error {
				if n.Kind != yaml.SequenceNode {
					return d.errf(n, p, "must be a list of sub-requests, each with field and limit")
				}
				for i, it := range n.Content {
					rp := fmt.Sprintf("%s[%d]", p, i)
					r := HybridRequestSweep{Line: it.Line}
					if err := d.mapping(it, rp, map[string]fieldFunc{
						"field":  d.str(&r.Field),
						"limit":  d.intList(&r.Limit),
						"params": d.params(&r.Params),
					}, "field"); err != nil {
						return err
					}
					h.Requests = append(h.Requests, r)
				}
				return nil
			},
			"ranker": d.oneOf(&h.Ranker, RankerRRF, RankerWeighted),
			"k":      d.floatList(&h.K),
			"weights": func(n *yaml.Node, p string) error {
				if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
					return d.errf(n, p, "must be a list with one weight per sub-request ([0.7, 0.3]) or a list of such lists to sweep")
				}
				if n.Content[0].Kind != yaml.SequenceNode { // one set of weights
					var w []float64
					err := d.floatList(&w)(n, p)
					h.Weights = [][]float64{w}
					return err
				}
				for i, it := range n.Content {
					var w []float64
					if err := d.floatList(&w)(it, fmt.Sprintf("%s[%d]", p, i)); err != nil {
						return err
					}
					h.Weights = append(h.Weights, w)
				}
				return nil
			},
			"norm_score": func(n *yaml.Node, p string) error {
				s, err := d.scalar(n, p)
				if err != nil {
					return err
				}
				switch s {
				case "true":
					h.NormScore = true
				case "false":
				default:
					return d.errf(n, p, "must be true or false, got %q", s)
				}
				return nil
			},
		}, "requests", "ranker")
	}
}

// applyFieldDefaults fills a hybrid sweep's RRF k, and a further dense
// field's metric (the dataset's) and synthetic distribution (clustered).
func applyFieldDefaults(s *Spec) {
	dense := 0
	for i := range s.Fields {
		f := &s.Fields[i]
		if f.Type != FieldDense {
			continue
		}
		if dense++; dense == 1 || f.Data == nil {
			continue
		}
		if f.Data.Metric == "" {
			f.Data.Metric = s.Dataset.Metric
		}
		if f.Data.Distribution == "" && f.Data.Source == FieldDataSynthetic {
			f.Data.Distribution = DistClustered
		}
	}
	if h := s.Search.Hybrid; h != nil && h.Ranker == RankerRRF && len(h.K) == 0 {
		h.K = []float64{DefaultRRFK}
	}
}

// validateIndexField checks that indexes entry ix (at path) builds on a
// field of the right type that the search uses.
func validateIndexField(s *Spec, path string, ix IndexSweep, e func(field, format string, args ...any) error) error {
	if !s.MultiField() {
		if ix.Field != "" && ix.Field != DefaultDenseField {
			return e(path+".field", "%q is not a field of the collection (without fields, the collection has one dense field, %s)", ix.Field, DefaultDenseField)
		}
		if ix.Type == IndexSparseInverted {
			return e(path+".type", "%s indexes sparse and text fields; declare them under fields", ix.Type)
		}
		return nil
	}
	name := s.IndexField(ix)
	f, ok := s.Field(name)
	if !ok {
		return e(path+".field", "%q is not a field of the collection (fields: %s)", name, fieldNames(s.CollectionFields()))
	}
	if err := checkFieldIndex(f, ix, path, e); err != nil {
		return err
	}
	if !s.searches(name) {
		return e(path+".field", "no search kind (%s) searches field %q, so an index swept on it would not be measured", strings.Join(s.SearchKinds(), ", "), name)
	}
	return nil
}

// validateFields checks the fields, the search kind and the hybrid sweep
// against each other; e locates errors by field path.
func validateFields(s *Spec, lines map[string]int, e func(field, format string, args ...any) error) error {
	fields := s.CollectionFields()
	seen := map[string]bool{}
	dense := 0
	for i, f := range s.Fields {
		fp := fmt.Sprintf("fields[%d]", i)
		if !nameRE.MatchString(f.Name) || strings.HasSuffix(f.Name, "_bm25") || slices.Contains([]string{"id", "run", "label", "category"}, f.Name) {
			return e(fp+".name", "%q is not allowed: use a letter then up to 63 letters, digits or _, not id, run, label or category, not ending in _bm25", f.Name)
		}
		if seen[f.Name] {
			return e(fp+".name", "%q names two fields", f.Name)
		}
		seen[f.Name] = true
		switch f.Type {
		case FieldDense:
			dense++
			if dense == 1 && f.Data != nil {
				return e(fp+".data", "the first dense field's vectors are the dataset section's; data applies to a further dense field, sparse and text fields")
			}
			if dense > 1 {
				if f.Data == nil {
					return e(fp+".data", "is missing: a further dense field reads its vectors from data (source: synthetic with dim, or fvecs/npy files)")
				}
				if err := validateDenseData(f, fp+".data", e); err != nil {
					return err
				}
			}
		case FieldSparse, FieldText:
			if f.Data == nil {
				return e(fp+".data", "is missing: a %s field needs data (source: synthetic, or files)", f.Type)
			}
			if err := validateFieldData(f, fp+".data", e); err != nil {
				return err
			}
		}
		if f.Type != FieldText && (f.Analyzer != "" || len(f.StopWords) > 0) {
			return e(fp+".analyzer", "applies to text fields only (field %q is %s)", f.Name, f.Type)
		}
		if f.Type == FieldText && f.Analyzer != "" && !slices.Contains(Analyzers(), f.Analyzer) {
			return e(fp+".analyzer", "%q is not a known analyzer (allowed: %s)", f.Analyzer, strings.Join(Analyzers(), ", "))
		}
		if f.Index != nil {
			if err := checkFieldIndex(f, *f.Index, fp+".index", e); err != nil {
				return err
			}
		}
	}
	if len(s.Fields) > 0 && s.Dataset.Source == SourceCollection {
		return e("fields", "does not apply with dataset.source collection (an existing collection's fields are its own)")
	}
	if _, ok := s.DenseField(); !ok && s.Dataset.Dim != 0 {
		return e("dataset.dim", "applies to the dense field, and fields has none")
	}
	kinds := s.SearchKinds()
	single := 0
	for i, kind := range kinds {
		if slices.Contains(kinds[:i], kind) {
			return e(fmt.Sprintf("search.kind[%d]", i), "%s is listed twice", kind)
		}
		if kind != KindANN && s.Load.Model != LoadClosed && s.Load.Model != LoadOpen && s.Load.Model != LoadCapacity {
			return e("load.model", "%s measures dense collections only; kind %s runs under closed, open or capacity", s.Load.Model, kind)
		}
		if kind == KindHybrid {
			if s.Search.Hybrid == nil {
				return e("search.hybrid", "is missing: kind hybrid needs its requests and ranker")
			}
			if err := validateHybrid(s, e); err != nil {
				return err
			}
			continue
		}
		single++
		typ := FieldTypeOf(kind)
		if s.Search.Field == "" && countType(fields, typ) == 0 {
			return e("search.kind", "%s needs a %s field and the collection has none", kind, typ)
		}
		if s.Search.Field == "" && countType(fields, typ) > 1 {
			if _, ok := lines["search"]; !ok { // no search section to point at
				return e("fields", "has %d %s fields: set search.field to the one kind %s searches", countType(fields, typ), typ, kind)
			}
			return e("search.field", "is missing: the collection has %d %s fields; name the one kind %s searches", countType(fields, typ), typ, kind)
		}
	}
	if s.Search.Hybrid != nil && !slices.Contains(kinds, KindHybrid) {
		return e("search.hybrid", "applies to kind hybrid only (search.kind is %s)", strings.Join(kinds, ", "))
	}
	if s.Search.Field != "" {
		if single != 1 {
			return e("search.field", "applies when search.kind has one single-field kind (ann, sparse or bm25); hybrid sub-requests name their own fields")
		}
		f, ok := s.Field(s.Search.Field)
		if !ok {
			return e("search.field", "%q is not a field of the collection (fields: %s)", s.Search.Field, fieldNames(fields))
		}
		for _, kind := range kinds {
			if kind != KindHybrid && KindOf(f.Type) != kind {
				return e("search.field", "field %q is %s; kind %s searches a %s field", f.Name, f.Type, kind, FieldTypeOf(kind))
			}
		}
	}
	return nil
}

// validateHybrid checks search.hybrid.
func validateHybrid(s *Spec, e func(field, format string, args ...any) error) error {
	h := s.Search.Hybrid
	if len(h.Requests) < 2 {
		return e("search.hybrid.requests", "has %d sub-request; a hybrid search fuses at least 2 (use kind %s for one field)", len(h.Requests), KindANN)
	}
	used := map[string]bool{}
	for i, r := range h.Requests {
		rp := fmt.Sprintf("search.hybrid.requests[%d]", i)
		f, ok := s.Field(r.Field)
		if !ok {
			return e(rp+".field", "%q is not a field of the collection (fields: %s)", r.Field, fieldNames(s.CollectionFields()))
		}
		if used[r.Field] {
			return e(rp+".field", "field %q has two sub-requests", r.Field)
		}
		used[r.Field] = true
		for j, l := range r.Limit {
			if l < 1 || l > MaxTopK {
				return e(fmt.Sprintf("%s.limit[%d]", rp, j), "%d is out of range (Milvus allows 1..%d)", l, MaxTopK)
			}
		}
		cfg, _ := FixedIndex(f)
		rule := indexRules[cfg.Type]
		for _, name := range sortedKeys(r.Params) {
			rr, ok := findRule(rule.search, name)
			if !ok {
				return e(rp+".params."+name, "field %q's index %s has no search parameter %q (allowed: %s)", f.Name, cfg.Type, name, ruleNames(rule.search))
			}
			for _, v := range r.Params[name] {
				if msg := checkValue(rr, v, cfg.Build, 0); msg != "" {
					return e(rp+".params."+name, "%s", msg)
				}
			}
		}
	}
	switch h.Ranker {
	case RankerRRF:
		if len(h.Weights) > 0 || h.NormScore {
			return e("search.hybrid.weights", "applies to ranker weighted (ranker is rrf)")
		}
		for i, k := range h.K {
			if k <= 0 || k >= 16384 {
				return e(fmt.Sprintf("search.hybrid.k[%d]", i), "%g is out of range (Milvus allows 0 < k < 16384)", k)
			}
		}
	case RankerWeighted:
		if len(h.K) > 0 {
			return e("search.hybrid.k", "applies to ranker rrf (ranker is weighted)")
		}
		if len(h.Weights) == 0 {
			return e("search.hybrid.weights", "is missing: the weighted ranker takes one weight per sub-request")
		}
		for i, w := range h.Weights {
			if len(w) != len(h.Requests) {
				return e(fmt.Sprintf("search.hybrid.weights[%d]", i), "has %d weights for %d sub-requests (one weight per sub-request, in order)", len(w), len(h.Requests))
			}
			for _, x := range w {
				if x < 0 || x > 1 {
					return e(fmt.Sprintf("search.hybrid.weights[%d]", i), "%g is out of range (Milvus allows weights in 0..1)", x)
				}
			}
		}
	}
	return nil
}

// validateDenseData checks a further dense field's data section.
func validateDenseData(f FieldSpec, p string, e func(field, format string, args ...any) error) error {
	fd := f.Data
	allowed := []string{FieldDataSynthetic, FieldDataFvecs, FieldDataNpy}
	if fd.Name != "" || !slices.Contains(allowed, fd.Source) {
		return e(p+".source", "%q does not apply to a dense field (allowed: %s)", fd.Source, strings.Join(allowed, ", "))
	}
	synth := fd.Source == FieldDataSynthetic
	for _, c := range []struct {
		key string
		set bool
	}{{"column", fd.Column != ""}, {"dims", fd.Dims != 0}, {"nnz", fd.NNZ != 0}, {"query_nnz", fd.QueryNNZ != 0},
		{"vocabulary", fd.Vocabulary != 0}, {"doc_words", fd.DocWords != 0}, {"query_words", len(fd.QueryWords) != 0}} {
		if c.set {
			return e(p+"."+c.key, "applies to sparse or text fields, not to dense field %q", f.Name)
		}
	}
	switch {
	case synth && (fd.Dim < 2 || fd.Dim > 32768):
		return e(p+".dim", "%d is out of range (a synthetic dense field needs dim 2..32768)", fd.Dim)
	case !synth && (fd.BaseFile == "" || fd.QueryFile == ""):
		return e(p+".base_file", "source %s reads base_file and query_file; both are needed", fd.Source)
	case synth && (fd.BaseFile != "" || fd.QueryFile != ""):
		return e(p+".base_file", "applies to files (source fvecs or npy), not to synthetic data")
	case !synth && fd.Distribution != "":
		return e(p+".distribution", "applies to synthetic data only")
	}
	return nil
}

// validateFieldData checks a sparse or text field's data section.
func validateFieldData(f FieldSpec, p string, e func(field, format string, args ...any) error) error {
	fd := f.Data
	if fd.Name != "" {
		return validateFieldCorpus(f, p, e)
	}
	sparseSrc := []string{FieldDataSynthetic, FieldDataCSR, FieldDataParquet}
	textSrc := []string{FieldDataSynthetic, FieldDataLines, FieldDataJSONL, FieldDataParquet}
	allowedSrc := sparseSrc
	if f.Type == FieldText {
		allowedSrc = textSrc
	}
	if !slices.Contains(allowedSrc, fd.Source) {
		return e(p+".source", "%q does not apply to a %s field (allowed: %s)", fd.Source, f.Type, strings.Join(allowedSrc, ", "))
	}
	synth := fd.Source == FieldDataSynthetic
	type chk struct {
		key     string
		set     bool
		applies bool
		why     string
	}
	for _, c := range []chk{
		{"base_file", fd.BaseFile != "", !synth, "files"},
		{"query_file", fd.QueryFile != "", !synth, "files"},
		{"column", fd.Column != "", f.Type == FieldText && (fd.Source == FieldDataJSONL || fd.Source == FieldDataParquet), "text from jsonl or parquet"},
		{"dims", fd.Dims != 0, synth && f.Type == FieldSparse, "synthetic sparse data"},
		{"nnz", fd.NNZ != 0, synth && f.Type == FieldSparse, "synthetic sparse data"},
		{"query_nnz", fd.QueryNNZ != 0, synth && f.Type == FieldSparse, "synthetic sparse data"},
		{"vocabulary", fd.Vocabulary != 0, synth && f.Type == FieldText, "synthetic text"},
		{"doc_words", fd.DocWords != 0, synth && f.Type == FieldText, "synthetic text"},
		{"query_words", len(fd.QueryWords) != 0, f.Type == FieldText && (synth || fd.QueryFile == ""), "text whose queries are drawn (synthetic, or files without query_file)"},
		{"dim", fd.Dim != 0, false, "a further dense field"},
		{"metric", fd.Metric != "", false, "a further dense field"},
		{"distribution", fd.Distribution != "", false, "a further dense field"},
	} {
		if c.set && !c.applies {
			return e(p+"."+c.key, "applies to %s only", c.why)
		}
	}
	if !synth && fd.BaseFile == "" {
		return e(p+".base_file", "is missing: source %s reads its rows from base_file", fd.Source)
	}
	if f.Type == FieldSparse && !synth && fd.QueryFile == "" {
		return e(p+".query_file", "is missing: sparse queries come from query_file")
	}
	if f.Type == FieldText && (fd.Source == FieldDataJSONL || fd.Source == FieldDataParquet) && fd.Column == "" {
		return e(p+".column", "is missing: name the %s key holding the text", fd.Source)
	}
	if fd.Dims != 0 && (fd.Dims < 2 || fd.Dims > 1<<31) {
		return e(p+".dims", "%d is out of range (allowed 2..2147483648)", fd.Dims)
	}
	if fd.NNZ < 0 || fd.QueryNNZ < 0 || fd.Vocabulary < 0 || fd.DocWords < 0 || (fd.Vocabulary == 1) {
		return e(p, "non-zeros, vocabulary and words must be positive (vocabulary ≥ 2)")
	}
	if q := fd.QueryWords; len(q) > 0 && (len(q) != 2 || q[0] < 1 || q[1] < q[0]) {
		return e(p+".query_words", "must be [min, max] with 1 ≤ min ≤ max, got %v", q)
	}
	return nil
}

// validateFieldCorpus checks a data section naming a fetched text corpus
// (data.name): the corpus sets the source and the files, and its queries
// are drawn from its documents. Whether the corpus exists is checked where
// it is read (a run never downloads).
func validateFieldCorpus(f FieldSpec, p string, e func(field, format string, args ...any) error) error {
	fd := f.Data
	if f.Type != FieldText {
		return e(p+".name", "names a text corpus; it applies to text fields only (field %q is %s)", f.Name, f.Type)
	}
	if !corpusNameRE.MatchString(fd.Name) || strings.Contains(fd.Name, "..") {
		return e(p+".name", "%q is not a corpus name (lower-case letters, digits, '.', '_' and '-', as milvbench dataset fetch --list shows them)", fd.Name)
	}
	for _, c := range []struct {
		key string
		set bool
	}{{"source", fd.Source != ""}, {"base_file", fd.BaseFile != ""}, {"query_file", fd.QueryFile != ""}, {"column", fd.Column != ""},
		{"dims", fd.Dims != 0}, {"nnz", fd.NNZ != 0}, {"query_nnz", fd.QueryNNZ != 0}, {"vocabulary", fd.Vocabulary != 0}, {"doc_words", fd.DocWords != 0}} {
		if c.set {
			return e(p+"."+c.key, "does not apply with data.name %q: the corpus is the lines file `milvbench dataset fetch %s` put in the cache, and its queries are drawn from it (query_words)", fd.Name, fd.Name)
		}
	}
	if q := fd.QueryWords; len(q) > 0 && (len(q) != 2 || q[0] < 1 || q[1] < q[0]) {
		return e(p+".query_words", "must be [min, max] with 1 ≤ min ≤ max, got %v", q)
	}
	return nil
}

// corpusNameRE is what a corpus name may be (a directory in the cache).
var corpusNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,79}$`)

// checkFieldIndex checks that index type ix fits field f's type.
func checkFieldIndex(f FieldSpec, ix IndexSweep, p string, e func(field, format string, args ...any) error) error {
	sparseIx := ix.Type == IndexSparseInverted
	if f.Type == FieldDense && sparseIx {
		return e(p+".type", "%s indexes sparse and text fields; field %q is dense", ix.Type, f.Name)
	}
	if f.Type != FieldDense && !sparseIx {
		return e(p+".type", "%s indexes dense vectors; field %q is %s (use %s)", ix.Type, f.Name, f.Type, IndexSparseInverted)
	}
	if f.Type != FieldText {
		for _, name := range []string{"bm25_k1", "bm25_b"} {
			if ix.Build[name] != nil {
				return e(p+".build."+name, "applies to an index on a text field's BM25 output; field %q is %s", f.Name, f.Type)
			}
		}
	}
	return nil
}

// Analyzers are the text analyzers a text field may name (see
// datasets/sparse: Milvus's standard, and Milvus Lite's).
func Analyzers() []string { return []string{"standard", "lite-standard"} }

func fieldNames(fs []FieldSpec) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

func countType(fs []FieldSpec, typ string) int {
	n := 0
	for _, f := range fs {
		if f.Type == typ {
			n++
		}
	}
	return n
}

// FieldTypeOf is the type of field a search kind searches: sparse for
// sparse, text for bm25, dense for ann.
func FieldTypeOf(kind string) string {
	switch kind {
	case KindSparse:
		return FieldSparse
	case KindBM25:
		return FieldText
	}
	return FieldDense
}

// multiFieldBuild is one build of a collection with sparse or text fields:
// the swept index on its field, the other vector fields' fixed indexes,
// and the search points of the workload's kind.
func multiFieldBuild(s *Spec, ix IndexSweep, b Params) Build {
	field := s.IndexField(ix)
	build := Build{Index: IndexConfig{Type: ix.Type, Build: b, Field: field}, Fixed: FixedIndexes(s, field)}
	fixedSearch := map[string]Params{}
	for _, f := range s.CollectionFields() {
		if f.Name != field {
			_, fixedSearch[f.Name] = FixedIndex(f)
		}
	}
	for _, kind := range s.SearchKinds() {
		if kind != KindHybrid && s.SearchField(kind) != field {
			continue // this kind searches a field whose index is not swept here
		}
		for _, topk := range s.Search.TopK {
			for _, sp := range expand(ix.Search, searchDefaults(ix.Type, topk)) {
				for _, nq := range s.Search.NQ {
					shape := SearchPoint{Params: sp, TopK: topk, NQ: nq, Selectivity: 1, Kind: kind}
					if kind != KindHybrid {
						shape.Field = field
						build.Points = append(build.Points, repeatPoints(levels(s.Load, shape), s.Load.Repeat)...)
						continue
					}
					for _, h := range hybridPoints(s, field, sp, fixedSearch, topk) {
						pt := shape
						pt.Hybrid = h
						build.Points = append(build.Points, repeatPoints(levels(s.Load, pt), s.Load.Repeat)...)
					}
				}
			}
		}
	}
	return build
}

// hybridPoints expands search.hybrid: every sub-request's limits and
// params, then the ranker's k or weights, the last sub-request varying
// fastest. The swept field's sub-request takes sp (and its own params on
// top); the others their fixed index's defaults under their own params.
func hybridPoints(s *Spec, swept string, sp Params, fixedSearch map[string]Params, topk int) []*HybridPoint {
	h := s.Search.Hybrid
	partial := [][]SubRequest{nil}
	for _, r := range h.Requests {
		f, _ := s.Field(r.Field)
		base := fixedSearch[r.Field]
		if r.Field == swept {
			base = sp
		}
		var next [][]SubRequest
		for _, prefix := range partial {
			limits := r.Limit
			if len(limits) == 0 {
				limits = []int{topk} // default: the request's topk
			}
			for _, limit := range limits {
				for _, params := range expand(r.Params, base) {
					sub := SubRequest{Field: r.Field, Kind: KindOf(f.Type), Limit: limit, Params: params}
					next = append(next, append(append([]SubRequest(nil), prefix...), sub))
				}
			}
		}
		partial = next
	}
	var out []*HybridPoint
	for _, subs := range partial {
		switch h.Ranker {
		case RankerRRF:
			for _, k := range h.K {
				out = append(out, &HybridPoint{Requests: subs, Ranker: RankerRRF, K: k})
			}
		case RankerWeighted:
			for _, w := range h.Weights {
				out = append(out, &HybridPoint{Requests: subs, Ranker: RankerWeighted, Weights: w, NormScore: h.NormScore})
			}
		}
	}
	return out
}

// FixedIndexes are the indexes of every vector field other than swept in
// a workload with sparse or text fields (nil otherwise): each field's own
// index, or its default (FixedIndex).
func FixedIndexes(s *Spec, swept string) []IndexConfig {
	if !s.MultiField() {
		return nil
	}
	var out []IndexConfig
	for _, f := range s.CollectionFields() {
		if f.Name != swept {
			cfg, _ := FixedIndex(f)
			out = append(out, cfg)
		}
	}
	return out
}

// HasANN reports whether the workload's points are ann (dense) searches,
// whose ground truth is per filter selectivity.
func (s *Spec) HasANN() bool { return slices.Contains(s.SearchKinds(), KindANN) }
