package report

import (
	"fmt"
	"image/color"

	"github.com/milvbench/milvbench/bench"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

func ratePlot() plotDef {
	return plotDef{
		Plot: Plot{File: PlotRate, Title: "Achieved QPS and p99 latency vs offered rate",
			Caption: "Open loop: requests are sent on a schedule at the offered rate, and latency is measured from each request's intended send time, so a server that falls behind shows it in the tail. Where achieved QPS leaves the dashed diagonal the target no longer keeps up. Points circled in black are generator-bound: the load generator fell behind, so they say nothing about the target at that rate."},
		applies: func(res *bench.Result) bool {
			return len(levelsOf(plottable(res.Trials, offeredRate), offeredRate)) >= 2
		},
		draw: drawRate,
	}
}

func drawRate(res *bench.Result) (*figure, error) {
	trials := plottable(res.Trials, offeredRate)
	levels := levelsOf(trials, offeredRate)
	const xLabel = "offered rate (requests/s)"
	qps := newPanel("Achieved vs offered rate", xLabel, "achieved QPS (requests/s)")
	p99 := newPanel("p99 latency vs offered rate", xLabel, "p99 latency (ms, log scale)")
	var sq, sp series
	var boundQ, boundP plotter.XYs
	for _, t := range trials {
		label := pointLabel(t)
		sq.add(label, t.Load.Rate, t.QPS)
		sp.add(label, t.Load.Rate, t.LatencyMS.P99)
		if t.Load.GeneratorBound {
			boundQ = append(boundQ, plotter.XY{X: t.Load.Rate, Y: t.QPS})
			boundP = append(boundP, plotter.XY{X: t.Load.Rate, Y: t.LatencyMS.P99})
		}
	}
	leg := newLegend()
	if err := sq.lines(qps, &leg, true); err != nil {
		return nil, err
	}
	if err := sp.lines(p99, &leg, false); err != nil {
		return nil, err
	}
	lo, hi := levels[0], levels[len(levels)-1]
	diag := plotter.XYs{{X: lo, Y: lo}, {X: hi, Y: hi}}
	if err := goalLine(qps, &leg, "achieved = offered", diag); err != nil {
		return nil, err
	}
	if len(boundQ) > 0 {
		for i, pts := range []plotter.XYs{boundQ, boundP} {
			ring, err := plotter.NewScatter(pts)
			if err != nil {
				return nil, err
			}
			ring.GlyphStyle = draw.GlyphStyle{Shape: thickRing{}, Radius: vg.Points(8), Color: color.Black}
			[]*plot.Plot{qps, p99}[i].Add(ring)
			if i == 0 {
				leg.Add("generator-bound trial", ring)
			}
		}
	}
	logAxis(&p99.Y)
	if g := goalsOf(res); g.P99 > 0 {
		if err := goalLine(p99, &leg, fmt.Sprintf("p99 goal ≤ %s", g.P99), horizontal(p99, ms(g.P99))); err != nil {
			return nil, err
		}
	}
	logX := hi/lo >= 8
	for _, p := range []*plot.Plot{qps, p99} {
		if logX {
			p.X.Label.Text = xLabel + ", log scale"
			logAxis(&p.X)
		} else {
			padLinear(&p.X, 0.04)
		}
		p.X.Tick.Marker = valueTicks(levels)
	}
	if logX {
		qps.Y.Label.Text = "achieved QPS (requests/s, log scale)"
		logAxis(&qps.Y)
	} else {
		qps.Y.Min = 0
		qps.Y.Max *= 1.05
	}
	return &figure{panels: []*plot.Plot{qps, p99}, legend: leg}, nil
}
