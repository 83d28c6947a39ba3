package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/milvbench/milvbench/bench"
)

// writeFilters sets the trials run under search.filters filters side by
// side, one row per filter for each index configuration and search
// parameters, so filters that pass the same share of rows but lie
// differently relative to the queries (independent, correlated,
// anti-correlated) compare at a glance: mean and p5 recall, the queries
// left with nothing, QPS and p99.
func writeFilters(b *strings.Builder, d *doc) {
	var ts []bench.Trial
	for _, t := range d.res.Trials {
		if t.Search.FilterName != "" {
			ts = append(ts, t)
		}
	}
	if len(ts) == 0 {
		return
	}
	// Group each point's trials at its first trial's place (plan order).
	first := map[string]int{}
	rank := map[int]int{} // trial ID → its point's first position
	for i, t := range ts {
		k := pointKeyNoFilter(t)
		if _, ok := first[k]; !ok {
			first[k] = i
		}
		rank[t.ID] = first[k]
	}
	slices.SortStableFunc(ts, func(x, y bench.Trial) int { return rank[x.ID] - rank[y.ID] })
	b.WriteString("## Filters\n\n")
	b.WriteString("Each query's filter is bound to its own values (see the expression), so a filter's share of rows varies per query; the passing column is the mean share. ")
	b.WriteString("Compare rows of one index and search parameters: at equal passing share, a filter whose rows lie far from the query costs recall and time that the mean recall alone can hide, and p5 shows it.\n\n")
	b.WriteString("| # | index | search | filter | expression | passing | recall | p5 | recall 0 | QPS | p99 (ms) |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, t := range ts {
		p5, zero, mark := "-", "-", ""
		if r := t.RecallDist; r != nil {
			p5, zero = fmt.Sprintf("%.4f", r.P5), fmt.Sprintf("%.1f%%", 100*r.Zero)
			if recallFlagged(r) {
				mark = " ⚠"
			}
		}
		fmt.Fprintf(b, "| %d%s | %s | %s | %s | `%s` | %.3g | %.4f | %s | %s | %.1f | %.3f |\n",
			t.ID, mark, strings.TrimSuffix(indexCell(t)+" "+paramsText(t.Index.Build), " -"), strings.ReplaceAll(searchCell(t), "|", "\\|"), t.Search.FilterName,
			strings.ReplaceAll(t.Search.Filter, "|", "\\|"), t.Search.Selectivity, t.Recall, p5, zero, t.QPS, t.LatencyMS.P99)
	}
	b.WriteString("\n")
}

// pointKeyNoFilter groups a trial's index, search parameters and load
// level, leaving the filter out.
func pointKeyNoFilter(t bench.Trial) string {
	s := t.Search
	s.Filter, s.FilterName, s.Selectivity = "", "", 0
	t.Search = s
	return TrialName(t)
}
