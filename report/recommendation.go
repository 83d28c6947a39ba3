package report

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/tuner"
	"github.com/milvbench/milvbench/workloads"
)

// RecommendationFile is the recommendation's JSON in an output directory.
const RecommendationFile = "recommendation.json"

// writeRecommendation is the report's first section: the answer in plain
// words, then its numbers, each labelled measured or assumed.
func writeRecommendation(b *strings.Builder, d *doc) {
	rec, err := recommendationOf(d.res)
	if err != nil {
		fmt.Fprintf(b, "## Recommendation\n\nNo recommendation: %s\n\n", oneLine(err))
		return
	}
	b.WriteString(RecommendationMarkdown(rec))
}

// recommendationOf computes the recommendation from res and the goals,
// prices and cluster it records.
func recommendationOf(res *bench.Result) (*tuner.Recommendation, error) {
	in, err := tuner.InputsOf(res)
	if err != nil {
		return nil, err
	}
	return tuner.Recommend(res, in)
}

func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

// writeRecommendationJSON writes recommendation.json.
func writeRecommendationJSON(dir string, res *bench.Result) error {
	rec, err := recommendationOf(res)
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, RecommendationFile), append(data, '\n'))
}

// footnotes numbers the sources of assumed figures.
type footnotes struct {
	sources []string
	index   map[string]int
}

// label is "measured" or "assumed [n]" with the source as footnote n.
func (f *footnotes) label(fig tuner.Figure) string {
	if fig.Basis == tuner.Measured {
		return "measured"
	}
	if f.index == nil {
		f.index = map[string]int{}
	}
	n, ok := f.index[fig.Source]
	if !ok {
		f.sources = append(f.sources, fig.Source)
		n = len(f.sources)
		f.index[fig.Source] = n
	}
	return fmt.Sprintf("assumed [%d]", n)
}

func (f *footnotes) write(b *strings.Builder) {
	if len(f.sources) == 0 {
		return
	}
	b.WriteString("Sources of assumed figures:\n\n")
	for i, s := range f.sources {
		fmt.Fprintf(b, "%d. %s\n", i+1, s)
	}
	b.WriteString("\n")
}

