// Package report turns measurements into what people and tools read:
// results.json, report.md with its plots (PNG and SVG), run comparisons with
// regression gates, and Go benchmark lines for benchstat.
package report

import (
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

// Write writes results.json, report.md and every plot into dir.
func Write(dir string, res *bench.Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := WriteResults(dir, res); err != nil {
		return err
	}
	return WriteReport(dir, res)
}

// WriteReport writes report.md and every plot res has data for into dir,
// from results alone (milvbench report regenerates them this way).
func WriteReport(dir string, res *bench.Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := WritePlots(dir, res); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, ReportFile), []byte(Markdown(res)))
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
