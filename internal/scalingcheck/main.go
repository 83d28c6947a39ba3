// Command scalingcheck prints make scaling-check's verdict from the
// results of its two runs (scripts/scaling-check.sh): for each index type
// a SCALING line — the capacity knee with the server on one core and on
// two, the two-core knee the tuner's scaling model predicts from the
// one-core one, its error, the linear model's error and the serial share
// Amdahl's law fits to the two knees — and a CPU line with the
// generator's and the server's cores at each knee. It exits 1 when the
// tuner's model is off by more than 20%.
//
//	go run ./internal/scalingcheck OUT/1core OUT/2core
package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/milvbench/milvbench/report"
	"github.com/milvbench/milvbench/tuner"
)

// maxErrorPct is how far the model's prediction may be off.
const maxErrorPct = 20

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: scalingcheck DIR_1CORE DIR_2CORE")
		os.Exit(2)
	}
	one, err := report.ReadResults(filepath.Join(os.Args[1], report.ResultsFile))
	if err != nil {
		fail(err)
	}
	two, err := report.ReadResults(filepath.Join(os.Args[2], report.ResultsFile))
	if err != nil {
		fail(err)
	}
	rs, err := tuner.CompareScaling(one, two)
	if err != nil {
		fail(err)
	}
	bad := false
	for _, r := range rs {
		fmt.Println(r.Line())
		fmt.Println(r.CPULine())
		for _, n := range r.Notes {
			fmt.Println("NOTE " + n)
		}
		bad = bad || math.Abs(r.ErrorPct) > maxErrorPct
	}
	if bad {
		fmt.Printf("scaling-check: the tuner's scaling model is off by more than %d%% for at least one index type\n", maxErrorPct)
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "scalingcheck:", err)
	os.Exit(2)
}
