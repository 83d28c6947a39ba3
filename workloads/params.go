package workloads

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// Milvus limits on request shape.
const (
	MaxTopK = 16384
	MaxNQ   = 16384
)

// intRange is an inclusive range; hi may refer to another parameter via hiParam
// (nprobe ≤ nlist) and lo may be the request's topk (ef ≥ topk).
type intRange struct {
	lo, hi    int
	loIsTopK  bool
	hiParam   string
	def       int
	noDefault bool
	// optional: a build parameter with no default that is not required
	// either (not sent unless given: Zilliz Cloud's build_level).
	optional bool
}

// floatRange is a range of a number parameter, lo ≤ v ≤ hi (v < hi when
// hiOpen), with its default.
type floatRange struct {
	lo, hi float64
	hiOpen bool
	def    float64
	// noDefault: not sent unless given (the engine's default applies).
	noDefault bool
}

type paramRule struct {
	name   string
	ints   *intRange
	floats *floatRange
	// choices are the allowed strings of a named-choice parameter, the
	// first the Milvus server's default (not sent unless given).
	choices []string
	bool    bool // boolean parameter (SCANN with_raw_data)
	// textOnly parameters apply to an index on a text field's BM25 output
	// (bm25_k1, bm25_b) and are sent explicitly there.
	textOnly bool
}

type indexRule struct {
	build  []paramRule
	search []paramRule
	// check runs cross-parameter rules on one build point.
	check func(build Params, dim int) string
}

const intMax = math.MaxInt32

func ints(lo, hi, def int) *intRange { return &intRange{lo: lo, hi: hi, def: def} }

