package tuner

import (
	"fmt"
	"math"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
)

// measuredTarget is what the measured throughput ran on, which decides how
// it scales: per CU for a Zilliz Cloud cluster, per core otherwise.
type measuredTarget struct {
	kind     string
	cloud    bool
	cuType   string
	cus      int
	replicas int
	// cores is the cores behind the measured throughput (0: unknown);
	// inProcess marks the embedded engine, whose workers share the host's
	// cores with the harness.
	cores     int
	inProcess bool
	testRows  int
	// vectorType is the type the measured vectors were stored as.
	vectorType string
	describe   string
	short      string
}

func measuredOn(res *bench.Result, c workloads.ClusterSpec) measuredTarget {
	m := measuredTarget{kind: res.Provenance.Target.Kind, testRows: res.Dataset.Size, vectorType: res.Dataset.VectorType}
	src := c.Source
	if src == "" {
		src = "workload cluster section"
	}
	switch {
	case c.CUs > 0:
		m.cloud, m.cuType, m.cus, m.replicas = true, c.CUType, c.CUs, max(c.Replicas, 1)
		if m.cuType == "" {
			m.cuType = CUPerformance
		}
		m.short = fmt.Sprintf("the tested Zilliz Cloud cluster (%s × %s)", units(m.cus, m.cuType+" CU"), units(m.replicas, "replica"))
		m.describe = fmt.Sprintf("a Zilliz Cloud cluster of %d %s CUs × %d replicas (%s); throughput scales per CU", m.cus, cuName(m.cuType), m.replicas, src)
	case m.kind == workloads.TargetEmbedded:
		m.cores, m.inProcess = res.Provenance.Cores, true
		if c.Cores > 0 {
			m.cores = c.Cores
		} else {
			src = "no cluster section: the host's cores"
		}
		m.short = fmt.Sprintf("this host (%d cores, embedded engine)", m.cores)
		m.describe = fmt.Sprintf("the embedded engine on %d cores (%s); throughput is extrapolated per core, and Zilliz Cloud sizes use Zilliz's published throughput per CU", m.cores, src)
	case c.Cores > 0:
		m.cores = c.Cores
		m.short = fmt.Sprintf("the tested server (%d cores)", c.Cores)
		m.describe = fmt.Sprintf("a self-hosted server with %d cores (%s); throughput is extrapolated per core", c.Cores, src)
	default:
		m.short = "the tested server"
		m.describe = "a server of unknown size: set cluster.cores (self-hosted) or cluster.cu_type and cluster.cus (Zilliz Cloud) to scale throughput from it"
	}
	return m
}

