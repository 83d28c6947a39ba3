// Package report turns a bench.Result into results.json, a markdown report
// and PNG plots.
package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/milvbench/milvbench/bench"
)

// File names inside an output directory.
const (
	ResultsFile   = "results.json"
	ReportFile    = "report.md"
	RecallQPSPlot = "recall_qps.png"
	P99ConcPlot   = "p99_concurrency.png"
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
	return os.Rename(tmp.Name(), path)
}

// Write writes results.json, both plots and report.md into dir.
func Write(dir string, res *bench.Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := WriteResults(dir, res); err != nil {
		return err
	}
	if err := PlotRecallQPS(filepath.Join(dir, RecallQPSPlot), res); err != nil {
		return fmt.Errorf("plot %s: %w", RecallQPSPlot, err)
	}
	if err := PlotP99Concurrency(filepath.Join(dir, P99ConcPlot), res); err != nil {
		return fmt.Errorf("plot %s: %w", P99ConcPlot, err)
	}
	if err := writeLoadPlots(dir, res); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, ReportFile), []byte(Markdown(res)))
}