// indexRules follows Milvus 2.4–2.6's documented parameter ranges and defaults.
var indexRules = map[string]indexRule{
	"FLAT": {},
	// BIN_FLAT and BIN_IVF_FLAT index binary vectors (HAMMING, JACCARD)
	// with FLAT's and IVF_FLAT's parameters and ranges.
	"BIN_FLAT": {},
	"BIN_IVF_FLAT": {
		build:  []paramRule{{name: "nlist", ints: ints(1, 65536, 128)}},
		search: []paramRule{{name: "nprobe", ints: &intRange{lo: 1, hiParam: "nlist", def: 8}}},
	},
	"IVF_FLAT": {
		build:  []paramRule{{name: "nlist", ints: ints(1, 65536, 128)}},
		search: []paramRule{{name: "nprobe", ints: &intRange{lo: 1, hiParam: "nlist", def: 8}}},
	},
	"IVF_SQ8": {
		build:  []paramRule{{name: "nlist", ints: ints(1, 65536, 128)}},
		search: []paramRule{{name: "nprobe", ints: &intRange{lo: 1, hiParam: "nlist", def: 8}}},
	},
	"IVF_PQ": {
		build: []paramRule{
			{name: "nlist", ints: ints(1, 65536, 128)},
			{name: "m", ints: &intRange{lo: 1, hi: 65536, noDefault: true}},
			{name: "nbits", ints: ints(1, 16, 8)},
		},
		search: []paramRule{{name: "nprobe", ints: &intRange{lo: 1, hiParam: "nlist", def: 8}}},
		check: func(b Params, dim int) string {
			m := b.Int("m", 0)
			if m > 0 && dim%m != 0 {
				return fmt.Sprintf("m=%d must divide the vector dimension %d (allowed m: %s)", m, dim, divisors(dim))
			}
			return ""
		},
	},
	"HNSW": {
		build: []paramRule{
			{name: "M", ints: ints(2, 2048, 30)},
			{name: "efConstruction", ints: ints(1, intMax, 360)},
		},
		search: []paramRule{{name: "ef", ints: &intRange{loIsTopK: true, hi: intMax, noDefault: true}}},
	},
	// HNSW_SQ: HNSW over scalar-quantised codes, with an optional refine
	// copy (knowhere's FaissHnswSqConfig; quantized.go checks the rules
	// that span parameters, the vector type and the target).
	"HNSW_SQ": {
		build: []paramRule{
			{name: "M", ints: ints(2, 2048, 30)},
			{name: "efConstruction", ints: ints(1, intMax, 360)},
			{name: "sq_type", choices: SQTypes()},
			{name: "refine", bool: true},
			{name: "refine_type", choices: RefineTypes()},
		},
		search: []paramRule{
			{name: "ef", ints: &intRange{loIsTopK: true, hi: intMax, noDefault: true}},
			{name: "refine_k", floats: &floatRange{lo: 1, hi: math.MaxFloat32, def: 1, noDefault: true}},
		},
	},
	// HNSW_PQ and HNSW_PRQ: HNSW over product (and residual) quantised
	// codes with an optional refine copy (Milvus 2.6; knowhere's names).
	// Milvus targets only.
	"HNSW_PQ": {
		build: append(hnswPQBuild(), paramRule{name: "refine", bool: true}, paramRule{name: "refine_type", choices: RefineTypes()}),
		search: []paramRule{
			{name: "ef", ints: &intRange{loIsTopK: true, hi: intMax, noDefault: true}},
			{name: "refine_k", floats: &floatRange{lo: 1, hi: math.MaxFloat32, def: 1, noDefault: true}},
		},
		check: pqDivides,
	},
	"HNSW_PRQ": {
		build: append(hnswPQBuild(), paramRule{name: "nrq", ints: ints(1, 16, 2)}, paramRule{name: "refine", bool: true}, paramRule{name: "refine_type", choices: RefineTypes()}),
		search: []paramRule{
			{name: "ef", ints: &intRange{loIsTopK: true, hi: intMax, noDefault: true}},
			{name: "refine_k", floats: &floatRange{lo: 1, hi: math.MaxFloat32, def: 1, noDefault: true}},
		},
		check: pqDivides,
	},
	// IVF_RABITQ: IVF lists of RaBitQ one-bit codes with an optional refine
	// copy; rbq_bits_query quantises the query (0: not), the name knowhere
	// and Milvus's documentation use (client/v2 2.6.2's builder spells it
	// rbq_query_bits). Milvus 2.6, Milvus targets only.
	"IVF_RABITQ": {
		build: []paramRule{
			{name: "nlist", ints: ints(1, 65536, 128)},
			{name: "refine", bool: true},
			{name: "refine_type", choices: RefineTypes()},
		},
		search: []paramRule{
			{name: "nprobe", ints: &intRange{lo: 1, hiParam: "nlist", def: 8}},
			{name: "rbq_bits_query", ints: &intRange{lo: 0, hi: 8, noDefault: true}},
			{name: "refine_k", floats: &floatRange{lo: 1, hi: math.MaxFloat32, def: 1, noDefault: true}},
		},
	},
	"SCANN": {
		build: []paramRule{
			{name: "nlist", ints: ints(1, 65536, 128)},
			{name: "with_raw_data", bool: true},
		},
		search: []paramRule{
			{name: "nprobe", ints: &intRange{lo: 1, hiParam: "nlist", def: 8}},
			{name: "reorder_k", ints: &intRange{loIsTopK: true, hi: intMax, noDefault: true}},
		},
	},
	"DISKANN": {
		search: []paramRule{{name: "search_list", ints: &intRange{loIsTopK: true, hi: intMax, noDefault: true}}},
	},
	// AUTOINDEX: Zilliz Cloud's build_level (0 capacity-first, 1 balanced,
	// 2 precision-first; clusters compatible with Milvus 2.6) trades recall
	// for storage capacity; level (1–10) trades speed for recall per search.
	"AUTOINDEX": {
		build:  []paramRule{{name: "build_level", ints: &intRange{lo: 0, hi: 2, noDefault: true, optional: true}}},
		search: []paramRule{{name: "level", ints: ints(1, 10, 1)}},
	},
	// SPARSE_INVERTED_INDEX indexes a sparse field or a text field's BM25
	// output (Milvus 2.5+; Milvus Lite 3.2). bm25_k1 and bm25_b are build
	// parameters of the BM25 index, always sent (Lite's default k1 is 1.5,
	// the server's 1.2).
	IndexSparseInverted: {
		build: []paramRule{
			{name: "inverted_index_algo", choices: SparseAlgorithms()},
			{name: "drop_ratio_build", floats: &floatRange{lo: 0, hi: 1, hiOpen: true}},
			{name: "bm25_k1", floats: &floatRange{lo: 0, hi: 3, def: DefaultBM25K1}, textOnly: true},
			{name: "bm25_b", floats: &floatRange{lo: 0, hi: 1, def: DefaultBM25B}, textOnly: true},
		},
		search: []paramRule{{name: "drop_ratio_search", floats: &floatRange{lo: 0, hi: 1, hiOpen: true}}},
	},
}

