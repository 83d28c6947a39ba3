package report

import (
	"fmt"
	"strings"

	"github.com/milvbench/milvbench/bench"
)

// writeGenerators says, for results merged from the shards of a scale-out
// run (milvbench merge), how many generators produced them and how they
// were merged, how far apart their windows started, and what each
// generator sent and achieved per trial — a generator that fell behind
// shows here. For one shard's own results it says which shard they are.
func writeGenerators(b *strings.Builder, d *doc) {
	res := d.res
	if sh := res.Shard; sh != nil {
		fmt.Fprintf(b, "> **Shard %s** of scale-out run %s: these are one generator's results, a share of the load. `milvbench merge` merges every shard's into the run's.\n\n", sh.Shard, res.Provenance.RunID)
	}
	g := res.Generators
	if g == nil {
		return
	}
	b.WriteString("## Generators\n\n")
	fmt.Fprintf(b, "Produced by %d generators (the shards of one scale-out run, each sending its share of every trial) and merged by `milvbench merge`: latency histograms merged (percentiles read from the union of all requests, never averaged), counts summed, each trial's window the union of the shards' windows, recall over the union of the queries they answered. ", g.Count)
	fmt.Fprintf(b, "The shards' measured windows started at most **%.1f ms** apart (clock spread; interval %gs).\n\n", g.ClockSpreadMS, g.IntervalS)
	if g.Warning != "" {
		fmt.Fprintf(b, "> ⚠ %s\n\n", g.Warning)
	}
	b.WriteString("| shard | harness | cores | started | complete | network floor p99 |\n|---|---|---:|---|---|---:|\n")
	for _, s := range g.Shards {
		nf := "-"
		if s.NetworkFloor != nil {
			nf = fmt.Sprintf("%.3f ms", s.NetworkFloor.P99MS)
		}
		done := "yes"
		if !s.Complete {
			done = "no: " + s.Stopped
		}
		fmt.Fprintf(b, "| %d | %s | %d | %s | %s | %s |\n", s.Index, s.Harness, s.Cores, s.Started.Format("15:04:05.000Z"), done, nf)
	}
	b.WriteString("\nPer trial and shard: the shard's load level, what it achieved, and how much later than the earliest shard its window started.\n\n")
	b.WriteString("| trial | shard | level | requests | errors | QPS | achieved rate | p99 ms | offset ms |\n|---|---:|---|---:|---:|---:|---:|---:|---:|\n")
	for _, t := range res.Trials {
		for _, s := range t.Shards {
			level := levelText(bench.LoadInfo{Concurrency: s.Concurrency, Rate: s.Rate, GeneratorBound: s.GeneratorBound})
			achieved := "-"
			if s.Rate > 0 {
				achieved = fmt.Sprintf("%.1f/s", s.AchievedRate)
			}
			fmt.Fprintf(b, "| %s | %d | %s | %d | %d | %.1f | %s | %.3f | %.1f |\n",
				trialLabel(t), s.Shard, level, s.Requests, s.Errors, s.QPS, achieved, s.P99MS, s.OffsetMS)
		}
	}
	b.WriteString("\n")
}
