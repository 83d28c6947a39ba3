package report

import (
	"fmt"
	"strings"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/tuner"
)

// writeIterator lists the iterator trials: the recall of the whole
// iteration, duplicates and order violations, the batches per query and
// the times to the first and the last batch, per batch size.
func writeIterator(b *strings.Builder, d *doc) {
	var its []bench.Trial
	for _, t := range d.res.Trials {
		if t.Search.Iterator != nil {
			its = append(its, t)
		}
	}
	if len(its) == 0 {
		return
	}
	b.WriteString("## Iterator search\n\n")
	b.WriteString("One operation is one whole iteration of one query: batches of batch_size until limit results. Recall: the share of the exact top-limit the whole iteration returned (a duplicate counts once). Duplicates: ids returned twice within an iteration (queries with any). Order: results returned after a farther one, by the distances returned. Batches, searches (the requests or index searches sent for them) and results: per query, the mean, with the median and the largest where they differ from it. First and last batch: time from the iteration's start to its first and last non-empty batch. Path: how the target iterated (embedded; v2-server, Milvus's own iterator; v1-client, pymilvus's range-search iterator run by the harness).\n\n")
	b.WriteString("| # | index | params | iterator | path | load | recall | duplicates | order | batches | searches | results | first batch p50 / p99 (ms) | last batch p50 / p99 (ms) | iterations/s |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, t := range its {
		path, dups, order, batches, searches, results, first, last := "-", "-", "-", "-", "-", "-", "-", "-"
		if q := t.Iterator; q != nil {
			path = q.Paths
			dups = fmt.Sprintf("%d (%d)", q.Duplicates, q.DuplicateQueries)
			order = fmt.Sprint(q.OrderViolations)
			batches, searches, results = perQuery(q.Batches), perQuery(q.Requests), perQuery(q.Returned)
			first = fmt.Sprintf("%.2f / %.2f", q.FirstBatchMS.P50, q.FirstBatchMS.P99)
			last = fmt.Sprintf("%.2f / %.2f", q.LastBatchMS.P50, q.LastBatchMS.P99)
		}
		fmt.Fprintf(b, "| %d | %s | %s | %s | %s | %s | %.4f | %s | %s | %s | %s | %s | %s | %s | %.1f |\n", t.ID, indexCell(t), paramsText(t.Search.Params),
			t.Search.Iterator.String(), path, levelText(t.Load), t.Recall, dups, order, batches, searches, results, first, last, t.QPS)
	}
	b.WriteString("\n")
}

// perQuery renders a per-iteration count compactly: the mean alone when
// every iteration had the same count, else the mean with the median and
// the largest (an iterator always sends at least one batch, so countText's
// share of zeros says nothing here).
func perQuery(c bench.CountDist) string {
	if float64(c.P50) == c.Mean && c.P50 == c.Max {
		return tuner.Count(c.Mean)
	}
	mean := tuner.Count(c.Mean)
	if c.Mean < 100 {
		mean = fmt.Sprintf("%.1f", c.Mean)
	}
	return fmt.Sprintf("%s (p50 %s, max %s)", mean, tuner.Count(float64(c.P50)), tuner.Count(float64(c.Max)))
}
