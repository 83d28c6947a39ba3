package report

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/milvbench/milvbench/bench"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Plot is one figure of the report, written as File.png and File.svg.
type Plot struct {
	File    string // file name without extension
	Title   string // alt text and heading in report.md
	Caption string // how to read it, one or two sentences
}

// PNG and SVG are the figure's file names.
func (p Plot) PNG() string { return p.File + ".png" }
func (p Plot) SVG() string { return p.File + ".svg" }

// Figure file stems.
const (
	PlotRecallQPS       = "recall_qps"
	PlotLatencySpectrum = "latency_spectrum"
	PlotConcurrency     = "load_concurrency"
	PlotRate            = "load_rate"
	PlotStageTimes      = "stage_times"
)

// plotDef is how one figure is made: applies says whether the results hold
// the data it needs (a figure without data is left out, not drawn empty).
type plotDef struct {
	Plot
	applies func(*bench.Result) bool
	draw    func(*bench.Result) (*figure, error)
}

// plotDefs lists the report's figures in the order the report shows them.
// A new kind of result adds its figure here, drawn in its own file.
func plotDefs() []plotDef {
	return []plotDef{
		recallQPSPlot(),
		latencySpectrumPlot(),
		latencyTimePlot(), // over time: plot_time.go and timeline.go
		concurrencyPlot(),
		ratePlot(),
		capacityLadderPlot(),
		serverTimePlot(),
		stageTimesPlot(),
		mixedTimePlot(), mixedRecallPlot(), ingestRowsPlot(),
	}
}

// Plots returns the figures res has data for, in report order.
func Plots(res *bench.Result) []Plot {
	var out []Plot
	for _, d := range plotDefs() {
		if d.applies(res) {
			out = append(out, d.Plot)
		}
	}
	return out
}

// WritePlots draws every figure res has data for into dir, as PNG and SVG.
func WritePlots(dir string, res *bench.Result) error {
	figs, err := drawPlots(res)
	if err != nil {
		return err
	}
	return savePlots(dir, figs)
}

// drawnPlot is a figure drawn from the results, not yet written.
type drawnPlot struct {
	Plot
	fig *figure
}

// drawPlots draws every figure res has data for, in report order.
func drawPlots(res *bench.Result) ([]drawnPlot, error) {
	var out []drawnPlot
	for _, d := range plotDefs() {
		if !d.applies(res) {
			continue
		}
		fig, err := d.draw(res)
		if err != nil {
			return nil, fmt.Errorf("plot %s: %w", d.File, err)
		}
		out = append(out, drawnPlot{Plot: d.Plot, fig: fig})
	}
	return out, nil
}

// savePlots writes each figure into dir as PNG and SVG.
func savePlots(dir string, figs []drawnPlot) error {
	for _, d := range figs {
		if err := d.fig.save(filepath.Join(dir, d.File)); err != nil {
			return fmt.Errorf("plot %s: %w", d.File, err)
		}
	}
	return nil
}

// figure is a drawn plot: panels stacked top to bottom sharing one legend,
// which is drawn below them so that it never covers data.
type figure struct {
	panels []*plot.Plot
	legend plot.Legend
	// height is the height of every panel; 0 means panelH (the figures
	// over time stack more panels, each lower: timePanelH).
	height vg.Length
}

// Figure geometry: every panel is panelW × panelH; the legend adds height.
const (
	panelW    = 9 * vg.Inch
	panelH    = 4.5 * vg.Inch
	legendPad = 10
	// plotDPI is the PNG resolution: a panel is 864 × 432 pixels.
	plotDPI = 96
)

func (f *figure) panelHeight() vg.Length {
	if f.height > 0 {
		return f.height
	}
	return panelH
}

func (f *figure) size() (vg.Length, vg.Length) {
	r := f.legend.Rectangle(draw.Canvas{})
	legH := vg.Length(0)
	if len(f.panels) > 0 && r.Max.Y > r.Min.Y {
		legH = r.Max.Y - r.Min.Y + 2*legendPad
	}
	return panelW, f.panelHeight()*vg.Length(len(f.panels)) + legH
}

func (f *figure) drawOn(c vg.CanvasSizer) {
	w, h := f.size()
	dc := draw.New(c)
	plotsH := f.panelHeight() * vg.Length(len(f.panels))
	area := draw.Crop(dc, 0, 0, h-plotsH, 0)
	grid := make([][]*plot.Plot, len(f.panels))
	for i, p := range f.panels {
		grid[i] = []*plot.Plot{p}
	}
	cells := plot.Align(grid, draw.Tiles{Rows: len(f.panels), Cols: 1, PadY: vg.Points(6)}, area)
	for i, p := range f.panels {
		p.Draw(cells[i][0])
	}
	below := draw.Crop(dc, legendPad, -legendPad, legendPad, -(plotsH + legendPad))
	below.Max.X = w - legendPad
	f.legend.Draw(below)
}

// save writes the figure as path.png and path.svg.
func (f *figure) save(path string) error {
	w, h := f.size()
	png := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(plotDPI), vgimg.UseBackgroundColor(color.White))
	f.drawOn(png)
	if err := writeFile(path+".png", vgimg.PngCanvas{Canvas: png}); err != nil {
		return err
	}
	return writeFile(path+".svg", f.svgCanvas())
}