// hnswPQBuild are HNSW_PQ's and HNSW_PRQ's graph and codebook parameters:
// m sub-quantisers (a divisor of the dimension; Milvus's default 32) of
// nbits bits (1..24, default 8).
func hnswPQBuild() []paramRule {
	return []paramRule{
		{name: "M", ints: ints(2, 2048, 30)},
		{name: "efConstruction", ints: ints(1, intMax, 360)},
		{name: "m", ints: &intRange{lo: 1, hi: 65536, noDefault: true}},
		{name: "nbits", ints: ints(1, 24, 8)},
	}
}

// pqDivides: a product quantiser's m must divide the dimension.
func pqDivides(b Params, dim int) string {
	if m := b.Int("m", 0); m > 0 && dim > 0 && dim%m != 0 {
		return fmt.Sprintf("m=%d must divide the vector dimension %d (allowed m: %s)", m, dim, divisors(dim))
	}
	return ""
}

// MmapKey is the index property that memory-maps the index's files
// (Milvus 2.4+), sweepable as a build parameter of any index on a Milvus
// target: it trades resident memory for page-cache reads.
const MmapKey = "mmap.enabled"

// IndexSparseInverted is the index of sparse vectors and BM25 outputs.
const IndexSparseInverted = "SPARSE_INVERTED_INDEX"

// BM25 defaults a text field's index sends when the workload gives none:
// Milvus's documented bm25_k1 and bm25_b.
const (
	DefaultBM25K1 = 1.2
	DefaultBM25B  = 0.75
)

// SparseAlgorithms are the values of inverted_index_algo, the default first.
func SparseAlgorithms() []string { return []string{"DAAT_MAXSCORE", "DAAT_WAND", "TAAT_NAIVE"} }

// Float returns p[name] as a float64 (ints converted), or def when absent.
func (p Params) Float(name string, def float64) float64 {
	switch v := p[name].(type) {
	case int64:
		return float64(v)
	case int:
		return float64(v)
	case float64:
		return v
	}
	return def
}

// String returns p[name] as a string, or def when absent or not a string.
func (p Params) String(name, def string) string {
	if v, ok := p[name].(string); ok {
		return v
	}
	return def
}

