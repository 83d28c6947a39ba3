package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/report"
	"github.com/spf13/cobra"
)

// Output formats of compare (and, with html, of run, tune, report and
// merge: format.go).
const (
	formatMarkdown  = "markdown"
	formatBenchstat = "benchstat"
)

// formatFlag is compare's --format: markdown (the diff table) or benchstat.
type formatFlag string

func (f *formatFlag) String() string { return string(*f) }
func (f *formatFlag) Type() string   { return "FORMAT" }
func (f *formatFlag) Set(s string) error {
	switch s {
	case formatMarkdown, "md":
		*f = formatMarkdown
	case formatBenchstat:
		*f = formatBenchstat
	default:
		return fmt.Errorf("format %q: allowed are markdown, benchstat", s)
	}
	return nil
}

// limitFlag sets a regression gate from "10%" or "0.1".
type limitFlag struct{ l *report.Limit }

func (f limitFlag) String() string {
	if f.l == nil || !f.l.Set {
		return ""
	}
	return fmt.Sprintf("%g%%", 100*f.l.Max)
}
func (f limitFlag) Type() string { return "PCT" }
func (f limitFlag) Set(s string) error {
	v, err := report.ParseFraction(s)
	if err != nil {
		return err
	}
	*f.l = report.Limit{Max: v, Set: true}
	return nil
}

// gateFailure is a comparison that failed a gate (exit status 3).
type gateFailure struct{ n int }

func (g gateFailure) Error() string {
	if g.n == 0 {
		return "no trial of NEW matches a trial of BASE, so no gate could be checked"
	}
	return fmt.Sprintf("%d regression gate failures (each listed above)", g.n)
}

func newCompare() *cobra.Command {
	var gates report.Gates
	format := formatFlag(formatMarkdown)
	cmd := &cobra.Command{
		Use:   "compare BASE NEW",
		Short: "Compare two runs trial by trial and fail on regressions",
		Long: `Compare the results of two runs (each an output directory or a results.json).
Trials are matched by their parameters: index type and build params, search
params, topk, nq, filter selectivity and load level. For every match it prints
recall, QPS, p50 and p99 of both runs with absolute and relative changes, and
it lists the trials only one run has.

Gates turn the comparison into a CI check: with --max-p99-increase,
--max-recall-drop or --max-qps-drop set, every trial and gate that fails is
printed to stderr and the exit status is 3. When both runs repeated a trial
(load.repeat), values are medians over the repeats and a Welch t-test judges
each change; a change within the noise (p ≥ --alpha) is flagged with ~ and
fails no gate.

--format benchstat prints both runs as Go benchmark lines instead, with a
"run: base" / "run: new" configuration line before each, for
benchstat -col run. Exit status: 0 pass, 3 a gate failed (or gates were set
and no trial matched), 2 usage, 1 unreadable input.`,
		Example: `  milvbench compare out/base out/new
  milvbench compare base/results.json new/results.json --max-p99-increase 10% --max-recall-drop 0.01 --max-qps-drop 5%
  milvbench compare out/base out/new --format benchstat > both.txt && benchstat -col run both.txt`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usageError{fmt.Errorf("compare takes two runs, BASE and NEW (output directories or results.json files)")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			base, err := report.ReadResultsAt(args[0])
			if err != nil {
				return fmt.Errorf("base: %w", err)
			}
			next, err := report.ReadResultsAt(args[1])
			if err != nil {
				return fmt.Errorf("new: %w", err)
			}
			c := report.Compare(base, next, gates)
			out := cmd.OutOrStdout()
			if format == formatBenchstat {
				if err := writeBenchstatPair(out, base, next); err != nil {
					return err
				}
			} else {
				fmt.Fprint(out, c.Markdown(args[0], args[1]))
			}
			if !c.Failed() {
				return nil
			}
			for _, f := range c.Failures {
				fmt.Fprintf(cmd.ErrOrStderr(), "FAIL %s\n", f)
			}
			return gateFailure{len(c.Failures)}
		},
	}
	f := cmd.Flags()
	f.Var(limitFlag{&gates.P99Increase}, "max-p99-increase", "fail when a trial's p99 grows by more than this (e.g. 10%)")
	f.Var(limitFlag{&gates.RecallDrop}, "max-recall-drop", "fail when a trial's recall drops by more than this, absolute (e.g. 0.01)")
	f.Var(limitFlag{&gates.QPSDrop}, "max-qps-drop", "fail when a trial's QPS drops by more than this (e.g. 5%)")
	f.Float64Var(&gates.Alpha, "alpha", 0.05, "significance level for repeated trials: a change with p ≥ alpha is noise")
	f.Var(&format, "format", "output: markdown (a diff table) or benchstat (Go benchmark lines of both runs)")
	return cmd
}

func writeBenchstatPair(w io.Writer, base, next *bench.Result) error {
	if err := report.WriteBenchstat(w, base, "run: base"); err != nil {
		return err
	}
	return report.WriteBenchstat(w, next, "run: new")
}

func newReport() *cobra.Command {
	var out string
	formats := defaultFormats()
	cmd := &cobra.Command{
		Use:   "report DIR",
		Short: "Regenerate report.md, its figures and report.html from DIR/results.json without re-running",
		Long: `Read DIR/results.json (or a results.json path) and write the reports again,
into DIR or --out: recommendation.json and the reports --format names
(default markdown,html: report.md with every figure as PNG and SVG, and
report.html, one self-contained page). Nothing is measured. benchstat prints
the trials as Go benchmark lines on stdout; --format benchstat alone writes
nothing.`,
		Example: `  milvbench report out/quickstart
  milvbench report out/quickstart --format html --out /tmp/share
  milvbench report out/quickstart --format benchstat > new.txt`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("report takes one run output directory (or results.json)")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := report.ReadResultsAt(args[0])
			if err != nil {
				return err
			}
			if formats.Markdown || formats.HTML {
				dir := out
				if dir == "" {
					dir = args[0]
					if st, err := os.Stat(dir); err == nil && !st.IsDir() {
						dir = filepath.Dir(dir)
					}
				}
				if err := report.WriteReports(dir, res, formats.Formats); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "done   %s\n", reportPaths(dir, formats.Formats))
			}
			if formats.benchstat {
				return report.WriteBenchstat(cmd.OutOrStdout(), res)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "directory for the reports (default: the run's directory)")
	addFormatFlag(cmd, &formats)
	return cmd
}
