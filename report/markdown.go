package report

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
)

// doc is what the sections of report.md read: the results, the goals they
// were measured against and the figures drawn from them.
type doc struct {
	res   *bench.Result
	goals workloads.Goals
	plots []Plot
}

// section writes one part of report.md. Each lives in its own function so
// that a new kind of result adds a section (in its own file) with one line
// in sections.
type section func(b *strings.Builder, d *doc)

// sections is report.md from top to bottom: the answer first, then what
// to distrust, then where the numbers come from, then the numbers.
func sections() []section {
	return []section{
		writeTitle,
		writeRecommendation, // the tuner's answer (recommendation.go)
		writeWarnings,
		writeEnvironment,
		writeGenerators,
		writeStages,
		writeTrials,
		writeMemory,         // memory per million vectors beside recall and QPS (memory.go)
		writeColdWarm,       // first requests after a load, reload, idle (coldwarm.go)
		writeCPU,            // client and server CPU per query (cpu.go)
		writeHybridCost,     // hybrid beside single-field trials (kinds.go)
		writeRangeGroup,     // range precision and counts, grouping recall (rangegroup.go)
		writeIterator,       // iterator recall, batches, first and last batch (iterator.go)
		writeRecallPerQuery, // per-query recall distribution (recall.go)
		writeFilters,        // search.filters side by side (filters.go)
		writeTenants,        // tenancy: by tenant size band (tenants.go)
		writeRates,          // open loop and capacity (capacity.go)
		// Tables of further load models (capacity, mixed, ingest) go here.
		writeLoadSections, // mixed, ingest, server view
		writeErrors,
		writePlots,
	}
}

// Markdown renders report.md for res; it links the figures Plots(res) names.
func Markdown(res *bench.Result) string {
	d := &doc{res: res, goals: goalsOf(res), plots: Plots(res)}
	var b strings.Builder
	for _, s := range sections() {
		s(&b, d)
	}
	return b.String()
}

func writeTitle(b *strings.Builder, d *doc) {
	name := "results"
	if d.res.Workload != nil && d.res.Workload.Name != "" {
		name = d.res.Workload.Name
	}
	fmt.Fprintf(b, "# milvbench report: %s\n\n", name)
	if d.res.Stopped != "" {
		fmt.Fprintf(b, "> **Incomplete run**: %d trials measured, then it stopped: %s. `milvbench run WORKLOAD --resume DIR` finishes it.\n\n", len(d.res.Trials), d.res.Stopped)
	}
}

// goalsText states the goals in words, e.g. "recall ≥ 0.95 and p99 ≤ 5ms".
func goalsText(g workloads.Goals) string {
	var parts []string
	if g.Recall > 0 {
		parts = append(parts, fmt.Sprintf("recall ≥ %g", g.Recall))
	}
	if g.P99 > 0 {
		parts = append(parts, fmt.Sprintf("p99 ≤ %s", g.P99))
	}
	if g.P95 > 0 {
		parts = append(parts, fmt.Sprintf("p95 ≤ %s", g.P95))
	}
	if g.QPS > 0 {
		parts = append(parts, fmt.Sprintf("sized for %g queries/s", g.QPS))
	}
	return strings.Join(parts, " and ")
}

// configText describes a trial in words: what to configure and how it was
// loaded, e.g. "HNSW(M=16,efConstruction=100) searched with ef=40 (top 10,
// 1 query per request, 2 concurrent clients)".
func configText(t bench.Trial) string {
	s := "**" + t.Index.String()
	if sp := workloads.FormatParams(t.Search.Params); sp != "" {
		s += " searched with " + strings.Trim(sp, "()")
	}
	if k := kindText(t); k != "" {
		s += ", " + k
	}
	s += "**"
	s += fmt.Sprintf(" (top %d, %d quer%s per request", t.Search.TopK, t.Search.NQ, plural(t.Search.NQ, "y", "ies"))
	switch {
	case t.Search.FilterName != "":
		s += fmt.Sprintf(", filter %s `%s` bound per query, passing %.3g of rows on average", t.Search.FilterName, t.Search.Filter, t.Search.Selectivity)
	case t.Search.Filter != "":
		s += fmt.Sprintf(", filter `%s` passing %g of rows", t.Search.Filter, t.Search.Selectivity)
	}
	if t.Load.Concurrency > 0 {
		s += fmt.Sprintf(", %d concurrent client%s", t.Load.Concurrency, plural(t.Load.Concurrency, "", "s"))
	}
	return s + ")"
}

