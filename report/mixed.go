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
	fmt.Fprintf(b, "![Recall at each checkpoint against the rows visible](%s)\n\n", MixedRecallPlot)
}

func writeNotes(b *strings.Builder, t bench.Trial) {
	for _, n := range t.Notes {
		fmt.Fprintf(b, "> %s\n", n)
	}
	if len(t.Notes) > 0 {
		b.WriteString("\n")
	}
}

func levelText(l bench.LoadInfo) string {
	var parts []string
	if l.Concurrency > 0 {
		parts = append(parts, fmt.Sprintf("search concurrency %d", l.Concurrency))
	}
	if l.Rate > 0 {
		parts = append(parts, fmt.Sprintf("search rate %g/s", l.Rate))
	}
	if l.InsertRate > 0 {
		parts = append(parts, fmt.Sprintf("inserts %g rows/s in batches of %d", l.InsertRate, l.InsertBatch))
	}
	return strings.Join(parts, ", ")
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

// PlotMixedRecall draws each mixed trial's recall at its checkpoints
// against the rows visible then: how recall moved while the collection
// grew (or shrank).
func PlotMixedRecall(path string, res *bench.Result) error {
	p := plot.New()
	p.Title.Text = "Recall while writing (mixed): each checkpoint against the rows visible"
	p.X.Label.Text = "rows visible"
	p.Y.Label.Text = "recall@k"
	var s series
	for _, t := range res.Trials {
		for _, cp := range t.Checkpoints {
			if cp.Queries > 0 {
				s.add(fmt.Sprintf("#%d %s %s", t.ID, t.Index, levelText(t.Load)), float64(cp.Rows), cp.Recall)
			}
		}
	}
	leg, err := s.draw(p)
	if err != nil {
		return err
	}
	return save(p, leg, path)
}
