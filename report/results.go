// Package report turns measurements into what people and tools read:
// results.json, report.md with its plots (PNG and SVG), run comparisons with
// regression gates, and Go benchmark lines for benchstat.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/milvbench/milvbench/bench"
)

// File names inside an output directory.
const (
	ResultsFile = "results.json"
	ReportFile  = "report.md"
	// HTMLFile is the same report as one self-contained page (html.go).
	HTMLFile = "report.html"
	// IntervalLogFile holds every interval histogram in the HdrHistogram
	// interval log format (see bench.WriteIntervalLog).
	IntervalLogFile = "latency.hlog"
)

// WriteResults writes res as indented JSON to dir/results.json, atomically
// (a temporary file renamed into place), so a reader never sees half a file.
func WriteResults(dir string, res *bench.Result) error {
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	return writeAtomic(filepath.Join(dir, ResultsFile), append(data, '\n'))
}

// ReadResults reads a results.json written by WriteResults.
func ReadResults(path string) (*bench.Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var res bench.Result
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, fmt.Errorf("%s: not a milvbench results file: %w", path, err)
	}
	return &res, nil
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// CreateTemp makes the file private; results are for sharing.
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Formats are the reports WriteWith and WriteReports write; the data files
// (results.json, latency.hlog, recommendation.json) are written whatever
// they say.
type Formats struct {
	// Markdown is report.md with its figures as PNG and SVG files beside it.
	Markdown bool
	// HTML is report.html: one self-contained file, figures inline (html.go).
	HTML bool
}

// AllReports is every report: report.md with its figures, and report.html.
var AllReports = Formats{Markdown: true, HTML: true}

// Write writes results.json, latency.hlog, recommendation.json and every
// report into dir.
func Write(dir string, res *bench.Result) error { return WriteWith(dir, res, AllReports) }

// WriteWith writes results.json, latency.hlog, recommendation.json and the
// reports f names into dir.
func WriteWith(dir string, res *bench.Result, f Formats) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := WriteResults(dir, res); err != nil {
		return err
	}
	var hlog bytes.Buffer
	if err := bench.WriteIntervalLog(&hlog, res); err != nil {
		return fmt.Errorf("write %s: %w", IntervalLogFile, err)
	}
	if err := writeAtomic(filepath.Join(dir, IntervalLogFile), hlog.Bytes()); err != nil {
		return err
	}
	return WriteReports(dir, res, f)
}

// WriteReport writes recommendation.json and every report (report.md with
// its figures, report.html) into dir, from results alone.
func WriteReport(dir string, res *bench.Result) error { return WriteReports(dir, res, AllReports) }

// WriteReports writes recommendation.json and the reports f names into
// dir, from results alone (milvbench report regenerates them this way).
// Each figure is drawn once, for both reports.
func WriteReports(dir string, res *bench.Result, f Formats) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := writeRecommendationJSON(dir, res); err != nil {
		return fmt.Errorf("recommendation: %w", err)
	}
	if !f.Markdown && !f.HTML {
		return nil
	}
	figs, err := drawPlots(res)
	if err != nil {
		return err
	}
	if f.Markdown {
		if err := savePlots(dir, figs); err != nil {
			return err
		}
		if err := writeAtomic(filepath.Join(dir, ReportFile), []byte(Markdown(res))); err != nil {
			return err
		}
	}
	if f.HTML {
		page, err := htmlReport(res, figs)
		if err != nil {
			return fmt.Errorf("%s: %w", HTMLFile, err)
		}
		if err := writeAtomic(filepath.Join(dir, HTMLFile), []byte(page)); err != nil {
			return err
		}
	}
	return nil
}

// ReadResultsAt reads the results of a run from its output directory or
// from a results.json path.
func ReadResultsAt(path string) (*bench.Result, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: no such results directory or file", path)
	}
	if st.IsDir() {
		path = filepath.Join(path, ResultsFile)
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("%s: no %s here (milvbench run writes it)", filepath.Dir(path), ResultsFile)
		}
	}
	return ReadResults(path)
}

// ParseFraction reads a threshold written as a percentage ("10%") or as a
// fraction ("0.1"); both mean 0.1. Negative values are refused.
func ParseFraction(s string) (float64, error) {
	t := strings.TrimSpace(s)
	scale := 1.0
	if strings.HasSuffix(t, "%") {
		t, scale = strings.TrimSuffix(t, "%"), 0.01
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not a percentage (10%%) or a fraction (0.1) ≥ 0", s)
	}
	return f * scale, nil
}
