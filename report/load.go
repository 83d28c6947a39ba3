package report

import (
	"fmt"
	"strings"

	"github.com/milvbench/milvbench/bench"
)

// writeLoadSections adds the sections of the mixed and ingest load models
// and the server's own view, for the trials that have them.
func writeLoadSections(b *strings.Builder, d *doc) {
	writeMixed(b, d.res)
	writeIngest(b, d.res)
	writeServer(b, d.res)
}

func hasTrials(res *bench.Result, f func(bench.Trial) bool) bool {
	for _, t := range res.Trials {
		if f(t) {
			return true
		}
	}
	return false
}

// opTable writes one row per write stream of t.
func opTable(b *strings.Builder, t bench.Trial) {
	if len(t.Operations) == 0 {
		return
	}
	b.WriteString("| operation | offered (rows/s) | achieved (rows/s) | calls | rows | p50 (ms) | p99 (ms) | max (ms) | service p99 (ms) | errors | |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, op := range []string{bench.OpInsert, bench.OpDelete, bench.OpUpsert} {
		s := t.Operations[op]
		if s == nil {
			continue
		}
		svc := "-"
		if s.ServiceMS != nil {
			svc = fmt.Sprintf("%.3f", s.ServiceMS.P99)
		}
		var flags []string
		if s.Saturated {
			flags = append(flags, "**saturated**: the target did not keep up")
		}
		if s.Exhausted != "" {
			flags = append(flags, "stopped early")
		}
		fmt.Fprintf(b, "| %s | %.0f | %.0f | %d | %d | %.3f | %.3f | %.3f | %s | %d | %s |\n",
			op, s.OfferedRowsPerS, s.RowsPerS, s.Calls, s.Rows, s.LatencyMS.P50, s.LatencyMS.P99, s.LatencyMS.Max, svc, s.Errors.Total, strings.Join(flags, "; "))
	}
	b.WriteString("\n")
}
