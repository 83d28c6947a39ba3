package report

import (
	"fmt"
	"image/color"

	"github.com/milvbench/milvbench/bench"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

func stageTimesPlot() plotDef {
	return plotDef{
		Plot: Plot{File: PlotStageTimes, Title: "Insert, build and load time",
			Caption: "Wall time of the stages before measurement: inserting the base vectors (once, shared by every index), then per index config building the index and loading it for search."},
		applies: func(res *bench.Result) bool { return len(res.Trials) > 0 },
		draw:    drawStageTimes,
	}
}

// stageRow is one bar group: a stage's name and its seconds per stage kind.
type stageRow struct {
	name                string
	insert, build, load float64
}

// stageRows returns the insert row, then one row per index config in run order.
func stageRows(ts []bench.Trial) []stageRow {
	rows := []stageRow{{name: "insert (all indexes)", insert: ts[0].TimingsS.Insert}}
	seen := map[string]bool{}
	for _, t := range ts {
		name := t.Index.String()
		if seen[name] {
			continue
		}
		seen[name] = true
		rows = append(rows, stageRow{name: name, build: t.TimingsS.Build, load: t.TimingsS.Load})
	}
	return rows
}

func drawStageTimes(res *bench.Result) (*figure, error) {
	rows := stageRows(res.Trials)
	p := newPanel("Time per stage", "wall time (s)", "")
	leg := newLegend()
	// Rows top to bottom in run order: the nominal axis counts from the bottom.
	names := make([]string, len(rows))
	for i, r := range rows {
		names[len(rows)-1-i] = r.name
	}
	const barW = 11
	// The insert has a row of its own; build and load share each index
	// config's row, build above load.
	stages := []struct {
		name   string
		offset float64
		v      func(stageRow) float64
	}{
		{"insert", 0, func(r stageRow) float64 { return r.insert }},
		{"index build", barW / 2, func(r stageRow) float64 { return r.build }},
		{"load", -barW / 2, func(r stageRow) float64 { return r.load }},
	}
	for i, st := range stages {
		vals := make(plotter.Values, len(rows))
		var labels plotter.XYLabels
		for j, r := range rows {
			v := st.v(r)
			vals[len(rows)-1-j] = v
			if v > 0 {
				labels.XYs = append(labels.XYs, plotter.XY{X: v, Y: float64(len(rows) - 1 - j)})
				labels.Labels = append(labels.Labels, " "+secondsText(v))
			}
		}
		offset := vg.Points(st.offset)
		bars, err := plotter.NewBarChart(vals, vg.Points(barW))
		if err != nil {
			return nil, err
		}
		bars.Horizontal = true
		bars.Offset = offset
		bars.Color = plotutil.Color(i)
		bars.LineStyle.Width = 0
		p.Add(bars)
		leg.Add(st.name, bars)
		if len(labels.XYs) == 0 {
			continue
		}
		l, err := plotter.NewLabels(labels)
		if err != nil {
			return nil, err
		}
		l.Offset = vg.Point{Y: offset}
		for k := range l.TextStyle {
			l.TextStyle[k].Color = color.Black
			l.TextStyle[k].YAlign = -0.5
		}
		p.Add(l)
	}
	p.NominalY(names...)
	p.Y.Min, p.Y.Max = -0.6, float64(len(rows))-0.4
	p.X.Min = 0
	p.X.Max *= 1.15
	return &figure{panels: []*plot.Plot{p}, legend: leg}, nil
}

// secondsText writes a duration in seconds with a unit that keeps two or
// three significant digits: 12 µs, 0.8 ms, 230 ms, 2.12 s, 95 s.
func secondsText(v float64) string {
	switch {
	case v < 1e-3:
		return fmt.Sprintf("%.3g µs", v*1e6)
	case v < 1:
		return fmt.Sprintf("%.3g ms", v*1e3)
	}
	return fmt.Sprintf("%.3g s", v)
}
