package workloads

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestGoalsDecode(t *testing.T) {
	src := `name: g
dataset: {size: 1000, dim: 8}
indexes: [{type: FLAT}]
goals:
  recall: 0.95
  p99: 20ms
  p95: 10ms
  qps: 2500
  rows: 20_000_000
  dim: 768
  growth: 1e6
  cu_types: [performance, capacity]
  max_replicas: 4
`
	s, err := Parse("g.yaml", []byte(src), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	want := Goals{Recall: 0.95, P99: Duration(20 * time.Millisecond), P95: Duration(10 * time.Millisecond), QPS: 2500,
		Rows: 20_000_000, Dim: 768, Growth: 1_000_000, GrowthMonths: DefaultGrowthMonths,
		CUTypes: []string{"performance", "capacity"}, MaxReplicas: 4}
	if !reflect.DeepEqual(s.Goals, want) {
		t.Errorf("goals\n got %+v\nwant %+v", s.Goals, want)
	}
	if !s.Goals.Set() {
		t.Error("Set() = false")
	}
}

// TestPricingSection checks the three ways to give prices: inline, a file
// by name, and a file with inline overrides; and that every value carries
// its source.
func TestPricingSection(t *testing.T) {
	dir := t.TempDir()
	file := `source: my contract 2026
region: aws-eu-central-1
plans:
  standard:
    cu_hour: {performance: 0.2, capacity: 0.21}
`
	if err := os.WriteFile(filepath.Join(dir, "prices.yaml"), []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	head := "name: p\ndataset: {size: 1000, dim: 8}\nindexes: [{type: FLAT}]\n"
	tests := []struct {
		name    string
		section string
		check   func(t *testing.T, p *Pricing)
	}{
		{"inline", "pricing:\n  storage_gb_month: 0.03\n  plans: {enterprise: {cu_hour: {tiered: 0.5}}}\n",
			func(t *testing.T, p *Pricing) {
				if p.StorageGBMonth != 0.03 || p.Plans["enterprise"].CUHour["tiered"] != 0.5 {
					t.Errorf("values %+v", p)
				}
				if got := p.SourceOf("storage_gb_month"); got != filepath.Join(dir, "w.yaml")+":5" {
					t.Errorf("source of an inline value without a source: %q", got)
				}
			}},
		{"file", "pricing: prices.yaml\n", func(t *testing.T, p *Pricing) {
			if p.Plans["standard"].CUHour["capacity"] != 0.21 || p.Region != "aws-eu-central-1" || p.File != filepath.Join(dir, "prices.yaml") {
				t.Errorf("values %+v", p)
			}
			if got := p.SourceOf("plans.standard.cu_hour.performance"); got != "my contract 2026" {
				t.Errorf("source %q", got)
			}
		}},
		{"file with overrides", "pricing:\n  file: prices.yaml\n  source: list price\n  plans: {standard: {cu_hour: {performance: 0.25}}}\n",
			func(t *testing.T, p *Pricing) {
				std := p.Plans["standard"].CUHour
				if std["performance"] != 0.25 || std["capacity"] != 0.21 {
					t.Errorf("merged prices %v", std)
				}
				if p.SourceOf("plans.standard.cu_hour.performance") != "list price" || p.SourceOf("plans.standard.cu_hour.capacity") != "my contract 2026" {
					t.Errorf("sources %v", p.Sources)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "w.yaml")
			s, err := Parse(path, []byte(head+tt.section), noEnv)
			if err != nil {
				t.Fatal(err)
			}
			if s.Pricing == nil {
				t.Fatal("no pricing decoded")
			}
			tt.check(t, s.Pricing)
		})
	}
}

func TestPricingMerge(t *testing.T) {
	base := Pricing{Source: "defaults", HoursPerMonth: 730,
		CUTypes: map[string]CUTypeSpec{"performance": {VectorsPerCU: map[int]float64{768: 1.5e6}, QPSPerCU: 500, MinCUs: 1}},
		Plans:   map[string]PlanTier{"standard": {MaxCUs: 32, CUHour: map[string]float64{"performance": 0.1}}}}
	over := Pricing{Plans: map[string]PlanTier{"standard": {CUHour: map[string]float64{"capacity": 0.2}}},
		CUTypes: map[string]CUTypeSpec{"performance": {QPSPerCU: 800}},
		Sources: map[string]string{"plans.standard.cu_hour.capacity": "quote"}}
	got := base.Merge(over)
	if got.Plans["standard"].MaxCUs != 32 || got.Plans["standard"].CUHour["performance"] != 0.1 || got.Plans["standard"].CUHour["capacity"] != 0.2 {
		t.Errorf("plans %+v", got.Plans)
	}
	if c := got.CUTypes["performance"]; c.QPSPerCU != 800 || c.VectorsPerCU[768] != 1.5e6 || c.MinCUs != 1 {
		t.Errorf("cu type %+v", c)
	}
	if got.SourceOf("plans.standard.cu_hour.capacity") != "quote" || got.SourceOf("hours_per_month") != "defaults" {
		t.Errorf("sources %v", got.Sources)
	}
	if _, ok := base.Plans["standard"].CUHour["capacity"]; ok {
		t.Error("Merge changed its receiver")
	}
}

// TestColdAndBuildLevelKeys: load.cold, load.idle_before and
// goals.build_level decode, and out-of-range or inapplicable values stop
// with one line naming the key.
func TestColdAndBuildLevelKeys(t *testing.T) {
	const head = "name: c\ndataset: {size: 1000, dim: 8}\nindexes: [{type: FLAT}]\n"
	tests := []struct {
		name, src, err string
	}{
		{"ok", "load: {model: closed, concurrency: 1, cold: 10, idle_before: 30s}\ngoals: {build_level: 0}\n", ""},
		{"cold range", "load: {model: closed, concurrency: 1, cold: -1}\n", "load.cold: -1 is out of range"},
		{"idle without cold", "load: {model: closed, concurrency: 1, idle_before: 1s}\n", "load.idle_before: needs load.cold"},
		{"ingest", "dataset: {size: 1000, dim: 8, preload: 100}\nload: {model: ingest, insert_batch: 10, insert_concurrency: 1, cold: 3}\n", "load.cold: does not apply to load model ingest"},
		{"build level", "goals: {build_level: 3}\n", "goals.build_level: 3 is not a Zilliz Cloud build_level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := head + tt.src
			if tt.name == "ingest" {
				src = "name: c\nindexes: [{type: FLAT}]\n" + tt.src
			}
			s, err := Parse("c.yaml", []byte(src), noEnv)
			if tt.err == "" {
				if err != nil || s.Load.Cold != 10 || s.Load.IdleBefore != Duration(30*time.Second) || s.Goals.BuildLevel == nil || *s.Goals.BuildLevel != 0 {
					t.Errorf("got %v, load %+v, build_level %v", err, s.Load, s.Goals.BuildLevel)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("error %v, want %q", err, tt.err)
			}
		})
	}
}

// TestPricingConflictsDecode: a conflict lists two or more published
// figures, each with a source; build_level factors are keyed 0..2.
func TestPricingConflictsDecode(t *testing.T) {
	tests := []struct {
		name, src, err string
	}{
		{"ok", "conflicts:\n  plans.standard.cu_hour.performance:\n    - {value: 0.1, source: a, date: '2026-12-06'}\n    - {value: 0.2, source: b}\nnotes: [x]\ncu_types: {performance: {build_level: {0: 1.3, 1: 1.6}}}\n", ""},
		{"one figure", "conflicts:\n  plans.standard.cu_hour.performance:\n    - {value: 0.1, source: a}\n", "must list at least two published figures"},
		{"no source", "conflicts:\n  k:\n    - {value: 0.1, source: a}\n    - {value: 0.2}\n", "k[1]: needs a source"},
		{"bad level", "cu_types: {performance: {build_level: {3: 1.2}}}\n", `"3" is not a build_level`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePricing("p.yaml", []byte(tt.src), noEnv)
			if tt.err == "" {
				if err != nil || len(p.Conflicts["plans.standard.cu_hour.performance"]) != 2 || p.CUTypes[CUPerformance].BuildLevel[1] != 1.6 || len(p.Notes) != 1 {
					t.Errorf("%v %+v", err, p)
				}
				c, _ := Conservative("plans.standard.cu_hour.performance", p.Conflicts["plans.standard.cu_hour.performance"])
				if c.Value != 0.2 {
					t.Errorf("conservative price %g, want the higher 0.2", c.Value)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("error %v, want %q", err, tt.err)
			}
		})
	}
}
