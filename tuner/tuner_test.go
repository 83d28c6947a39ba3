package tuner

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

func labels(pts []FrontierPoint) []string {
	var out []string
	for _, p := range pts {
		out = append(out, p.Label)
	}
	return out
}

func TestPareto(t *testing.T) {
	pts := []FrontierPoint{
		{Label: "A", Recall: 0.90, QPS: 1000, P99: 1},
		{Label: "B", Recall: 0.95, QPS: 800, P99: 2},
		{Label: "C", Recall: 0.95, QPS: 700, P99: 1.5},
		{Label: "D", Recall: 0.99, QPS: 300, P99: 5},
		{Label: "E", Recall: 0.85, QPS: 900, P99: 0.8},
		{Label: "F", Recall: 0.99, QPS: 300, P99: 5},  // identical to D: D is kept
		{Label: "G", Recall: 0.80, QPS: 1000, P99: 3}, // dominated by A on QPS (tie, lower recall)
	}
	tests := []struct {
		kind string
		want []string
	}{
		// By hand: D beats every point of recall ≥ .99; B is the fastest at
		// .95 (C is slower at equal recall); A beats B and D on QPS; E and G
		// are no faster than A with less recall.
		{RecallQPS, []string{"A", "B", "D"}},
		// On p99: C has the lowest p99 at .95, A beats it at .90, E at .85;
		// G is slower than E with less recall.
		{RecallP99, []string{"E", "A", "C", "D"}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			if got := labels(Pareto(pts, tt.kind)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("frontier %v, want %v", got, tt.want)
			}
		})
	}
	if got := Pareto(nil, RecallQPS); len(got) != 0 {
		t.Errorf("empty input gave %v", got)
	}
}

func TestIndexMemory(t *testing.T) {
	const rows, dim = 1_000_000, 128
	const raw = rows * dim * 4 // 512,000,000
	p := func(kv ...any) workloads.Params {
		out := workloads.Params{}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i].(string)] = int64(kv[i+1].(int))
		}
		return out
	}
	tests := []struct {
		typ   string
		build workloads.Params
		want  float64
	}{
		{"FLAT", nil, raw},
		{"IVF_FLAT", p("nlist", 1024), raw + 1024*128*4},                                             // 512,524,288
		{"IVF_SQ8", p("nlist", 1024), raw/4 + 1024*128*4},                                            // 128,524,288
		{"IVF_PQ", p("nlist", 1024, "m", 16, "nbits", 8), 16e6 + 256*128*4 + 524288 + 1024*16*256*4}, // codes + codebooks + centroids + L2 precomputed tables
		{"HNSW", p("M", 16, "efConstruction", 200), raw * (1 + 32.0/128)},                            // 640,000,000
		{"HNSW", p("M", 8), raw * (1 + 16.0/128)},
		{"DISKANN", nil, raw / 4},
		{"SCANN", p("nlist", 1024), raw/4 + raw + 1024*128*4},
	}
	for _, tt := range tests {
		got, formula := IndexMemory(workloads.IndexConfig{Type: tt.typ, Build: tt.build}, rows, dim)
		if math.Abs(got-tt.want) > 1e-6*tt.want {
			t.Errorf("%s%v: %.0f bytes, want %.0f (%s)", tt.typ, tt.build, got, tt.want, formula)
		}
	}
}

