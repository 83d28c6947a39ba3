package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/report"
)

// TestReportFormats: milvbench report writes report.md with its figures
// and report.html by default, only what --format names otherwise (lists
// add up, benchstat alone writes nothing and prints benchmark lines), and
// an unknown format is a usage error.
func TestReportFormats(t *testing.T) {
	res, err := report.ReadResults(filepath.Join("..", "..", "report", "testdata", "capacity.json"))
	if err != nil {
		t.Fatal(err)
	}
	md, html, fig := report.ReportFile, report.HTMLFile, report.PlotCapacityLadder+".png"
	for _, tt := range []struct {
		args      []string
		want, not []string
		benchstat bool
	}{
		{nil, []string{md, html, fig}, nil, false},
		{[]string{"--format", "html"}, []string{html}, []string{md, fig}, false},
		{[]string{"--format", "markdown"}, []string{md, fig}, []string{html}, false},
		{[]string{"--format", "md,benchstat"}, []string{md, fig}, []string{html}, true},
		{[]string{"--format", "html", "--format", "benchstat"}, []string{html}, []string{md, fig}, true},
		{[]string{"--format", "benchstat"}, nil, []string{md, html, fig, report.RecommendationFile}, true},
	} {
		dir := t.TempDir()
		if err := report.WriteResults(dir, res); err != nil {
			t.Fatal(err)
		}
		out, stderr, err := execute(append([]string{"report", dir}, tt.args...)...)
		if err != nil {
			t.Fatalf("report %v: %v\n%s", tt.args, err, stderr)
		}
		for _, f := range tt.want {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Errorf("report %v did not write %s", tt.args, f)
			}
			if !strings.Contains(stderr, filepath.Join(dir, f)) && (f == md || f == html) {
				t.Errorf("report %v: %s not named on stderr: %s", tt.args, f, stderr)
			}
		}
		for _, f := range tt.not {
			if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
				t.Errorf("report %v wrote %s", tt.args, f)
			}
		}
		if got := strings.Count(out, "\nBenchmarkSearch/") == len(res.Trials); got != tt.benchstat {
			t.Errorf("report %v: benchmark lines printed %v, want %v:\n%s", tt.args, got, tt.benchstat, out)
		}
	}
	for _, f := range []string{"xml", "markdown,pdf", ""} {
		_, _, err := execute("report", t.TempDir(), "--format", f)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "allowed are markdown, html and benchstat") {
			t.Errorf("--format %q: %v, want a usage error naming the formats", f, err)
		}
	}
}