func outcomeText(t bench.Trial) string {
	return fmt.Sprintf("%s QPS, p99 %.3f ms, recall %.4f (trial #%d)", thousands(t.QPS), t.LatencyMS.P99, t.Recall, t.ID)
}

// closest is the trial nearest to meeting g: among those meeting the recall
// goal the lowest p99, else the highest recall.
func closest(ts []bench.Trial, g workloads.Goals) bench.Trial {
	var c bench.Trial
	found := false
	for _, t := range ts {
		if t.Recall >= g.Recall && (!found || t.LatencyMS.P99 < c.LatencyMS.P99) {
			c, found = t, true
		}
	}
	if found {
		return c
	}
	c = ts[0]
	for _, t := range ts {
		if t.Recall > c.Recall {
			c = t
		}
	}
	return c
}

// Warning thresholds.
const (
	// floorShare: a network floor p99 above this share of a trial's p99
	// means the trial's latency is mostly the network's.
	floorShare = 0.5
	// minTailRequests: below this many requests a trial's p99.9 is just
	// its slowest request.
	minTailRequests = 1000
)

// writeWarnings lists what should make a reader distrust or discount a
// number: trials below the recall goal, failed requests, a network floor
// comparable to the latency measured, tails from too few requests, and a
// load generator competing with an in-process engine for cores.
func writeWarnings(b *strings.Builder, d *doc) {
	res, g := d.res, d.goals
	var warns []string
	if g.Recall > 0 {
		if ids := trialIDs(res.Trials, func(t bench.Trial) bool { return t.Recall < g.Recall }); len(ids) > 0 {
			warns = append(warns, fmt.Sprintf("%d of %d trials are below the recall goal %g: %s. Their speed is bought with missed neighbours.", len(ids), len(res.Trials), g.Recall, ids))
		}
	}
	var errs bench.ErrorCounts
	for _, t := range res.Trials {
		errs.Merge(t.Errors)
	}
	if errs.Total > 0 {
		ids := trialIDs(res.Trials, func(t bench.Trial) bool { return t.Errors.Total > 0 })
		warns = append(warns, fmt.Sprintf("%d requests failed in %d trials (%s): %s. See Errors.", errs.Total, len(ids), ids, errorClasses(errs)))
	}
	if ids := trialIDs(res.Trials, func(t bench.Trial) bool { return t.Load.GeneratorBound }); len(ids) > 0 {
		warns = append(warns, fmt.Sprintf("Trials %s are generator-bound: the load generator fell behind its schedule, so they do not show the target holding the offered rate. Raise `load.max_in_flight` or run the generator on a bigger machine.", ids))
	}
	if nf := res.NetworkFloor; nf != nil && nf.P99MS > 0 {
		ids := trialIDs(res.Trials, func(t bench.Trial) bool { return nf.P99MS >= floorShare*t.LatencyMS.P99 })
		if len(ids) > 0 {
			warns = append(warns, fmt.Sprintf("The network floor (p99 %.3f ms for a round trip that does no search) is at least half the p99 of trials %s: their latency measures the network and RPC stack as much as the search.", nf.P99MS, ids))
		}
	}
	if ids := trialIDs(res.Trials, func(t bench.Trial) bool { return t.Requests < minTailRequests }); len(ids) > 0 {
		warns = append(warns, fmt.Sprintf("Trials %s completed fewer than %d requests, so their p99.9 is their slowest request; lengthen `load.duration` for a tail you can trust.", ids, minTailRequests))
	}
	if cores := res.Provenance.Cores; res.Provenance.Target.Kind == "embedded" && cores > 0 {
		if ids := trialIDs(res.Trials, func(t bench.Trial) bool { return t.Load.Concurrency > cores }); len(ids) > 0 {
			warns = append(warns, fmt.Sprintf("Trials %s ran more clients than this machine has cores (%d), and the embedded engine shares those cores with the load generator: beyond that point latency measures queueing for a core.", ids, cores))
		}
	}
	b.WriteString("## Warnings\n\n")
	if len(warns) == 0 {
		b.WriteString("None: every trial meets the recall goal, no request failed, and nothing else looks suspicious.\n\n")
		return
	}
	for _, w := range warns {
		b.WriteString("- " + w + "\n")
	}
	b.WriteString("\n")
}

