package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/report"
)

// TestCompareAndReportCommands drives milvbench report and compare on the
// report package's fixture: report regenerates report.md and the figures,
// compare of a run with itself passes its gates, and compare against a
// slower copy fails them with exit status 3 naming the trial and gate.
func TestCompareAndReportCommands(t *testing.T) {
	res, err := report.ReadResults(filepath.Join("..", "..", "report", "testdata", report.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	base, slow := t.TempDir(), t.TempDir()
	if err := report.WriteResults(base, res); err != nil {
		t.Fatal(err)
	}
	res.Trials[3].LatencyMS.P99 *= 2
	if err := report.WriteResults(slow, res); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		root := newRoot(&out, &errOut)
		root.SetArgs(args)
		err := root.ExecuteContext(context.Background())
		return out.String(), errOut.String(), err
	}

	if _, _, err := run("report", base); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{report.ReportFile, report.PlotRecallQPS + ".png", report.PlotStageTimes + ".svg"} {
		if st, err := os.Stat(filepath.Join(base, f)); err != nil || st.Size() == 0 {
			t.Errorf("report did not write %s: %v", f, err)
		}
	}
	out, _, err := run("report", base, "--format", "benchstat")
	if err != nil || strings.Count(out, "\nBenchmarkSearch/") != len(res.Trials) {
		t.Errorf("report --format benchstat: %v\n%s", err, out)
	}

	gates := []string{"--max-p99-increase", "10%", "--max-recall-drop", "0.01", "--max-qps-drop", "5%"}
	out, _, err = run(append([]string{"compare", base, base}, gates...)...)
	if err != nil || !strings.Contains(out, "**PASS**") {
		t.Errorf("compare with itself: %v\n%s", err, out)
	}
	out, stderr, err := run(append([]string{"compare", base, filepath.Join(slow, report.ResultsFile)}, gates...)...)
	var gf gateFailure
	if !errors.As(err, &gf) || gf.n != 1 {
		t.Fatalf("compare against a slower run: err %v, want one gate failure", err)
	}
	name := report.TrialName(res.Trials[3])
	if !strings.Contains(stderr, "FAIL "+name+": max-p99-increase") || !strings.Contains(out, "**FAIL**") {
		t.Errorf("failure not named:\nstdout %s\nstderr %s", out, stderr)
	}

	for _, args := range [][]string{{"compare", base}, {"compare", base, base, "--max-qps-drop", "lots"}, {"compare", base, base, "--format", "xml"}} {
		if _, _, err := run(args...); err == nil {
			t.Errorf("%v: want a usage error", args)
		}
	}
	if _, _, err := run("compare", base, t.TempDir()); err == nil || !strings.Contains(err.Error(), "no results.json") {
		t.Errorf("compare with an empty directory: %v", err)
	}
}
