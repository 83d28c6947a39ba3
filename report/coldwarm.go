package report

import (
	"fmt"
	"strings"

	"github.com/milvbench/milvbench/bench"
)

// writeColdWarm is the cold/warm table: for the first trial after each
// index load that measured cold phases (load.cold), the latency of the
// first requests after the load, after a release and load, and after an
// idle period, beside that trial's steady-state window (after its
// warm-up). Without cold phases it writes nothing.
func writeColdWarm(b *strings.Builder, d *doc) {
	var rows []bench.Trial
	for _, t := range d.res.Trials {
		if len(t.Cold) > 0 {
			rows = append(rows, t)
		}
	}
	if len(rows) == 0 {
		return
	}
	b.WriteString("## Cold and warm\n\n")
	b.WriteString("The first requests after an index load, sent one at a time before the trial's warm-up and window (load.cold), against the same trial's steady state. A first request far above the steady p50 is what the first users after a deploy, a reload or a quiet spell see; tiered and mmap deployments pay it most.\n\n")
	b.WriteString("| trial | index | phase | requests | first (ms) | p50 (ms) | max (ms) | steady p50 (ms) | steady p99 (ms) | first / steady p50 | reload (s) | errors |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, t := range rows {
		for _, p := range t.Cold {
			ratio := "-"
			if t.LatencyMS.P50 > 0 {
				ratio = fmt.Sprintf("%.1f×", p.FirstMS/t.LatencyMS.P50)
			}
			reload := "-"
			if p.LoadS > 0 {
				reload = fmt.Sprintf("%.2f", p.LoadS)
			}
			fmt.Fprintf(b, "| %d | %s | %s | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %s | %s | %d |\n",
				t.ID, t.Index, p.Phase, p.Requests, p.FirstMS, p.P50MS, p.MaxMS, t.LatencyMS.P50, t.LatencyMS.P99, ratio, reload, p.Errors)
		}
	}
	b.WriteString("\n")
}
