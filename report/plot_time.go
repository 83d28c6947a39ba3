package report

import (
	"image/color"

	"github.com/milvbench/milvbench/bench"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// PlotLatencyTime is the figure file stem of search latency and throughput
// over time.
const PlotLatencyTime = "latency_time"

func latencyTimePlot() plotDef {
	return plotDef{
		Plot: Plot{File: PlotLatencyTime, Title: "Latency and throughput over time",
			Caption: "Every trial's searches interval by interval (load.interval) on one time axis, trials in the order run, each starting at its dotted line with its number; gaps are warm-ups and index builds. " +
				"Top: p50, p95 and p99 latency of each interval — a warm-up tail, a stall or a slow drift shows here, where the trial's single p99 hides it. " +
				"Bottom: successful requests per second, the offered rate dashed for open-loop trials, and red crosses at intervals with failed requests (failures per second). " +
				"A long run is downsampled to about 600 points per line, each keeping its bucket's highest p95 and p99 so that no peak is lost."},
		applies: func(res *bench.Result) bool {
			_, ok := clockOf(res)
			return ok && pointCount(timedTrials(res, bench.OpSearch), bench.OpSearch) >= 2
		},
		draw: drawLatencyTime,
	}
}

// pointCount is the number of intervals of op over ts.
func pointCount(ts []bench.Trial, op string) int {
	n := 0
	for _, t := range ts {
		n += len(seriesOf(t, op).Points)
	}
	return n
}

// timeEnd is where the last of ts's intervals of op ends on c's axis.
func timeEnd(ts []bench.Trial, op string, c runClock) float64 {
	end := 0.0
	for _, t := range ts {
		for _, p := range seriesOf(t, op).Points {
			end = max(end, c.at(t, p.StartS+p.LengthS))
		}
	}
	return end
}

func drawLatencyTime(res *bench.Result) (*figure, error) {
	c, _ := clockOf(res)
	trials := timedTrials(res, bench.OpSearch)
	end := timeEnd(trials, bench.OpSearch, c)
	bucket := bucketWidth(pointCount(trials, bench.OpSearch), end)
	lat := newPanel("Search latency per interval", timeLabel, "latency (ms)")
	tput := newPanel("Throughput per interval", timeLabel, "requests/s")
	var p50, p95, p99, qps, offered segments
	var errs plotter.XYs
	var starts []trialStart
	for _, t := range trials {
		starts = append(starts, trialStart{x: c.at(t, 0), id: t.ID})
		for _, s := range []*segments{&p50, &p95, &p99, &qps, &offered} {
			s.next()
		}
		for _, sp := range spansOf(t, bench.OpSearch, c, bucket) {
			x := sp.mid()
			p50.add(x, sp.p50, true)
			p95.add(x, sp.p95, true)
			p99.add(x, sp.p99, true)
			qps.add(x, sp.perS(float64(sp.count)), false)
			if sp.errors > 0 {
				errs = append(errs, plotter.XY{X: x, Y: sp.perS(float64(sp.errors))})
			}
		}
		if r := t.Load.Rate; r > 0 {
			offered.add(c.at(t, 0), r, false)
			offered.add(c.at(t, t.Load.WindowS), r, false)
		}
	}
	leg := newLegend()
	w := vg.Points(1.5)
	for _, l := range []struct {
		s    segments
		name string
		col  color.Color
	}{{p99, "p99", colP99}, {p95, "p95", colP95}, {p50, "p50", colP50}} {
		if err := l.s.draw(lat, &leg, l.name+" latency per interval", l.col, w, nil); err != nil {
			return nil, err
		}
	}
	if err := qps.draw(tput, &leg, "successful requests/s per interval", colQPS, w, nil); err != nil {
		return nil, err
	}
	if !offered.empty() {
		if err := offered.draw(tput, &leg, "offered rate (open loop)", colGrey, vg.Points(1.2), dashed); err != nil {
			return nil, err
		}
	}
	if err := marks(tput, &leg, "failed requests/s (intervals with errors)", errs, draw.CrossGlyph{}, colError, vg.Points(4)); err != nil {
		return nil, err
	}
	timeAxes(end, lat, tput)
	latencyAxis(lat, "latency (ms)")
	zeroBased(&tput.Y)
	for _, p := range []*plot.Plot{lat, tput} {
		if err := markTrials(p, starts); err != nil {
			return nil, err
		}
	}
	return &figure{panels: []*plot.Plot{lat, tput}, legend: leg, height: timePanelH}, nil
}
