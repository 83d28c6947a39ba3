package tuner

import (
	"fmt"
	"math"
	"strings"

	"github.com/milvbench/milvbench/bench"
)

// ScalingResult compares, for one index type, the capacity knee measured
// on a server pinned to one core and to two, with the knee the tuner's
// scaling model predicts for two cores from the one-core run, and fits
// Amdahl's law to the two.
type ScalingResult struct {
	Index string
	// Knee1, Knee2 are the knees in queries/s; Predicted2 is the tuner's
	// model's (Model) prediction for two cores from Knee1, ErrorPct its
	// error against Knee2, LinearErrorPct the linear model's.
	Knee1, Knee2   float64
	Predicted2     float64
	ErrorPct       float64
	LinearErrorPct float64
	Model          ScalingModel
	// Serial is Amdahl's serial share fitted to the two knees.
	Serial float64
	// Client and server cores busy at each knee (the generator's CPU share
	// and the server's; -1: not measured).
	ClientCores1, ServerCores1, ClientCores2, ServerCores2 float64
	// Notes say what limits the comparison (a knee that is a lower bound).
	Notes []string
	// Rounds1, Rounds2 are every round's knee (Knee1, Knee2 the highest).
	Rounds1, Rounds2 []float64
}

// Line is the SCALING line make scaling-check prints.
func (r ScalingResult) Line() string {
	model := "linear"
	if !r.Model.Linear() {
		model = fmt.Sprintf("amdahl(s=%.3f)", r.Model.Serial)
	}
	return fmt.Sprintf("SCALING index=%s knee_1core=%.0f knee_2core=%.0f predicted_2core=%.0f error=%+.1f%% model=%s linear_error=%+.1f%% fitted_serial_share=%.3f",
		r.Index, r.Knee1, r.Knee2, r.Predicted2, r.ErrorPct, model, r.LinearErrorPct, r.Serial)
}

// CPULine is the generator's and the server's CPU share at each knee.
func (r ScalingResult) CPULine() string {
	f := func(v float64) string {
		if v < 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("CPU index=%s 1core: generator_cores=%s server_cores=%s 2core: generator_cores=%s server_cores=%s rounds_1core=%s rounds_2core=%s",
		r.Index, f(r.ClientCores1), f(r.ServerCores1), f(r.ClientCores2), f(r.ServerCores2), roundsText(r.Rounds1), roundsText(r.Rounds2))
}

func roundsText(xs []float64) string {
	var parts []string
	for _, x := range xs {
		parts = append(parts, fmt.Sprintf("%.0f", x))
	}
	return strings.Join(parts, ",")
}

// CompareScaling pairs the capacity searches of one-core and two-core
// runs by index type and compares their knees under the tuner's scaling
// models (ServerScaling, linear where absent). With several runs of a
// core count (rounds, run alternately), each index type's knee is the
// highest of them: on a shared host other work only lowers a knee.
func CompareScaling(one, two []*bench.Result) ([]ScalingResult, error) {
	if len(one) == 0 || len(two) == 0 {
		return nil, fmt.Errorf("tuner: scaling needs one-core and two-core runs")
	}
	k1, k2 := bestKnees(one), bestKnees(two)
	var out []ScalingResult
	for _, typ := range orderOf(one[0]) {
		a, ok1 := k1[typ]
		b, ok2 := k2[typ]
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("tuner: no capacity knee of %s in both runs", typ)
		}
		r := ScalingResult{Index: typ, Knee1: a.qps, Knee2: b.qps, Model: ServerScaling[typ]}
		r.Predicted2 = r.Model.Predict(a.qps, 1, 2)
		r.ErrorPct = 100 * (r.Predicted2 - b.qps) / b.qps
		r.LinearErrorPct = 100 * (2*a.qps - b.qps) / b.qps
		_, s, err := FitAmdahl([]float64{1, 2}, []float64{a.qps, b.qps})
		if err != nil {
			return nil, err
		}
		r.Serial = s
		r.Rounds1, r.Rounds2 = a.all, b.all
		r.ClientCores1, r.ServerCores1 = a.client, a.server
		r.ClientCores2, r.ServerCores2 = b.client, b.server
		for _, k := range []knee1{a, b} {
			r.Notes = append(r.Notes, k.notes...)
		}
		out = append(out, r)
	}
	return out, nil
}

type knee1 struct {
	qps, client, server float64
	notes               []string
	// all are the knees of every round, in the order run.
	all []float64
}

// bestKnees is the highest knee of each index type over runs.
func bestKnees(runs []*bench.Result) map[string]knee1 {
	out := map[string]knee1{}
	for _, res := range runs {
		for typ, k := range knees(res) {
			b, ok := out[typ]
			all := append(b.all, k.qps)
			if !ok || k.qps > b.qps {
				b = k
			}
			b.all = all
			out[typ] = b
		}
	}
	return out
}

// knees reads each capacity search's knee in queries/s, and the CPU the
// generator and the server spent at it.
func knees(res *bench.Result) map[string]knee1 {
	byID := map[int]bench.Trial{}
	for _, t := range res.Trials {
		byID[t.ID] = t
	}
	out := map[string]knee1{}
	for _, c := range res.Capacity {
		tr := byID[c.KneeTrial]
		k := knee1{qps: c.KneeQPS * float64(max(c.Search.NQ, 1)), client: -1, server: -1}
		if cpu := tr.CPU; cpu != nil {
			k.client = cpu.ClientCores
			if cpu.ServerCores != nil {
				k.server = *cpu.ServerCores
			}
		}
		if c.GeneratorLimited {
			k.notes = append(k.notes, fmt.Sprintf("%s knee %.0f/s is generator-limited: a lower bound", c.Index.Type, k.qps))
		}
		if c.FailRate == 0 {
			k.notes = append(k.notes, fmt.Sprintf("%s: every probe held up to load.max_rate: raise it", c.Index.Type))
		}
		if math.IsNaN(k.qps) || k.qps <= 0 {
			continue
		}
		out[c.Index.Type] = k
	}
	return out
}

func orderOf(res *bench.Result) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range res.Capacity {
		if !seen[c.Index.Type] {
			seen[c.Index.Type] = true
			out = append(out, c.Index.Type)
		}
	}
	return out
}
