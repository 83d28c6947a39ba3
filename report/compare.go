package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/tuner"
)

// Limit is one regression gate's threshold; a zero Limit is off.
type Limit struct {
	Max float64
	Set bool
}

// Gates are the regressions a comparison fails on. P99Increase and QPSDrop
// are fractions of the base value (0.1 = 10%); RecallDrop is absolute
// (recall is already a fraction).
type Gates struct {
	P99Increase Limit
	RecallDrop  Limit
	QPSDrop     Limit
	// Alpha is the significance level below which a change between
	// repeated trials counts as real; 0 means 0.05.
	Alpha float64
}

func (g Gates) alpha() float64 {
	if g.Alpha > 0 {
		return g.Alpha
	}
	return 0.05
}

// The metrics a comparison reports, in column order.
const (
	metricRecall = "recall"
	metricQPS    = "QPS"
	metricP50    = "p50"
	metricP99    = "p99"
)

var compareMetrics = []struct {
	name, unit string
	value      func(bench.Trial) float64
}{
	{metricRecall, "", func(t bench.Trial) float64 { return t.Recall }},
	{metricQPS, "req/s", func(t bench.Trial) float64 { return t.QPS }},
	{metricP50, "ms", func(t bench.Trial) float64 { return t.LatencyMS.P50 }},
	{metricP99, "ms", func(t bench.Trial) float64 { return t.LatencyMS.P99 }},
}

// Change is one metric of one matched trial in both runs.
type Change struct {
	Metric string
	// Base and New are medians over the repeats of the trial (the value
	// itself for a single trial).
	Base, New float64
	// P is Welch's t-test p-value for the difference, NaN unless both runs
	// repeated the trial at least twice.
	P float64
	// Noise is set when the test finds the change within the noise
	// (P ≥ the comparison's alpha).
	Noise bool
}

// Delta is New − Base.
func (c Change) Delta() float64 { return c.New - c.Base }

// Rel is the change relative to Base (NaN when Base is 0).
func (c Change) Rel() float64 {
	if c.Base == 0 {
		return math.NaN()
	}
	return c.Delta() / c.Base
}

// Tested reports whether the significance test ran.
func (c Change) Tested() bool { return !math.IsNaN(c.P) }

// Row is one trial present in both runs.
type Row struct {
	Name        string
	BaseN, NewN int
	Changes     []Change
	Failures    []Failure
	WithinNoise []string // gates exceeded by a change the test found within the noise
}

// Change returns the row's change of metric.
func (r Row) Change(metric string) Change {
	for _, c := range r.Changes {
		if c.Metric == metric {
			return c
		}
	}
	return Change{Metric: metric, Base: math.NaN(), New: math.NaN(), P: math.NaN()}
}

// Failure is one gate one trial failed.
type Failure struct {
	Trial, Gate string
	// Text says by how much, e.g. "p99 0.120 → 0.150 ms (+25.0%) exceeds +10%".
	Text string
}

func (f Failure) String() string { return f.Trial + ": " + f.Gate + ": " + f.Text }

// Comparison is the result of comparing two runs trial by trial.
type Comparison struct {
	Base, New *bench.Result
	Gates     Gates
	Rows      []Row
	// OnlyBase and OnlyNew name the trials without a match in the other run.
	OnlyBase, OnlyNew []string
	Failures          []Failure
}

// Failed reports whether any gate failed, or gates were set and no trial
// matched, so none could be checked.
func (c *Comparison) Failed() bool {
	return len(c.Failures) > 0 || c.Gates.any() && len(c.Rows) == 0
}

func (g Gates) any() bool { return g.P99Increase.Set || g.RecallDrop.Set || g.QPSDrop.Set }