// selfHosted sizes memory and, when the measured cores are known, the
// cores the throughput goal needs at the measured queries/s per core.
func selfHosted(pts []*point, top *point, g workloads.Goals, m measuredTarget, mem *Memory) *SelfHosted {
	sh := &SelfHosted{MemoryBytes: mem.WithHeadroom}
	if mem.Measured != nil {
		sh.MemoryBytes = assumed(mem.Measured.Value*LoadHeadroom, "bytes", fmt.Sprintf("%s, × %.2f loading headroom", mem.Measured.Source, LoadHeadroom))
	}
	if m.cloud {
		return sh
	}
	// The server's own CPU per query, from its process CPU counter
	// (target.metrics_url): cores for the goal without assuming how
	// throughput scales with cores.
	if top.serverUS > 0 && !m.inProcess {
		src := fmt.Sprintf("measured: the server process's CPU %.1f µs per query (its CPU counter over trial %s, target.metrics_url; the client spent %.1f µs per query)", top.serverUS, ids(top.trialIDs), top.clientUS)
		f := measured(1e6/top.serverUS, "queries/s per core", src)
		sh.QPSPerCore = &f
		if g.QPS > 0 {
			c := measured(math.Ceil(g.QPS*top.serverUS/1e6), "cores", fmt.Sprintf("goals.qps %g × %.1f µs of server CPU per query (measured; busy cores, no headroom)", g.QPS, top.serverUS))
			sh.Cores = &c
		}
		return sh
	}
	if m.cores == 0 {
		return sh
	}
	// Busy cores at each level of the chosen config that meets the goals:
	// a closed-loop worker keeps at most one core busy.
	var xs, ys []float64
	for _, p := range pts {
		if p.config() != top.config() || p.shape != top.shape || !meets(p, g) {
			continue
		}
		busy := m.cores
		if m.inProcess && p.concurrency > 0 {
			busy = min(p.concurrency, m.cores)
		}
		xs, ys = append(xs, float64(busy)), append(ys, p.queries)
	}
	perCore := fitThroughOrigin(xs, ys)
	if perCore <= 0 {
		return sh
	}
	src := fmt.Sprintf("extrapolation: least-squares fit through the origin of measured queries/s against busy cores over %d load levels (of %d cores)", len(xs), m.cores)
	if m.inProcess {
		src += "; the in-process harness shares those cores, so a dedicated server does somewhat better"
	}
	f := assumed(perCore, "queries/s per core", src)
	sh.QPSPerCore = &f
	if sm, ok := ServerScaling[top.index.Type]; ok && !sm.Linear() && !m.inProcess && g.QPS > 0 {
		n, reach := sm.CoresFor(top.queries, float64(m.cores), g.QPS)
		if !reach {
			c := assumed(0, "cores", fmt.Sprintf("goals.qps %g is beyond what any core count of one server reaches by %s from %.0f queries/s on %d cores: add replicas", g.QPS, sm.Words(), top.queries, m.cores))
			sh.Cores = &c
			return sh
		}
		c := assumed(n, "cores", fmt.Sprintf("goals.qps %g from %.0f queries/s measured on %d cores, scaled by %s", g.QPS, top.queries, m.cores, sm.Words()))
		sh.Cores = &c
		return sh
	}
	if g.QPS > 0 {
		c := assumed(math.Ceil(g.QPS/perCore), "cores", fmt.Sprintf("goals.qps %g ÷ %.0f queries/s per core (assumed: throughput extrapolated linearly in cores; set target.metrics_url to measure the server's CPU per query instead)", g.QPS, perCore))
		sh.Cores = &c
	}
	return sh
}

// cuTypes returns the CU types to size: the goals' list, or every type the
// pricing table describes, fastest latency class first.
func cuTypes(g workloads.Goals, p workloads.Pricing) []string {
	if len(g.CUTypes) > 0 {
		return g.CUTypes
	}
	var out []string
	for _, t := range []string{CUPerformance, CUCapacity, CUTiered} {
		if _, ok := p.CUTypes[t]; ok {
			out = append(out, t)
		}
	}
	return out
}

