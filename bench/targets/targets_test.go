package targets

import (
	"testing"

	"github.com/milvbench/milvbench/workloads"
)

func TestConnections(t *testing.T) {
	tests := []struct {
		name string
		load workloads.LoadSpec
		want int
	}{
		{"closed: highest concurrency", workloads.LoadSpec{Model: workloads.LoadClosed, Concurrency: []int{1, 3, 2}}, 3},
		{"closed: one worker", workloads.LoadSpec{Model: workloads.LoadClosed, Concurrency: []int{1}}, 1},
		{"closed: capped at 4", workloads.LoadSpec{Model: workloads.LoadClosed, Concurrency: []int{1, 16, 64}}, 4},
		{"closed: capped, many workers", workloads.LoadSpec{Model: workloads.LoadClosed, Concurrency: []int{256}}, 4},
		{"open: one per 1000/s", workloads.LoadSpec{Model: workloads.LoadOpen, Rate: []float64{500, 2500}}, 3},
		{"open: low rate gets the minimum", workloads.LoadSpec{Model: workloads.LoadOpen, Rate: []float64{50}}, 2},
		{"open: capped", workloads.LoadSpec{Model: workloads.LoadOpen, Rate: []float64{100000}}, 4},
		{"capacity: from max_rate, capped", workloads.LoadSpec{Model: workloads.LoadCapacity, StartRate: 100, MaxRate: 20000}, 4},
		{"capacity: low max_rate", workloads.LoadSpec{Model: workloads.LoadCapacity, StartRate: 100, MaxRate: 1500}, 2},
		{"mixed open search", workloads.LoadSpec{Model: workloads.LoadMixed, Rate: []float64{3000}}, 3},
		{"mixed closed search", workloads.LoadSpec{Model: workloads.LoadMixed, Concurrency: []int{2}}, 2},
		{"ingest", workloads.LoadSpec{Model: workloads.LoadIngest}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Connections(tt.load); got != tt.want {
				t.Errorf("Connections = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestMilvusConfigConnections: target.connections is kept as the override;
// 0 takes Connections' default, and the configuration says which it was
// (the target's description shows it beside the count).
func TestMilvusConfigConnections(t *testing.T) {
	load := workloads.LoadSpec{Model: workloads.LoadClosed, Concurrency: []int{1, 64}}
	for _, tt := range []struct {
		set, want int
		from      string
	}{
		{0, 4, "default: " + ConnectionsRule},
		{16, 16, "target.connections"},
		{1, 1, "target.connections"},
	} {
		spec := &workloads.Spec{Target: workloads.TargetSpec{Kind: workloads.TargetMilvus, URI: "http://127.0.0.1:19530", Connections: tt.set}, Load: load}
		cfg, err := milvusConfig(spec, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Connections != tt.want || cfg.ConnectionsFrom != tt.from {
			t.Errorf("target.connections %d: %d connections from %q, want %d from %q", tt.set, cfg.Connections, cfg.ConnectionsFrom, tt.want, tt.from)
		}
	}
}