// Compare matches the trials of base and next by TrialName and evaluates the
// gates on every match. Repeats of a trial are summarised by their median;
// with at least two repeats on each side a Welch t-test decides whether a
// change is beyond the noise, and a gate exceeded by a change within the
// noise does not fail (it is listed in Row.WithinNoise).
func Compare(base, next *bench.Result, g Gates) *Comparison {
	c := &Comparison{Base: base, New: next, Gates: g}
	bg, ng := groupTrials(base.Trials), groupTrials(next.Trials)
	newAt := map[string]group{}
	for _, x := range ng {
		newAt[x.name] = x
	}
	matched := map[string]bool{}
	for _, b := range bg {
		n, ok := newAt[b.name]
		if !ok {
			c.OnlyBase = append(c.OnlyBase, b.name)
			continue
		}
		matched[b.name] = true
		row := Row{Name: b.name, BaseN: len(b.trials), NewN: len(n.trials)}
		for _, m := range compareMetrics {
			bv, nv := values(b.trials, m.value), values(n.trials, m.value)
			ch := Change{Metric: m.name, Base: median(bv), New: median(nv), P: tuner.WelchP(bv, nv)}
			ch.Noise = ch.Tested() && ch.P >= g.alpha()
			row.Changes = append(row.Changes, ch)
		}
		row.gate(g, row.Change(metricP99), g.P99Increase, "max-p99-increase", func(ch Change) (bool, string) {
			return ch.Rel() > g.P99Increase.Max, fmt.Sprintf("p99 %.3f → %.3f ms (%s) exceeds +%s", ch.Base, ch.New, pct(ch.Rel()), pctLimit(g.P99Increase.Max))
		})
		row.gate(g, row.Change(metricQPS), g.QPSDrop, "max-qps-drop", func(ch Change) (bool, string) {
			return -ch.Rel() > g.QPSDrop.Max, fmt.Sprintf("QPS %.1f → %.1f (%s) drops more than %s", ch.Base, ch.New, pct(ch.Rel()), pctLimit(g.QPSDrop.Max))
		})
		row.gate(g, row.Change(metricRecall), g.RecallDrop, "max-recall-drop", func(ch Change) (bool, string) {
			return -ch.Delta() > g.RecallDrop.Max+1e-12, fmt.Sprintf("recall %.4f → %.4f (%+.4f) drops more than %g", ch.Base, ch.New, ch.Delta(), g.RecallDrop.Max)
		})
		c.Failures = append(c.Failures, row.Failures...)
		c.Rows = append(c.Rows, row)
	}
	for _, n := range ng {
		if !matched[n.name] {
			c.OnlyNew = append(c.OnlyNew, n.name)
		}
	}
	return c
}

// gate records a failure of the gate named name when exceeded says so,
// unless the significance test put the change within the noise.
func (r *Row) gate(g Gates, ch Change, l Limit, name string, exceeded func(Change) (bool, string)) {
	if !l.Set || math.IsNaN(ch.Base) || math.IsNaN(ch.New) {
		return
	}
	bad, text := exceeded(ch) // false when Rel is NaN: NaN compares false
	if !bad {
		return
	}
	if ch.Noise {
		r.WithinNoise = append(r.WithinNoise, fmt.Sprintf("%s within noise (p=%.2f)", name, ch.P))
		return
	}
	r.Failures = append(r.Failures, Failure{Trial: r.Name, Gate: name, Text: text})
}

func values(ts []bench.Trial, f func(bench.Trial) float64) []float64 {
	out := make([]float64, len(ts))
	for i, t := range ts {
		out[i] = f(t)
	}
	return out
}

func pct(f float64) string {
	if math.IsNaN(f) {
		return "n/a"
	}
	return fmt.Sprintf("%+.1f%%", 100*f)
}

func pctLimit(f float64) string { return fmt.Sprintf("%g%%", 100*f) }

