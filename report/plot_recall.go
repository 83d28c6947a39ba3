package report

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	"github.com/milvbench/milvbench/bench"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

func recallQPSPlot() plotDef {
	return plotDef{
		Plot: Plot{File: PlotRecallQPS, Title: "Recall vs QPS",
			Caption: "Every trial as a point, one colour per index type; each type's line joins its best trade-offs, and the thick grey line is the Pareto frontier over all trials (no trial is better on both axes). Dashed lines are the goals. Up and to the right is better."},
		applies: func(res *bench.Result) bool {
			return slices.ContainsFunc(res.Trials, func(t bench.Trial) bool { return t.QPS > 0 })
		},
		draw: drawRecallQPS,
	}
}

func drawRecallQPS(res *bench.Result) (*figure, error) {
	p := newPanel("Recall vs QPS: up and to the right is better", recallLabel(res.Trials), "QPS (requests/s)")
	leg := newLegend()
	var types []string
	byType := map[string][]bench.Trial{}
	lo, hi := 0.0, 0.0
	var measured []bench.Trial
	for _, t := range res.Trials {
		if t.QPS <= 0 { // a failed trial: nothing to place on a log axis
			continue
		}
		measured = append(measured, t)
		if _, ok := byType[t.Index.Type]; !ok {
			types = append(types, t.Index.Type)
		}
		byType[t.Index.Type] = append(byType[t.Index.Type], t)
		if lo == 0 || t.QPS < lo {
			lo = t.QPS
		}
		hi = max(hi, t.QPS)
	}
	front, err := plotter.NewLine(recallQPS(frontier(measured)))
	if err != nil {
		return nil, err
	}
	front.Color = color.RGBA{R: 195, G: 195, B: 195, A: 255}
	front.Width = vg.Points(7)
	p.Add(front)
	leg.Add("Pareto frontier, all trials", front)
	for i, typ := range types {
		dots, err := plotter.NewScatter(recallQPS(byType[typ]))
		if err != nil {
			return nil, err
		}
		line, err := plotter.NewLine(recallQPS(frontier(byType[typ])))
		if err != nil {
			return nil, err
		}
		styleLine(line, dots, i)
		p.Add(line, dots)
		leg.Add(fmt.Sprintf("%s (%d trials)", typ, len(byType[typ])), line, dots)
	}
	if b, ok := best(res); ok {
		ring, err := plotter.NewScatter(plotter.XYs{{X: b.Recall, Y: b.QPS}})
		if err != nil {
			return nil, err
		}
		ring.Shape = thickRing{}
		ring.Radius = vg.Points(9)
		ring.Color = color.Black
		p.Add(ring)
		leg.Add(fmt.Sprintf("best trial meeting the goals: #%d", b.ID), ring)
	}
	if spansDecade(lo, hi) {
		p.Y.Label.Text = "QPS (requests/s, log scale)"
		logAxis(&p.Y)
	}
	padLinear(&p.X, 0.02)
	g := goalsOf(res)
	if g.Recall > 0 {
		if err := goalLine(p, &leg, fmt.Sprintf("recall goal ≥ %g", g.Recall), plotter.XYs{{X: g.Recall, Y: p.Y.Min}, {X: g.Recall, Y: p.Y.Max}}); err != nil {
			return nil, err
		}
	}
	if g.QPS > 0 {
		if err := goalLine(p, &leg, fmt.Sprintf("QPS goal ≥ %g", g.QPS), plotter.XYs{{X: p.X.Min, Y: g.QPS}, {X: p.X.Max, Y: g.QPS}}); err != nil {
			return nil, err
		}
	}
	return &figure{panels: []*plot.Plot{p}, legend: leg}, nil
}

func recallQPS(ts []bench.Trial) plotter.XYs {
	xy := make(plotter.XYs, len(ts))
	for i, t := range ts {
		xy[i] = plotter.XY{X: t.Recall, Y: t.QPS}
	}
	return xy
}

// recallLabel names the recall axis, recall@k when every trial has one k.
func recallLabel(ts []bench.Trial) string {
	k := 0
	for _, t := range ts {
		if k != 0 && t.Search.TopK != k {
			return "recall@k (share of the true top-k found)"
		}
		k = t.Search.TopK
	}
	return fmt.Sprintf("recall@%d (share of the true top-%d found)", k, k)
}

// goalLine draws a dashed black line through pts and names it in leg.
func goalLine(p *plot.Plot, leg *plot.Legend, name string, pts plotter.XYs) error {
	l, err := plotter.NewLine(pts)
	if err != nil {
		return err
	}
	l.Color = color.Black
	l.Dashes = plotutil.Dashes(2)
	l.Width = vg.Points(1.2)
	p.Add(l)
	leg.Add(name, l)
	return nil
}

// padLinear widens a linear axis by frac of its range on both sides, so no
// point sits on the frame.
func padLinear(a *plot.Axis, frac float64) {
	d := (a.Max - a.Min) * frac
	if d == 0 {
		d = max(0.01, a.Max*frac)
	}
	a.Min, a.Max = a.Min-d, a.Max+d
}

// thickRing is a ring glyph drawn with a 2 pt line, to circle a point.
type thickRing struct{}

func (thickRing) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(2)})
	var p vg.Path
	p.Move(vg.Point{X: pt.X + sty.Radius, Y: pt.Y})
	p.Arc(pt, sty.Radius, 0, 2*math.Pi)
	p.Close()
	c.Stroke(p)
}
