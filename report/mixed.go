package report

import (
	"fmt"
	"strings"

	"github.com/milvbench/milvbench/bench"
	"gonum.org/v1/plot"
)

// trialTitle names a trial in section headings.
func trialTitle(t bench.Trial) string {
	return fmt.Sprintf("Trial %d: %s %s topk=%d", t.ID, t.Index, paramsText(t.Search.Params), t.Search.TopK)
}

// writeMixed shows, per mixed trial, the write streams and how recall
// (and search latency, where the trial has a search series) moved while
// the collection changed.
func writeMixed(b *strings.Builder, res *bench.Result) {
	if !hasTrials(res, func(t bench.Trial) bool { return t.Mixed != nil }) {
		return
	}
	b.WriteString("## Searches while writing (mixed)\n\n")
	b.WriteString("Searches ran beside paced write streams. Write latency is per call, measured from the call's intended send time on the stream's schedule (so a slow target shows in the tail instead of slowing the schedule), retries included; service time is the successful attempt alone. ")
	b.WriteString("Recall is measured at checkpoints against exact ground truth over the rows visible at that moment, kept up to date with every acknowledged write; checkpoint searches ask for strong consistency, so a row counts once its write was acknowledged. The trial's recall in the table above is the mean over its checkpoints.\n\n")
	for _, t := range res.Trials {
		if t.Mixed == nil {
			continue
		}
		fmt.Fprintf(b, "### %s, %s\n\n", trialTitle(t), levelText(t.Load))
		fmt.Fprintf(b, "Rows visible: %d at the start, %d at the end (%d preloaded; ids from %d on were inserted by trials). Searches: %.1f req/s, p99 %.3f ms (%s).\n\n",
			t.Mixed.RowsBefore, t.Mixed.RowsAfter, t.Mixed.PreloadRows, t.Mixed.PreloadRows, t.QPS, t.LatencyMS.P99, t.Load.Latency)
		opTable(b, t)
		search := seriesOf(t, bench.OpSearch)
		b.WriteString("| at (s) | rows visible | inserted | deleted | recall | new rows in true top-k | of them found | search p99 since previous (ms) | checkpoint took (s) |\n")
		b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
		prev := 0.0
		for _, cp := range t.Checkpoints {
			p99 := "-"
			if search != nil {
				if v, ok := p99Between(search, prev, cp.AtS); ok {
					p99 = fmt.Sprintf("%.3f", v)
				}
			}
			fmt.Fprintf(b, "| %.2f | %d | %d | %d | %.4f | %.1f%% | %.1f%% | %s | %.2f |\n",
				cp.AtS, cp.Rows, cp.Inserted, cp.Deleted, cp.Recall, 100*cp.NewShare, 100*cp.NewRecall, p99, cp.PassS)
			prev = cp.AtS
		}
		b.WriteString("\n")
		writeNotes(b, t)
	}
	fmt.Fprintf(b, "See the figure \"%s\" under Plots.\n\n", mixedRecallTitle)
}

func writeNotes(b *strings.Builder, t bench.Trial) {
	for _, n := range t.Notes {
		fmt.Fprintf(b, "> %s\n", n)
	}
	if len(t.Notes) > 0 {
		b.WriteString("\n")
	}
}

// seriesOf returns t's series of op, or nil.
func seriesOf(t bench.Trial, op string) *bench.OpSeries {
	for i := range t.Series {
		if t.Series[i].Op == op {
			return &t.Series[i]
		}
	}
	return nil
}

// p99Between merges the interval histograms of s that start in [from, to)
// and returns their p99 (ms): percentiles from merged histograms, never
// averaged.
func p99Between(s *bench.OpSeries, from, to float64) (float64, bool) {
	h := bench.NewHistogram()
	for _, p := range s.Points {
		if p.StartS < from || p.StartS >= to || p.Count == 0 {
			continue
		}
		ph, err := bench.DecodeHistogram(p.Histogram)
		if err != nil {
			return 0, false
		}
		h.Merge(ph)
	}
	if h.TotalCount() == 0 {
		return 0, false
	}
	return bench.Summarize(h).P99, true
}

// PlotMixedRecall is the figure file stem of mixed trials' recall.
const PlotMixedRecall = "mixed_recall"

const mixedRecallTitle = "Recall while writing (mixed)"

func mixedRecallPlot() plotDef {
	return plotDef{
		Plot: Plot{File: PlotMixedRecall, Title: mixedRecallTitle,
			Caption: "Each mixed trial's recall at its checkpoints, against exact ground truth over the rows visible then, placed at the number of rows visible: how recall moved while the collection grew (or shrank). One line per trial."},
		applies: func(res *bench.Result) bool {
			return hasTrials(res, func(t bench.Trial) bool { return len(t.Checkpoints) > 0 })
		},
		draw: drawMixedRecall,
	}
}

func drawMixedRecall(res *bench.Result) (*figure, error) {
	p := newPanel("Recall at each checkpoint", "rows visible", "recall@k")
	leg := newLegend()
	var s series
	for _, t := range res.Trials {
		for _, cp := range t.Checkpoints {
			if cp.Queries > 0 {
				s.add(trialLabel(t), float64(cp.Rows), cp.Recall)
			}
		}
	}
	if err := s.lines(p, &leg, true); err != nil {
		return nil, err
	}
	return &figure{panels: []*plot.Plot{p}, legend: leg}, nil
}
