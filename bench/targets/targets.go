// Package targets opens the bench.Target a workload names: the embedded
// engine or a Milvus / Zilliz Cloud server. It is the one place that knows
// every target package, so the CLI and the go test -bench API open targets
// the same way.
package targets

import (
	"context"
	"fmt"
	"math"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/bench/embedded"
	"github.com/milvbench/milvbench/bench/milvus"
	"github.com/milvbench/milvbench/workloads"
)

// Connection pool sizing: at most maxConnections gRPC connections; an open
// loop gets one per ratePerConnection requests/s of its highest offered rate
// (capacity: load.max_rate), at least minOpenConnections.
const (
	maxConnections     = 32
	ratePerConnection  = 1000
	minOpenConnections = 2
)

// Connections sizes the Milvus connection pool for a load: a closed loop
// gets one connection per worker of its highest concurrency, an open loop
// (which may have many requests in flight, multiplexed over HTTP/2) one per
// ratePerConnection requests/s, both capped at maxConnections.
func Connections(l workloads.LoadSpec) int {
	n := 0
	for _, c := range l.Concurrency {
		n = max(n, c)
	}
	if l.OpenSearch() {
		rate := l.MaxRate
		if l.Model != workloads.LoadCapacity {
			rate = 0
			for _, r := range l.Rate {
				rate = max(rate, r)
			}
		}
		n = max(n, minOpenConnections, int(math.Ceil(rate/ratePerConnection)))
	}
	return min(max(n, 1), maxConnections)
}

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
// the load (Connections) unless the workload sets target.connections.
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
			cfg.Connections = Connections(spec.Load)
		}
		cfg.Log = opts.Log
		if cfg.Log == nil {
			cfg.Log = func(string, ...any) {}
		}
		return milvus.New(ctx, cfg)
	}
	return nil, fmt.Errorf("%s: unknown target kind %q", spec.File, spec.Target.Kind)
}
