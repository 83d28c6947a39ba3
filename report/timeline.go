package report

import (
	"image/color"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/milvbench/milvbench/bench"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The figures over time (plot_time.go, plot_ladder.go, plot_mixed_time.go,
// plot_server_time.go) share one time axis: seconds since the first
// measured window of the run began, so trials, capacity probes and server
// samples line up as they happened, with the gaps between trials (warm-up,
// index builds) left empty.

const (
	// maxTimePoints is the most points a line over time gets: a longer
	// run is downsampled into buckets of equal width (see spansOf).
	maxTimePoints = 600
	// maxTrialLabels: above this many trials the trial numbers at the top
	// of a panel would overlap, so only the separators are drawn.
	maxTrialLabels = 24
	// timePanelH is the height of each panel of a figure over time.
	timePanelH = 3.2 * vg.Inch
	timeLabel  = "time since the run's first measured window began (s)"
)

// Colours of the figures over time (Okabe–Ito, distinguishable with the
// common colour-vision deficiencies).
var (
	colP50    = color.RGBA{R: 0, G: 114, B: 178, A: 255}   // blue
	colP95    = color.RGBA{R: 230, G: 159, B: 0, A: 255}   // orange
	colP99    = color.RGBA{R: 213, G: 94, B: 0, A: 255}    // vermillion
	colQPS    = color.RGBA{R: 0, G: 158, B: 115, A: 255}   // green
	colWrite  = color.RGBA{R: 204, G: 121, B: 167, A: 255} // purple
	colError  = color.RGBA{R: 200, G: 0, B: 0, A: 255}
	colServer = color.RGBA{R: 86, G: 180, B: 233, A: 255} // sky blue
	colGrey   = color.RGBA{R: 120, G: 120, B: 120, A: 255}
)

// dashed is the dash pattern of reference lines (offered rate, knee).
var dashed = []vg.Length{vg.Points(5), vg.Points(3)}

// runClock places trials on the run's time axis.
type runClock struct{ t0 time.Time }

// clockOf starts the axis at the earliest trial start; false when no trial
// records its start (results of an older milvbench).
func clockOf(res *bench.Result) (runClock, bool) {
	var t0 time.Time
	for _, t := range res.Trials {
		if !t.Started.IsZero() && (t0.IsZero() || t.Started.Before(t0)) {
			t0 = t.Started
		}
	}
	return runClock{t0}, !t0.IsZero()
}

// at is s seconds into t's measured window, on the run's axis.
func (c runClock) at(t bench.Trial, s float64) float64 {
	return t.Started.Sub(c.t0).Seconds() + s
}

// timedTrials returns the trials that have a start time and a series of op
// with at least one interval.
func timedTrials(res *bench.Result, op string) []bench.Trial {
	var out []bench.Trial
	for _, t := range res.Trials {
		if s := seriesOf(t, op); s != nil && len(s.Points) > 0 && !t.Started.IsZero() {
			out = append(out, t)
		}
	}
	return out
}

// span is one interval of a trial's series, or several consecutive ones
// merged into a bucket when the run has too many to draw.
type span struct {
	x, length     float64 // start on the run's axis and length, s
	count, errors int64
	// Latencies in ms; NaN where unknown (p95 needs the interval's
	// histogram) or where the interval had no successful request.
	p50, p95, p99, max float64
}

func (s span) mid() float64 { return s.x + s.length/2 }

// perS is n per second over the span (0 for an empty span).
func (s span) perS(n float64) float64 {
	if s.length <= 0 {
		return 0
	}
	return n / s.length
}

// bucketWidth is the bucket width (s) that keeps a figure over time at
// about maxTimePoints points per line: 0 (no bucketing) when n points fit.
func bucketWidth(n int, end float64) float64 {
	if n <= maxTimePoints || end <= 0 {
		return 0
	}
	return end / maxTimePoints
}

// spansOf returns t's intervals of op on c's axis. With bucket > 0,
// consecutive intervals starting in the same bucket of that width are
// merged: counts and errors add up; the tail lines (p95, p99, max) keep
// the bucket's largest value, so downsampling never hides a peak; p50 is
// the median of the merged interval histograms.
func spansOf(t bench.Trial, op string, c runClock, bucket float64) []span {
	s := seriesOf(t, op)
	if s == nil {
		return nil
	}
	var out []span
	var hists []string
	points := foldDrain(s.Points)
	flush := func() {
		if len(hists) == 0 {
			return
		}
		last := &out[len(out)-1]
		if p50, ok := mergedP50(hists); ok {
			last.p50 = p50
		}
		hists = hists[:0]
	}
	key := math.NaN()
	for _, p := range points {
		sp := intervalSpan(p, c.at(t, p.StartS))
		k := math.NaN()
		if bucket > 0 {
			k = math.Floor(sp.x / bucket)
		}
		if len(out) > 0 && k == key { // NaN never equals: no bucketing
			m := &out[len(out)-1]
			m.length = sp.x + sp.length - m.x
			m.count += sp.count
			m.errors += sp.errors
			m.p95, m.p99, m.max = nanMax(m.p95, sp.p95), nanMax(m.p99, sp.p99), nanMax(m.max, sp.max)
			m.p50 = nanMax(m.p50, sp.p50) // replaced by the merged median in flush
		} else {
			flush()
			out = append(out, sp)
			key = k
		}
		if bucket > 0 && p.Count > 0 && p.Histogram != "" {
			hists = append(hists, p.Histogram)
		}
	}
	flush()
	return out
}

// foldDrain merges a last interval shorter than half the one before it
// into that one: it holds the answers that arrived after the window's last
// full interval (the drain), too few for a rate or a percentile of their
// own. The merged percentiles come from the merged histograms.
func foldDrain(pts []bench.IntervalPoint) []bench.IntervalPoint {
	n := len(pts)
	if n < 2 || pts[n-1].LengthS >= pts[n-2].LengthS/2 {
		return pts
	}
	a, b := pts[n-2], pts[n-1]
	m := bench.IntervalPoint{StartS: a.StartS, LengthS: b.StartS + b.LengthS - a.StartS,
		Count: a.Count + b.Count, Errors: a.Errors + b.Errors,
		P50MS: a.P50MS, P99MS: max(a.P99MS, b.P99MS), MaxMS: max(a.MaxMS, b.MaxMS), Histogram: a.Histogram}
	switch {
	case b.Count == 0:
	case a.Count == 0:
		m.P50MS, m.P99MS, m.Histogram = b.P50MS, b.P99MS, b.Histogram
	default:
		if h, ok := mergeHistograms(a.Histogram, b.Histogram); ok {
			if enc, err := bench.EncodeHistogram(h); err == nil {
				l := bench.Summarize(h)
				m.P50MS, m.P99MS, m.Histogram = l.P50, l.P99, enc
			}
		}
	}
	m.QPS = float64(m.Count) / m.LengthS
	return append(slices.Clone(pts[:n-2]), m)
}

// intervalSpan is one interval point at x on the run's axis.
func intervalSpan(p bench.IntervalPoint, x float64) span {
	sp := span{x: x, length: p.LengthS, count: p.Count, errors: p.Errors,
		p50: math.NaN(), p95: math.NaN(), p99: math.NaN(), max: math.NaN()}
	if p.Count == 0 {
		return sp
	}
	sp.p50, sp.p99, sp.max = p.P50MS, p.P99MS, p.MaxMS
	if p.Histogram != "" {
		if h, err := bench.DecodeHistogram(p.Histogram); err == nil && h.TotalCount() > 0 {
			sp.p95 = bench.Summarize(h).P95
		}
	}
	return sp
}

// mergedP50 is the median of the merged histograms.
func mergedP50(hists []string) (float64, bool) {
	h, ok := mergeHistograms(hists...)
	if !ok {
		return 0, false
	}
	return bench.Summarize(h).P50, true
}

// mergeHistograms decodes and merges encoded histograms; false when one
// does not decode or they hold no value.
func mergeHistograms(hists ...string) (*hdrhistogram.Histogram, bool) {
	h := bench.NewHistogram()
	for _, s := range hists {
		ph, err := bench.DecodeHistogram(s)
		if err != nil {
			return nil, false
		}
		h.Merge(ph)
	}
	return h, h.TotalCount() > 0
}

// nanMax is the larger of a and b, ignoring NaN.
func nanMax(a, b float64) float64 {
	switch {
	case math.IsNaN(a):
		return b
	case math.IsNaN(b):
		return a
	}
	return max(a, b)
}

// segments collects the lines of one quantity, one segment per trial, so
// that no line joins two trials across the gap between them.
type segments []plotter.XYs

// add appends (x, y) to the current trial's segment; a NaN or, on a log
// axis (positive), non-positive y is left out.
func (s *segments) add(x, y float64, positive bool) {
	if math.IsNaN(y) || math.IsInf(y, 0) || positive && y <= 0 {
		return
	}
	(*s)[len(*s)-1] = append((*s)[len(*s)-1], plotter.XY{X: x, Y: y})
}

// next starts a new trial's segment.
func (s *segments) next() { *s = append(*s, nil) }

func (s segments) empty() bool {
	for _, seg := range s {
		if len(seg) > 0 {
			return false
		}
	}
	return true
}

// draw adds every segment to p as a line of colour c (dashed with dashes),
// and names it once in leg; a segment of a single point is drawn as a dot.
func (s segments) draw(p *plot.Plot, leg *plot.Legend, name string, c color.Color, width vg.Length, dashes []vg.Length) error {
	named := false
	for _, seg := range s {
		if len(seg) == 0 {
			continue
		}
		l, err := plotter.NewLine(seg)
		if err != nil {
			return err
		}
		l.Color, l.Width, l.Dashes = c, width, dashes
		p.Add(l)
		if len(seg) == 1 {
			dot, err := plotter.NewScatter(seg)
			if err != nil {
				return err
			}
			dot.Color, dot.Shape, dot.Radius = c, draw.CircleGlyph{}, width
			p.Add(dot)
		}
		if !named && leg != nil {
			leg.Add(name, l)
			named = true
		}
	}
	return nil
}

// marks draws pts as glyphs of shape and colour c, named in leg.
func marks(p *plot.Plot, leg *plot.Legend, name string, pts plotter.XYs, shape draw.GlyphDrawer, c color.Color, r vg.Length) error {
	if len(pts) == 0 {
		return nil
	}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return err
	}
	sc.GlyphStyle = draw.GlyphStyle{Shape: shape, Color: c, Radius: r}
	p.Add(sc)
	if leg != nil {
		leg.Add(name, sc)
	}
	return nil
}