// Markdown renders the comparison: what was compared, the gates and their
// outcome, one row per matched trial with absolute and relative changes,
// and the trials without a match.
func (c *Comparison) Markdown(baseLabel, newLabel string) string {
	var b strings.Builder
	b.WriteString("# milvbench compare\n\n")
	fmt.Fprintf(&b, "| | base | new |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| results | `%s` | `%s` |\n", baseLabel, newLabel)
	fmt.Fprintf(&b, "| run | %s | %s |\n", c.Base.Provenance.RunID, c.New.Provenance.RunID)
	fmt.Fprintf(&b, "| target | %s | %s |\n", targetText(c.Base.Provenance.Target), targetText(c.New.Provenance.Target))
	fmt.Fprintf(&b, "| dataset | %s | %s |\n", c.Base.Dataset.Name, c.New.Dataset.Name)
	fmt.Fprintf(&b, "| harness | %s | %s |\n", c.Base.Provenance.Harness, c.New.Provenance.Harness)
	fmt.Fprintf(&b, "| trials | %d%s | %d%s |\n\n", len(c.Base.Trials), stoppedText(c.Base), len(c.New.Trials), stoppedText(c.New))
	b.WriteString(c.verdict())
	b.WriteString("\n\n")
	if len(c.Rows) > 0 {
		b.WriteString("Values are medians over a trial's repeats (n = base/new); Δ is new − base. ")
		fmt.Fprintf(&b, "With two or more repeats on each side, a Welch t-test judges each change: `~` marks one within the noise (p ≥ %g), and such a change fails no gate.\n\n", c.Gates.alpha())
		b.WriteString("| trial | n | recall | Δ recall | QPS (req/s) | Δ QPS | p50 (ms) | Δ p50 | p99 (ms) | Δ p99 | gates |\n")
		b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
		for _, r := range c.Rows {
			rc, qc, p50, p99 := r.Change(metricRecall), r.Change(metricQPS), r.Change(metricP50), r.Change(metricP99)
			fmt.Fprintf(&b, "| `%s` | %d/%d | %.4f → %.4f | %s | %.1f → %.1f | %s | %.3f → %.3f | %s | %.3f → %.3f | %s | %s |\n",
				r.Name, r.BaseN, r.NewN,
				rc.Base, rc.New, deltaText(rc, fmt.Sprintf("%+.4f", rc.Delta())),
				qc.Base, qc.New, deltaText(qc, pct(qc.Rel())),
				p50.Base, p50.New, deltaText(p50, pct(p50.Rel())),
				p99.Base, p99.New, deltaText(p99, pct(p99.Rel())),
				r.gateText())
		}
		b.WriteString("\n")
	}
	listNames(&b, "Only in base (no trial of new has these parameters)", c.OnlyBase)
	listNames(&b, "Only in new (no trial of base has these parameters)", c.OnlyNew)
	return b.String()
}

// verdict is the comparison's outcome in words.
func (c *Comparison) verdict() string {
	var gates []string
	g := c.Gates
	if g.P99Increase.Set {
		gates = append(gates, "p99 may grow by at most "+pctLimit(g.P99Increase.Max))
	}
	if g.RecallDrop.Set {
		gates = append(gates, fmt.Sprintf("recall may drop by at most %g", g.RecallDrop.Max))
	}
	if g.QPSDrop.Set {
		gates = append(gates, "QPS may drop by at most "+pctLimit(g.QPSDrop.Max))
	}
	matched := fmt.Sprintf("%d trials matched, %d only in base, %d only in new.", len(c.Rows), len(c.OnlyBase), len(c.OnlyNew))
	switch {
	case len(gates) == 0:
		return "**No gates set.** " + matched
	case len(c.Rows) == 0:
		return "**FAIL**: no trial of new matches a trial of base, so no gate could be checked (" + strings.Join(gates, "; ") + "). " + matched
	case len(c.Failures) > 0:
		var lines []string
		for _, f := range c.Failures {
			lines = append(lines, "- `"+f.Trial+"`: "+f.Gate+": "+f.Text)
		}
		return fmt.Sprintf("**FAIL**: %d gate failures (%s). %s\n\n%s", len(c.Failures), strings.Join(gates, "; "), matched, strings.Join(lines, "\n"))
	}
	return "**PASS**: every matched trial is within the gates (" + strings.Join(gates, "; ") + "). " + matched
}

func deltaText(c Change, d string) string {
	if c.Noise {
		return fmt.Sprintf("~ %s (p=%.2f)", d, c.P)
	}
	if c.Tested() {
		return fmt.Sprintf("%s (p=%.3f)", d, c.P)
	}
	return d
}

func (r Row) gateText() string {
	var parts []string
	for _, f := range r.Failures {
		parts = append(parts, "**FAIL** "+f.Gate)
	}
	parts = append(parts, r.WithinNoise...)
	if len(parts) == 0 {
		return "ok"
	}
	return strings.Join(parts, "; ")
}

func listNames(b *strings.Builder, title string, names []string) {
	if len(names) == 0 {
		return
	}
	fmt.Fprintf(b, "## %s\n\n", title)
	for _, n := range names {
		fmt.Fprintf(b, "- `%s`\n", n)
	}
	b.WriteString("\n")
}

func targetText(t bench.TargetInfo) string {
	return strings.TrimSpace(t.Kind + " " + t.Version)
}

// stoppedText flags a run that stopped before its last trial.
func stoppedText(r *bench.Result) string {
	if r.Stopped == "" {
		return ""
	}
	return " (incomplete: " + strings.ReplaceAll(r.Stopped, "|", "\\|") + ")"
}
