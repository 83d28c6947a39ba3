package benchtest_test

import (
	"fmt"
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

// Example benchmarks a workload built in code (2,000 clustered 16-d
// vectors; FLAT, and HNSW at two ef values) on the embedded engine. In a
// _test.go file the benchmark is
//
//	func BenchmarkSearch(b *testing.B) { benchtest.Run(b, w) }
//
// and `go test -bench Search` prints one line per point, named as Names
// says, with ns/op, recall, p50-ns, p99-ns and qps. Here testing.Benchmark
// runs it in-process.
func Example() {
	w := benchtest.Spec(&workloads.Spec{
		Name:    "example",
		Dataset: workloads.DatasetSpec{Size: 2000, Dim: 16, Queries: 50, Seed: 1},
		Indexes: []workloads.IndexSweep{
			{Type: "FLAT"},
			{Type: "HNSW", Build: map[string][]workloads.Value{"M": {int64(8)}, "efConstruction": {int64(40)}},
				Search: map[string][]workloads.Value{"ef": {int64(16), int64(64)}}},
		},
		Search: workloads.SearchSweep{TopK: []int{10}},
		Load:   workloads.LoadSpec{Concurrency: []int{1}},
	})
	names, err := benchtest.Names(w)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range names {
		fmt.Println("BenchmarkSearch/" + name)
	}

	ok := false
	testing.Benchmark(func(b *testing.B) {
		benchtest.Run(b, w)
		ok = !b.Failed()
	})
	fmt.Println("every point measured:", ok)
	// Output:
	// BenchmarkSearch/index=FLAT/topk=10/nq=1/c=1
	// BenchmarkSearch/index=HNSW/M=8/efConstruction=40/ef=16/topk=10/nq=1/c=1
	// BenchmarkSearch/index=HNSW/M=8/efConstruction=40/ef=64/topk=10/nq=1/c=1
	// every point measured: true
}