// trialStart is where a trial's window begins on the run's axis.
type trialStart struct {
	x  float64
	id int
}

// markTrials draws a dotted vertical line where each trial's window begins
// and, for up to maxTrialLabels trials, its number at the top of p. Call it
// once p's axis ranges are final.
func markTrials(p *plot.Plot, starts []trialStart) error {
	if len(starts) < 2 {
		return nil
	}
	top := nearTop(p)
	var lbl plotter.XYLabels
	for _, s := range starts {
		l, err := plotter.NewLine(plotter.XYs{{X: s.x, Y: p.Y.Min}, {X: s.x, Y: p.Y.Max}})
		if err != nil {
			return err
		}
		l.Color, l.Width, l.Dashes = colGrey, vg.Points(0.6), []vg.Length{vg.Points(1), vg.Points(3)}
		p.Add(l)
		lbl.XYs = append(lbl.XYs, plotter.XY{X: s.x, Y: top})
		lbl.Labels = append(lbl.Labels, "#"+strconv.Itoa(s.id))
	}
	if len(starts) > maxTrialLabels {
		return nil
	}
	labels, err := plotter.NewLabels(lbl)
	if err != nil {
		return err
	}
	labels.Offset = vg.Point{X: vg.Points(2), Y: -vg.Points(10)}
	for i := range labels.TextStyle {
		labels.TextStyle[i].Color = colGrey
		labels.TextStyle[i].Font.Size = vg.Points(8)
	}
	p.Add(labels)
	return nil
}