// svgCanvas is the figure drawn as SVG.
func (f *figure) svgCanvas() *vgsvg.Canvas {
	w, h := f.size()
	svg := vgsvg.New(w, h)
	f.drawOn(svg)
	return svg
}

func writeFile(path string, w io.WriterTo) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := w.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// newPanel is a plot with a title, axis labels and a grid.
func newPanel(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Add(plotter.NewGrid())
	return p
}

// newLegend is a legend laid out top-left, for drawing below the panels.
func newLegend() plot.Legend {
	l := plot.NewLegend()
	l.Top, l.Left = true, true
	l.Padding = vg.Points(2)
	return l
}

// series groups points under a legend label, in first-seen order.
type series struct {
	// lineOnly draws lines without point markers (for dense curves).
	lineOnly bool
	labels   []string
	points   map[string]plotter.XYs
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

// lines adds each series to p as a line with markers, sorted by x, in
// style i (color and marker shape), and names it in leg once.
func (s *series) lines(p *plot.Plot, leg *plot.Legend, named bool) error {
	for i, l := range s.labels {
		line, dots, err := plotter.NewLinePoints(medianByX(s.points[l]))
		if err != nil {
			return err
		}
		styleLine(line, dots, i)
		if s.lineOnly {
			line.Width = vg.Points(2)
			p.Add(line)
			if named {
				leg.Add(l, line)
			}
			continue
		}
		p.Add(line, dots)
		if named {
			leg.Add(l, line, dots)
		}
	}
	return nil
}

// medianByX sorts pts by x and replaces the points sharing an x (repeats
// of a trial) by their median.
func medianByX(pts plotter.XYs) plotter.XYs {
	s := append(plotter.XYs(nil), pts...)
	sort.SliceStable(s, func(a, b int) bool { return s[a].X < s[b].X })
	var out plotter.XYs
	for i := 0; i < len(s); {
		j := i
		var ys []float64
		for ; j < len(s) && s[j].X == s[i].X; j++ {
			ys = append(ys, s[j].Y)
		}
		out = append(out, plotter.XY{X: s[i].X, Y: median(ys)})
		i = j
	}
	return out
}

func styleLine(line *plotter.Line, dots *plotter.Scatter, i int) {
	line.Color = plotutil.Color(i)
	line.Width = vg.Points(1.5)
	dots.Color = plotutil.Color(i)
	dots.Shape = plotutil.Shape(i)
	dots.Radius = vg.Points(3.5)
}

// logAxis puts a on a log scale with labelled ticks that stay readable
// whether the data spans a factor of two or many decades, its ends widened
// to labelled values (niceLogRange) so that no point sits on the frame. An
// axis without data is left linear.
func logAxis(a *plot.Axis) {
	if !(a.Min > 0 && a.Max >= a.Min) || math.IsInf(a.Max, 0) {
		return
	}
	a.Scale = logScale{}
	a.Tick.Marker = logTicks{}
	a.Min, a.Max = niceLogRange(a.Min, a.Max)
}

// logScale is plot.LogScale, except that it maps the arithmetic middle of
// the axis range to the middle of the axis. gonum/plot reserves room for a
// centred axis label at the normalised arithmetic middle (Axis.GlyphBoxes),
// which on a log axis lies near the far end, and so shrinks the data area
// by the label's width; the label itself is drawn centred either way.
type logScale struct{}

func (logScale) Normalize(min, max, x float64) float64 {
	if x == 0.5*(min+max) {
		return 0.5
	}
	return plot.LogScale{}.Normalize(min, max, x)
}

// spansDecade reports whether positive values lo..hi span a factor of ten,
// the point from which a log axis reads better than a linear one.
func spansDecade(lo, hi float64) bool { return lo > 0 && hi/lo >= 10 }

// logTicks marks a log axis at every integer × 10^k and labels 1, 2 and 5 ×
// 10^k (only 10^k when the axis spans more than three decades), so that a
// narrow range still has readable labels and a wide one is not crowded.
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0 && hi >= lo) || math.IsInf(hi, 0) {
		return nil
	}
	wide := math.Log10(hi/lo) > 3
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); math.Pow(10, e) <= hi; e++ {
		for m := 1; m <= 9; m++ {
			v := float64(m) * math.Pow(10, e)
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || !wide && (m == 2 || m == 5) {
				t.Label = tickLabel(v)
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

// tickLabel writes v briefly: 0.05, 2.5, 120, 20k, 1.5M.
func tickLabel(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	case a >= 1e4:
		return strconv.FormatFloat(v/1e3, 'f', -1, 64) + "k"
	}
	// Rounded to 12 significant digits first: 3 × 0.1 is 0.30000000000000004.
	return strconv.FormatFloat(v, 'g', 12, 64)
}

// valueTicks labels exactly the given values (e.g. the concurrency levels
// of a sweep), which default ticks would place between.
func valueTicks(vs []float64) plot.Ticker {
	ticks := make(plot.ConstantTicks, len(vs))
	for i, v := range vs {
		ticks[i] = plot.Tick{Value: v, Label: tickLabel(v)}
	}
	return ticks
}

// horizontal is a line across p's x range at y.
func horizontal(p *plot.Plot, y float64) plotter.XYs {
	return plotter.XYs{{X: p.X.Min, Y: y}, {X: p.X.Max, Y: y}}
}
