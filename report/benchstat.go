package report

import (
	"bufio"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"

	"github.com/milvbench/milvbench/bench"
)

// BenchPrefix is the benchmark every trial is a sub-benchmark of in the
// benchstat format (and in the go test -bench API).
const BenchPrefix = "BenchmarkSearch"

// benchUnits are the units WriteBenchstat reports beside ns/op, with the
// direction benchstat should read as an improvement. Recall is not declared
// exact: an index built twice (HNSW's parallel inserts) can differ slightly.
const benchUnits = "Unit recall better=higher\nUnit qps better=higher\nUnit p50-ns better=lower\nUnit p99-ns better=lower\n"

// WriteBenchstat writes res's trials as Go benchmark result lines, which
// benchstat and golang.org/x/perf/benchfmt read:
//
//	BenchmarkSearch/index=HNSW/M=16/efConstruction=200/ef=64/topk=10/nq=1/c=8  48213  20741 ns/op  0.9812 recall  61000 p50-ns  241000 p99-ns  48213 qps
//
// The iteration count is the trial's successful requests and ns/op the
// measured window divided by them (the reciprocal of QPS, as go test
// reports for parallel benchmarks); p50-ns and p99-ns are latency
// percentiles of the merged histogram. Repeats of a trial are lines with the
// same name, which benchstat treats as samples. extra holds further
// "key: value" configuration lines (e.g. "run: base"), written first.
func WriteBenchstat(w io.Writer, res *bench.Result, extra ...string) error {
	bw := bufio.NewWriter(w)
	goos, goarch := res.Provenance.OS, res.Provenance.Arch
	if goos == "" {
		goos, goarch = runtime.GOOS, runtime.GOARCH
	}
	fmt.Fprintf(bw, "goos: %s\ngoarch: %s\npkg: github.com/milvbench/milvbench\n", goos, goarch)
	if res.Dataset.Name != "" {
		fmt.Fprintf(bw, "dataset: %s\n", res.Dataset.Name)
	}
	for _, e := range extra {
		fmt.Fprintln(bw, e)
	}
	bw.WriteString(benchUnits)
	for _, t := range res.Trials {
		bw.WriteString(BenchLine(t))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// BenchLine is one trial as a benchmark result line (without newline).
func BenchLine(t bench.Trial) string {
	ok := t.Requests - t.Errors.Total
	nsPerOp := 0.0
	if ok > 0 {
		nsPerOp = t.Load.WindowS * 1e9 / float64(ok)
	}
	fields := []string{
		BenchPrefix + "/" + TrialName(t),
		strconv.FormatInt(max(ok, 1), 10),
		num(nsPerOp, 1) + " ns/op",
		num(t.Recall, 4) + " recall",
		num(t.LatencyMS.P50*1e6, 0) + " p50-ns",
		num(t.LatencyMS.P99*1e6, 0) + " p99-ns",
		num(t.QPS, 1) + " qps",
	}
	return strings.Join(fields, "\t")
}

func num(f float64, prec int) string { return strconv.FormatFloat(f, 'f', prec, 64) }