// nearTop is a y just inside the top of p's y range (a point exactly on
// the frame is not drawn).
func nearTop(p *plot.Plot) float64 {
	if _, log := p.Y.Scale.(logScale); log {
		return p.Y.Max * 0.999
	}
	return p.Y.Max - 0.001*(p.Y.Max-p.Y.Min)
}

// timeAxes gives every panel the same x range, from 0 to end (s), and
// briefly labelled ticks on both axes (a log axis gets its own later).
func timeAxes(end float64, panels ...*plot.Plot) {
	for _, p := range panels {
		p.X.Min, p.X.Max = 0, end*1.01
		p.X.Tick.Marker = plainTicks{}
		p.Y.Tick.Marker = plainTicks{}
	}
}

// plainTicks are gonum's default ticks labelled by tickLabel (2.5, 180k)
// instead of with a fixed number of decimals (2.50, 180000).
type plainTicks struct{}

// Ticks implements plot.Ticker.
func (plainTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = tickLabel(ts[i].Value)
		}
	}
	return ts
}

// latencyAxis puts a latency axis on a log scale when its values span a
// factor of ten (p50 against a stalled p99), else from 0.
func latencyAxis(p *plot.Plot, label string) {
	if spansDecade(p.Y.Min, p.Y.Max) {
		p.Y.Label.Text = label + ", log scale"
		logAxis(&p.Y)
		return
	}
	p.Y.Label.Text = label
	p.Y.Min = 0
	p.Y.Max *= 1.08
}

// zeroBased starts a linear axis at 0 with headroom above its data.
func zeroBased(a *plot.Axis) {
	a.Min = 0
	if a.Max <= 0 {
		a.Max = 1
	}
	a.Max *= 1.08
}
