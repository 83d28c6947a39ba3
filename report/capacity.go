package report

import (
	"fmt"
	"strings"

	"github.com/milvbench/milvbench/bench"
)

// openTrials returns the trials that ran at an offered rate.
func openTrials(res *bench.Result) []bench.Trial {
	var out []bench.Trial
	for _, t := range res.Trials {
		if t.Load.Rate > 0 {
			out = append(out, t)
		}
	}
	return out
}

// writeRates renders the open-loop section: each trial's offered and
// achieved rate, generator verdict and the three latencies; then, for
// capacity runs, every probe and the knee of each search.
func writeRates(b *strings.Builder, d *doc) {
	res := d.res
	open := openTrials(res)
	if len(open) == 0 {
		return
	}
	b.WriteString("## Offered rate\n\n")
	b.WriteString("Open-loop trials send at an offered rate whatever the server does. p99 is measured from the intended send time; " +
		"client p99 from the actual send; service p99 is the successful attempt alone; send lag is how late the generator sent. " +
		"A **generator-bound** trial fell behind its schedule: it does not show the server holding the offered rate.\n\n")
	b.WriteString("| # | index | search params | offered (req/s) | achieved (req/s) | QPS | p50 (ms) | p99 (ms) | client p99 (ms) | service p99 (ms) | send lag p99 (ms) | recall | errors | generator |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, t := range open {
		gen := "kept schedule"
		if t.Load.GeneratorBound {
			gen = "**bound**: " + t.Load.GeneratorReason
		}
		fmt.Fprintf(b, "| %d | %s | %s | %g | %.0f | %.1f | %.3f | %.3f | %s | %s | %s | %.4f | %d | %s |\n",
			t.ID, t.Index, paramsText(t.Search.Params), t.Load.Rate, t.Load.AchievedRate, t.QPS, t.LatencyMS.P50, t.LatencyMS.P99,
			p99Text(t.ClientMS), p99Text(t.ServiceMS), p99Text(t.Load.SendLagMS), t.Recall, t.Errors.Total, gen)
	}
	b.WriteString("\n")
	writeCapacity(b, res)
}

func p99Text(l *bench.LatencyMS) string {
	if l == nil {
		return "-"
	}
	return fmt.Sprintf("%.3f", l.P99)
}

// writeCapacity renders each capacity search: the knee, why the next rate
// failed, and every probe in the order run.
func writeCapacity(b *strings.Builder, res *bench.Result) {
	if len(res.Capacity) == 0 {
		return
	}
	b.WriteString("## Capacity\n\n")
	if res.Workload != nil {
		g, l := res.Workload.Goals, res.Workload.Load
		fmt.Fprintf(b, "The knee is the highest offered rate whose probe held every goal: %s, QPS ≥ 90%% of the rate sent (allowing a median latency for the last answers), error rate ≤ %g%%, and a generator that kept its schedule. "+
			"Probes ramp from %g requests/s by ×%g, then bisect until the bracket is within %g%%.\n\n",
			goalsText(g), 100*l.MaxErrorRate, l.StartRate, l.RampFactor, 100*l.Precision)
	}
	byID := map[int]bench.Trial{}
	for _, t := range res.Trials {
		byID[t.ID] = t
	}
	for i, c := range res.Capacity {
		fmt.Fprintf(b, "### %d. %s\n\n", i+1, pointLabel(bench.Trial{Index: c.Index, Search: c.Search}))
		switch {
		case c.KneeRate == 0:
			fmt.Fprintf(b, "**No rate held.** The first probe (%g requests/s, trial %d) failed: %s. %s.\n\n", c.FailRate, c.FailTrial, strings.Join(c.FailReasons, "; "), c.Stop)
		case c.FailRate == 0:
			fmt.Fprintf(b, "**Every probe held up to %g requests/s** (trial %d, p99 %.3f ms): %s.\n\n", c.KneeRate, c.KneeTrial, c.KneeP99MS, c.Stop)
		default:
			fmt.Fprintf(b, "**Knee: %g requests/s** (trial %d: achieved %.0f QPS, p99 %.3f ms). The next rate, %g requests/s (trial %d), failed: %s.",
				c.KneeRate, c.KneeTrial, c.KneeQPS, c.KneeP99MS, c.FailRate, c.FailTrial, strings.Join(c.FailReasons, "; "))
			if c.GeneratorLimited {
				b.WriteString(" **The generator, not the server, limited the search: the knee is a lower bound on the server's capacity** (run more generator processes or machines).")
			}
			fmt.Fprintf(b, " Bracket width %.1f%%.\n\n", 100*c.Precision)
		}
		if c.KneeRate > 0 && c.Warmth != "" {
			fmt.Fprintf(b, "Is the knee warm? %s.\n\n", capitalize(c.Warmth))
		}
		b.WriteString("| probe | trial | step | offered (req/s) | achieved (req/s) | QPS | p99 (ms) | recall | errors | verdict |\n|---|---|---|---|---|---|---|---|---|---|\n")
		for n, id := range c.Probes {
			t := byID[id]
			verdict := "holds"
			if p := t.Capacity; p != nil && !p.Pass {
				verdict = "fails: " + strings.Join(p.Reasons, "; ")
			}
			step := ""
			if t.Capacity != nil {
				step = t.Capacity.Step
			}
			fmt.Fprintf(b, "| %d | %d | %s | %.6g | %.0f | %.1f | %.3f | %.4f | %d | %s |\n",
				n+1, id, step, t.Load.Rate, t.Load.AchievedRate, t.QPS, t.LatencyMS.P99, t.Recall, t.Errors.Total, verdict)
		}
		b.WriteString("\n")
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
