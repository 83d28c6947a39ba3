package tuner

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/milvbench/milvbench/workloads"
)

// Rule-of-thumb thresholds.
const (
	ruleFlatBelow = 100_000
	rulePQFrom    = 1_000_000
	ruleMaxNlist  = 4096
)

// RuleOfThumb returns the index the common rules of thumb pick for rows
// vectors of dimension dim, and why: FLAT below 100k rows (exact search is
// cheap there); from 1M rows, when only capacity or tiered CUs are
// considered (memory matters more than latency), IVF_PQ with nlist =
// min(4096, √n) and m = dim/8; otherwise HNSW with M=16, efConstruction=200.
// The rules are a starting point; the measurements decide.
func RuleOfThumb(rows int64, dim int, memoryBound bool) (workloads.IndexConfig, string) {
	return RuleOfThumbFor(workloads.VectorFloat, rows, dim, memoryBound)
}

// RuleOfThumbFor is RuleOfThumb for vectors stored as vt: binary vectors
// take BIN_FLAT below 100k rows and BIN_IVF_FLAT with nlist = min(4096,
// √n) from there (the only binary index types besides them are
// Milvus-only and newer).
func RuleOfThumbFor(vt string, rows int64, dim int, memoryBound bool) (workloads.IndexConfig, string) {
	if vt == workloads.VectorBinary {
		if rows < ruleFlatBelow {
			return workloads.IndexConfig{Type: "BIN_FLAT", Build: workloads.Params{}},
				fmt.Sprintf("below %s rows exact search (BIN_FLAT) is cheap enough", Count(ruleFlatBelow))
		}
		return workloads.IndexConfig{Type: "BIN_IVF_FLAT", Build: RuleParams("BIN_IVF_FLAT", rows, dim)},
			"binary vectors from 100k rows: BIN_IVF_FLAT with nlist = min(4096, √n)"
	}
	switch {
	case rows < ruleFlatBelow:
		return workloads.IndexConfig{Type: "FLAT", Build: workloads.Params{}},
			fmt.Sprintf("below %s rows exact search (FLAT) is cheap enough", Count(ruleFlatBelow))
	case rows >= rulePQFrom && memoryBound:
		return workloads.IndexConfig{Type: "IVF_PQ", Build: RuleParams("IVF_PQ", rows, dim)},
			fmt.Sprintf("from %s rows, with memory the constraint (capacity or tiered CUs only), IVF_PQ with nlist = min(4096, √n) and m = dim/8", Count(rulePQFrom))
	}
	return workloads.IndexConfig{Type: "HNSW", Build: RuleParams("HNSW", rows, dim)},
		"HNSW with M=16, efConstruction=200 is the usual default for low latency at high recall"
}

// RuleParams returns the rule-of-thumb build parameters of an index type
// (nil when the rules say nothing about it): IVF nlist = min(4096, √n),
// IVF_PQ m = dim/8 (the largest divisor of dim not above it), HNSW M=16
// and efConstruction=200.
func RuleParams(typ string, rows int64, dim int) workloads.Params {
	nlist := int64(min(ruleMaxNlist, max(1, math.Round(math.Sqrt(float64(rows))))))
	switch typ {
	case "IVF_FLAT", "IVF_SQ8", "SCANN", "BIN_IVF_FLAT":
		return workloads.Params{"nlist": nlist}
	case "IVF_PQ":
		m := max(dim/8, 1)
		for dim%m != 0 {
			m--
		}
		return workloads.Params{"nlist": nlist, "m": int64(m), "nbits": int64(8)}
	case "HNSW":
		return workloads.Params{"M": int64(16), "efConstruction": int64(200)}
	}
	return nil
}

// paramDiffs lists the rule's numeric params that the measured config sets
// more than a factor of two away from the rule.
func paramDiffs(got, rule workloads.Params) []string {
	var out []string
	keys := make([]string, 0, len(rule))
	for k := range rule {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		r, g := float64(rule.Int(k, 0)), float64(got.Int(k, 0))
		if r <= 0 || g <= 0 {
			continue
		}
		if g > 2*r || r > 2*g {
			out = append(out, fmt.Sprintf("%s=%v where the rule says %v", k, got[k], rule[k]))
		}
	}
	return out
}

// ruleCheck sets the rule of thumb beside the measured choice (top, nil
// when nothing met the goals); best holds the best passing point of every
// config and pts every point, to find the rule's type among them.
func ruleCheck(top *point, pts []*point, rows int64, dim int, vt string, g workloads.Goals, best map[string]*point) *RuleCheck {
	memoryBound := len(g.CUTypes) > 0 && !slices.Contains(g.CUTypes, CUPerformance)
	rule, reason := RuleOfThumbFor(vt, rows, dim, memoryBound)
	rc := &RuleCheck{Rule: rule, Reason: reason}
	measuredType := false
	for _, p := range pts {
		measuredType = measuredType || p.index.Type == rule.Type
	}
	var bestOfType *point
	for _, p := range best {
		if p.index.Type == rule.Type && (bestOfType == nil || p.queries > bestOfType.queries) {
			bestOfType = p
		}
	}
	switch {
	case top == nil && bestOfType == nil && measuredType:
		rc.Verdict = fmt.Sprintf("The rule picks %s; no %s config measured met the goals either.", rule, rule.Type)
	case top == nil:
		rc.Verdict = fmt.Sprintf("The rule picks %s; with no config meeting the goals there is no measured answer to compare it with.", rule)
	case top.index.Type == rule.Type:
		diffs := paramDiffs(top.index.Build, RuleParams(rule.Type, rows, dim))
		rc.Agrees = len(diffs) == 0
		if rc.Agrees {
			rc.Verdict = fmt.Sprintf("The measurements agree with the rule of thumb: %s.", rule)
		} else {
			rc.Verdict = fmt.Sprintf("The measurements agree on the index type (%s); the measured best uses %s.", rule.Type, joinAnd(diffs))
		}
	case bestOfType != nil:
		rc.Verdict = fmt.Sprintf("The measurements disagree with the rule of thumb (%s): the best %s that meets the goals, %s, reaches %s queries/s; the recommendation reaches %s (%.1f×).",
			rule, rule.Type, bestOfType.config(), Count(bestOfType.queries), Count(top.queries), top.queries/bestOfType.queries)
	case measuredType:
		rc.Verdict = fmt.Sprintf("The measurements disagree with the rule of thumb (%s): no %s config measured met the goals.", rule, rule.Type)
	default:
		rc.Verdict = fmt.Sprintf("The rule of thumb picks %s, which this run did not measure: add it to the workload to compare.", rule)
	}
	return rc
}
