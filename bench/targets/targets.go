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

// Connection pool sizing, when the workload leaves target.connections at
// 0: at most maxConnections gRPC connections; an open loop gets one per
// ratePerConnection requests/s of its highest offered rate (capacity:
// load.max_rate), at least minOpenConnections.
//
// maxConnections is measured (BenchmarkCannedSearch in bench/milvus: a
// canned gRPC server in a child process, concurrency 1, 16 and 64 over 1 to
// 32 connections, 18 runs each on a shared 2-core host): gRPC batches the
// frames of concurrent calls on one connection into fewer syscalls, so at
// concurrency 16 and 64 a search cost the client 28–64% more CPU on 16 or
// 32 connections than on one, and it sent 30–43% fewer searches/s; on 2 or
// 4 connections the cost was within 12% of one connection's and the rate
// not measurably lower; from 8 on the cost rose 18–27%. Against Milvus Lite
// (about 150 searches/s) 1, 2, 4, 16 and 32 connections answered the same
// searches/s within the runs' spread. Four rather than one or two keep
// requests spread over several proxies of a server behind a load balancer,
// which balances connections, not requests (not measured here).
const (
	maxConnections     = 4
	ratePerConnection  = 1000
	minOpenConnections = 2
)

// ConnectionsRule is the default pool size in words, for the target's
// description and messages.
const ConnectionsRule = "the plan's highest concurrency, at most 4; open loop 2 to 4, one per 1000 requests/s"

// Connections sizes the Milvus connection pool for a load when the workload
// does not set target.connections: a closed loop gets one connection per
// worker of its highest concurrency, an open loop (which may have many
// requests in flight, multiplexed over HTTP/2) one per ratePerConnection
// requests/s and at least minOpenConnections, both capped at
// maxConnections: more connections cost the generator CPU per request
// without adding throughput (see maxConnections).
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
		cfg, err := milvusConfig(spec, opts)
		if err != nil {
			return nil, err
		}
		return milvus.New(ctx, cfg)
	}
	return nil, fmt.Errorf("%s: unknown target kind %q", spec.File, spec.Target.Kind)
}

// milvusConfig is the Milvus target's configuration for spec: its target
// section, the pool sized by Connections unless target.connections is set
// (ConnectionsFrom records which), and opts.
func milvusConfig(spec *workloads.Spec, opts Options) (milvus.Config, error) {
	cfg, err := milvus.ConfigFrom(spec.Target)
	if err != nil {
		return cfg, err
	}
	cfg.AllowForeign = opts.AllowForeign
	cfg.ConnectionsFrom = "target.connections"
	if cfg.Connections == 0 {
		cfg.Connections = Connections(spec.Load)
		cfg.ConnectionsFrom = "default: " + ConnectionsRule
	}
	cfg.Log = opts.Log
	if cfg.Log == nil {
		cfg.Log = func(string, ...any) {}
	}
	return cfg, nil
}
