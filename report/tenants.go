package report

import (
	"fmt"
	"strings"

	"github.com/milvbench/milvbench/bench"
)

// writeTenants shows, for every trial run with tenancy, recall and latency
// by tenant size band — the small half of the tenants, the median ones and
// the largest 10% — so a layout that serves large tenants well and small
// ones badly (or the reverse) is not averaged away.
func writeTenants(b *strings.Builder, d *doc) {
	var ts []bench.Trial
	for _, t := range d.res.Trials {
		if len(t.Bands) > 0 {
			ts = append(ts, t)
		}
	}
	if len(ts) == 0 {
		return
	}
	b.WriteString("## Tenants\n\n")
	if tn := d.res.Workload.Tenancy; tn != nil {
		fmt.Fprintf(b, "%d tenants of %s sizes, requests routed %s, layouts %s. ", tn.Tenants, tn.Sizes,
			map[string]string{"size": "in proportion to each tenant's rows", "uniform": "to every tenant equally often"}[tn.Route], strings.Join(tn.Layouts, ", "))
	}
	b.WriteString("Each request is for one tenant; its recall is over that tenant's rows alone. Bands rank tenants by rows: the largest band is the top 10%, small the bottom half, median the rest. Latency is per request, from its band's own histogram.\n\n")
	b.WriteString("| # | index [layout] | search | band | tenants | rows each | queries | recall | p5 | recall 0 | requests | p50 (ms) | p99 (ms) |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, t := range ts {
		for _, bd := range t.Bands {
			p5, zero, p50, p99 := "-", "-", "-", "-"
			if r := bd.RecallDist; r != nil {
				p5, zero = fmt.Sprintf("%.4f", r.P5), fmt.Sprintf("%.1f%%", 100*r.Zero)
			}
			if l := bd.LatencyMS; l != nil {
				p50, p99 = fmt.Sprintf("%.3f", l.P50), fmt.Sprintf("%.3f", l.P99)
			}
			fmt.Fprintf(b, "| %d | %s | %s | %s | %d | %d..%d | %d | %.4f | %s | %s | %d | %s | %s |\n",
				t.ID, strings.TrimSuffix(indexCell(t)+" "+paramsText(t.Index.Build), " -"), strings.ReplaceAll(searchCell(t), "|", "\\|"),
				bd.Name, bd.Tenants, bd.MinRows, bd.MaxRows, bd.Queries, bd.Recall, p5, zero, bd.Requests, p50, p99)
		}
	}
	b.WriteString("\n")
}
