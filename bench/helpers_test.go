package bench_test

import (
	"context"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/bench/embedded"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// embeddedRunner parses the workload src, generates its synthetic dataset
// and exact ground truth, and returns a Runner on a fresh embedded target
// (collection milvbench_<name>).
func embeddedRunner(t *testing.T, src string) *bench.Runner {
	t.Helper()
	spec, err := workloads.Parse("w.yaml", []byte(src), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	plan := workloads.NewPlan(spec)
	ctx := context.Background()
	ds, err := datasets.NewSynthetic(ctx, spec.Dataset)
	if err != nil {
		t.Fatal(err)
	}
	truths, err := bench.Truths(ctx, ds, plan, datasets.GTCache{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &bench.Runner{Target: embedded.New(), Plan: plan, Data: ds, Truths: truths, Collection: "milvbench_" + spec.Name, RunID: "t"}
}
