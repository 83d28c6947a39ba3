package report

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"strings"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// RatePlot is the plot of p99 latency and achieved QPS against the offered
// rate, drawn when a run has open-loop trials (models open and capacity).
const RatePlot = "latency_rate.png"

// modelLatency says what a load model's headline latency measures.
func modelLatency(model string) string {
	switch model {
	case workloads.LoadOpen, workloads.LoadCapacity:
		return "open loop at an offered rate: latency is measured from each request's intended send time (no coordinated omission), so a stall shows in the tail; client-observed and service time are recorded beside it"
	case workloads.LoadClosed:
		return "closed loop: latency is client-observed (first send to final answer, retries and backoff included; equal to the service time when nothing was retried)"
	}
	return "latency per operation"
}

// loadLevel is a trial's load level: closed-loop workers or offered rate.
func loadLevel(l bench.LoadInfo) string {
	if l.Rate > 0 {
		return fmt.Sprintf("%g/s", l.Rate)
	}
	return fmt.Sprint(l.Concurrency)
}

// openTrials returns the trials that ran at an offered rate.
func openTrials(res *bench.Result) []bench.Trial {
	var out []bench.Trial
	for _, t := range res.Trials {
		if t.Load.Rate > 0 {
			out = append(out, t)
		}
	}
	return out
}

// writeRates renders the open-loop section: each trial's offered and
// achieved rate, generator verdict and the three latencies; then, for
// capacity runs, every probe and the knee of each search.
func writeRates(b *strings.Builder, res *bench.Result) {
	open := openTrials(res)
	if len(open) == 0 {
		return
	}
	b.WriteString("## Offered rate\n\n")
	b.WriteString("Open-loop trials send at an offered rate whatever the server does. p99 is measured from the intended send time; " +
		"client p99 from the actual send; service p99 is the successful attempt alone; send lag is how late the generator sent. " +
		"A **generator-bound** trial fell behind its schedule: it does not show the server holding the offered rate.\n\n")
	b.WriteString("| # | index | search params | offered (req/s) | achieved (req/s) | QPS | p50 (ms) | p99 (ms) | client p99 (ms) | service p99 (ms) | send lag p99 (ms) | recall | errors | generator |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, t := range open {
		gen := "kept schedule"
		if t.Load.GeneratorBound {
			gen = "**bound**: " + t.Load.GeneratorReason
		}
		fmt.Fprintf(b, "| %d | %s | %s | %g | %.0f | %.1f | %.3f | %.3f | %s | %s | %s | %.4f | %d | %s |\n",
			t.ID, t.Index, paramsText(t.Search.Params), t.Load.Rate, t.Load.AchievedRate, t.QPS, t.LatencyMS.P50, t.LatencyMS.P99,
			p99Text(t.ClientMS), p99Text(t.ServiceMS), p99Text(t.Load.SendLagMS), t.Recall, t.Errors.Total, gen)
	}
	b.WriteString("\n")
	writeCapacity(b, res)
	fmt.Fprintf(b, "![p99 latency and achieved QPS against offered rate](%s)\n\n", RatePlot)
}

func p99Text(l *bench.LatencyMS) string {
	if l == nil {
		return "-"
	}
	return fmt.Sprintf("%.3f", l.P99)
}

// writeCapacity renders each capacity search: the knee, why the next rate
// failed, and every probe in the order run.
func writeCapacity(b *strings.Builder, res *bench.Result) {
	if len(res.Capacity) == 0 {
		return
	}
	b.WriteString("## Capacity\n\n")
	if res.Workload != nil {
		g, l := res.Workload.Goals, res.Workload.Load
		fmt.Fprintf(b, "The knee is the highest offered rate whose probe held every goal: %s, error rate ≤ %g%%, and a generator that kept its schedule. "+
			"Probes ramp from %g requests/s by ×%g, then bisect until the bracket is within %g%%.\n\n",
			goalsText(g), 100*l.MaxErrorRate, l.StartRate, l.RampFactor, 100*l.Precision)
	}
	byID := map[int]bench.Trial{}
	for _, t := range res.Trials {
		byID[t.ID] = t
	}
	for i, c := range res.Capacity {
		fmt.Fprintf(b, "### %d. %s %s topk=%d nq=%d%s\n\n", i+1, c.Index, paramsText(c.Search.Params), c.Search.TopK, c.Search.NQ, filterLabel(c.Search))
		switch {
		case c.KneeRate == 0:
			fmt.Fprintf(b, "**No rate held.** The first probe (%g requests/s, trial %d) failed: %s. %s.\n\n", c.FailRate, c.FailTrial, strings.Join(c.FailReasons, "; "), c.Stop)
		case c.FailRate == 0:
			fmt.Fprintf(b, "**Every probe held up to %g requests/s** (trial %d, p99 %.3f ms): %s.\n\n", c.KneeRate, c.KneeTrial, c.KneeP99MS, c.Stop)
		default:
			fmt.Fprintf(b, "**Knee: %g requests/s** (trial %d: achieved %.0f QPS, p99 %.3f ms). The next rate, %g requests/s (trial %d), failed: %s.",
				c.KneeRate, c.KneeTrial, c.KneeQPS, c.KneeP99MS, c.FailRate, c.FailTrial, strings.Join(c.FailReasons, "; "))
			if c.GeneratorLimited {
				b.WriteString(" **The generator, not the server, limited the search: the knee is a lower bound on the server's capacity** (run more generator processes or machines).")
			}
			fmt.Fprintf(b, " Bracket width %.1f%%.\n\n", 100*c.Precision)
		}
		b.WriteString("| probe | trial | step | offered (req/s) | achieved (req/s) | QPS | p99 (ms) | recall | errors | verdict |\n|---|---|---|---|---|---|---|---|---|---|\n")
		for n, id := range c.Probes {
			t := byID[id]
			verdict := "holds"
			if p := t.Capacity; p != nil && !p.Pass {
				verdict = "fails: " + strings.Join(p.Reasons, "; ")
			}
			step := ""
			if t.Capacity != nil {
				step = t.Capacity.Step
			}
			fmt.Fprintf(b, "| %d | %d | %s | %.6g | %.0f | %.1f | %.3f | %.4f | %d | %s |\n",
				n+1, id, step, t.Load.Rate, t.Load.AchievedRate, t.QPS, t.LatencyMS.P99, t.Recall, t.Errors.Total, verdict)
		}
		b.WriteString("\n")
	}
}

