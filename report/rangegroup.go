package report

import (
	"fmt"
	"strings"

	"github.com/milvbench/milvbench/bench"
)

// writeRangeGroup lists the range trials with their precision and the
// distributions of hits returned and rows truly in range, and the group
// trials with their grouping recall.
func writeRangeGroup(b *strings.Builder, d *doc) {
	var ranges, groups []bench.Trial
	for _, t := range d.res.Trials {
		switch {
		case t.Search.Range != nil:
			ranges = append(ranges, t)
		case t.Search.Group != nil:
			groups = append(groups, t)
		}
	}
	if len(ranges) > 0 {
		b.WriteString("## Range search\n\n")
		b.WriteString("Recall: the share of each query's in-range rows (the closest topk of them) the answer holds, 1 when none is in range. Precision: the share of returned hits that are in range. Hits and in range: per query, mean / p50 / p90 / max, and the share of queries with none.\n\n")
		b.WriteString("| # | index | params | range | load | recall | precision | hits | in range (≤ topk) | QPS | p99 (ms) |\n")
		b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
		for _, t := range ranges {
			precision, hits, in := "-", "-", "-"
			if q := t.Range; q != nil {
				precision, hits, in = fmt.Sprintf("%.4f", q.Precision), countText(q.Results), countText(q.InRange)
			}
			fmt.Fprintf(b, "| %d | %s | %s | %s | %s | %.4f | %s | %s | %s | %.1f | %.3f |\n", t.ID, indexCell(t), paramsText(t.Search.Params),
				t.Search.Range.String(), levelText(t.Load), t.Recall, precision, hits, in, t.QPS, t.LatencyMS.P99)
		}
		b.WriteString("\n")
	}
	if len(groups) > 0 {
		b.WriteString("## Grouping search\n\n")
		b.WriteString("Recall: the share of the exact grouped answer's hits (the topk groups by their best hit, up to group_size hits each) the answer holds. Hits and exact hits: per query, mean / p50 / p90 / max, and the share of queries with none.\n\n")
		b.WriteString("| # | index | params | group | load | recall | recall p5 | hits | exact hits | QPS | p99 (ms) |\n")
		b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
		for _, t := range groups {
			p5, hits, exact := "-", "-", "-"
			if t.RecallDist != nil {
				p5 = fmt.Sprintf("%.4f", t.RecallDist.P5)
			}
			if q := t.Group; q != nil {
				hits, exact = countText(q.Results), countText(q.Exact)
			}
			fmt.Fprintf(b, "| %d | %s | %s | %s | %s | %.4f | %s | %s | %s | %.1f | %.3f |\n", t.ID, indexCell(t), paramsText(t.Search.Params),
				t.Search.Group.String(), levelText(t.Load), t.Recall, p5, hits, exact, t.QPS, t.LatencyMS.P99)
		}
		b.WriteString("\n")
	}
}

// countText renders a count distribution as mean / p50 / p90 / max (zero share).
func countText(c bench.CountDist) string {
	return fmt.Sprintf("%.1f / %d / %d / %d (%.0f%% none)", c.Mean, c.P50, c.P90, c.Max, 100*c.Zero)
}