// cloudOptions sizes a Zilliz Cloud cluster of each CU type considered and
// picks the cheapest that can carry the latency goal (-1: none).
func cloudOptions(top *point, in Inputs, m measuredTarget, rows int64, dim int) ([]CloudOption, int, error) {
	g, p := in.Goals, in.Pricing
	level := g.BuildLevel
	if level == nil {
		level = trialBuildLevel(top.index)
	}
	dim, dimWords := sizingDim(dim, m.vectorType)
	var out []CloudOption
	pick := -1
	for _, t := range cuTypes(g, p) {
		ct, ok := p.CUTypes[t]
		if !ok {
			return nil, -1, fmt.Errorf("pricing describes no CU type %s", t)
		}
		capCUs, need, err := CapacityCUs(p, t, rows, dim, level)
		if err != nil {
			return nil, -1, err
		}
		_, how, _ := VectorsPerCU(p, t, dim)
		if dimWords != "" {
			how = dimWords + "; " + how
		}
		if _, lw := BuildLevelFactor(p, t, level); lw != "" {
			if g.BuildLevel == nil {
				lw += ", the build_level of the chosen AUTOINDEX build"
			}
			how += ", " + lw
		}
		capSrc := fmt.Sprintf("%s rows ÷ vectors per %s CU (%s; %s), at least %d", Count(float64(rows)), t, how, p.SourceOf("cu_types."+t+".vectors_per_cu"), max(ct.MinCUs, 1))
		if w := ConflictWords(p, "cu_types."+t+".vectors_per_cu"); w != "" {
			capSrc += "; " + w
		}
		o := CloudOption{CUType: t, CapacityCUs: assumed(need, "CUs", capSrc)}
		switch {
		case m.cloud:
			perCU := top.queries / float64(m.cus*m.replicas)
			o.QPSPerCU = measured(perCU, "queries/s per CU", fmt.Sprintf("%.0f queries/s on %d CU × %d replicas", top.queries, m.cus, m.replicas))
			if base := p.CUTypes[m.cuType].QPSPerCU; t != m.cuType && base > 0 {
				ratio := ct.QPSPerCU / base
				o.QPSPerCU = assumed(perCU*ratio, "queries/s per CU", fmt.Sprintf("measured %.0f per %s CU × %.2f, the ratio of published QPS per CU of %s to %s", perCU, m.cuType, ratio, t, m.cuType))
			}
		default:
			o.QPSPerCU = assumed(ct.QPSPerCU, "queries/s per CU", p.SourceOf("cu_types."+t+".qps_per_cu"))
		}
		o.Layout = SizeCluster(p, t, capCUs, g.QPS, o.QPSPerCU.Value, g.MaxReplicas)
		if g.QPS > 0 {
			o.ThroughputCUs = assumed(g.QPS/o.QPSPerCU.Value, "CUs", fmt.Sprintf("goals.qps %g ÷ %.0f queries/s per CU", g.QPS, o.QPSPerCU.Value))
		}
		o.Eligible, o.Why = eligible(t, ct, g, m, p)
		cost, err := MonthlyCost(p, t, o.Layout, rows, dim, g.QPS)
		if err != nil {
			o.Eligible, o.Why = false, err.Error()
		} else {
			key := "plans." + o.Plan + ".cu_hour." + t
			priceSrc := p.SourceOf(key)
			if w := ConflictWords(p, key); w != "" {
				priceSrc += "; " + w
			}
			o.PricePerCU = assumed(cost.CUHour, p.Currency+"/CU-hour", priceSrc)
			o.Monthly = assumed(cost.Monthly, p.Currency+"/month", fmt.Sprintf("%s × %s × %g %s/CU-hour (%s) × %g h + %.2f GB × %g %s/GB-month (%s)",
				units(o.CUs, "CU"), units(o.Replicas, "replica"), cost.CUHour, p.Currency, o.Plan, p.HoursPerMonth, cost.StorageGB, p.StorageGBMonth, p.Currency, p.SourceOf("storage_gb_month")))
			if cost.PerMillion > 0 {
				o.PerMillion = assumed(cost.PerMillion, p.Currency+" per million queries", fmt.Sprintf("monthly cost ÷ (%g queries/s × 3600 × %g h / 10⁶)", g.QPS, p.HoursPerMonth))
			}
		}
		if bc, err := MonthlyCost(p, t, Layout{CUs: o.CUs, Replicas: o.Replicas, Plan: PlanBusinessCritical}, rows, dim, g.QPS); err == nil {
			f := assumed(bc.Monthly, p.Currency+"/month", fmt.Sprintf("the same layout at %g %s/CU-hour on the Business Critical plan (%s)", bc.CUHour, p.Currency, p.SourceOf("plans.business_critical.cu_hour."+t)))
			o.BusinessCritical = &f
		}
		o.Sensitivity = sensitivity(p, t, capCUs, g, o.QPSPerCU.Value, rows, dim, o.Plan)
		if o.OverLimit {
			o.Why = fmt.Sprintf("%d CUs is beyond the Enterprise plan's self-serve limit of %d: ask Zilliz", o.CUs*o.Replicas, p.Plans[PlanEnterprise].MaxCUs)
		}
		if o.Eligible && (pick < 0 || o.Monthly.Value < out[pick].Monthly.Value) {
			pick = len(out)
		}
		out = append(out, o)
	}
	return out, pick, nil
}

// eligible reports whether a CU type can carry the latency goal: the type
// measured, the fastest type, or one whose published latency class is
// within the p99 (or p95) goal.
func eligible(t string, ct workloads.CUTypeSpec, g workloads.Goals, m measuredTarget, p workloads.Pricing) (bool, string) {
	if m.cloud && t == m.cuType {
		return true, ""
	}
	fastest := true
	for name, o := range p.CUTypes {
		if name != t && o.LatencyMS > 0 && o.LatencyMS < ct.LatencyMS {
			fastest = false
		}
	}
	goal := g.P99
	if goal == 0 {
		goal = g.P95
	}
	switch {
	case fastest || goal == 0 || ct.LatencyMS <= ms(goal):
		if m.cloud {
			return true, fmt.Sprintf("not measured: latency on %s CUs is taken from the published class", t)
		}
		return true, ""
	}
	return false, fmt.Sprintf("published latency class of %s CUs (%s, %s) is above the latency goal %s", t, Millis(ct.LatencyMS), p.SourceOf("cu_types."+t+".latency_ms"), goal)
}

