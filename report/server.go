package report

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/milvbench/milvbench/bench"
)

// writeServer shows the server's own view beside the client's, per trial,
// and flags health problems, quota states and throttling.
func writeServer(b *strings.Builder, res *bench.Result) {
	if res.ServerBefore == nil && !hasTrials(res, func(t bench.Trial) bool { return len(t.Server) > 0 }) {
		return
	}
	b.WriteString("## Server view\n\n")
	if sv := res.ServerBefore; sv != nil {
		fmt.Fprintf(b, "Before the trials: %s.\n\n", sv.Describe())
	}
	b.WriteString("Sampled every load interval during each trial: the server's health check and, with `target.metrics_url`, its Prometheus metrics. Server search QPS and p99 are the proxy's own counts and latency histogram (p99 interpolated within its buckets, the largest interval p99 shown); the client columns repeat the trial's. ")
	b.WriteString("In mixed trials the server also counts the recall checkpoints' searches, which ask for strong consistency (they wait for the latest writes, so expect a higher server p99). ")
	b.WriteString("A flag marks an unhealthy answer, a quota state (memory or disk protection, read or write limits) or requests rejected by the rate limiter.\n\n")
	b.WriteString("| # | samples | client QPS | server search QPS | client p99 (ms) | server p99 (ms) | server CPU (cores) | server RSS max (MiB) | flags |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, t := range res.Trials {
		if len(t.Server) == 0 {
			continue
		}
		// Rates are weighted by their interval's length: the last
		// interval (to the trial's end) is usually short.
		var qps, cpu, qpsT, cpuT, p99, rss float64
		hasP99 := false
		flags := map[string]bool{}
		for i, s := range t.Server {
			dt := 0.0
			if i > 0 {
				dt = s.AtS - t.Server[i-1].AtS
			}
			if s.SearchQPS != nil {
				qps += *s.SearchQPS * dt
				qpsT += dt
			}
			if s.CPUCores != nil {
				cpu += *s.CPUCores * dt
				cpuT += dt
			}
			if s.SearchP99MS != nil {
				p99, hasP99 = max(p99, *s.SearchP99MS), true
			}
			rss = max(rss, s.RSSBytes)
			if s.Healthy != nil && !*s.Healthy {
				flags["UNHEALTHY: "+strings.Join(s.Reasons, "; ")] = true
			}
			for _, q := range s.QuotaStates {
				flags["quota state "+q] = true
			}
			if s.RateLimitedPerS != nil && *s.RateLimitedPerS > 0 {
				flags["rate limited"] = true
			}
			if s.Healthy == nil && s.HealthError != "" {
				flags["no health: "+s.HealthError] = true
			}
		}
		avg := func(sum, t float64, format string) string {
			if t <= 0 {
				return "-"
			}
			return fmt.Sprintf(format, sum/t)
		}
		p99s, rssS := "-", "-"
		if hasP99 {
			p99s = fmt.Sprintf("%.3f", p99)
		}
		if rss > 0 {
			rssS = fmt.Sprintf("%.0f", rss/(1<<20))
		}
		fmt.Fprintf(b, "| %d | %d | %.1f | %s | %.3f | %s | %s | %s | %s |\n",
			t.ID, len(t.Server), t.QPS, avg(qps, qpsT, "%.1f"), t.LatencyMS.P99, p99s, avg(cpu, cpuT, "%.2f"), rssS, strings.Join(slices.Sorted(maps.Keys(flags)), "; "))
	}
	b.WriteString("\n")
}