// RecommendationMarkdown renders rec as the report's Recommendation
// section (milvbench recommend prints it alone).
func RecommendationMarkdown(rec *tuner.Recommendation) string {
	var b strings.Builder
	b.WriteString("## Recommendation\n\n")
	for _, a := range rec.Answers {
		fmt.Fprintf(&b, "**%s**\n\n", a.Summary)
	}
	if len(rec.Answers) == 0 {
		b.WriteString("**No search trials to recommend from.**\n\n")
	}
	var fn footnotes
	for _, a := range rec.Answers {
		if len(rec.Answers) > 1 {
			fmt.Fprintf(&b, "### %s\n\n", a.Shape)
		}
		if a.Met {
			writeAnswer(&b, &fn, rec, a)
		} else {
			writeFailure(&b, a)
		}
		if a.Rule != nil {
			fmt.Fprintf(&b, "Rule of thumb: %s — %s. %s\n\n", a.Rule.Rule, a.Rule.Reason, a.Rule.Verdict)
		}
	}
	if t := rec.Tune; t != nil {
		fmt.Fprintf(&b, "Found by `milvbench tune`: %d measured trials of the full grid's %d (%.0f%%), plus %d quick recall passes (every query once, no latency); %d of %d index configs built.\n\n",
			t.Trials, t.GridTrials, 100*float64(t.Trials)/float64(max(t.GridTrials, 1)), t.RecallPasses, t.Builds, t.GridBuilds)
	}
	writeFrontiers(&b, rec)
	fn.write(&b)
	for _, n := range rec.Notes {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	if len(rec.Notes) > 0 {
		b.WriteString("\n")
	}
	return b.String()
}

func writeAnswer(b *strings.Builder, fn *footnotes, rec *tuner.Recommendation, a tuner.Answer) {
	c := a.Choice
	cur := rec.Pricing.Currency
	b.WriteString("| | value | basis |\n|---|---|---|\n")
	row := func(k, v, basis string) { fmt.Fprintf(b, "| %s | %s | %s |\n", k, v, basis) }
	row("index", c.Index.String(), "measured (trials "+joinInts(c.TrialIDs)+")")
	if len(c.Search) > 0 {
		row("search params", strings.Trim(workloads.FormatParams(c.Search), "()"), "measured")
	}
	if c.Request != "" {
		row("request", strings.ReplaceAll(c.Request, "|", "\\|"), "measured")
	}
	row("batch size", fmt.Sprintf("nq=%d queries per request", c.NQ), "measured")
	row("recall", fmt.Sprintf("%.4f", c.Recall.Value), fn.label(c.Recall))
	row("throughput", fmt.Sprintf("%s queries/s (%s requests/s) at %s", tuner.Count(c.QueriesPerS.Value), tuner.Count(c.QPS.Value), c.Level), fn.label(c.QueriesPerS))
	row("latency p99 / p95", fmt.Sprintf("%s / %s", tuner.Millis(c.P99.Value), tuner.Millis(c.P95.Value)), fn.label(c.P99))
	if rec.Dim.Value > 0 {
		row("production size", fmt.Sprintf("%s rows × %g dims", tuner.Count(rec.Rows.Value), rec.Dim.Value), fn.label(rec.Rows))
	} else {
		row("production size", fmt.Sprintf("%s rows (no dense vector field)", tuner.Count(rec.Rows.Value)), fn.label(rec.Rows))
	}
	if m := a.Memory; m != nil {
		row("index memory", fmt.Sprintf("%s, %s with ×%.2f loading headroom", tuner.Bytes(m.Estimate.Value), tuner.Bytes(m.WithHeadroom.Value), tuner.LoadHeadroom), fn.label(m.Estimate))
		if m.Measured != nil {
			row("index memory from the target's own report", tuner.Bytes(m.Measured.Value), fn.label(*m.Measured))
		}
	}
	if s := a.SelfHosted; s != nil {
		row("self-hosted memory", tuner.Bytes(s.MemoryBytes.Value), fn.label(s.MemoryBytes))
		if s.QPSPerCore != nil {
			row("queries/s per core", tuner.Count(s.QPSPerCore.Value), fn.label(*s.QPSPerCore))
		}
		if s.Cores != nil {
			row("self-hosted cores for goals.qps", fmt.Sprintf("%.0f", s.Cores.Value), fn.label(*s.Cores))
		}
	}
	b.WriteString("\n")
	if len(a.BatchSizes) > 1 {
		b.WriteString("Batch size (nq queries per request) for this index and search params, each at its best load level:\n\n")
		b.WriteString("| nq | queries/s | p99 | load level | meets goals |\n|---|---|---|---|---|\n")
		for _, o := range a.BatchSizes {
			fmt.Fprintf(b, "| %d | %s | %s | %s | %s |\n", o.NQ, tuner.Count(o.QueriesPerS), tuner.Millis(o.P99), o.Level, yesNo(o.Meets))
		}
		b.WriteString("\n")
	}
	if len(a.Cloud) > 0 {
		fmt.Fprintf(b, "Zilliz Cloud dedicated cluster by CU type (prices: %s, %s, %s; override in the workload's `pricing`):\n\n", rec.Pricing.Region, rec.Pricing.Date, rec.Pricing.Currency)
		b.WriteString("| CU type | CUs × replicas, plan | capacity CUs | throughput CUs | queries/s per CU | price per CU-hour | monthly | per million queries | |\n|---|---|---|---|---|---|---|---|---|\n")
		for i, o := range a.Cloud {
			mark := ""
			switch {
			case i == a.CloudPick:
				mark = "**recommended**"
			case !o.Eligible:
				mark = "not eligible: " + o.Why
			case o.Why != "":
				mark = o.Why
			}
			tput := "-"
			if o.ThroughputCUs.Value > 0 {
				tput = fmt.Sprintf("%.2f %s", o.ThroughputCUs.Value, fn.label(o.ThroughputCUs))
			}
			perM := "-"
			if o.PerMillion.Value > 0 {
				perM = tuner.Money(o.PerMillion.Value, cur) + " " + fn.label(o.PerMillion)
			}
			fmt.Fprintf(b, "| %s | %s | %.2f %s | %s | %s %s | %s %s | %s %s | %s | %s |\n",
				o.CUType, clusterText(o), o.CapacityCUs.Value, fn.label(o.CapacityCUs), tput,
				tuner.Count(o.QPSPerCU.Value), fn.label(o.QPSPerCU), tuner.Money(o.PricePerCU.Value, cur), fn.label(o.PricePerCU),
				tuner.Money(o.Monthly.Value, cur), fn.label(o.Monthly), perM, mark)
		}
		b.WriteString("\n")
		if a.CloudPick >= 0 {
			o := a.Cloud[a.CloudPick]
			if w := o.SensitivityWords(cur); w != "" {
				fmt.Fprintf(b, "Sensitivity of the recommended cluster: %s\n\n", w)
			}
			if bc := o.BusinessCritical; bc != nil {
				fmt.Fprintf(b, "On the Business Critical plan the same cluster costs %s a month %s.\n\n", tuner.Money(bc.Value, cur), fn.label(*bc))
			}
		}
	}
	if len(a.Alternatives) > 0 {
		b.WriteString("Best of the other index types that meet the goals:\n\n")
		for _, o := range a.Alternatives {
			fmt.Fprintf(b, "- %s: %s queries/s at %s, recall %.4f, p99 %s\n", o.Name(), tuner.Count(o.QueriesPerS.Value), o.Level, o.Recall.Value, tuner.Millis(o.P99.Value))
		}
		b.WriteString("\n")
	}
}

func clusterText(o tuner.CloudOption) string {
	plan := "Standard"
	if o.Plan == tuner.PlanEnterprise {
		plan = "Enterprise"
	}
	s := fmt.Sprintf("%d CU × %d, %s", o.CUs, o.Replicas, plan)
	if o.OverLimit {
		s += " (over the self-serve limit)"
	}
	return s
}

func writeFailure(b *strings.Builder, a tuner.Answer) {
	f := a.Failure
	b.WriteString("| goal | wanted | best measured | missed by | config |\n|---|---|---|---|---|\n")
	for _, m := range f.Misses {
		want, best := fmt.Sprintf("%g", m.Want), fmt.Sprintf("%.4f", m.Best)
		if m.Unit == "ms" {
			want, best = tuner.Millis(m.Want), tuner.Millis(m.Best)
		}
		fmt.Fprintf(b, "| %s | %s | %s (%s) | %s | %s |\n", m.Goal, want, best, m.Of, m.By, m.Config)
	}
	b.WriteString("\nWhat to relax:\n\n")
	for _, r := range f.Relax {
		fmt.Fprintf(b, "- %s\n", r)
	}
	b.WriteString("\n")
}

// writeFrontiers lists the overall recall/queries-per-second frontier of
// each shape (the per-index-type frontiers are in recommendation.json).
func writeFrontiers(b *strings.Builder, rec *tuner.Recommendation) {
	for _, f := range rec.Frontiers {
		if f.IndexType != "" || f.Kind != tuner.RecallQPS || len(f.Points) == 0 {
			continue
		}
		fmt.Fprintf(b, "Pareto frontier, recall ↑ and queries/s ↑ (%s): no other measured point is better on both.\n\n", f.Shape)
		b.WriteString("| config | load | recall | queries/s | p99 |\n|---|---|---|---|---|\n")
		for _, p := range f.Points {
			fmt.Fprintf(b, "| %s | trials %s | %.4f | %s | %s |\n", p.Label, joinInts(p.TrialIDs), p.Recall, tuner.Count(p.QPS), tuner.Millis(p.P99))
		}
		b.WriteString("\n")
	}
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprint(x)
	}
	return strings.Join(parts, ",")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