// layoutWords describes the cluster in words.
func (o CloudOption) layoutWords() string {
	plan := "Standard"
	if o.Plan == PlanEnterprise {
		plan = "Enterprise"
	}
	if o.Replicas > 1 {
		return fmt.Sprintf("%d %s CUs × %d replicas (%d CUs) on the %s plan", o.CUs, cuName(o.CUType), o.Replicas, o.CUs*o.Replicas, plan)
	}
	return fmt.Sprintf("%s on the %s plan", units(o.CUs, cuName(o.CUType)+" CU"), plan)
}

// cuName is the CU type's name as Zilliz writes it.
func cuName(t string) string {
	switch t {
	case CUPerformance, CUCapacity:
		return t + "-optimized"
	case CUTiered:
		return "tiered-storage"
	}
	return t
}

// SensitivityFactors are the errors in the queries/s per CU the
// recommendation shows the CU count against: 30% fewer, 30% more.
var SensitivityFactors = []float64{0.7, 1.3}

// sensitivity re-sizes a CU type's cluster with its queries/s per CU off
// by each of SensitivityFactors (nil without a throughput goal).
func sensitivity(p workloads.Pricing, t string, capCUs int, g workloads.Goals, perCU float64, rows int64, dim int, plan string) []Sensitivity {
	if g.QPS <= 0 || perCU <= 0 {
		return nil
	}
	var out []Sensitivity
	for _, f := range SensitivityFactors {
		l := SizeCluster(p, t, capCUs, g.QPS, perCU*f, g.MaxReplicas)
		s := Sensitivity{Factor: f, QPSPerCU: perCU * f, Layout: l}
		if c, err := MonthlyCost(p, t, l, rows, dim, g.QPS); err == nil {
			s.Monthly = c.Monthly
		}
		out = append(out, s)
	}
	return out
}

// SensitivityWords says how the CU count of o moves with its queries/s
// per CU off by ±30%, or that capacity sets it ("" without a throughput
// goal).
func (o CloudOption) SensitivityWords(currency string) string {
	if len(o.Sensitivity) == 0 {
		return ""
	}
	total := o.CUs * o.Replicas
	var parts []string
	same := true
	for _, s := range o.Sensitivity {
		n := s.CUs * s.Replicas
		same = same && n == total
		dir := "lower"
		if s.Factor > 1 {
			dir = "higher"
		}
		parts = append(parts, fmt.Sprintf("%.0f%% %s (%s/s per CU) needs %s (%s a month)", math.Abs(s.Factor-1)*100, dir, Count(s.QPSPerCU), units(n, "CU"), Money(s.Monthly, currency)))
	}
	if same {
		return fmt.Sprintf("The CU count does not hang on the assumed %s queries/s per CU: off by ±30%% it is still %s, set by capacity.", Count(o.QPSPerCU.Value), units(total, "CU"))
	}
	return fmt.Sprintf("The CU count hangs on the %s %s queries/s per CU: %s, against %s.", o.QPSPerCU.Basis, Count(o.QPSPerCU.Value), joinAnd(parts), units(total, "CU"))
}

// trialBuildLevel returns the Zilliz Cloud build_level an AUTOINDEX build
// was measured with (nil: none, or another index type).
func trialBuildLevel(idx workloads.IndexConfig) *int {
	if idx.Type != "AUTOINDEX" {
		return nil
	}
	if _, ok := idx.Build["build_level"]; !ok {
		return nil
	}
	v := idx.Build.Int("build_level", 1)
	return &v
}

// sizingDim returns the dimension of the FLOAT_VECTOR whose raw size
// equals a vector of dim components stored as vt, the dimension the
// published per-CU capacity (given for float vectors) is read at, and
// words saying so ("" for float vectors). It is an assumption: Zilliz
// publishes capacity for float vectors only, and raw vector bytes are
// what grows with dim in that table.
func sizingDim(dim int, vt string) (int, string) {
	if vt == "" || vt == workloads.VectorFloat {
		return dim, ""
	}
	b := workloads.VectorRawBytes(vt, int64(dim))
	d := max(int((b+3)/4), 1)
	return d, fmt.Sprintf("%d-d %s vectors take %d bytes each, sized as %d-d float vectors (assumed: capacity follows raw vector bytes)", dim, vt, b, d)
}
