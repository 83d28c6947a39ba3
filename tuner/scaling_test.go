package tuner

import (
	"math"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
)

// TestFitAmdahl recovers the serial share from throughput at 1 and 2
// cores (and more), and the model it gives predicts and sizes by it.
func TestFitAmdahl(t *testing.T) {
	tests := []struct {
		name       string
		cores, qps []float64
		t1, serial float64
	}{
		{"linear", []float64{1, 2}, []float64{1000, 2000}, 1000, 0},
		// 2 cores give 1.6×: s = 2/1.6 − 1 = 0.25.
		{"two points", []float64{1, 2}, []float64{1000, 1600}, 1000, 0.25},
		{"four points on the curve", []float64{1, 2, 4, 8}, []float64{500, 500 / (0.1 + 0.9/2.0), 500 / (0.1 + 0.9/4.0), 500 / (0.1 + 0.9/8.0)}, 500, 0.1},
		// Better than linear: reported as linear.
		{"superlinear", []float64{1, 2}, []float64{1000, 2200}, 0, 0}, // T(1) not checked
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t1, s, err := FitAmdahl(tt.cores, tt.qps)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(s-tt.serial) > 1e-9 || (tt.name != "superlinear" && math.Abs(t1-tt.t1) > 1e-6) {
				t.Errorf("T(1) %g, s %g; want %g, %g", t1, s, tt.t1, tt.serial)
			}
		})
	}
	if _, _, err := FitAmdahl([]float64{1}, []float64{1}); err == nil {
		t.Error("a fit from one point")
	}
}

func TestScalingModel(t *testing.T) {
	lin, am := ScalingModel{}, ScalingModel{Serial: 0.25, Source: "test"}
	tests := []struct {
		name        string
		sm          ScalingModel
		t, m, n     float64
		predict     float64
		goal, cores float64
		reachable   bool
	}{
		{"linear predicts 2×", lin, 1000, 1, 2, 2000, 3500, 4, true},
		{"Amdahl predicts 1.6×", am, 1000, 1, 2, 1600, 2000, 3, true}, // T(3) = 1000/(0.25+0.25) = 2000
		{"Amdahl from 2 cores", am, 1600, 2, 4, 1000 / (0.25 + 0.75/4), 2000, 3, true},
		{"past the ceiling", am, 1000, 1, 2, 1600, 4000, 0, false}, // ceiling 1000/0.25 = 4000
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.sm.Predict(tt.t, tt.m, tt.n); math.Abs(got-tt.predict) > 1e-6 {
				t.Errorf("predict %g, want %g", got, tt.predict)
			}
			n, ok := tt.sm.CoresFor(tt.t, tt.m, tt.goal)
			if ok != tt.reachable || n != tt.cores {
				t.Errorf("cores for %g: %g (%v), want %g (%v)", tt.goal, n, ok, tt.cores, tt.reachable)
			}
		})
	}
}

// TestCompareScaling pairs two runs' capacity knees by index type and
// scores the tuner's model against the two-core knee.
func TestCompareScaling(t *testing.T) {
	run := func(knees map[string]float64, order ...string) *bench.Result {
		res := &bench.Result{}
		for i, typ := range order {
			id := i + 1
			cores := 0.9
			res.Trials = append(res.Trials, bench.Trial{ID: id, CPU: &bench.TrialCPU{ClientCores: 0.25, ServerCores: &cores}})
			res.Capacity = append(res.Capacity, bench.CapacityResult{Index: workloads.IndexConfig{Type: typ}, Search: bench.SearchInfo{NQ: 1},
				KneeTrial: id, KneeQPS: knees[typ], KneeRate: knees[typ], FailRate: 2 * knees[typ]})
		}
		return res
	}
	one := run(map[string]float64{"HNSW": 1000, "IVF_FLAT": 400}, "HNSW", "IVF_FLAT")
	two := run(map[string]float64{"HNSW": 1600, "IVF_FLAT": 790}, "IVF_FLAT", "HNSW")
	tests := []struct {
		name    string
		models  map[string]ScalingModel
		errs    map[string]float64 // the tuner's model's error, %
		serials map[string]float64
	}{
		// Linear: HNSW predicted 2,000 against 1,600: +25%; IVF 800/790.
		{"linear", nil, map[string]float64{"HNSW": 25, "IVF_FLAT": 100 * 10.0 / 790}, map[string]float64{"HNSW": 0.25, "IVF_FLAT": 2*400/790.0 - 1}},
		// Amdahl with HNSW's fitted share predicts 1,600 exactly.
		{"amdahl", map[string]ScalingModel{"HNSW": {Serial: 0.25}}, map[string]float64{"HNSW": 0, "IVF_FLAT": 100 * 10.0 / 790}, map[string]float64{"HNSW": 0.25}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			saved := ServerScaling
			ServerScaling = tt.models
			defer func() { ServerScaling = saved }()
			rs, err := CompareScaling([]*bench.Result{one}, []*bench.Result{two, run(map[string]float64{"HNSW": 1500, "IVF_FLAT": 700}, "HNSW", "IVF_FLAT")})
			if err != nil || len(rs) != 2 || rs[0].Index != "HNSW" {
				t.Fatalf("%v %+v", err, rs)
			}
			for _, r := range rs {
				if math.Abs(r.ErrorPct-tt.errs[r.Index]) > 1e-6 {
					t.Errorf("%s error %.3f%%, want %.3f%%", r.Index, r.ErrorPct, tt.errs[r.Index])
				}
				if s, ok := tt.serials[r.Index]; ok && math.Abs(r.Serial-s) > 1e-9 {
					t.Errorf("%s serial %g, want %g", r.Index, r.Serial, s)
				}
				if !strings.HasPrefix(r.Line(), "SCALING index="+r.Index+" knee_1core=") || !strings.Contains(r.CPULine(), "generator_cores=0.25 server_cores=0.90") || len(r.Rounds2) != 2 {
					t.Errorf("lines %q / %q", r.Line(), r.CPULine())
				}
			}
		})
	}
	if _, err := CompareScaling([]*bench.Result{one}, []*bench.Result{run(map[string]float64{"HNSW": 1}, "HNSW")}); err == nil {
		t.Error("compared a run without IVF_FLAT's knee")
	}
}
