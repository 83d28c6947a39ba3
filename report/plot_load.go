package report

import (
	"fmt"
	"slices"

	"github.com/milvbench/milvbench/bench"
	"gonum.org/v1/plot"
)

func concurrencyPlot() plotDef {
	return plotDef{
		Plot: Plot{File: PlotConcurrency, Title: "QPS and p99 latency vs concurrency",
			Caption: "Closed-loop load: each worker sends its next request when the last one returns, so latency is service time. Throughput that stops rising while p99 climbs marks saturation. One line per index config and search point; repeats are shown by their median."},
		applies: func(res *bench.Result) bool {
			return len(levelsOf(plottable(res.Trials, concurrency), concurrency)) >= 2
		},
		draw: drawConcurrency,
	}
}

// concurrency and offeredRate are the load levels the two load figures
// plot against (0: the trial has none).
func concurrency(t bench.Trial) float64 { return float64(t.Load.Concurrency) }
func offeredRate(t bench.Trial) float64 { return t.Load.Rate }

// plottable returns the trials with a load level and a latency to plot: a
// trial without a successful request has neither QPS nor p99 to place on a
// log axis.
func plottable(ts []bench.Trial, level func(bench.Trial) float64) []bench.Trial {
	var out []bench.Trial
	for _, t := range ts {
		if level(t) > 0 && t.QPS > 0 && t.LatencyMS.P99 > 0 {
			out = append(out, t)
		}
	}
	return out
}

// levelsOf returns the distinct positive levels of the trials, ascending.
func levelsOf(ts []bench.Trial, level func(bench.Trial) float64) []float64 {
	var out []float64
	for _, t := range ts {
		if l := level(t); l > 0 && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

func drawConcurrency(res *bench.Result) (*figure, error) {
	trials := plottable(res.Trials, concurrency)
	levels := levelsOf(trials, concurrency)
	const xLabel = "concurrency (closed-loop workers)"
	qps := newPanel("Throughput vs concurrency", xLabel, "QPS (requests/s)")
	p99 := newPanel("p99 latency vs concurrency", xLabel, "p99 latency (ms, log scale)")
	var sq, sp series
	lo, hi := 0.0, 0.0
	for _, t := range trials {
		label := pointLabel(t)
		c := float64(t.Load.Concurrency)
		sq.add(label, c, t.QPS)
		sp.add(label, c, t.LatencyMS.P99)
		if lo == 0 || t.QPS < lo {
			lo = t.QPS
		}
		hi = max(hi, t.QPS)
	}
	leg := newLegend()
	if err := sq.lines(qps, &leg, true); err != nil {
		return nil, err
	}
	if err := sp.lines(p99, &leg, false); err != nil {
		return nil, err
	}
	if spansDecade(lo, hi) {
		qps.Y.Label.Text = "QPS (requests/s, log scale)"
		logAxis(&qps.Y)
	} else {
		qps.Y.Min = 0
		qps.Y.Max *= 1.05
	}
	logAxis(&p99.Y)
	if g := goalsOf(res); g.P99 > 0 {
		if err := goalLine(p99, &leg, fmt.Sprintf("p99 goal ≤ %s", g.P99), horizontal(p99, ms(g.P99))); err != nil {
			return nil, err
		}
	}
	for _, p := range []*plot.Plot{qps, p99} {
		p.X.Tick.Marker = valueTicks(levels)
		if levels[len(levels)-1]/levels[0] >= 8 {
			p.X.Label.Text = xLabel + ", log scale"
			logAxis(&p.X)
			p.X.Tick.Marker = valueTicks(levels)
		} else {
			padLinear(&p.X, 0.04)
		}
	}
	return &figure{panels: []*plot.Plot{qps, p99}, legend: leg}, nil
}
