package report

import (
	"fmt"
	"strings"

	"github.com/milvbench/milvbench/bench"
	"gonum.org/v1/plot"
)

// writeIngest tabulates the insert sweep of ingest trials.
func writeIngest(b *strings.Builder, res *bench.Result) {
	if !hasTrials(res, func(t bench.Trial) bool { return t.Ingest != nil }) {
		return
	}
	b.WriteString("## Ingest\n\n")
	b.WriteString("Each trial inserted new rows (ids are never reused) with the given number of inserters, each sending its next call when the last returned, for the trial's duration or until its share of the rows beyond the preload was used. ")
	b.WriteString("Latency is per call (service time, retries included). After the last call: time to searchable is from its acknowledgement until a search (at the target's consistency level) for the exact vectors of its rows returned one of them; then a flush, timed separately and counted into \"rows/s with flush\".\n\n")
	b.WriteString("| # | index | batch (rows) | inserters | rows | rows/s | calls/s | p50 (ms) | p99 (ms) | max (ms) | flush (s) | rows/s with flush | time to searchable (s) | ended by | errors |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, t := range res.Trials {
		ing, ins := t.Ingest, t.Operations[bench.OpInsert]
		if ing == nil || ins == nil {
			continue
		}
		tts := fmt.Sprintf("%.3f", ing.SearchableS)
		if !ing.Searchable {
			tts = fmt.Sprintf("not found in %.0f", ing.SearchableS)
		}
		fmt.Fprintf(b, "| %d | %s | %d | %d | %d | %.0f | %.1f | %.3f | %.3f | %.3f | %.3f | %.0f | %s | %s | %d |\n",
			t.ID, t.Index, ins.Batch, t.Load.InsertConcurrency, ins.Rows, ins.RowsPerS, ins.CallsPerS,
			ins.LatencyMS.P50, ins.LatencyMS.P99, ins.LatencyMS.Max, ing.FlushS, ing.RowsPerSWithFlush, tts, ing.Stopped, ins.Errors.Total)
	}
	b.WriteString("\n")
	for _, t := range res.Trials {
		if t.Ingest != nil && len(t.Notes) > 0 {
			fmt.Fprintf(b, "Trial %d:\n\n", t.ID)
			writeNotes(b, t)
		}
	}
	fmt.Fprintf(b, "See the figure \"%s\" under Plots.\n\n", ingestRowsTitle)
}

// PlotIngestRows is the figure file stem of the ingest sweep.
const PlotIngestRows = "ingest_rows"

const ingestRowsTitle = "Insert throughput by batch size (ingest)"

func ingestRowsPlot() plotDef {
	return plotDef{
		Plot: Plot{File: PlotIngestRows, Title: ingestRowsTitle,
			Caption: "Rows inserted per second against rows per insert call, both on log scales, one line per index config and number of inserters (closed loop: each inserter sends when its last call returned)."},
		applies: func(res *bench.Result) bool {
			return hasTrials(res, func(t bench.Trial) bool { return t.Ingest != nil })
		},
		draw: drawIngestRows,
	}
}

func drawIngestRows(res *bench.Result) (*figure, error) {
	p := newPanel("Insert throughput by batch size", "rows per insert call (log scale)", "rows/s (log scale)")
	leg := newLegend()
	var s series
	for _, t := range res.Trials {
		ins := t.Operations[bench.OpInsert]
		if t.Ingest == nil || ins == nil || ins.RowsPerS <= 0 {
			continue
		}
		s.add(fmt.Sprintf("%s, %d inserters", t.Index, t.Load.InsertConcurrency), float64(ins.Batch), ins.RowsPerS)
	}
	if err := s.lines(p, &leg, true); err != nil {
		return nil, err
	}
	logAxis(&p.X)
	logAxis(&p.Y)
	return &figure{panels: []*plot.Plot{p}, legend: leg}, nil
}
