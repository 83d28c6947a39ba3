// Package benchtest runs milvbench workloads as Go benchmarks: Run turns
// every search point of a workload into a sub-benchmark of a *testing.B, so
// that `go test -bench` measures recall, latency and throughput of a vector
// search configuration, and benchstat compares two such runs.
//
//	func BenchmarkSearch(b *testing.B) {
//		benchtest.Run(b, benchtest.Example("quickstart"))
//	}
//
// The collection is created, filled and indexed once, outside the timer;
// each sub-benchmark then sends exactly b.N search requests from the
// point's closed-loop concurrency and reports
//
//	ns/op   the measured time over b.N (the reciprocal of QPS)
//	recall  recall@topk of every query, measured once outside the timer
//	p50-ns  median request latency, from the merged HDR histogram
//	p99-ns  99th percentile request latency
//	qps     successful requests per second
//
// Sub-benchmark names are report.TrialName, the names `milvbench run
// --format benchstat` prints, so a benchmark called BenchmarkSearch
// produces lines benchstat can compare with a milvbench run's.
package benchtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/bench/targets"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/report"
	"github.com/milvbench/milvbench/workloads"
)

// Workload names the workload a benchmark runs: a file, an embedded
// example, or a Spec built in code.
type Workload struct {
	arg  string
	spec *workloads.Spec
}

// File is a workload file; a relative path is relative to the package
// directory, where go test runs.
func File(path string) Workload { return Workload{arg: path} }

// Example is an embedded example workload (see workloads.Examples).
func Example(name string) Workload { return Workload{arg: workloads.ExamplePrefix + name} }

// Spec is a workload built in code. Run completes it as a file would be
// (defaults, target address and token from the environment) and validates
// it; name, dataset and indexes must be set.
func Spec(s *workloads.Spec) Workload { return Workload{spec: s} }

func (w Workload) load() (*workloads.Spec, error) {
	if w.spec == nil {
		return workloads.LoadArg(w.arg, os.LookupEnv)
	}
	s := *w.spec
	if err := workloads.Complete(&s, os.LookupEnv); err != nil {
		return nil, err
	}
	return &s, nil
}

