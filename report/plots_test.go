package report

import (
	"slices"
	"testing"
)

func TestNiceLogRange(t *testing.T) {
	tests := []struct{ lo, hi, wantLo, wantHi float64 }{
		{0.083, 1.8, 0.05, 2},  // HNSW and FLAT
		{0.21, 0.24, 0.2, 0.5}, // a narrow range still spans two labels
		{0.2, 0.2, 0.1, 0.5},   // a single value
		{1, 10, 1, 10},         // already nice
		{12, 480, 10, 500},     // slow targets
		{0.001, 0.0031, 0.001, 0.005},
	}
	for _, tt := range tests {
		lo, hi := niceLogRange(tt.lo, tt.hi)
		if !near(lo, tt.wantLo) || !near(hi, tt.wantHi) {
			t.Errorf("niceLogRange(%g, %g) = %g, %g; want %g, %g", tt.lo, tt.hi, lo, hi, tt.wantLo, tt.wantHi)
		}
	}
}

func near(a, b float64) bool { return a > b*(1-1e-9) && a < b*(1+1e-9) }

func TestLogTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		want   []string // the labelled ticks
	}{
		{0.05, 2, []string{"0.05", "0.1", "0.2", "0.5", "1", "2"}},
		{0.2, 0.5, []string{"0.2", "0.5"}},
		{10, 500, []string{"10", "20", "50", "100", "200", "500"}},
	}
	for _, tt := range tests {
		var labels []string
		ticks := logTicks{}.Ticks(tt.lo, tt.hi)
		for _, tk := range ticks {
			if tk.Value < tt.lo*(1-1e-9) || tk.Value > tt.hi*(1+1e-9) {
				t.Errorf("[%g, %g]: tick %g outside the range", tt.lo, tt.hi, tk.Value)
			}
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if !slices.Equal(labels, tt.want) {
			t.Errorf("[%g, %g]: labels %v, want %v", tt.lo, tt.hi, labels, tt.want)
		}
		if len(ticks) <= len(labels) {
			t.Errorf("[%g, %g]: no unlabelled minor ticks among %d", tt.lo, tt.hi, len(ticks))
		}
	}
}

// TestConcurrencyPlotLog: indexes an order of magnitude apart plot on the
// log latency axis, and a trial without a successful request (p99 0, which
// a log axis cannot show) is left out instead of failing the report; with
// no usable trial the figure is not drawn at all.
func TestConcurrencyPlotLog(t *testing.T) {
	res := sampleResult()
	res.Trials[0].LatencyMS.P99 = 0
	res.Trials[1].LatencyMS.P99 = 0.09
	res.Trials[2].LatencyMS.P99 = 1.2
	if err := WritePlots(t.TempDir(), res); err != nil {
		t.Fatal(err)
	}
	fig, err := drawConcurrency(res)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := fig.panels[1].Y.Scale.(logScale); !ok {
		t.Errorf("p99 axis is %T, want a log scale", fig.panels[1].Y.Scale)
	}
	for i := range res.Trials {
		res.Trials[i].LatencyMS.P99 = 0
	}
	if slices.ContainsFunc(Plots(res), func(p Plot) bool { return p.File == PlotConcurrency }) {
		t.Error("concurrency plot listed with no trial to draw")
	}
	if err := WritePlots(t.TempDir(), res); err != nil {
		t.Fatalf("all trials failed: %v", err)
	}
}
