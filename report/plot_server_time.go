package report

import (
	"math"

	"github.com/milvbench/milvbench/bench"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// PlotServerTime is the figure file stem of the server's signals over time.
const PlotServerTime = "server_time"

func serverTimePlot() plotDef {
	return plotDef{
		Plot: Plot{File: PlotServerTime, Title: "Server signals over time",
			Caption: "What the server reported (target.metrics_url, sampled every load.interval) on the same time axis as the client's latency, trials starting at their dotted lines. " +
				"Top: the client's p99 per interval beside the server's own search p99 and mean (the proxy's histogram): a gap between them is time outside the server — network, client, queueing before the proxy. " +
				"Below, where the server reports them: CPU in cores (CPU seconds per second) and resident memory. " +
				"Red triangles mark samples flagged unhealthy, under a quota state or rate limiting (see Server view). A long run keeps each bucket's highest value."},
		applies: func(res *bench.Result) bool {
			_, ok := clockOf(res)
			return ok && hasTrials(res, func(t bench.Trial) bool { return !t.Started.IsZero() && hasServerSignals(t) })
		},
		draw: drawServerTime,
	}
}

// hasServerSignals reports whether t's server samples hold a metric to
// draw (a health check alone is in the Server view table).
func hasServerSignals(t bench.Trial) bool {
	for _, s := range t.Server {
		if s.CPUCores != nil || s.RSSBytes > 0 || s.SearchP99MS != nil {
			return true
		}
	}
	return false
}

func drawServerTime(res *bench.Result) (*figure, error) {
	c, _ := clockOf(res)
	var trials []bench.Trial
	n, end := 0, 0.0
	for _, t := range res.Trials {
		if t.Started.IsZero() || !hasServerSignals(t) {
			continue
		}
		trials = append(trials, t)
		n += max(len(t.Server), len(seriesPoints(t)))
		end = max(end, c.at(t, t.Load.WindowS))
		for _, s := range t.Server {
			end = max(end, c.at(t, s.AtS))
		}
	}
	bucket := bucketWidth(n, end)
	lat := newPanel("Client and server search latency", timeLabel, "latency (ms)")
	cpu := newPanel("Server CPU", timeLabel, "cores")
	mem := newPanel("Server resident memory", timeLabel, "MiB")
	var client, srvP99, srvMean, cores, rss segments
	var flagged []float64
	var starts []trialStart
	for _, t := range trials {
		starts = append(starts, trialStart{x: c.at(t, 0), id: t.ID})
		for _, s := range []*segments{&client, &srvP99, &srvMean, &cores, &rss} {
			s.next()
		}
		for _, sp := range spansOf(t, bench.OpSearch, c, bucket) {
			client.add(sp.mid(), sp.p99, true)
		}
		var b sampleBuckets
		for i, s := range t.Server {
			x := c.at(t, s.AtS)
			mid := x // rates are over the interval since the previous sample
			if i > 0 {
				mid = (x + c.at(t, t.Server[i-1].AtS)) / 2
			}
			b.add(bucket, mid, 0, ptr(s.SearchP99MS))
			b.add(bucket, mid, 1, ptr(s.SearchMeanMS))
			b.add(bucket, mid, 2, ptr(s.CPUCores))
			if s.RSSBytes > 0 {
				b.add(bucket, x, 3, s.RSSBytes/(1<<20))
			}
			if s.Flagged() {
				flagged = append(flagged, x)
			}
		}
		for i, seg := range []*segments{&srvP99, &srvMean, &cores, &rss} {
			for _, p := range b.points(i) {
				seg.add(p.X, p.Y, i < 2)
			}
		}
	}
	leg := newLegend()
	w := vg.Points(1.5)
	if err := client.draw(lat, &leg, "client p99 per interval", colP99, w, nil); err != nil {
		return nil, err
	}
	if err := srvP99.draw(lat, &leg, "server search p99", colServer, w, nil); err != nil {
		return nil, err
	}
	if err := srvMean.draw(lat, &leg, "server search mean", colServer, vg.Points(1.2), dashed); err != nil {
		return nil, err
	}
	panels := []*plot.Plot{lat}
	if !cores.empty() {
		if err := cores.draw(cpu, &leg, "server CPU (cores)", colQPS, w, nil); err != nil {
			return nil, err
		}
		panels = append(panels, cpu)
	}
	if !rss.empty() {
		if err := rss.draw(mem, &leg, "server resident memory (MiB)", colWrite, w, nil); err != nil {
			return nil, err
		}
		panels = append(panels, mem)
	}
	timeAxes(end, panels...)
	latencyAxis(lat, "latency (ms)")
	zeroBased(&cpu.Y)
	zeroBased(&mem.Y)
	if len(flagged) > 0 {
		top := nearTop(lat)
		pts := make(plotter.XYs, len(flagged))
		for i, x := range flagged {
			pts[i] = plotter.XY{X: x, Y: top}
		}
		if err := marks(lat, &leg, "flagged sample: unhealthy, quota state or rate limited", pts, draw.TriangleGlyph{}, colError, vg.Points(4)); err != nil {
			return nil, err
		}
	}
	for _, p := range panels {
		if err := markTrials(p, starts); err != nil {
			return nil, err
		}
	}
	return &figure{panels: panels, legend: leg, height: timePanelH}, nil
}

func ptr(v *float64) float64 {
	if v == nil {
		return math.NaN()
	}
	return *v
}

// sampleBuckets downsamples server samples: per quantity, the samples whose
// x falls in one bucket become one point at the bucket's first x with the
// bucket's largest value (no bucketing when the width is 0).
type sampleBuckets struct {
	pts  [4]plotter.XYs
	keys [4][]float64
}

func (b *sampleBuckets) add(width, x float64, q int, y float64) {
	if math.IsNaN(y) {
		return
	}
	k := math.NaN()
	if width > 0 {
		k = math.Floor(x / width)
	}
	if n := len(b.pts[q]); n > 0 && b.keys[q][n-1] == k {
		b.pts[q][n-1].Y = max(b.pts[q][n-1].Y, y)
		return
	}
	b.pts[q] = append(b.pts[q], plotter.XY{X: x, Y: y})
	b.keys[q] = append(b.keys[q], k)
}

func (b *sampleBuckets) points(q int) plotter.XYs { return b.pts[q] }