// Run benchmarks every search point of w as a sub-benchmark of b, against
// the workload's target. Only closed-loop workloads can be benchmarked this
// way (the testing package, not load.duration, decides how many requests a
// point gets); load.repeat is replaced by go test's -count. Setting up
// (dataset, ground truth, collection, each index build) happens before any
// sub-benchmark starts its timer, and the collection is dropped when Run
// returns. A workload that cannot be set up fails b with the reason.
func Run(b *testing.B, w Workload) {
	b.Helper()
	spec, err := w.load()
	if err != nil {
		b.Fatal(err)
	}
	if spec.Load.Model != workloads.LoadClosed {
		b.Fatalf("benchtest: %s: load.model %s: go test -bench drives closed-loop workloads only (b.N requests per point); use milvbench run for the other models", spec.Name, spec.Load.Model)
	}
	ctx := b.Context()
	s, closeAll, err := open(ctx, spec)
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := closeAll(); err != nil {
			b.Error(err)
		}
	}()
	plan := workloads.NewPlan(spec)
	for _, bd := range plan.Builds {
		if err := s.Build(ctx, bd.Index); err != nil {
			b.Fatal(err)
		}
		for _, pt := range bd.Points {
			if pt.Repeat > 1 {
				continue
			}
			b.Run(pointName(bd.Index, pt, spec.Load.Model), func(b *testing.B) { measure(b, s, pt) })
		}
		if err := s.Unbuild(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// Names returns the names of the sub-benchmarks Run creates for w, in the
// order it runs them (for a -bench pattern that picks some of them: a
// benchmark BenchmarkSearch's point N is BenchmarkSearch/N). It reads the
// workload only: nothing is connected or built.
func Names(w Workload) ([]string, error) {
	spec, err := w.load()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, bd := range workloads.NewPlan(spec).Builds {
		for _, pt := range bd.Points {
			if pt.Repeat <= 1 {
				names = append(names, pointName(bd.Index, pt, spec.Load.Model))
			}
		}
	}
	return names, nil
}

// measure is one sub-benchmark: recall once, then b.N timed requests.
func measure(b *testing.B, s *bench.Session, pt workloads.SearchPoint) {
	ctx := b.Context()
	recall, err := s.Recall(ctx, pt)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	tr, err := s.MeasureN(ctx, pt, b.N)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if tr.Errors.Total == tr.Requests {
		b.Fatalf("all %d requests failed (last: %s)", tr.Requests, tr.Errors.Last)
	}
	b.ReportMetric(recall, "recall")
	b.ReportMetric(tr.LatencyMS.P50*1e6, "p50-ns")
	b.ReportMetric(tr.LatencyMS.P99*1e6, "p99-ns")
	b.ReportMetric(tr.QPS, "qps")
	if tr.Errors.Total > 0 {
		b.ReportMetric(float64(tr.Errors.Total), "errors")
	}
}

// pointName is the sub-benchmark name of a plan point: report.TrialName
// of the trial it would produce.
func pointName(idx workloads.IndexConfig, pt workloads.SearchPoint, model string) string {
	return report.TrialName(bench.Trial{
		Index:  idx,
		Search: bench.SearchInfo{Params: pt.Params, TopK: pt.TopK, NQ: pt.NQ, Selectivity: pt.Selectivity, Kind: pt.Kind, Range: pt.Range, Group: pt.Group, Iterator: pt.Iterator},
		Load:   bench.LoadInfo{Model: model, Concurrency: pt.Concurrency},
	})
}

// open prepares spec's dataset, ground truth, target and collection, and
// returns the session with a function that drops the collection and
// closes the target.
func open(ctx context.Context, spec *workloads.Spec) (*bench.Session, func() error, error) {
	plan := workloads.NewPlan(spec)
	ds, _, err := datasets.Open(ctx, spec.Dataset, filepath.Dir(spec.File))
	if err != nil {
		return nil, nil, err
	}
	truths, err := bench.Truths(ctx, ds, plan, gtCache(), nil)
	if err != nil {
		return nil, nil, err
	}
	filterTruths, err := bench.FilterTruths(ctx, ds, plan, gtCache(), nil)
	if err != nil {
		return nil, nil, err
	}
	kindTruths, err := bench.RangeGroupTruths(ctx, ds, plan, nil)
	if err != nil {
		return nil, nil, err
	}
	iterTruths, err := bench.IteratorTruths(ctx, ds, plan, gtCache(), nil)
	if err != nil {
		return nil, nil, err
	}
	maps.Copy(kindTruths, iterTruths)
	target, err := targets.Open(ctx, spec, targets.Options{})
	if err != nil {
		return nil, nil, err
	}
	var id [4]byte
	_, _ = rand.Read(id[:])
	r := &bench.Runner{
		Target: target, Plan: plan, Data: ds, Truths: truths, FilterTruths: filterTruths, KindTruths: kindTruths,
		Collection: targets.CollectionName(spec), RunID: "benchtest-" + hex.EncodeToString(id[:]), Harness: "benchtest",
	}
	s, err := r.Open(ctx)
	if err != nil {
		target.Close()
		return nil, nil, err
	}
	closeAll := func() error {
		_, err := s.Close(context.WithoutCancel(ctx))
		if cerr := target.Close(); err == nil && cerr != nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("benchtest: closing %s: %w", spec.Name, err)
		}
		return nil
	}
	return s, closeAll, nil
}

// gtCache is where exact ground truth is cached between benchmark runs:
// $MILVBENCH_CACHE/gt, else the user's cache directory, else nowhere.
func gtCache() datasets.GTCache {
	if os.Getenv("MILVBENCH_CACHE") != "" {
		return datasets.GTCache{Dir: filepath.Join(datasets.CacheDir(os.Getenv), "gt")}
	}
	if dir, err := os.UserCacheDir(); err == nil {
		return datasets.GTCache{Dir: filepath.Join(dir, "milvbench", "gt")}
	}
	return datasets.GTCache{}
}
