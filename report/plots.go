package report

import (
	"fmt"
	"sort"

	"github.com/milvbench/milvbench/bench"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// series groups points under a legend label, in first-seen order.
type series struct {
	labels []string
	points map[string]plotter.XYs
}

func (s *series) add(label string, x, y float64) {
	if s.points == nil {
		s.points = map[string]plotter.XYs{}
	}
	if _, ok := s.points[label]; !ok {
		s.labels = append(s.labels, label)
	}
	s.points[label] = append(s.points[label], plotter.XY{X: x, Y: y})
}

// draw adds the lines to p and returns their legend, which save draws below
// the plot so that many series never cover the data.
func (s *series) draw(p *plot.Plot) (plot.Legend, error) {
	leg := plot.NewLegend()
	leg.Top, leg.Left = true, true
	leg.Padding = vg.Points(2)
	for i, l := range s.labels {
		pts := s.points[l]
		sort.Slice(pts, func(a, b int) bool { return pts[a].X < pts[b].X })
		line, dots, err := plotter.NewLinePoints(pts)
		if err != nil {
			return leg, err
		}
		line.Color = plotutil.Color(i)
		dots.Color = plotutil.Color(i)
		dots.Shape = plotutil.Shape(i)
		p.Add(line, dots)
		leg.Add(l, line, dots)
	}
	p.Add(plotter.NewGrid())
	return leg, nil
}

// save writes p as a PNG of a fixed plot size with leg underneath; the image
// grows with the number of legend entries.
func save(p *plot.Plot, leg plot.Legend, path string) error {
	const width, plotH, pad = 8 * vg.Inch, 5 * vg.Inch, 10
	r := leg.Rectangle(draw.Canvas{})
	legH := r.Max.Y - r.Min.Y + 2*pad
	img := vgimg.New(width, plotH+legH)
	dc := draw.New(img)
	p.Draw(draw.Crop(dc, 0, 0, legH, 0))
	below := draw.Crop(dc, pad, -pad, pad, -plotH-pad)
	leg.Draw(below)
	return writePNG(img, path)
}

// PlotRecallQPS draws recall against QPS, one line per index config (and topk,
// nq and concurrency, so each line is a sweep of search parameters only).
func PlotRecallQPS(path string, res *bench.Result) error {
	p := plot.New()
	p.Title.Text = "Recall vs QPS (up and right is better)"
	p.X.Label.Text = "recall@k"
	p.Y.Label.Text = "QPS (requests/s, log scale)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	var s series
	for _, t := range res.Trials {
		label := fmt.Sprintf("%s k=%d nq=%d c=%d%s", t.Index, t.Search.TopK, t.Search.NQ, t.Load.Concurrency, filterLabel(t.Search))
		s.add(label, t.Recall, t.QPS)
	}
	leg, err := s.draw(p)
	if err != nil {
		return err
	}
	return save(p, leg, path)
}

// PlotP99Concurrency draws p99 latency against concurrency, one line per index
// config and search point.
func PlotP99Concurrency(path string, res *bench.Result) error {
	p := plot.New()
	p.Title.Text = "p99 latency vs concurrency"
	p.X.Label.Text = "concurrency (closed-loop workers)"
	p.Y.Label.Text = "p99 latency (ms)"
	var s series
	for _, t := range res.Trials {
		label := fmt.Sprintf("%s %s k=%d nq=%d%s", t.Index, paramsText(t.Search.Params), t.Search.TopK, t.Search.NQ, filterLabel(t.Search))
		s.add(label, float64(t.Load.Concurrency), t.LatencyMS.P99)
	}
	leg, err := s.draw(p)
	if err != nil {
		return err
	}
	return save(p, leg, path)
}

func filterLabel(s bench.SearchInfo) string {
	if s.Filter == "" {
		return ""
	}
	return fmt.Sprintf(" filter=%g", s.Selectivity)
}
