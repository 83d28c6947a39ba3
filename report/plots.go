package report

import (
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"

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
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
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
		if t.QPS <= 0 { // a failed trial: nothing to place on a log axis
			continue
		}
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
// config and search point. The latency axis is logarithmic, so that indexes
// an order of magnitude apart (HNSW at 0.1 ms, FLAT at 1 ms) are both
// readable. A trial without a successful request has no p99 and no point.
func PlotP99Concurrency(path string, res *bench.Result) error {
	p := plot.New()
	p.Title.Text = "p99 latency vs concurrency"
	p.X.Label.Text = "concurrency (closed-loop workers)"
	p.Y.Label.Text = "p99 latency (ms, log scale)"
	var s series
	for _, t := range res.Trials {
		if t.LatencyMS.P99 <= 0 {
			continue
		}
		label := fmt.Sprintf("%s %s k=%d nq=%d%s", t.Index, paramsText(t.Search.Params), t.Search.TopK, t.Search.NQ, filterLabel(t.Search))
		s.add(label, float64(t.Load.Concurrency), t.LatencyMS.P99)
	}
	leg, err := s.draw(p)
	if err != nil {
		return err
	}
	if len(s.labels) > 0 {
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, logTicks{}
		p.Y.Min, p.Y.Max = niceLogRange(p.Y.Min, p.Y.Max)
	}
	return save(p, leg, path)
}

// logTicks marks a log axis at every integer × 10^k and labels 1, 2 and 5 ×
// 10^k, so that a narrow range still has readable labels.
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); math.Pow(10, e) <= hi; e++ {
		for m := 1; m <= 9; m++ {
			v := float64(m) * math.Pow(10, e)
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				t.Label = strconv.FormatFloat(v, 'f', max(0, int(-e)), 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// niceLogRange widens [lo, hi] (both > 0) to 1, 2 or 5 × 10^k at each end,
// so that the axis has a labelled tick at both ends.
func niceLogRange(lo, hi float64) (float64, float64) {
	nice := func(x float64, up bool) float64 {
		e := math.Pow(10, math.Floor(math.Log10(x)))
		steps := []float64{1, 2, 5, 10}
		if up {
			for _, m := range steps {
				if m*e >= x*(1-1e-9) {
					return m * e
				}
			}
		}
		for i := len(steps) - 1; i >= 0; i-- {
			if steps[i]*e <= x*(1+1e-9) {
				return steps[i] * e
			}
		}
		return e
	}
	a, b := nice(lo, false), nice(hi, true)
	if a >= b {
		a, b = nice(lo*0.999, false), nice(hi*1.001, true)
	}
	return a, b
}

func filterLabel(s bench.SearchInfo) string {
	if s.Filter == "" {
		return ""
	}
	return fmt.Sprintf(" filter=%g", s.Selectivity)
}
