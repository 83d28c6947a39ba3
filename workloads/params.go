package workloads

import (
	"fmt"
	"math"
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
}

type paramRule struct {
	name string
	ints *intRange
	bool bool // boolean parameter (SCANN with_raw_data)
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
	"AUTOINDEX": {
		search: []paramRule{{name: "level", ints: ints(1, 10, 1)}},
	},
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
		if r.ints != nil && !r.ints.noDefault {
			p[r.name] = int64(r.ints.def)
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
