// Package targets opens the bench.Target a workload names: the embedded
// engine or a Milvus / Zilliz Cloud server. It is the one place that knows
// every target package, so the CLI and the go test -bench API open targets
// the same way.
package targets

import (
	"context"
	"fmt"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/bench/embedded"
	"github.com/milvbench/milvbench/bench/milvus"
	"github.com/milvbench/milvbench/workloads"
)

// maxConnections caps the gRPC connections sized from the plan.
const maxConnections = 32

// Options are what the caller adds to the workload's target section.
type Options struct {
	// AllowForeign names a collection milvbench did not create that it may
	// drop and recreate (Milvus only; the CLI's --allow-foreign).
	AllowForeign string
	// Log receives the target's progress lines; nil discards them.
	Log func(format string, args ...any)
}

// CollectionName is the collection a run of spec creates: the workload's
// target.collection, or milvbench_<name>.
func CollectionName(spec *workloads.Spec) string {
	if spec.Target.Collection != "" {
		return spec.Target.Collection
	}
	return "milvbench_" + spec.Name
}

// Open connects spec's target. For Milvus the connection pool is sized from
// the highest concurrency of the workload (at most 32) unless the workload
// sets target.connections.
func Open(ctx context.Context, spec *workloads.Spec, opts Options) (bench.Target, error) {
	switch spec.Target.Kind {
	case workloads.TargetEmbedded:
		if opts.AllowForeign != "" {
			return nil, fmt.Errorf("allow-foreign applies to target kind milvus only")
		}
		return embedded.New(), nil
	case workloads.TargetMilvus:
		cfg, err := milvus.ConfigFrom(spec.Target)
		if err != nil {
			return nil, err
		}
		cfg.AllowForeign = opts.AllowForeign
		if cfg.Connections == 0 {
			for _, c := range spec.Load.Concurrency {
				cfg.Connections = max(cfg.Connections, c)
			}
			cfg.Connections = min(cfg.Connections, maxConnections)
		}
		cfg.Log = opts.Log
		if cfg.Log == nil {
			cfg.Log = func(string, ...any) {}
		}
		return milvus.New(ctx, cfg)
	}
	return nil, fmt.Errorf("%s: unknown target kind %q", spec.File, spec.Target.Kind)
}
