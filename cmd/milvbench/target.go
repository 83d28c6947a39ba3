package main

import (
	"context"
	"fmt"
	"io"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/bench/embedded"
	"github.com/milvbench/milvbench/bench/milvus"
	"github.com/milvbench/milvbench/workloads"
)

// targetOptions are the run flags that concern the target.
type targetOptions struct {
	allowForeign string
}

// collectionName is the collection a workload's run creates.
func collectionName(spec *workloads.Spec) string {
	if spec.Target.Collection != "" {
		return spec.Target.Collection
	}
	return "milvbench_" + spec.Name
}

// openTarget connects the workload's target. For Milvus the connection pool
// is sized from the plan's highest concurrency unless the workload sets it.
func openTarget(ctx context.Context, spec *workloads.Spec, plan *workloads.Plan, opts targetOptions, progress io.Writer) (bench.Target, error) {
	switch spec.Target.Kind {
	case workloads.TargetEmbedded:
		if opts.allowForeign != "" {
			return nil, usageError{fmt.Errorf("--allow-foreign applies to target kind milvus only")}
		}
		return embedded.New(), nil
	case workloads.TargetMilvus:
		cfg, err := milvus.ConfigFrom(spec.Target)
		if err != nil {
			return nil, err
		}
		if opts.allowForeign != "" && opts.allowForeign != collectionName(spec) {
			return nil, usageError{fmt.Errorf("--allow-foreign %s does not name this run's collection %s", opts.allowForeign, collectionName(spec))}
		}
		cfg.AllowForeign = opts.allowForeign
		if cfg.Connections == 0 {
			for _, c := range spec.Load.Concurrency {
				cfg.Connections = max(cfg.Connections, c)
			}
			cfg.Connections = min(cfg.Connections, 32)
		}
		cfg.Log = func(format string, args ...any) { fmt.Fprintf(progress, format+"\n", args...) }
		fmt.Fprintf(progress, "target milvus at %s, %d connections ...\n", spec.Target.URI, cfg.Connections)
		return milvus.New(ctx, cfg)
	}
	return nil, fmt.Errorf("%s: unknown target kind %q", spec.File, spec.Target.Kind)
}
