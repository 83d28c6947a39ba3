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
		applies: func(res *bench.Result) bool { return len(concurrencyLevels(closedTrials(res.Trials))) >= 2 },
		draw:    drawConcurrency,
	}
}

// closedTrials returns the trials with a concurrency level and a latency to
// plot: a trial without a successful request has neither QPS nor p99 to
// place on a log axis.
func closedTrials(ts []bench.Trial) []bench.Trial {
	var out []bench.Trial
	for _, t := range ts {
		if t.Load.Concurrency > 0 && t.QPS > 0 && t.LatencyMS.P99 > 0 {
			out = append(out, t)
		}
	}
	return out
}

// concurrencyLevels returns the distinct concurrency levels of the trials,
// ascending.
func concurrencyLevels(ts []bench.Trial) []float64 {
	var out []float64
	for _, t := range ts {
		if c := float64(t.Load.Concurrency); c > 0 && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

func drawConcurrency(res *bench.Result) (*figure, error) {
	trials := closedTrials(res.Trials)
	levels := concurrencyLevels(trials)
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