func goalsText(g workloads.Goals) string {
	var parts []string
	if g.P99 > 0 {
		parts = append(parts, "p99 ≤ "+g.P99.String())
	}
	if g.P95 > 0 {
		parts = append(parts, "p95 ≤ "+g.P95.String())
	}
	if g.Recall > 0 {
		parts = append(parts, fmt.Sprintf("recall ≥ %g", g.Recall))
	}
	return strings.Join(parts, ", ")
}

// PlotRates draws, against the offered rate, p99 latency from the intended
// send time (top) and the achieved QPS (bottom, with the line QPS =
// offered), one line per index config and search point; all axes are log
// scale.
// Generator-bound trials are marked with a red ring; the p99 goal is a
// dashed line. It does nothing when no trial ran at an offered rate.
func PlotRates(path string, res *bench.Result) error {
	open := openTrials(res)
	if len(open) == 0 {
		return nil
	}
	top, bottom := plot.New(), plot.New()
	top.Title.Text = "p99 latency (from intended send) and achieved QPS vs offered rate"
	top.Y.Label.Text = "p99 latency (ms, log scale)"
	bottom.Y.Label.Text = "achieved QPS (requests/s, log scale)"
	bottom.X.Label.Text = "offered rate (requests/s, log scale)"
	for _, p := range []*plot.Plot{top, bottom} {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	for _, a := range []*plot.Axis{&top.Y, &bottom.Y} {
		a.Scale = plot.LogScale{}
		a.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	var lat, qps series
	var bound plotter.XYs
	var boundQPS plotter.XYs
	lo, hi := math.Inf(1), 0.0
	for _, t := range open {
		label := fmt.Sprintf("%s %s k=%d nq=%d%s", t.Index, paramsText(t.Search.Params), t.Search.TopK, t.Search.NQ, filterLabel(t.Search))
		p99 := math.Max(t.LatencyMS.P99, 0.001) // log axis: no zero
		lat.add(label, t.Load.Rate, p99)
		qps.add(label, t.Load.Rate, math.Max(t.QPS, 1))
		if t.Load.GeneratorBound {
			bound = append(bound, plotter.XY{X: t.Load.Rate, Y: p99})
			boundQPS = append(boundQPS, plotter.XY{X: t.Load.Rate, Y: math.Max(t.QPS, 1)})
		}
		lo, hi = math.Min(lo, t.Load.Rate), math.Max(hi, t.Load.Rate)
	}
	leg, err := lat.draw(top)
	if err != nil {
		return err
	}
	if _, err := qps.draw(bottom); err != nil {
		return err
	}
	ideal, err := plotter.NewLine(plotter.XYs{{X: lo, Y: lo}, {X: hi, Y: hi}})
	if err != nil {
		return err
	}
	ideal.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	ideal.Color = color.Gray{Y: 120}
	bottom.Add(ideal)
	leg.Add("achieved = offered", ideal)
	if res.Workload != nil && res.Workload.Goals.P99 > 0 {
		g := float64(res.Workload.Goals.P99.D().Microseconds()) / 1000
		goal, err := plotter.NewLine(plotter.XYs{{X: lo, Y: g}, {X: hi, Y: g}})
		if err != nil {
			return err
		}
		goal.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		goal.Color = color.RGBA{R: 200, A: 255}
		top.Add(goal)
		leg.Add(fmt.Sprintf("p99 goal %s", res.Workload.Goals.P99), goal)
	}
	if len(bound) > 0 {
		for i, pts := range []plotter.XYs{bound, boundQPS} {
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return err
			}
			sc.GlyphStyle = draw.GlyphStyle{Shape: draw.RingGlyph{}, Radius: vg.Points(7), Color: color.RGBA{R: 220, A: 255}}
			[]*plot.Plot{top, bottom}[i].Add(sc)
			if i == 0 {
				leg.Add("generator bound", sc)
			}
		}
	}
	return saveStacked(top, bottom, leg, path)
}

// saveStacked writes two plots sharing an x axis, one above the other,
// with the legend underneath, as a PNG.
func saveStacked(top, bottom *plot.Plot, leg plot.Legend, path string) error {
	const width, plotH, pad = 8 * vg.Inch, 4 * vg.Inch, 10
	r := leg.Rectangle(draw.Canvas{})
	legH := r.Max.Y - r.Min.Y + 2*pad
	img := vgimg.New(width, 2*plotH+legH)
	dc := draw.New(img)
	plots := [][]*plot.Plot{{top}, {bottom}}
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadY: vg.Points(4)}
	canvases := plot.Align(plots, tiles, draw.Crop(dc, 0, 0, legH, 0))
	top.Draw(canvases[0][0])
	bottom.Draw(canvases[1][0])
	leg.Draw(draw.Crop(dc, pad, -pad, pad, -2*plotH-pad))
	return writePNG(img, path)
}

// writePNG writes img to path as a PNG.
func writePNG(img *vgimg.Canvas, path string) error {
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