func defaults(t *testing.T) workloads.Pricing {
	t.Helper()
	p, err := DefaultPricing()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultPricingIsSourced(t *testing.T) {
	p := defaults(t)
	if p.Date == "" || p.Region == "" || p.Currency != "USD" || p.HoursPerMonth != 730 {
		t.Errorf("table header %+v", p)
	}
	for _, plan := range []string{PlanStandard, PlanEnterprise} {
		for _, typ := range []string{CUPerformance, CUCapacity, CUTiered} {
			key := "plans." + plan + ".cu_hour." + typ
			if p.Plans[plan].CUHour[typ] <= 0 || p.Sources[key] == "" {
				t.Errorf("%s: price %g source %q", key, p.Plans[plan].CUHour[typ], p.Sources[key])
			}
		}
	}
	if got := p.Plans[PlanEnterprise].CUHour[CUPerformance]; got != 0.248 {
		t.Errorf("enterprise performance CU-hour %g, the documented example is 0.248", got)
	}
}

// TestDefaultPricingConflicts holds the default table to its rule: where
// Zilliz's pages disagree, every figure has a source and a date, and the
// table's value is the conservative one.
func TestDefaultPricingConflicts(t *testing.T) {
	p := defaults(t)
	tests := []struct {
		key          string
		conservative float64
	}{
		{"cu_types.performance.vectors_per_cu.768", 1.5e6},
		{"cu_types.capacity.vectors_per_cu.768", 5e6},
		{"cu_types.tiered.vectors_per_cu.768", 20e6},
		{"plans.standard.cu_hour.performance", 0.159},
	}
	for _, tt := range tests {
		fs := p.Conflicts[tt.key]
		if len(fs) < 2 {
			t.Errorf("%s: %d published figures, want both", tt.key, len(fs))
			continue
		}
		for _, f := range fs {
			if f.Source == "" || f.Date == "" {
				t.Errorf("%s: figure %g without source or date", tt.key, f.Value)
			}
		}
		c, _ := workloads.Conservative(tt.key, fs)
		v, ok := PricingValue(p, tt.key)
		if !ok || v != c.Value || v != tt.conservative {
			t.Errorf("%s: table %g (%v), conservative %g, want %g", tt.key, v, ok, c.Value, tt.conservative)
		}
		if w := ConflictWords(p, tt.key); !strings.Contains(w, "conservative") {
			t.Errorf("%s: words %q", tt.key, w)
		}
	}
	for k := range p.Conflicts {
		if _, ok := PricingValue(p, k); !ok {
			t.Errorf("conflict %s names no value of the table", k)
		}
	}
	if _, ok := p.Plans[workloads.PlanBusinessCritical]; !ok || len(p.Notes) == 0 {
		t.Errorf("no Business Critical plan (%v) or no notes (%d)", ok, len(p.Notes))
	}
	// A user's own figure replaces the published ones: no conflict left.
	over := workloads.Pricing{Plans: map[string]workloads.PlanTier{PlanStandard: {CUHour: map[string]float64{CUPerformance: 0.12}}},
		Sources: map[string]string{"plans.standard.cu_hour.performance": "contract"}}
	m := p.Merge(over)
	if w := ConflictWords(m, "plans.standard.cu_hour.performance"); w != "" || m.Plans[PlanStandard].CUHour[CUPerformance] != 0.12 {
		t.Errorf("after an override: %q, price %g", w, m.Plans[PlanStandard].CUHour[CUPerformance])
	}
	if len(m.Conflicts) != len(p.Conflicts)-1 {
		t.Errorf("override dropped %d conflicts, want 1", len(p.Conflicts)-len(m.Conflicts))
	}
}

func TestVectorsPerCU(t *testing.T) {
	p := defaults(t)
	tests := []struct {
		typ  string
		dim  int
		want float64
	}{
		{CUPerformance, 768, 1.5e6},
		{CUPerformance, 128, 7.5e6},
		// Between 256 (4.5M) and 512 (2.25M), linear in 1/dim: at 384,
		// t = (1/256 − 1/384)/(1/256 − 1/512) = 2/3, 4.5M − 2/3·2.25M = 3M.
		{CUPerformance, 384, 3e6},
		{CUPerformance, 1536, 1.125e6 * 1024 / 1536}, // beyond the table: 750k
		{CUPerformance, 64, 7.5e6 * 2},
		{CUCapacity, 768, 5e6},
		{CUTiered, 768, 20e6},
	}
	for _, tt := range tests {
		got, how, err := VectorsPerCU(p, tt.typ, tt.dim)
		if err != nil || math.Abs(got-tt.want) > 1 {
			t.Errorf("%s dim %d: %.0f (%s, %v), want %.0f", tt.typ, tt.dim, got, how, err, tt.want)
		}
	}
}

func TestCapacityCUs(t *testing.T) {
	p := defaults(t)
	lvl := func(l int) *int { return &l }
	tests := []struct {
		typ   string
		rows  int64
		dim   int
		level *int
		want  int
	}{
		{CUPerformance, 20_000_000, 768, nil, 14}, // 20M / 1.5M = 13.3
		{CUCapacity, 20_000_000, 768, nil, 4},     // 20M / 5M
		{CUTiered, 20_000_000, 768, nil, 8},       // 1, but a tiered cluster has at least 8 CUs
		{CUPerformance, 50_000, 128, nil, 1},
		{CUPerformance, 15_000_000, 128, nil, 2},     // exactly 2 × 7.5M
		{CUPerformance, 20_000_000, 768, lvl(1), 9},  // balanced: 1.6 × 1.5M = 2.4M per CU, 8.3
		{CUPerformance, 20_000_000, 768, lvl(0), 11}, // capacity-first: 1.3 × 1.5M = 1.95M, 10.3
		{CUPerformance, 20_000_000, 768, lvl(2), 14}, // precision-first: not published, the table
		{CUCapacity, 20_000_000, 768, lvl(1), 4},     // not published for capacity CUs
	}
	for _, tt := range tests {
		got, _, err := CapacityCUs(p, tt.typ, tt.rows, tt.dim, tt.level)
		if err != nil || got != tt.want {
			t.Errorf("%s %d×%d: %d CUs (%v), want %d", tt.typ, tt.rows, tt.dim, got, err, tt.want)
		}
	}
}

func TestSizeCluster(t *testing.T) {
	p := defaults(t)
	tests := []struct {
		name        string
		capCUs      int
		qps, perCU  float64
		maxReplicas int
		want        Layout
	}{
		{"capacity only", 1, 0, 500, 0, Layout{CUs: 1, Replicas: 1, Plan: PlanStandard}},
		{"grow up to 8 CUs", 1, 2000, 500, 0, Layout{CUs: 4, Replicas: 1, Plan: PlanStandard}},
		// 10,000/500 = 20 CUs > 8: replicas of 8 CUs, ⌈10,000/4,000⌉ = 3.
		{"replicas beyond 8", 2, 10000, 500, 0, Layout{CUs: 8, Replicas: 3, Plan: PlanEnterprise}},
		{"capacity covers throughput", 14, 3000, 500, 0, Layout{CUs: 14, Replicas: 1, Plan: PlanStandard}},
		{"too big for standard", 40, 0, 500, 0, Layout{CUs: 40, Replicas: 1, Plan: PlanEnterprise}},
		// 20,000/500 = 40 CUs; 5 replicas of 8 wanted, 2 allowed: 2 × 20.
		{"max replicas", 8, 20000, 500, 2, Layout{CUs: 20, Replicas: 2, Plan: PlanEnterprise}},
		// 200 CUs hold the data; 400 CU-worth of throughput cannot fit 256.
		{"over the limit", 200, 200000, 500, 0, Layout{CUs: 400, Replicas: 1, Plan: PlanEnterprise, OverLimit: true}},
		{"tiered minimum", 1, 0, 5, 0, Layout{CUs: 1, Replicas: 1, Plan: PlanStandard}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SizeCluster(p, CUPerformance, tt.capCUs, tt.qps, tt.perCU, tt.maxReplicas)
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	if got := SizeCluster(p, CUTiered, 1, 0, 5, 0); got.CUs != 8 {
		t.Errorf("tiered cluster of %d CUs, want at least 8", got.CUs)
	}
}

func TestMonthlyCost(t *testing.T) {
	p := defaults(t)
	tests := []struct {
		name       string
		l          Layout
		rows       int64
		dim        int
		qps        float64
		monthly    float64
		perMillion float64
	}{
		// 4 × 0.159 × 730 = 464.28; storage 1M × (768·4 + 8) B = 3.08 GB ×
		// 0.025 = 0.077; a month at 1,000 q/s is 2,628M queries.
		{"standard", Layout{CUs: 4, Replicas: 1, Plan: PlanStandard}, 1_000_000, 768, 1000, 464.357, 464.357 / 2628},
		// 8 × 3 × 0.248 × 730 = 4,344.96 + 20M × 3,080 B = 61.6 GB × 0.025.
		{"enterprise replicas", Layout{CUs: 8, Replicas: 3, Plan: PlanEnterprise}, 20_000_000, 768, 0, 4344.96 + 1.54, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := MonthlyCost(p, CUPerformance, tt.l, tt.rows, tt.dim, tt.qps)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(c.Monthly-tt.monthly) > 0.001 || math.Abs(c.PerMillion-tt.perMillion) > 1e-6 {
				t.Errorf("monthly %.4f per million %.6f, want %.4f and %.6f", c.Monthly, c.PerMillion, tt.monthly, tt.perMillion)
			}
		})
	}
	if _, err := MonthlyCost(workloads.Pricing{}, CUPerformance, Layout{CUs: 1, Replicas: 1, Plan: PlanStandard}, 1, 8, 0); err == nil {
		t.Error("no error without a price")
	}
}

func TestRuleOfThumb(t *testing.T) {
	tests := []struct {
		rows        int64
		dim         int
		memoryBound bool
		want        string
		vt          string
	}{
		{50_000, 128, false, "FLAT", ""},
		{50_000, 256, false, "BIN_FLAT", workloads.VectorBinary},
		{1_000_000, 256, true, "BIN_IVF_FLAT(nlist=1000)", workloads.VectorBinary},
		{1_000_000, 128, false, "HNSW(M=16,efConstruction=200)", ""},
		{4_000_000, 768, true, "IVF_PQ(m=96,nbits=8,nlist=2000)", ""},   // √4M = 2000, 768/8 = 96
		{100_000_000, 100, true, "IVF_PQ(m=10,nbits=8,nlist=4096)", ""}, // 100/8 = 12 does not divide 100: 10
		{500_000, 768, true, "HNSW(M=16,efConstruction=200)", ""},       // below 1M rows
		{200_000, 128, false, "HNSW(M=16,efConstruction=200)", ""},
	}
	for _, tt := range tests {
		got, _ := RuleOfThumb(tt.rows, tt.dim, tt.memoryBound)
		if tt.vt != "" {
			got, _ = RuleOfThumbFor(tt.vt, tt.rows, tt.dim, tt.memoryBound)
		}
		if got.String() != tt.want {
			t.Errorf("%d×%d memory-bound=%v: %s, want %s", tt.rows, tt.dim, tt.memoryBound, got, tt.want)
		}
	}
	if got := RuleParams("IVF_FLAT", 200_000, 128); got.Int("nlist", 0) != 447 { // √200,000 = 447.2
		t.Errorf("IVF_FLAT nlist %v", got)
	}
	if got := RuleParams("IVF_FLAT", 1e9, 128); got.Int("nlist", 0) != 4096 {
		t.Errorf("IVF_FLAT nlist capped: %v", got)
	}
}

func TestBoundary(t *testing.T) {
	const n = 8
	for k := 0; k <= n; k++ {
		probes := 0
		got, err := Boundary(n, func(i int) (bool, error) {
			probes++
			if i < 0 || i >= n {
				t.Fatalf("probe %d out of range", i)
			}
			return i >= k, nil
		})
		if err != nil || got != k {
			t.Errorf("boundary at %d: got %d (%v)", k, got, err)
		}
		// Exponential search then bisection: at most 2·⌈log2 n⌉ probes.
		if probes > 6 {
			t.Errorf("boundary at %d took %d probes", k, probes)
		}
	}
	if got, _ := Boundary(0, nil); got != 0 {
		t.Errorf("empty range: %d", got)
	}
}

func TestCoordinate(t *testing.T) {
	// SCANN-like sweep: nprobe × reorder_k, recall rising with both.
	var sets []workloads.Params
	for _, np := range []int64{4, 8, 16, 32} {
		for _, rk := range []int64{20, 50, 100} {
			sets = append(sets, workloads.Params{"nprobe": np, "reorder_k": rk})
		}
	}
	recall := func(p workloads.Params) float64 {
		return 0.5 + 0.01*float64(p.Int("nprobe", 0)) + 0.001*float64(p.Int("reorder_k", 0))
	}
	var probed int
	got, ok, err := coordinate(sets, true, func(p workloads.Params) (bool, error) {
		probed++
		return recall(p) >= 0.75, nil
	})
	// nprobe first (sorted names), with reorder_k at 100: 0.5+0.01·np+0.1 ≥ 0.75
	// needs np ≥ 15 → 16; then reorder_k at nprobe 16: 0.66+0.001·rk ≥ 0.75
	// needs rk ≥ 90 → 100.
	want := workloads.Params{"nprobe": int64(16), "reorder_k": int64(100)}
	if err != nil || !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("got %v ok=%v err=%v, want %v", got, ok, err, want)
	}
	if probed >= len(sets) {
		t.Errorf("probed %d of %d sets: no better than the grid", probed, len(sets))
	}
	// Latency mode: the largest nprobe before the first miss.
	got, ok, _ = coordinate(sets[:0:0], false, nil)
	if ok || got != nil {
		t.Errorf("no sets: %v %v", got, ok)
	}
	one := []workloads.Params{{"ef": int64(10)}, {"ef": int64(20)}, {"ef": int64(40)}, {"ef": int64(80)}}
	got, ok, _ = coordinate(one, false, func(p workloads.Params) (bool, error) { return p.Int("ef", 0) > 40, nil })
	if !ok || got.Int("ef", 0) != 40 {
		t.Errorf("latency mode: %v ok=%v, want ef=40", got, ok)
	}
	_, ok, _ = coordinate(one, false, func(workloads.Params) (bool, error) { return true, nil })
	if ok {
		t.Error("latency mode with every value missing found one")
	}
}

// TestLeastWork: a larger ef measured faster than a smaller one that also
// meets the goals is noise (the quickstart on a busy host did this).
func TestLeastWork(t *testing.T) {
	hnsw := workloads.IndexConfig{Type: "HNSW", Build: workloads.Params{"M": int64(16)}}
	trial := func(id int, ef int64, recall, qps float64) bench.Trial {
		return bench.Trial{ID: id, Index: hnsw, Search: bench.SearchInfo{Params: workloads.Params{"ef": ef}, TopK: 10, NQ: 1, Selectivity: 1},
			Load: bench.LoadInfo{Model: workloads.LoadClosed, Concurrency: 1}, Recall: recall, QPS: qps, QueriesPerS: qps, Requests: 100,
			LatencyMS: bench.LatencyMS{P99: 1, P95: 1}}
	}
	res := &bench.Result{Dataset: datasets.Info{Size: 50000, Dim: 128}, Provenance: bench.Provenance{Cores: 2, Target: bench.TargetInfo{Kind: "embedded"}},
		Trials: []bench.Trial{trial(1, 20, 0.90, 9886), trial(2, 40, 0.982, 7597), trial(3, 80, 0.999, 7919)}}
	rec, err := Recommend(res, Inputs{Goals: workloads.Goals{Recall: 0.95, P99: workloads.Duration(5e6)}, Pricing: defaults(t)})
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.Answers[0].Choice.Name(); got != "HNSW(M=16) ef=40 nq=1" {
		t.Errorf("recommended %s, want the smallest ef meeting recall", got)
	}
	found := false
	for _, n := range rec.Notes {
		found = found || strings.Contains(n, "ef=80 nq=1 measured faster than HNSW(M=16) ef=40 nq=1 (7,919 vs 7,597")
	}
	if !found {
		t.Errorf("no note on the noise: %q", rec.Notes)
	}
	// Without a recall goal the most accurate config within latency wins.
	rec, _ = Recommend(res, Inputs{Goals: workloads.Goals{P99: workloads.Duration(5e6)}, Pricing: defaults(t)})
	if got := rec.Answers[0].Choice.Name(); got != "HNSW(M=16) ef=80 nq=1" {
		t.Errorf("latency only: %s", got)
	}
	p := func(kv ...int64) *point {
		return &point{index: hnsw, nq: 1, search: workloads.Params{"nprobe": kv[0], "reorder_k": kv[1]}}
	}
	for _, tt := range []struct {
		a, b *point
		want bool
	}{
		{p(8, 50), p(16, 50), true},
		{p(8, 50), p(8, 50), false},
		{p(8, 100), p(16, 50), false}, // incomparable: each larger in one
		{p(16, 50), p(8, 50), false},
	} {
		if got := doesLessWork(tt.a, tt.b); got != tt.want {
			t.Errorf("doesLessWork(%v, %v) = %v", tt.a.search, tt.b.search, got)
		}
	}
}

// TestNearTie: a runner-up within goals.tie (default 15%) of the choice is
// named.
func TestNearTie(t *testing.T) {
	trial := func(id int, typ string, qps float64) bench.Trial {
		return bench.Trial{ID: id, Index: workloads.IndexConfig{Type: typ}, Search: bench.SearchInfo{TopK: 10, NQ: 1, Selectivity: 1},
			Load: bench.LoadInfo{Model: workloads.LoadClosed, Concurrency: 1}, Recall: 0.99, QPS: qps, QueriesPerS: qps, Requests: 100}
	}
	for _, tt := range []struct {
		second, band float64
		tie          bool
	}{{90, 0, true}, {85, 0, true}, {80, 0, false}, {90, 0.05, false}, {80, 0.25, true}} {
		res := &bench.Result{Dataset: datasets.Info{Size: 1000, Dim: 8}, Trials: []bench.Trial{trial(1, "FLAT", 100), trial(2, "HNSW", tt.second)}}
		rec, err := Recommend(res, Inputs{Goals: workloads.Goals{Recall: 0.9, Tie: tt.band}, Pricing: defaults(t)})
		if err != nil {
			t.Fatal(err)
		}
		if got := rec.Answers[0].RunnerUp != nil; got != tt.tie {
			t.Errorf("runner-up at %g%% of the choice, tie band %g: tie %v, want %v", tt.second, tt.band, got, tt.tie)
		}
	}
}

// TestSensitivity re-sizes a cluster with the queries/s per CU off by
// ±30%: a throughput-bound cluster moves, a capacity-bound one does not,
// and the words say which.
func TestSensitivity(t *testing.T) {
	p := defaults(t)
	tests := []struct {
		name   string
		capCUs int
		qps    float64
		perCU  float64
		want   [2]int // total CUs at 0.7× and 1.3×
		words  string
	}{
		// 2,000/500 = 4 CUs; 2,000/350 = 5.7 → 6; 2,000/650 = 3.1 → 4.
		{"throughput-bound", 1, 2000, 500, [2]int{6, 4}, "hangs on the assumed 500 queries/s per CU: 30% lower (350/s per CU) needs 6 CUs"},
		// 20 CUs of data carry 10,000 q/s even at 350/s per CU.
		{"capacity-bound", 40, 10000, 500, [2]int{40, 40}, "does not hang on the assumed 500 queries/s per CU"},
		// 10,000/500 = 20 > 8: replicas of 8; at 350/s ⌈10,000/2,800⌉ = 4 replicas.
		{"replicas", 2, 10000, 500, [2]int{32, 16}, "30% higher (650/s per CU) needs 16 CUs"},
		{"no throughput goal", 1, 0, 500, [2]int{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := workloads.Goals{QPS: tt.qps}
			l := SizeCluster(p, CUPerformance, tt.capCUs, tt.qps, tt.perCU, 0)
			o := CloudOption{CUType: CUPerformance, Layout: l, QPSPerCU: assumed(tt.perCU, "queries/s per CU", "test"),
				Sensitivity: sensitivity(p, CUPerformance, tt.capCUs, g, tt.perCU, 1_000_000, 768, l.Plan)}
			var got [2]int
			for i, s := range o.Sensitivity {
				got[i] = s.CUs * s.Replicas
			}
			if got != tt.want {
				t.Errorf("CUs at 0.7× and 1.3×: %v, want %v", got, tt.want)
			}
			if w := o.SensitivityWords("USD"); !strings.Contains(w, tt.words) || (tt.words == "") != (w == "") {
				t.Errorf("words %q, want them to contain %q", w, tt.words)
			}
		})
	}
}
