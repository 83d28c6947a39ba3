package report

import (
	"fmt"
	"math"

	"github.com/milvbench/milvbench/bench"
	"gonum.org/v1/plot"
)

// spectrumMaxLines caps the latency spectrum at a readable number of lines.
const spectrumMaxLines = 6

func latencySpectrumPlot() plotDef {
	return plotDef{
		Plot: Plot{File: PlotLatencySpectrum, Title: "Latency percentile spectrum",
			Caption: "Latency at every percentile from the merged HDR histogram of a trial, from the median to the slowest request: the tail a mean or a p99 alone hides. One line per index type (its fastest trial meeting the recall goal, or its most accurate), plus the best trial meeting all goals."},
		applies: func(res *bench.Result) bool { return len(spectrumTrials(res)) > 0 },
		draw:    drawLatencySpectrum,
	}
}

// spectrumTrials picks the trials the spectrum shows: the best trial meeting
// the goals, then per index type its highest-QPS trial meeting the recall
// goal (or, if none does, its highest-recall trial); only trials with a
// histogram.
func spectrumTrials(res *bench.Result) []bench.Trial {
	var out []bench.Trial
	seen := map[int]bool{}
	add := func(t bench.Trial) {
		if !seen[t.ID] && t.Histogram != "" && t.QPS > 0 && len(out) < spectrumMaxLines {
			seen[t.ID] = true
			out = append(out, t)
		}
	}
	if b, ok := best(res); ok {
		add(b)
	}
	g := goalsOf(res)
	var types []string
	pick := map[string]bench.Trial{}
	for _, t := range res.Trials {
		cur, ok := pick[t.Index.Type]
		if !ok {
			types = append(types, t.Index.Type)
			pick[t.Index.Type] = t
			continue
		}
		curOK, tOK := cur.Recall >= g.Recall, t.Recall >= g.Recall
		switch {
		case tOK && !curOK, tOK && curOK && t.QPS > cur.QPS, !tOK && !curOK && t.Recall > cur.Recall:
			pick[t.Index.Type] = t
		}
	}
	for _, typ := range types {
		add(pick[typ])
	}
	return out
}

// percentileTicks label the 1/(1−q) axis in percentiles.
var percentileTicks = []plot.Tick{
	{Value: 1, Label: "0%"}, {Value: 2, Label: "50%"}, {Value: 10, Label: "90%"}, {Value: 100, Label: "99%"},
	{Value: 1e3, Label: "99.9%"}, {Value: 1e4, Label: "99.99%"}, {Value: 1e5, Label: "99.999%"}, {Value: 1e6, Label: "99.9999%"},
}

func drawLatencySpectrum(res *bench.Result) (*figure, error) {
	p := newPanel("Latency by percentile", "percentile (log scale of 1/(1−q): each step right is ten times rarer)", "latency (ms, log scale)")
	p.X.Scale = logScale{}
	leg := newLegend()
	s := series{lineOnly: true}
	maxX := 2.0
	for _, t := range spectrumTrials(res) {
		h, err := bench.DecodeHistogram(t.Histogram)
		if err != nil {
			return nil, fmt.Errorf("trial %d: latency histogram: %w", t.ID, err)
		}
		label := fmt.Sprintf("%s: p99 %.3f ms over %d requests", trialLabel(t), t.LatencyMS.P99, h.TotalCount())
		// Points 20 per decade of 1/(1−q), up to the rarest percentile the
		// sample count resolves (one request in n), then the maximum.
		n := float64(h.TotalCount())
		for i := 0; ; i++ {
			x := math.Pow(10, float64(i)/20)
			if x > n || x > 1e6 {
				break
			}
			q := 100 * (1 - 1/x)
			s.add(label, x, float64(h.ValueAtQuantile(q))/1000)
		}
		if n >= 2 {
			s.add(label, min(n, 1e6), float64(h.Max())/1000)
			maxX = max(maxX, min(n, 1e6))
		}
	}
	if err := s.lines(p, &leg, true); err != nil {
		return nil, err
	}
	var ticks plot.ConstantTicks
	for _, t := range percentileTicks {
		if t.Value <= maxX*1.5 {
			ticks = append(ticks, t)
		}
	}
	p.X.Tick.Marker = ticks
	p.X.Min, p.X.Max = 1, maxX*1.5
	logAxis(&p.Y)
	return &figure{panels: []*plot.Plot{p}, legend: leg}, nil
}
