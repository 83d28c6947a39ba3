package benchtest_test

import (
	"os"
	"testing"

	"github.com/milvbench/milvbench/benchtest"
	"github.com/milvbench/milvbench/workloads"
)

// BenchmarkQuickstart benchmarks the quickstart example (FLAT and an HNSW
// ef sweep on 50k clustered 128-d vectors) on the embedded target:
//
//	go test -bench=Quickstart -run='^$' ./benchtest/
func BenchmarkQuickstart(b *testing.B) {
	benchtest.Run(b, benchtest.Example("quickstart"))
}

// BenchmarkMilvus benchmarks a workload built in code against the Milvus
// server at MILVUS_URI (token from MILVUS_TOKEN, if it needs one):
//
//	MILVUS_URI=http://127.0.0.1:19530 go test -bench=Milvus -run='^$' ./benchtest/
func BenchmarkMilvus(b *testing.B) {
	if os.Getenv("MILVUS_URI") == "" {
		b.Skip("MILVUS_URI is not set: point it at a Milvus server to benchmark it (e.g. MILVUS_URI=http://127.0.0.1:19530; make test starts a local one)")
	}
	benchtest.Run(b, benchtest.Spec(smallHNSW(workloads.TargetMilvus)))
}

// smallHNSW is a workload built in code: 5,000 clustered 32-d vectors, HNSW
// with an ef sweep, one and two clients.
func smallHNSW(kind string) *workloads.Spec {
	return &workloads.Spec{
		Name:    "benchtest_small",
		Target:  workloads.TargetSpec{Kind: kind},
		Dataset: workloads.DatasetSpec{Size: 5000, Dim: 32, Queries: 200, Seed: 7},
		Indexes: []workloads.IndexSweep{{
			Type:   "HNSW",
			Build:  map[string][]workloads.Value{"M": {int64(16)}, "efConstruction": {int64(100)}},
			Search: map[string][]workloads.Value{"ef": {int64(16), int64(64)}},
		}},
		Search: workloads.SearchSweep{TopK: []int{10}},
		Load:   workloads.LoadSpec{Concurrency: []int{1, 2}},
	}
}
