package embedded

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// benchIndexes are the configurations the benchmarks build and search, at
// sizes that keep `go test -bench .` to seconds per index.
var benchIndexes = []struct {
	name   string
	cfg    workloads.IndexConfig
	search workloads.Params
}{
	{"FLAT", workloads.IndexConfig{Type: "FLAT"}, nil},
	{"IVF_FLAT", workloads.IndexConfig{Type: "IVF_FLAT", Build: workloads.Params{"nlist": int64(128)}}, workloads.Params{"nprobe": int64(8)}},
	{"IVF_SQ8", workloads.IndexConfig{Type: "IVF_SQ8", Build: workloads.Params{"nlist": int64(128)}}, workloads.Params{"nprobe": int64(8)}},
	{"IVF_PQ", workloads.IndexConfig{Type: "IVF_PQ", Build: workloads.Params{"nlist": int64(128), "m": int64(16), "nbits": int64(8)}}, workloads.Params{"nprobe": int64(8)}},
	{"HNSW", workloads.IndexConfig{Type: "HNSW", Build: workloads.Params{"M": int64(16), "efConstruction": int64(100)}}, workloads.Params{"ef": int64(32)}},
}

const benchRows, benchDim = 20000, 128

func BenchmarkBuild(b *testing.B) {
	base := clustered(11, benchRows, benchDim, 50)
	for _, bi := range benchIndexes {
		b.Run(bi.name, func(b *testing.B) {
			for b.Loop() {
				newLoaded(b, bi.cfg, workloads.L2, base)
			}
			b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkSearch measures one query per request on one goroutine and
// reports recall@10 against FLAT.
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	base := clustered(11, benchRows, benchDim, 50)
	queries := clustered(12, 200, benchDim, 50)
	exact := newLoaded(b, workloads.IndexConfig{Type: "FLAT"}, workloads.L2, base)
	truth, err := exact.Search(ctx, bench.SearchRequest{Vectors: queries, TopK: 10})
	if err != nil {
		b.Fatal(err)
	}
	for _, bi := range benchIndexes {
		b.Run(bi.name, func(b *testing.B) {
			tg := newLoaded(b, bi.cfg, workloads.L2, base)
			var sum float64
			i := 0
			c0 := cpuNow()
			for b.Loop() {
				qi := i % len(queries)
				res, err := tg.Search(ctx, bench.SearchRequest{Vectors: queries[qi : qi+1], TopK: 10, Params: bi.search})
				if err != nil {
					b.Fatal(err)
				}
				sum += recallOf(res.IDs[0], truth.IDs[qi])
				i++
			}
			b.ReportMetric(sum/float64(i), "recall")
			b.ReportMetric(float64((cpuNow()-c0).Nanoseconds())/float64(i), "cpu-ns/op")
			b.ReportMetric(float64(tg.IndexMemoryBytes()), "index-bytes")
		})
	}
}

// BenchmarkFlatBatch measures FLAT answering 1000 queries in one request.
func BenchmarkFlatBatch(b *testing.B) {
	base := clustered(11, benchRows, benchDim, 50)
	queries := clustered(12, 1000, benchDim, 50)
	tg := newLoaded(b, workloads.IndexConfig{Type: "FLAT"}, workloads.L2, base)
	for b.Loop() {
		if _, err := tg.Search(context.Background(), bench.SearchRequest{Vectors: queries, TopK: 10}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(queries)*b.N)/b.Elapsed().Seconds(), "queries/s")
}

// realBench loads a real set written by `make peers`
// ($MILVBENCH_CACHE or .cache, then peers/<name>), or skips.
func realBench(b *testing.B, name string) (base, queries [][]float32, truth [][]int32, m workloads.Metric) {
	b.Helper()
	cache := os.Getenv("MILVBENCH_CACHE")
	if cache == "" {
		cache = filepath.Join(repoRoot(b), ".cache")
	}
	dir := filepath.Join(cache, "peers", name)
	var err error
	if base, err = datasets.ReadFvecs(filepath.Join(dir, "base.fvecs")); err != nil {
		b.Skipf("%v (make peers writes the real sets)", err)
	}
	if queries, err = datasets.ReadFvecs(filepath.Join(dir, "query.fvecs")); err != nil {
		b.Fatal(err)
	}
	if truth, err = datasets.ReadIvecs(filepath.Join(dir, "gt.ivecs")); err != nil {
		b.Fatal(err)
	}
	m = map[string]workloads.Metric{"minilm": workloads.Cosine, "synthetic": workloads.L2}[name]
	if m == "" {
		m = workloads.IP
	}
	return base, queries, truth, m
}

// BenchmarkSearchReal measures one query per request on one goroutine on
// the real sets of `make peers` (GloVe 50-d, MiniLM 384-d): FLAT, and HNSW
// at ef 64 (M=16, efConstruction=200 as make peers builds). cpu-ns/op is the
// process's CPU time per query: run with -cpu 1 so it is the search's.
func BenchmarkSearchReal(b *testing.B) {
	ctx := context.Background()
	for _, set := range []string{"glove50", "minilm"} {
		for _, bi := range []struct {
			name   string
			cfg    workloads.IndexConfig
			search workloads.Params
		}{
			{"FLAT", workloads.IndexConfig{Type: "FLAT"}, nil},
			{"HNSW", workloads.IndexConfig{Type: "HNSW", Build: workloads.Params{"M": int64(16), "efConstruction": int64(200)}}, workloads.Params{"ef": int64(64)}},
		} {
			b.Run(set+"/"+bi.name, func(b *testing.B) {
				base, queries, truth, m := realBench(b, set)
				tg := newLoaded(b, bi.cfg, m, base)
				var sum float64
				i := 0
				c0 := cpuNow()
				for b.Loop() {
					qi := i % len(queries)
					res, err := tg.Search(ctx, bench.SearchRequest{Vectors: queries[qi : qi+1], TopK: 10, Params: bi.search})
					if err != nil {
						b.Fatal(err)
					}
					want := make([]int64, 10)
					for j := range want {
						want[j] = int64(truth[qi][j])
					}
					sum += recallOf(res.IDs[0], want)
					i++
				}
				b.ReportMetric(sum/float64(i), "recall")
				b.ReportMetric(float64((cpuNow()-c0).Nanoseconds())/float64(i), "cpu-ns/op")
			})
		}
	}
}

// BenchmarkBatchReal measures one request carrying all 1,000 queries of a
// real set of `make peers` (as make peers measures FLAT and the IVF
// indexes): FLAT, and IVF_PQ (nlist 1024, m as make peers picks, 8 bits) at
// nprobe 8 and 32. queries/cpu-s is over the process's CPU time: run with
// -cpu 1 so it is the search's.
func BenchmarkBatchReal(b *testing.B) {
	ctx := context.Background()
	for _, set := range []string{"glove50", "minilm"} {
		pqm := map[string]int64{"glove50": 10, "minilm": 16}[set]
		for _, bi := range []struct {
			name   string
			cfg    workloads.IndexConfig
			search workloads.Params
		}{
			{"FLAT", workloads.IndexConfig{Type: "FLAT"}, nil},
			{"IVF_PQ/nprobe8", workloads.IndexConfig{Type: "IVF_PQ", Build: workloads.Params{"nlist": int64(1024), "m": pqm, "nbits": int64(8)}}, workloads.Params{"nprobe": int64(8)}},
			{"IVF_PQ/nprobe32", workloads.IndexConfig{Type: "IVF_PQ", Build: workloads.Params{"nlist": int64(1024), "m": pqm, "nbits": int64(8)}}, workloads.Params{"nprobe": int64(32)}},
		} {
			b.Run(set+"/"+bi.name, func(b *testing.B) {
				base, queries, _, m := realBench(b, set)
				tg := newLoaded(b, bi.cfg, m, base)
				c0 := cpuNow()
				for b.Loop() {
					if _, err := tg.Search(ctx, bench.SearchRequest{Vectors: queries, TopK: 10, Params: bi.search}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(queries)*b.N)/(cpuNow()-c0).Seconds(), "queries/cpu-s")
			})
		}
	}
}
