package report

import (
	"fmt"
	"image/color"

	"github.com/milvbench/milvbench/bench"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// PlotCapacityLadder is the figure file stem of the capacity probes over
// time.
const PlotCapacityLadder = "capacity_ladder"

func capacityLadderPlot() plotDef {
	return plotDef{
		Plot: Plot{File: PlotCapacityLadder, Title: "Capacity search: the probe ladder over time",
			Caption: "Each capacity probe as a bar over its measured window, in the order run: green held every goal, red failed (the Capacity section says why). " +
				"Top: the offered rate of each probe (the ramp climbs until a probe fails, then bisection closes in) with the achieved requests/s per interval as a thin line; the dashed line is the knee, the highest rate that held. " +
				"Bottom: each probe's p99 (from the intended send time) as a bar, its p99 per interval as a thin line, and the p99 goal dashed: a probe fails where its bar crosses the goal."},
		applies: func(res *bench.Result) bool {
			_, ok := clockOf(res)
			return ok && len(ladderProbes(res)) > 0
		},
		draw: drawCapacityLadder,
	}
}

// ladderProbe is a capacity probe that has a start time.
type ladderProbe struct {
	t      bench.Trial
	search int // index into res.Capacity
}

func ladderProbes(res *bench.Result) []ladderProbe {
	byID := map[int]bench.Trial{}
	for _, t := range res.Trials {
		byID[t.ID] = t
	}
	var out []ladderProbe
	for i, c := range res.Capacity {
		for _, id := range c.Probes {
			if t, ok := byID[id]; ok && !t.Started.IsZero() && t.Load.Rate > 0 {
				out = append(out, ladderProbe{t: t, search: i})
			}
		}
	}
	return out
}

func drawCapacityLadder(res *bench.Result) (*figure, error) {
	c, _ := clockOf(res)
	probes := ladderProbes(res)
	rate := newPanel("Offered rate per probe", timeLabel, "requests/s")
	p99 := newPanel("p99 latency per probe", timeLabel, "p99 latency (ms)")
	var held, failed [2]segments // [0] rate, [1] p99
	var achieved, intervalP99 segments
	var starts []trialStart
	var labels plotter.XYLabels
	from, to := map[int]float64{}, map[int]float64{} // each search's time span
	n, end := 0, 0.0
	for _, pr := range probes {
		n += len(seriesPoints(pr.t))
		end = max(end, c.at(pr.t, pr.t.Load.WindowS))
	}
	bucket := bucketWidth(n, end)
	for _, pr := range probes {
		t := pr.t
		x0, x1 := c.at(t, 0), c.at(t, t.Load.WindowS)
		if _, ok := from[pr.search]; !ok {
			from[pr.search] = x0
		}
		to[pr.search] = x1
		starts = append(starts, trialStart{x: x0, id: t.ID})
		bars := &held
		if t.Capacity != nil && !t.Capacity.Pass {
			bars = &failed
		}
		for i, y := range []float64{t.Load.Rate, t.LatencyMS.P99} {
			bars[i].next()
			bars[i].add(x0, y, true)
			bars[i].add(x1, y, true)
		}
		labels.XYs = append(labels.XYs, plotter.XY{X: x0, Y: t.Load.Rate})
		labels.Labels = append(labels.Labels, tickLabel(t.Load.Rate)+"/s")
		achieved.next()
		intervalP99.next()
		for _, sp := range spansOf(t, bench.OpSearch, c, bucket) {
			achieved.add(sp.mid(), sp.perS(float64(sp.count)), true)
			intervalP99.add(sp.mid(), sp.p99, true)
			end = max(end, sp.x+sp.length)
		}
	}
	leg := newLegend()
	bar := vg.Points(5)
	thin := vg.Points(1)
	for i, p := range []*plot.Plot{rate, p99} {
		if err := held[i].draw(p, legOnce(&leg, i), "probe held every goal", colQPS, bar, nil); err != nil {
			return nil, err
		}
		if err := failed[i].draw(p, legOnce(&leg, i), "probe failed", colError, bar, nil); err != nil {
			return nil, err
		}
	}
	if err := achieved.draw(rate, &leg, "achieved requests/s per interval", colGrey, thin, nil); err != nil {
		return nil, err
	}
	if err := intervalP99.draw(p99, &leg, "p99 per interval", colP99, thin, nil); err != nil {
		return nil, err
	}
	var knees segments
	for i, cr := range res.Capacity {
		if cr.KneeRate > 0 {
			if _, ok := from[i]; ok {
				knees.next()
				knees.add(from[i], cr.KneeRate, true)
				knees.add(to[i], cr.KneeRate, true)
			}
		}
	}
	kneeName := "knee: the highest rate that held"
	if len(res.Capacity) == 1 && res.Capacity[0].KneeRate > 0 {
		kneeName = fmt.Sprintf("knee: %s requests/s, the highest rate that held", tickLabel(res.Capacity[0].KneeRate))
	}
	if err := knees.draw(rate, &leg, kneeName, color.Black, vg.Points(1.2), dashed); err != nil {
		return nil, err
	}
	timeAxes(end, rate, p99)
	for _, p := range []*plot.Plot{rate, p99} {
		if spansDecade(p.Y.Min, p.Y.Max) {
			p.Y.Label.Text += ", log scale"
			logAxis(&p.Y)
		} else {
			zeroBased(&p.Y)
		}
	}
	if g := goalsOf(res); g.P99 > 0 {
		if err := goalLine(p99, &leg, fmt.Sprintf("p99 goal ≤ %s", g.P99), horizontal(p99, ms(g.P99))); err != nil {
			return nil, err
		}
	}
	if len(labels.XYs) <= maxTrialLabels {
		l, err := plotter.NewLabels(labels)
		if err != nil {
			return nil, err
		}
		l.Offset = vg.Point{X: 0, Y: vg.Points(5)}
		for i := range l.TextStyle {
			l.TextStyle[i].Font.Size = vg.Points(8)
		}
		rate.Add(l)
	}
	for _, p := range []*plot.Plot{rate, p99} {
		if err := markTrials(p, starts); err != nil {
			return nil, err
		}
	}
	return &figure{panels: []*plot.Plot{rate, p99}, legend: leg, height: timePanelH}, nil
}

// seriesPoints is the search series' intervals of t.
func seriesPoints(t bench.Trial) []bench.IntervalPoint {
	if s := seriesOf(t, bench.OpSearch); s != nil {
		return s.Points
	}
	return nil
}

// legOnce is leg for the first panel and nil for the others, so that a
// style drawn on both panels is named once.
func legOnce(leg *plot.Legend, panel int) *plot.Legend {
	if panel == 0 {
		return leg
	}
	return nil
}
