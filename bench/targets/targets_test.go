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
		{"closed: highest concurrency", workloads.LoadSpec{Model: workloads.LoadClosed, Concurrency: []int{1, 8, 4}}, 8},
		{"closed: capped", workloads.LoadSpec{Model: workloads.LoadClosed, Concurrency: []int{256}}, 32},
		{"open: one per 1000/s", workloads.LoadSpec{Model: workloads.LoadOpen, Rate: []float64{500, 5500}}, 6},
		{"open: low rate gets the minimum", workloads.LoadSpec{Model: workloads.LoadOpen, Rate: []float64{50}}, 2},
		{"open: capped", workloads.LoadSpec{Model: workloads.LoadOpen, Rate: []float64{100000}}, 32},
		{"capacity: from max_rate", workloads.LoadSpec{Model: workloads.LoadCapacity, StartRate: 100, MaxRate: 20000}, 20},
		{"mixed open search", workloads.LoadSpec{Model: workloads.LoadMixed, Rate: []float64{3000}}, 3},
		{"mixed closed search", workloads.LoadSpec{Model: workloads.LoadMixed, Concurrency: []int{4}}, 4},
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
