package report

import (
	"fmt"
	"strings"

	"github.com/milvbench/milvbench/bench"
)

// recallSkewGap is how far below its mean a trial's p5 per-query recall
// must sit for the report to flag it.
const recallSkewGap = 0.1

// recallZeroFlag is the share of queries at recall 0 from which the report
// flags a trial even when its mean is as low as its p5 (a filter that
// leaves most queries with nothing).
const recallZeroFlag = 0.05

// recallFlagged reports whether a trial's per-query recall is flagged.
func recallFlagged(r *bench.RecallDist) bool {
	return r != nil && (r.Skewed(recallSkewGap) || r.Zero >= recallZeroFlag)
}

// writeRecallPerQuery lists the distribution of per-query recall of every
// trial that recorded it, flagging those whose p5 sits far below the mean:
// queries a filter or an index leaves with little or nothing, which the
// mean hides.
func writeRecallPerQuery(b *strings.Builder, d *doc) {
	var ts []bench.Trial
	skewed := 0
	for _, t := range d.res.Trials {
		if t.RecallDist != nil {
			ts = append(ts, t)
			if recallFlagged(t.RecallDist) {
				skewed++
			}
		}
	}
	if len(ts) == 0 {
		return
	}
	b.WriteString("## Recall per query\n\n")
	fmt.Fprintf(b, "Recall@topk of each answered query, summarised: the mean is the trials table's recall; p1, p5 and p10 are empirical percentiles. ")
	if skewed > 0 {
		fmt.Fprintf(b, "**%d trial%s** (⚠) answer their worst 5%% of queries more than %g below the mean, or leave %g%% or more of their queries with recall 0.\n\n", skewed, plural(skewed, "", "s"), recallSkewGap, 100*recallZeroFlag)
	} else {
		fmt.Fprintf(b, "No trial's p5 sits more than %g below its mean, and none leaves %g%% of its queries with recall 0.\n\n", recallSkewGap, 100*recallZeroFlag)
	}
	b.WriteString("| # | index | search | filter | mean | p1 | p5 | p10 | min | recall 0 | queries |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, t := range ts {
		r := t.RecallDist
		mark := ""
		if recallFlagged(r) {
			mark = " ⚠"
		}
		fmt.Fprintf(b, "| %d%s | %s | %s | %s | %.4f | %.4f | %.4f | %.4f | %.4f | %.1f%% | %d |\n",
			t.ID, mark, indexCell(t), strings.ReplaceAll(searchCell(t), "|", "\\|"), filterCell(t.Search), r.Mean, r.P1, r.P5, r.P10, r.Min, 100*r.Zero, r.Queries)
	}
	b.WriteString("\n")
}

// filterCell names a trial's filter in per-trial tables: the
// search.filters name, a label filter's share, or "-".
func filterCell(s bench.SearchInfo) string {
	switch {
	case s.FilterName != "":
		return s.FilterName
	case s.Filter != "":
		return fmt.Sprintf("%g", s.Selectivity)
	}
	return "-"
}
