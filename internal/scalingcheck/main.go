// Command scalingcheck prints make scaling-check's verdict from the
// results of its two runs (scripts/scaling-check.sh): for each index type
// a SCALING line — the capacity knee with the server on one core and on
// two, the two-core knee the tuner's scaling model predicts from the
// one-core one, its error, the linear model's error and the serial share
// Amdahl's law fits to the two knees — and a CPU line with the
// generator's and the server's cores at each knee. It exits 1 when the
// tuner's model is off by more than 20%.
//
//	go run ./internal/scalingcheck -one OUT/1core-r1,OUT/1core-r2 -two OUT/2core-r1,OUT/2core-r2
//
// With several rounds of a core count, each knee is the highest of them.
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/report"
	"github.com/milvbench/milvbench/tuner"
)

// maxErrorPct is how far the model's prediction may be off.
const maxErrorPct = 20

func main() {
	oneDirs := flag.String("one", "", "results directories of the 1-core runs, comma-separated")
	twoDirs := flag.String("two", "", "results directories of the 2-core runs, comma-separated")
	flag.Parse()
	if *oneDirs == "" || *twoDirs == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: scalingcheck -one DIR[,DIR...] -two DIR[,DIR...]")
		os.Exit(2)
	}
	rs, err := tuner.CompareScaling(read(*oneDirs), read(*twoDirs))
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

func read(dirs string) []*bench.Result {
	var out []*bench.Result
	for _, d := range strings.Split(dirs, ",") {
		res, err := report.ReadResults(filepath.Join(d, report.ResultsFile))
		if err != nil {
			fail(err)
		}
		out = append(out, res)
	}
	return out
}
