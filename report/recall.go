package report

import (
	"fmt"
	"strings"

	"github.com/milvbench/milvbench/bench"
)

// recallSkewGap is how far below its mean a trial's p5 per-query recall
// must sit for the report to flag it.
const recallSkewGap = 0.1

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
			if t.RecallDist.Skewed(recallSkewGap) {
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
		fmt.Fprintf(b, "**%d trial%s** (⚠) answer their worst 5%% of queries more than %g below the mean.\n\n", skewed, plural(skewed, "", "s"), recallSkewGap)
	} else {
		fmt.Fprintf(b, "No trial's p5 sits more than %g below its mean.\n\n", recallSkewGap)
	}
	b.WriteString("| # | index | search | mean | p1 | p5 | p10 | min | recall 0 | queries |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, t := range ts {
		r := t.RecallDist
		mark := ""
		if r.Skewed(recallSkewGap) {
			mark = " ⚠"
		}
		fmt.Fprintf(b, "| %d%s | %s | %s | %.4f | %.4f | %.4f | %.4f | %.4f | %.1f%% | %d |\n",
			t.ID, mark, indexCell(t), strings.ReplaceAll(searchCell(t), "|", "\\|"), r.Mean, r.P1, r.P5, r.P10, r.Min, 100*r.Zero, r.Queries)
	}
	b.WriteString("\n")
}
