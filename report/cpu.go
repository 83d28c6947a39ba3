package report

import (
	"fmt"
	"strings"

	"github.com/milvbench/milvbench/bench"
)

// writeCPU is the CPU-per-query table: each search trial's client CPU
// (this harness process) and, where the target's metrics gave it, the
// server process's CPU per query answered, both in µs, with the cores
// each kept busy over the window.
func writeCPU(b *strings.Builder, d *doc) {
	var rows []bench.Trial
	server := false
	for _, t := range d.res.Trials {
		if t.CPU != nil {
			rows = append(rows, t)
			server = server || t.CPU.ServerUSPerQuery != nil
		}
	}
	if len(rows) == 0 {
		return
	}
	b.WriteString("## CPU per query\n\n")
	if server {
		b.WriteString("CPU time per query answered (a request of nq counts nq) over each trial's window: the client's is this harness process's (user + system); the server's is the server process's own CPU counter (Prometheus `process_cpu_seconds_total` from `target.metrics_url`), summed over the window's samples, so it counts every query the server served. The self-hosted core count in the recommendation uses the server's figure (measured) when it is here.\n\n")
	} else {
		b.WriteString("CPU time per query answered (a request of nq counts nq) over each trial's window, of this harness process (user + system; for the embedded target the engine runs in it too). No server CPU: set `target.metrics_url` to a Milvus Prometheus endpoint to measure the server's own, which the self-hosted core count then uses instead of a linear per-core extrapolation.\n\n")
	}
	b.WriteString("| trial | config | load | queries/s | client µs/query | client cores | server µs/query | server cores |\n|---|---|---|---|---|---|---|---|\n")
	for _, t := range rows {
		c := t.CPU
		sUS, sCores := "-", "-"
		if c.ServerUSPerQuery != nil {
			sUS, sCores = fmt.Sprintf("%.1f", *c.ServerUSPerQuery), fmt.Sprintf("%.2f", *c.ServerCores)
		}
		fmt.Fprintf(b, "| %d | %s | %s | %.0f | %.1f | %.2f | %s | %s |\n", t.ID, pointLabel(t), levelText(t.Load), t.QueriesPerS, c.ClientUSPerQuery, c.ClientCores, sUS, sCores)
	}
	b.WriteString("\n")
}
