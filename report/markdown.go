package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
)

func paramsText(p workloads.Params) string {
	s := workloads.FormatParams(p)
	if s == "" {
		return "-"
	}
	return strings.Trim(s, "()")
}

// Markdown renders the run's report: provenance, dataset, goals, one row per
// trial with units, and the plots.
func Markdown(res *bench.Result) string {
	var b strings.Builder
	pv, ds := res.Provenance, res.Dataset
	name := ""
	if res.Workload != nil {
		name = res.Workload.Name
	}
	fmt.Fprintf(&b, "# milvbench report: %s\n\n", name)
	if res.Stopped != "" {
		fmt.Fprintf(&b, "> **Incomplete run**: %d trials measured, then it stopped: %s. `milvbench run WORKLOAD --resume DIR` finishes it.\n\n", len(res.Trials), res.Stopped)
	}
	b.WriteString("## Environment and provenance\n\n")
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	row := func(k, v string) { fmt.Fprintf(&b, "| %s | %s |\n", k, v) }
	row("target", fmt.Sprintf("%s %s", pv.Target.Kind, pv.Target.Version))
	if pv.Target.SDKVersion != "" {
		row("SDK", pv.Target.SDKVersion)
	}
	if res.Cluster != nil {
		row("cluster", res.Cluster.Describe())
	}
	row("harness", fmt.Sprintf("milvbench %s, %s, %s/%s, %d cores", pv.Harness, pv.GoVersion, pv.OS, pv.Arch, pv.Cores))
	row("run", fmt.Sprintf("%s, started %s, finished %s", pv.RunID, pv.Started.Format("2006-01-02 15:04:05Z"), pv.Finished.Format("15:04:05Z")))
	if res.Workload != nil && res.Workload.File != "" {
		row("workload", "`"+res.Workload.File+"`")
	}
	row("dataset", fmt.Sprintf("%s: %d × %d, %s, %d queries, checksum `%s`", ds.Name, ds.Size, ds.Dim, ds.Metric, ds.Queries, ds.Checksum))
	row("ground truth", fmt.Sprintf("exact (brute force), %.2f s", res.GroundTruthS))
	if nf := res.NetworkFloor; nf != nil {
		row("network floor", fmt.Sprintf("p50 %.3f ms, p99 %.3f ms, max %.3f ms over %d cheap round trips (%d errors): the part of search latency the network and RPC stack alone account for",
			nf.P50MS, nf.P99MS, nf.MaxMS, nf.Probes, nf.Errors))
	}
	if res.PeakRSSBytes > 0 {
		row("harness memory", fmt.Sprintf("peak RSS %.1f MiB; raw base vectors %.1f MiB (%.2f×)%s",
			float64(res.PeakRSSBytes)/(1<<20), float64(res.BaseBytes)/(1<<20), float64(res.PeakRSSBytes)/float64(max(res.BaseBytes, 1)), inProcess(pv.Target.Kind)))
	}
	for _, k := range sortedKeys(pv.Target.Details) {
		row("target "+k, pv.Target.Details[k])
	}
	if res.Workload != nil {
		l := res.Workload.Load
		row("load model", fmt.Sprintf("%s loop: latency is service time; warm-up %s then a %s window per trial", l.Model, l.Warmup, l.Duration))
	}
	b.WriteString("\n")
	if res.Workload != nil {
		if g := res.Workload.Goals; g.Set() {
			b.WriteString("## Goals\n\n")
			fmt.Fprintf(&b, "recall ≥ %g, p99 ≤ %s, QPS ≥ %g (0 = no goal). ", g.Recall, g.P99, g.QPS)
			met := 0
			for _, t := range res.Trials {
				if meets(t, g) {
					met++
				}
			}
			fmt.Fprintf(&b, "%d of %d trials meet all goals (marked ✓ below).\n\n", met, len(res.Trials))
		}
	}
	b.WriteString("## Trials\n\n")
	b.WriteString("QPS counts successful requests (each carrying nq queries) per second over the measured window; latency is per request.\n\n")
	b.WriteString("| # | index | build params | search params | topk | nq | filter | conc. | recall | QPS (req/s) | p50 (ms) | p90 (ms) | p99 (ms) | p99.9 (ms) | max (ms) | errors | insert (s) | build (s) | load (s) | index mem (MiB) |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, t := range res.Trials {
		mark := ""
		if res.Workload != nil && res.Workload.Goals.Set() && meets(t, res.Workload.Goals) {
			mark = " ✓"
		}
		l := t.LatencyMS
		fmt.Fprintf(&b, "| %d%s | %s | %s | %s | %d | %d | %s | %d | %.4f | %.1f | %.3f | %.3f | %.3f | %.3f | %.3f | %d | %.2f | %.2f | %.2f | %.1f |\n",
			t.ID, mark, t.Index.Type, paramsText(t.Index.Build), paramsText(t.Search.Params), t.Search.TopK, t.Search.NQ,
			filterText(t.Search), t.Load.Concurrency, t.Recall, t.QPS, l.P50, l.P90, l.P99, l.P999, l.Max, t.Errors.Total,
			t.TimingsS.Insert, t.TimingsS.Build, t.TimingsS.Load, float64(t.IndexBytes)/(1<<20))
	}
	b.WriteString("\nInsert time is shared by all indexes (the data is inserted once); build and load are per index.\n\n")
	writeErrors(&b, res.Trials)
	writeLoadSections(&b, res)
	b.WriteString("## Plots\n\n")
	fmt.Fprintf(&b, "![Recall vs QPS](%s)\n\n", RecallQPSPlot)
	fmt.Fprintf(&b, "![p99 latency vs concurrency](%s)\n", P99ConcPlot)
	return b.String()
}

func meets(t bench.Trial, g workloads.Goals) bool {
	return t.Recall >= g.Recall && t.QPS >= g.QPS &&
		(g.P99 == 0 || t.LatencyMS.P99 <= float64(g.P99.D().Microseconds())/1000) && t.Errors.Total == 0
}

// writeErrors lists the error classes of every trial that had errors.
func writeErrors(b *strings.Builder, trials []bench.Trial) {
	var failed []bench.Trial
	for _, t := range trials {
		if t.Errors.Total > 0 {
			failed = append(failed, t)
		}
	}
	b.WriteString("## Errors\n\n")
	if len(failed) == 0 {
		b.WriteString("No request failed in any trial.\n\n")
		return
	}
	b.WriteString("Every failed attempt is counted; rate-limited and unavailable requests are retried (up to 4 attempts, exponential backoff from 10 ms) and each retry is another counted request. QPS and latency above include successful requests only.\n\n")
	b.WriteString("| # | requests | errors | rate limited | quota | timeout | unavailable | other | retried | last error |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, t := range failed {
		e := t.Errors
		fmt.Fprintf(b, "| %d | %d | %d | %d | %d | %d | %d | %d | %d | %s |\n", t.ID, t.Requests, e.Total, e.RateLimited, e.Quota, e.Timeout, e.Unavailable, e.Other, e.Retries,
			strings.ReplaceAll(e.Last, "|", "\\|"))
	}
	b.WriteString("\n")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func filterText(s bench.SearchInfo) string {
	if s.Filter == "" {
		return "-"
	}
	return fmt.Sprintf("`%s` (%g)", s.Filter, s.Selectivity)
}

func inProcess(kind string) string {
	if kind == "embedded" {
		return "; the embedded engine runs in this process, so this includes its copy of the vectors and its index"
	}
	return ""
}
