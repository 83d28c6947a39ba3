package tuner

import (
	_ "embed"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/milvbench/milvbench/workloads"
)

// DefaultPricingFile names the default pricing table in error messages.
const DefaultPricingFile = "tuner/pricing/zilliz-cloud.yaml"

//go:embed pricing/zilliz-cloud.yaml
var defaultPricing []byte

// CU types, fastest latency class first, and the dedicated plan tiers, as
// the workload's cluster section names them.
const (
	CUPerformance        = workloads.CUPerformance
	CUCapacity           = workloads.CUCapacity
	CUTiered             = workloads.CUTiered
	PlanStandard         = workloads.PlanStandard
	PlanEnterprise       = workloads.PlanEnterprise
	PlanBusinessCritical = workloads.PlanBusinessCritical
)

// DefaultPricing returns the dated default pricing table shipped with
// milvbench.
func DefaultPricing() (workloads.Pricing, error) {
	p, err := workloads.ParsePricing(DefaultPricingFile, defaultPricing, func(string) (string, bool) { return "", false })
	if err != nil {
		return workloads.Pricing{}, err
	}
	return *p, nil
}

// EffectivePricing returns the default table with the workload's pricing
// section (if any) merged over it.
func EffectivePricing(over *workloads.Pricing) (workloads.Pricing, error) {
	p, err := DefaultPricing()
	if err != nil || over == nil {
		return p, err
	}
	return p.Merge(*over), nil
}

// VectorsPerCU returns how many vectors of dimension dim one CU of type
// holds, from the published table: exact at a published dimension,
// interpolated linearly in 1/dim between two, and scaled by the nearest
// published dimension over dim outside the table (memory per vector grows
// with dim). The second result says which of these it was.
func VectorsPerCU(p workloads.Pricing, cuType string, dim int) (float64, string, error) {
	table := p.CUTypes[cuType].VectorsPerCU
	if len(table) == 0 {
		return 0, "", fmt.Errorf("pricing has no vectors_per_cu for CU type %s", cuType)
	}
	dims := make([]int, 0, len(table))
	for d := range table {
		dims = append(dims, d)
	}
	sort.Ints(dims)
	if v, ok := table[dim]; ok {
		return v, fmt.Sprintf("published for dim %d", dim), nil
	}
	lo, hi := dims[0], dims[len(dims)-1]
	switch {
	case dim < lo:
		return table[lo] * float64(lo) / float64(dim), fmt.Sprintf("published %g at dim %d scaled by %d/%d", table[lo], lo, lo, dim), nil
	case dim > hi:
		return table[hi] * float64(hi) / float64(dim), fmt.Sprintf("published %g at dim %d scaled by %d/%d", table[hi], hi, hi, dim), nil
	}
	i := sort.SearchInts(dims, dim)
	d0, d1 := dims[i-1], dims[i]
	// Linear in 1/dim between the two published points.
	t := (1/float64(d0) - 1/float64(dim)) / (1/float64(d0) - 1/float64(d1))
	v := table[d0] + t*(table[d1]-table[d0])
	return v, fmt.Sprintf("interpolated in 1/dim between dims %d and %d", d0, d1), nil
}

// BuildLevelFactor returns the capacity factor over the per-CU table the
// pricing table publishes for the Zilliz Cloud build_level on cuType, and
// how it was decided: 1 when no level is set (nil) or none is published
// for it.
func BuildLevelFactor(p workloads.Pricing, cuType string, level *int) (float64, string) {
	if level == nil {
		return 1, ""
	}
	if f, ok := p.CUTypes[cuType].BuildLevel[*level]; ok {
		return f, fmt.Sprintf("× %g for build_level %d (%s)", f, *level, p.SourceOf("cu_types."+cuType+".build_level"))
	}
	return 1, fmt.Sprintf("no published capacity for build_level %d on %s CUs: the per-CU table as it stands", *level, cuType)
}

// CapacityCUs returns the CUs of type that hold rows vectors of dimension
// dim at the build_level level (nil: the per-CU table as published):
// ⌈rows / vectors per CU⌉, at least the type's smallest cluster.
func CapacityCUs(p workloads.Pricing, cuType string, rows int64, dim int, level *int) (int, float64, error) {
	per, _, err := VectorsPerCU(p, cuType, dim)
	if err != nil {
		return 0, 0, err
	}
	f, _ := BuildLevelFactor(p, cuType, level)
	per *= f
	need := float64(rows) / per
	cus := int(math.Ceil(need - 1e-9))
	return max(cus, p.CUTypes[cuType].MinCUs, 1), need, nil
}

// Layout is a dedicated cluster shape: CUs per replica, replicas, the plan
// tier that offers it, and whether it is beyond the plan's self-serve limit.
type Layout struct {
	CUs      int    `json:"cus"`
	Replicas int    `json:"replicas"`
	Plan     string `json:"plan"`
	// OverLimit is set when CUs × replicas exceed the largest plan's limit
	// (Zilliz asks to contact sales then).
	OverLimit bool `json:"over_limit,omitempty"`
}