// trialIDs lists the numbers of the trials pick selects, e.g. "#1, #4–#6".
func trialIDs(ts []bench.Trial, pick func(bench.Trial) bool) idList {
	var ids idList
	for _, t := range ts {
		if pick(t) {
			ids = append(ids, t.ID)
		}
	}
	return ids
}

// idList prints trial numbers with runs of consecutive numbers shortened.
type idList []int

func (l idList) String() string {
	var parts []string
	for i := 0; i < len(l); {
		j := i
		for j+1 < len(l) && l[j+1] == l[j]+1 {
			j++
		}
		switch {
		case j == i:
			parts = append(parts, fmt.Sprintf("#%d", l[i]))
		case j == i+1:
			parts = append(parts, fmt.Sprintf("#%d, #%d", l[i], l[j]))
		default:
			parts = append(parts, fmt.Sprintf("#%d–#%d", l[i], l[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

func errorClasses(e bench.ErrorCounts) string {
	var parts []string
	for _, c := range []struct {
		name string
		n    int64
	}{{bench.ClassRateLimited, e.RateLimited}, {bench.ClassQuota, e.Quota}, {bench.ClassTimeout, e.Timeout}, {bench.ClassUnavailable, e.Unavailable}, {bench.ClassOther, e.Other}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.name))
		}
	}
	return strings.Join(parts, ", ")
}

func writeEnvironment(b *strings.Builder, d *doc) {
	res := d.res
	pv, ds := res.Provenance, res.Dataset
	b.WriteString("## Environment and provenance\n\n")
	b.WriteString("| | |\n|---|---|\n")
	row := func(k, v string) { fmt.Fprintf(b, "| %s | %s |\n", k, v) }
	row("target", strings.TrimSpace(fmt.Sprintf("%s %s", pv.Target.Kind, pv.Target.Version)))
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
			mib(res.PeakRSSBytes), mib(res.BaseBytes), float64(res.PeakRSSBytes)/float64(max(res.BaseBytes, 1)), inProcess(pv.Target.Kind)))
	}
	for _, k := range sortedKeys(pv.Target.Details) {
		row("target "+k, pv.Target.Details[k])
	}
	if res.Workload != nil {
		l := res.Workload.Load
		latency := "service time"
		if len(res.Trials) > 0 && res.Trials[0].Load.Latency != "" {
			latency = res.Trials[0].Load.Latency
		}
		repeat := ""
		if l.Repeat > 1 {
			repeat = fmt.Sprintf(", every trial %d times", l.Repeat)
		}
		row("load model", fmt.Sprintf("%s: latency is %s; warm-up %s then a %s window per trial%s", l.Model, latency, l.Warmup, l.Duration, repeat))
	}
	if d.goals.Set() {
		met := trialIDs(res.Trials, func(t bench.Trial) bool { return meets(t, d.goals) })
		row("goals", fmt.Sprintf("%s; %d of %d trials meet all (✓ below)", goalsText(d.goals), len(met), len(res.Trials)))
	}
	b.WriteString("\n")
}

