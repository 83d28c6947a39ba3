package main

import (
	"context"
	"fmt"
	"io"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/bench/targets"
	"github.com/milvbench/milvbench/workloads"
)

// targetOptions are the run flags that concern the target.
type targetOptions struct {
	allowForeign string
}

// collectionName is the collection a workload's run creates.
func collectionName(spec *workloads.Spec) string { return targets.CollectionName(spec) }

// openTarget connects the workload's target, after checking that
// --allow-foreign, if given, names this run's Milvus collection.
func openTarget(ctx context.Context, spec *workloads.Spec, opts targetOptions, progress io.Writer) (bench.Target, error) {
	if opts.allowForeign != "" {
		if spec.Target.Kind != workloads.TargetMilvus {
			return nil, usageError{fmt.Errorf("--allow-foreign applies to target kind milvus only")}
		}
		if opts.allowForeign != collectionName(spec) {
			return nil, usageError{fmt.Errorf("--allow-foreign %s does not name this run's collection %s", opts.allowForeign, collectionName(spec))}
		}
	}
	if spec.Target.Kind == workloads.TargetMilvus {
		fmt.Fprintf(progress, "target milvus at %s ...\n", spec.Target.URI)
	}
	return targets.Open(ctx, spec, targets.Options{
		AllowForeign: opts.allowForeign,
		Log:          func(format string, args ...any) { fmt.Fprintf(progress, format+"\n", args...) },
	})
}
