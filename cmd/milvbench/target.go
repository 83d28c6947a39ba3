package main

import (
	"context"
	"fmt"
	"io"
	"math"

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
// is sized from the load (connectionsFor) unless the workload sets it.
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
			cfg.Connections = connectionsFor(spec.Load)
		}
		cfg.Log = func(format string, args ...any) { fmt.Fprintf(progress, format+"\n", args...) }
		fmt.Fprintf(progress, "target milvus at %s, %d connections ...\n", spec.Target.URI, cfg.Connections)
		return milvus.New(ctx, cfg)
	}
	return nil, fmt.Errorf("%s: unknown target kind %q", spec.File, spec.Target.Kind)
}

// Connection pool sizing: at most maxConnections gRPC connections; an open
// loop gets one per ratePerConnection requests/s of its highest offered rate
// (capacity: load.max_rate), at least minOpenConnections.
const (
	maxConnections     = 32
	ratePerConnection  = 1000
	minOpenConnections = 2
)

// connectionsFor sizes the Milvus connection pool for a load: a closed loop
// gets one connection per worker of its highest concurrency, an open loop
// (which may have many requests in flight, multiplexed over HTTP/2) one per
// ratePerConnection requests/s, both capped at maxConnections.
func connectionsFor(l workloads.LoadSpec) int {
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