// writeStages tables the work before measurement: the insert, then each
// index config's build and load.
func writeStages(b *strings.Builder, d *doc) {
	if len(d.res.Trials) == 0 {
		return
	}
	rows := stageRows(d.res.Trials)
	b.WriteString("## Stages\n\n")
	ins, size := rows[0].insert, d.res.Dataset.Size
	fmt.Fprintf(b, "Insert: %d rows in %s", size, secondsText(ins))
	if ins > 0 && size > 0 {
		fmt.Fprintf(b, " (%s rows/s)", thousands(float64(size)/ins))
	}
	b.WriteString(", once; every index below is built over the same data.\n\n")
	b.WriteString("| index config | build (s) | load (s) | index memory (MiB) |\n|---|---|---|---|\n")
	mem := map[string]int64{}
	for _, t := range d.res.Trials {
		mem[t.Index.String()] = t.IndexBytes
	}
	for _, r := range rows[1:] {
		m := "-"
		if v := mem[r.name]; v > 0 {
			m = fmt.Sprintf("%.1f", mib(v))
		}
		fmt.Fprintf(b, "| %s | %.3f | %.3f | %s |\n", r.name, r.build, r.load, m)
	}
	b.WriteString("\n")
}

func writeTrials(b *strings.Builder, d *doc) {
	repeated := slices.ContainsFunc(d.res.Trials, func(t bench.Trial) bool { return t.Load.Repeat > 1 })
	b.WriteString("## Trials\n\n")
	b.WriteString("QPS counts successful requests (each carrying nq queries) per second over the measured window; latency is per request, from the merged HDR histogram.\n\n")
	b.WriteString("| # | index | build params | search params | topk | nq | filter | load | recall | QPS (req/s) | p50 (ms) | p90 (ms) | p99 (ms) | p99.9 (ms) | max (ms) | requests | errors |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, t := range d.res.Trials {
		mark := ""
		if t.Load.Repeat > 0 && repeated {
			mark = fmt.Sprintf(" (rep %d)", t.Load.Repeat)
		}
		if d.goals.Set() && meets(t, d.goals) {
			mark += " ✓"
		}
		l := t.LatencyMS
		fmt.Fprintf(b, "| %d%s | %s | %s | %s | %d | %d | %s | %s | %.4f | %.1f | %.3f | %.3f | %.3f | %.3f | %.3f | %d | %d |\n",
			t.ID, mark, indexCell(t), paramsText(t.Index.Build), searchCell(t), t.Search.TopK, t.Search.NQ,
			filterText(t.Search), levelText(t.Load), t.Recall, t.QPS, l.P50, l.P90, l.P99, l.P999, l.Max, t.Requests, t.Errors.Total)
	}
	b.WriteString("\n")
}

// writeErrors lists the error classes of every trial that had errors.
func writeErrors(b *strings.Builder, d *doc) {
	var failed []bench.Trial
	for _, t := range d.res.Trials {
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
	b.WriteString("| # | requests | errors | rate limited | quota | timeout | unavailable | auth | other | retried | last error |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, t := range failed {
		e := t.Errors
		fmt.Fprintf(b, "| %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %s |\n", t.ID, t.Requests, e.Total, e.RateLimited, e.Quota, e.Timeout, e.Unavailable, e.Auth, e.Other, e.Retries,
			strings.ReplaceAll(e.Last, "|", "\\|"))
	}
	b.WriteString("\n")
}

// writePlots links every figure drawn, with its caption and its SVG.
func writePlots(b *strings.Builder, d *doc) {
	if len(d.plots) == 0 {
		return
	}
	b.WriteString("## Plots\n\n")
	for _, p := range d.plots {
		fmt.Fprintf(b, "### %s\n\n![%s](%s)\n\n%s ([SVG](%s))\n\n", p.Title, p.Title, p.PNG(), p.Caption, p.SVG())
	}
}

func paramsText(p workloads.Params) string {
	s := workloads.FormatParams(p)
	if s == "" {
		return "-"
	}
	return strings.Trim(s, "()")
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
	if s.FilterName != "" {
		return fmt.Sprintf("%s `%s` (%.3g)", s.FilterName, s.Filter, s.Selectivity)
	}
	return fmt.Sprintf("`%s` (%g)", s.Filter, s.Selectivity)
}

func inProcess(kind string) string {
	if kind == "embedded" {
		return "; the embedded engine runs in this process, so this includes its copy of the vectors and its index"
	}
	return ""
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// thousands formats f rounded to an integer with thin-space-free comma
// grouping, e.g. 26,256.
func thousands(f float64) string {
	s := fmt.Sprintf("%.0f", f)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