// IndexTypes lists the index types a workload may name.
func IndexTypes() []string {
	out := make([]string, 0, len(indexRules))
	for k := range indexRules {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func ruleNames(rs []paramRule) string {
	if len(rs) == 0 {
		return "none"
	}
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = r.name
	}
	return strings.Join(names, ", ")
}

func findRule(rs []paramRule, name string) (paramRule, bool) {
	for _, r := range rs {
		if r.name == name {
			return r, true
		}
	}
	return paramRule{}, false
}

// checkValue checks v against r; build holds the build point (for hiParam),
// topk the request's topk (for loIsTopK; 0 skips that bound).
func checkValue(r paramRule, v Value, build Params, topk int) string {
	if r.bool {
		if _, ok := v.(bool); !ok {
			return fmt.Sprintf("must be true or false, got %v", v)
		}
		return ""
	}
	if r.choices != nil {
		if s, ok := v.(string); !ok || !slices.Contains(r.choices, s) {
			return fmt.Sprintf("%v is not allowed (allowed: %s)", v, strings.Join(r.choices, ", "))
		}
		return ""
	}
	if f := r.floats; f != nil {
		x, ok := numberValue(v)
		if !ok {
			return fmt.Sprintf("must be a number, got %v", v)
		}
		hi := "≤"
		if f.hiOpen {
			hi = "<"
		}
		if x < f.lo || x > f.hi || (f.hiOpen && x == f.hi) {
			return fmt.Sprintf("%g is out of range (Milvus allows %g ≤ %s %s %g)", x, f.lo, r.name, hi, f.hi)
		}
		return ""
	}
	n, ok := v.(int64)
	if s, isStr := v.(string); isStr {
		return fmt.Sprintf("must be a whole number, got the string %q (write numbers without quotes)", s)
	} else if !ok {
		return fmt.Sprintf("must be a whole number, got %v", v)
	}
	lo, hi := r.ints.lo, r.ints.hi
	loName, hiName := fmt.Sprint(lo), fmt.Sprint(hi)
	if r.ints.loIsTopK {
		lo, loName = topk, fmt.Sprintf("topk (%d)", topk)
	}
	if r.ints.hiParam != "" {
		hi = build.Int(r.ints.hiParam, defaultOf(build, r.ints.hiParam))
		hiName = fmt.Sprintf("%s (%d)", r.ints.hiParam, hi)
	}
	if hi == intMax {
		hiName = "2147483647"
	}
	if n < int64(lo) || n > int64(hi) {
		return fmt.Sprintf("%d is out of range (Milvus allows %s ≤ %s ≤ %s)", n, loName, r.name, hiName)
	}
	return ""
}

// numberValue returns an int or float parameter value as a float64.
func numberValue(v Value) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// defaultOf returns the Milvus default of a build parameter named in a rule
// of any index type (used for nlist when only nprobe is given).
func defaultOf(_ Params, name string) int {
	for _, ir := range indexRules {
		if r, ok := findRule(ir.build, name); ok && r.ints != nil {
			return r.ints.def
		}
	}
	return 0
}

// buildDefaults returns the Milvus defaults of the index type's build params.
func buildDefaults(typ string) Params {
	p := Params{}
	for _, r := range indexRules[typ].build {
		switch {
		case r.textOnly: // added for text fields only (fieldBuildDefaults)
		case r.ints != nil && !r.ints.noDefault:
			p[r.name] = int64(r.ints.def)
		case r.floats != nil:
			p[r.name] = r.floats.def
		}
		// A choice (inverted_index_algo) is left to the server unless
		// given: it changes how an index searches, never what the exact
		// answer is, and Milvus Lite builds one algorithm only.
	}
	return p
}

// fieldBuildDefaults are buildDefaults for an index on a field of the
// given type: a text field's index also sends bm25_k1 and bm25_b.
func fieldBuildDefaults(typ, fieldType string) Params {
	p := buildDefaults(typ)
	if fieldType == FieldText {
		for _, r := range indexRules[typ].build {
			if r.textOnly {
				p[r.name] = r.floats.def
			}
		}
	}
	return p
}

// SearchDefault returns the search params to use when the workload gives none:
// Milvus's default where it has one, topk for the parameters bounded below by topk.
func searchDefaults(typ string, topk int) Params {
	p := Params{}
	for _, r := range indexRules[typ].search {
		switch {
		case r.floats != nil && r.floats.noDefault:
		case r.floats != nil:
			p[r.name] = r.floats.def
		case r.ints == nil:
		case r.ints.loIsTopK:
			p[r.name] = int64(max(topk, 16))
		case !r.ints.noDefault:
			p[r.name] = int64(r.ints.def)
		}
	}
	return p
}

func divisors(n int) string {
	var ds []string
	for i := 1; i <= n; i++ {
		if n%i == 0 {
			ds = append(ds, fmt.Sprint(i))
		}
	}
	return strings.Join(ds, ", ")
}
