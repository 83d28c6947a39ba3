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

// PlotMixedTime is the figure file stem of mixed trials over time.
const PlotMixedTime = "mixed_time"

func mixedTimePlot() plotDef {
	return plotDef{
		Plot: Plot{File: PlotMixedTime, Title: "Searches while writing, over time (mixed)",
			Caption: "The mixed trials on one time axis, each starting at its dotted line. " +
				"From the top: search p50 and p99 per interval; rows written per second by each write stream (calls per interval × rows per call; its offered rate dashed, red crosses where calls failed); " +
				"the rows visible to searches (at the trial's start, at every recall checkpoint and at its end); and recall at each checkpoint, against exact ground truth over the rows visible then, as points. " +
				"Read down a column: a latency rise that lines up with a write burst, or recall that drops as rows arrive, shows the cost of writing."},
		applies: func(res *bench.Result) bool {
			_, ok := clockOf(res)
			return ok && len(mixedTimed(res)) > 0
		},
		draw: drawMixedTime,
	}
}

// mixedTimed returns the mixed trials that have a start time.
func mixedTimed(res *bench.Result) []bench.Trial {
	var out []bench.Trial
	for _, t := range res.Trials {
		if t.Mixed != nil && !t.Started.IsZero() {
			out = append(out, t)
		}
	}
	return out
}

// writeOps are the write streams of a mixed trial, with their colours.
var writeOps = []struct {
	op  string
	col color.Color
}{{bench.OpInsert, colWrite}, {bench.OpDelete, colServer}, {bench.OpUpsert, colP95}}

func drawMixedTime(res *bench.Result) (*figure, error) {
	c, _ := clockOf(res)
	trials := mixedTimed(res)
	n, end := 0, 0.0
	for _, t := range trials {
		n += len(seriesPoints(t))
		end = max(end, c.at(t, t.Load.WindowS))
		for _, p := range seriesPoints(t) {
			end = max(end, c.at(t, p.StartS+p.LengthS))
		}
	}
	bucket := bucketWidth(n, end)
	lat := newPanel("Search latency per interval", timeLabel, "latency (ms)")
	writes := newPanel("Rows written per second", timeLabel, "rows/s")
	rows := newPanel("Rows visible", timeLabel, "rows")
	recall := newPanel("Recall at each checkpoint", timeLabel, "recall@k")
	var p50, p99, visible segments
	rate := make([]segments, len(writeOps))
	offered := make([]segments, len(writeOps))
	var errs, cps, visiblePts plotter.XYs
	var starts []trialStart
	for _, t := range trials {
		starts = append(starts, trialStart{x: c.at(t, 0), id: t.ID})
		p50.next()
		p99.next()
		visible.next()
		for _, sp := range spansOf(t, bench.OpSearch, c, bucket) {
			p50.add(sp.mid(), sp.p50, true)
			p99.add(sp.mid(), sp.p99, true)
		}
		for i, w := range writeOps {
			rate[i].next()
			offered[i].next()
			st := t.Operations[w.op]
			if st == nil {
				continue
			}
			for _, sp := range spansOf(t, w.op, c, bucket) {
				rate[i].add(sp.mid(), sp.perS(float64(sp.count*int64(st.Batch))), false)
				if sp.errors > 0 {
					errs = append(errs, plotter.XY{X: sp.mid(), Y: sp.perS(float64(sp.errors * int64(st.Batch)))})
				}
			}
			if st.OfferedRowsPerS > 0 {
				offered[i].add(c.at(t, 0), st.OfferedRowsPerS, false)
				offered[i].add(c.at(t, t.Load.WindowS), st.OfferedRowsPerS, false)
			}
		}
		visible.add(c.at(t, 0), float64(t.Mixed.RowsBefore), false)
		for _, cp := range t.Checkpoints {
			x := c.at(t, cp.AtS)
			visible.add(x, float64(cp.Rows), false)
			visiblePts = append(visiblePts, plotter.XY{X: x, Y: float64(cp.Rows)})
			if cp.Queries > 0 {
				cps = append(cps, plotter.XY{X: x, Y: cp.Recall})
			}
		}
		visible.add(c.at(t, t.Load.WindowS), float64(t.Mixed.RowsAfter), false)
	}
	leg := newLegend()
	w := vg.Points(1.5)
	if err := p99.draw(lat, &leg, "search p99 per interval", colP99, w, nil); err != nil {
		return nil, err
	}
	if err := p50.draw(lat, &leg, "search p50 per interval", colP50, w, nil); err != nil {
		return nil, err
	}
	for i, wo := range writeOps {
		if rate[i].empty() {
			continue
		}
		if err := rate[i].draw(writes, &leg, wo.op+" rows/s per interval", wo.col, w, nil); err != nil {
			return nil, err
		}
		if err := offered[i].draw(writes, &leg, wo.op+" offered rows/s", wo.col, vg.Points(1), dashed); err != nil {
			return nil, err
		}
	}
	if err := marks(writes, &leg, "failed write rows/s (intervals with errors)", errs, draw.CrossGlyph{}, colError, vg.Points(4)); err != nil {
		return nil, err
	}
	if err := visible.draw(rows, &leg, "rows visible (start, checkpoints, end)", color.Black, w, nil); err != nil {
		return nil, err
	}
	if err := marks(rows, nil, "", visiblePts, draw.CircleGlyph{}, color.Black, vg.Points(2.5)); err != nil {
		return nil, err
	}
	if err := marks(recall, &leg, "recall at a checkpoint", cps, draw.CircleGlyph{}, colP50, vg.Points(4)); err != nil {
		return nil, err
	}
	panels := []*plot.Plot{lat}
	hasWrites := false
	for _, r := range rate {
		hasWrites = hasWrites || !r.empty()
	}
	if hasWrites {
		panels = append(panels, writes)
	}
	panels = append(panels, rows)
	if len(cps) > 0 {
		panels = append(panels, recall)
	}
	timeAxes(end, panels...)
	latencyAxis(lat, "latency (ms)")
	zeroBased(&writes.Y)
	padLinear(&rows.Y, 0.08)
	if len(cps) > 0 {
		padLinear(&recall.Y, 0.1)
		recall.Y.Max = min(recall.Y.Max, 1.02)
		if g := goalsOf(res); g.Recall > 0 {
			recall.Y.Min = min(recall.Y.Min, g.Recall-0.02)
			if err := goalLine(recall, &leg, fmt.Sprintf("recall goal ≥ %g", g.Recall), horizontal(recall, g.Recall)); err != nil {
				return nil, err
			}
		}
	}
	for _, p := range panels {
		if err := markTrials(p, starts); err != nil {
			return nil, err
		}
	}
	return &figure{panels: panels, legend: leg, height: timePanelH}, nil
}