// SizeCluster lays out a cluster of cuType holding capacityCUs worth of
// data and serving qps queries/s at qpsPerCU each (qps 0: capacity only).
// Following Zilliz's scaling guidance, up to the replica threshold (8
// CUs) throughput is added by growing the cluster; beyond it by replicas
// of at least that size, as many as maxReplicas allows (0: the plan's
// limit), then by growing each replica. The plan is Standard unless the
// layout needs replicas or more CUs than Standard allows.
func SizeCluster(p workloads.Pricing, cuType string, capacityCUs int, qps, qpsPerCU float64, maxReplicas int) Layout {
	std, ent := p.Plans[PlanStandard], p.Plans[PlanEnterprise]
	l := Layout{CUs: max(capacityCUs, p.CUTypes[cuType].MinCUs, 1), Replicas: 1}
	if qps > 0 && qpsPerCU > 0 && float64(l.CUs)*qpsPerCU < qps {
		need := int(math.Ceil(qps/qpsPerCU - 1e-9))
		minRep := ent.ReplicasMinCUs
		if minRep == 0 || need <= minRep {
			l.CUs = max(l.CUs, need)
		} else {
			l.CUs = max(l.CUs, minRep)
			l.Replicas = int(math.Ceil(qps/(float64(l.CUs)*qpsPerCU) - 1e-9))
			limit := maxReplicas
			if limit == 0 && ent.MaxCUs > 0 {
				limit = max(ent.MaxCUs/l.CUs, 1)
			}
			if limit > 0 && l.Replicas > limit {
				l.Replicas = limit
				l.CUs = max(l.CUs, int(math.Ceil(qps/(qpsPerCU*float64(limit))-1e-9)))
			}
		}
	}
	total := l.CUs * l.Replicas
	switch {
	case l.Replicas == 1 && std.MaxCUs > 0 && total <= std.MaxCUs:
		l.Plan = PlanStandard
	default:
		l.Plan = PlanEnterprise
		l.OverLimit = ent.MaxCUs > 0 && total > ent.MaxCUs
	}
	return l
}

// Cost is the monthly price of a layout.
type Cost struct {
	// CUHour is the price of one CU-hour on the layout's plan.
	CUHour float64 `json:"cu_hour"`
	// Compute = CUs × replicas × CUHour × hours per month.
	Compute float64 `json:"compute"`
	// Storage = StorageGB × price per GB-month.
	Storage   float64 `json:"storage"`
	StorageGB float64 `json:"storage_gb"`
	Monthly   float64 `json:"monthly"`
	// PerMillion is the cost of a million queries at qps (0 without a
	// throughput goal).
	PerMillion float64 `json:"per_million_queries,omitempty"`
}

// MonthlyCost prices a layout: CUs × replicas × price per CU-hour × hours
// per month, plus storage of rows raw float32 vectors of dim with an
// 8-byte primary key each (index files come on top). perMillion is the
// cost of a million queries when the cluster serves qps around the clock.
func MonthlyCost(p workloads.Pricing, cuType string, l Layout, rows int64, dim int, qps float64) (Cost, error) {
	price, ok := p.Plans[l.Plan].CUHour[cuType]
	if !ok || price <= 0 {
		return Cost{}, fmt.Errorf("pricing has no price per CU-hour for plan %s, CU type %s", l.Plan, cuType)
	}
	hours := p.HoursPerMonth
	c := Cost{CUHour: price}
	c.Compute = float64(l.CUs*l.Replicas) * price * hours
	c.StorageGB = float64(rows) * float64(dim*4+8) / 1e9
	c.Storage = c.StorageGB * p.StorageGBMonth
	c.Monthly = c.Compute + c.Storage
	if qps > 0 {
		c.PerMillion = c.Monthly / (qps * 3600 * hours / 1e6)
	}
	return c, nil
}

// PricingValue returns the table's value at a dotted key of the kind
// conflicts name: cu_types.T.vectors_per_cu.DIM, cu_types.T.qps_per_cu,
// plans.P.cu_hour.T, storage_gb_month.
func PricingValue(p workloads.Pricing, key string) (float64, bool) {
	parts := strings.Split(key, ".")
	switch {
	case len(parts) == 4 && parts[0] == "cu_types" && parts[2] == "vectors_per_cu":
		dim, err := strconv.Atoi(parts[3])
		if err != nil {
			return 0, false
		}
		v, ok := p.CUTypes[parts[1]].VectorsPerCU[dim]
		return v, ok
	case len(parts) == 3 && parts[0] == "cu_types" && parts[2] == "qps_per_cu":
		v := p.CUTypes[parts[1]].QPSPerCU
		return v, v > 0
	case len(parts) == 4 && parts[0] == "plans" && parts[2] == "cu_hour":
		v, ok := p.Plans[parts[1]].CUHour[parts[3]]
		return v, ok
	case key == "storage_gb_month":
		return p.StorageGBMonth, p.StorageGBMonth > 0
	}
	return 0, false
}

// ConflictWords describes the published figures behind key and which one
// the table uses, or "" when Zilliz's pages agree (or the user set it).
func ConflictWords(p workloads.Pricing, key string) string {
	var parts []string
	for _, k := range p.ConflictsUnder(key) {
		fs := p.Conflicts[k]
		c, _ := workloads.Conservative(k, fs)
		var each []string
		for _, f := range fs {
			each = append(each, fmt.Sprintf("%g (%s, read %s)", f.Value, f.Source, f.Date))
		}
		which := "lower"
		if c.Value == maxOf(fs) {
			which = "higher"
		}
		parts = append(parts, fmt.Sprintf("Zilliz's pages disagree on %s: %s; sized with the conservative, %s figure %g", k, strings.Join(each, " vs "), which, c.Value))
	}
	return strings.Join(parts, "; ")
}

func maxOf(fs []workloads.PublishedFigure) float64 {
	m := math.Inf(-1)
	for _, f := range fs {
		m = math.Max(m, f.Value)
	}
	return m
}
