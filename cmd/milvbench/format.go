package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/milvbench/milvbench/report"
	"github.com/spf13/cobra"
)

// Output formats of --format on run, tune, report and merge.
const formatHTML = "html"

// formatsHelp is the --format flag's help on run, tune, report and merge.
const formatsHelp = "outputs, comma-separated: markdown (report.md and its figures as PNG and SVG), html (report.html, one self-contained page), benchstat (Go benchmark lines on stdout)"

// reportFormats is the --format of run, tune, report and merge: which
// outputs to produce, a comma-separated list of markdown (report.md and
// its figure files), html (report.html) and benchstat (Go benchmark lines
// on stdout), default markdown,html. The outputs not named are not
// produced: --format benchstat writes no report. The flag may be repeated;
// the lists add up. The data files (results.json, latency.hlog,
// recommendation.json) of run, tune and merge are written whatever it says.
type reportFormats struct {
	report.Formats
	benchstat bool
	set       bool // the first Set replaces the default
}

func defaultFormats() reportFormats { return reportFormats{Formats: report.AllReports} }

func (f *reportFormats) String() string {
	var parts []string
	if f.Markdown {
		parts = append(parts, formatMarkdown)
	}
	if f.HTML {
		parts = append(parts, formatHTML)
	}
	if f.benchstat {
		parts = append(parts, formatBenchstat)
	}
	return strings.Join(parts, ",")
}

func (f *reportFormats) Type() string { return "FORMATS" }

func (f *reportFormats) Set(s string) error {
	if !f.set {
		*f = reportFormats{set: true}
	}
	for _, p := range strings.Split(s, ",") {
		switch strings.TrimSpace(p) {
		case formatMarkdown, "md":
			f.Markdown = true
		case formatHTML:
			f.HTML = true
		case formatBenchstat:
			f.benchstat = true
		default:
			return fmt.Errorf("format %q: allowed are markdown, html and benchstat, comma-separated (default markdown,html)", p)
		}
	}
	return nil
}

// addFormatFlag registers --format on cmd.
func addFormatFlag(cmd *cobra.Command, f *reportFormats) {
	cmd.Flags().Var(f, "format", formatsHelp)
}

// reportPaths names the files the reports of f are in, in dir, for the
// closing "done" line; the results file when f writes no report.
func reportPaths(dir string, f report.Formats) string {
	var paths []string
	if f.Markdown {
		paths = append(paths, filepath.Join(dir, report.ReportFile))
	}
	if f.HTML {
		paths = append(paths, filepath.Join(dir, report.HTMLFile))
	}
	if len(paths) == 0 {
		paths = append(paths, filepath.Join(dir, report.ResultsFile))
	}
	return strings.Join(paths, " ")
}

// printFormats prints the results in dir as benchmark lines when f asks
// for them.
func printFormats(w io.Writer, f reportFormats, dir string) error {
	if !f.benchstat {
		return nil
	}
	res, err := report.ReadResultsAt(dir)
	if err != nil {
		return err
	}
	return report.WriteBenchstat(w, res)
}
