package embedded

import (
	"context"
	"fmt"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/datasets/sparse"
	"github.com/milvbench/milvbench/workloads"
)

// benchDrops are the drop_ratio_search values the sparse benchmarks sweep.
var benchDrops = []float64{0, 0.3, 0.6}

// BenchmarkSparseSearch measures one sparse query per request on one
// goroutine over 20,000 SPLADE-shaped rows (sparse.DefaultSyntheticSpec:
// 30,000 dims, ≈120 non-zeros per row, 20–40 per query), per algorithm
// and drop_ratio_search, reporting recall@10 against sparse.ExactIP and
// the postings scored per query.
func BenchmarkSparseSearch(b *testing.B) {
	ctx := context.Background()
	spec := sparse.DefaultSyntheticSpec(20000, 200, 42)
	g, qs, err := sparse.NewSynthetic(spec)
	if err != nil {
		b.Fatal(err)
	}
	var rows []sparse.Vector
	if err := g.Scan(ctx, 4096, func(_ int64, batch []sparse.Vector) error {
		for _, v := range batch {
			rows = append(rows, v.Clone())
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	gt, err := sparse.ExactIP(ctx, sparse.Vectors{Rows: rows, DimsLen: g.Dims()}, qs, sparse.Options{K: 10})
	if err != nil {
		b.Fatal(err)
	}
	benchField(b, "sp", gt, func(algo string) *Target {
		return fieldTarget(b, nil, rows, nil, "", nil, sparseCfg("sp", algo, 0, nil))
	}, func(i int, p workloads.Params) bench.SearchRequest {
		return bench.SearchRequest{Kind: workloads.KindSparse, Field: "sp", Sparse: qs[i : i+1], TopK: 10, Params: p}
	}, len(qs))
}

// BenchmarkBM25Search measures one full-text query per request on one
// goroutine over 30,000 synthetic documents (sparse.DefaultTextSpec:
// 30,000-word Zipf vocabulary, ≈60 words each, queries of 2–8 words),
// standard analyzer, k1 1.2, b 0.75, per algorithm and drop_ratio_search,
// reporting recall@10 against sparse.ExactBM25.
func BenchmarkBM25Search(b *testing.B) {
	ctx := context.Background()
	g, qs, err := sparse.NewSyntheticText(sparse.DefaultTextSpec(30000, 200, 42))
	if err != nil {
		b.Fatal(err)
	}
	var docs []string
	if err := g.Scan(ctx, 4096, func(_ int64, d []string) error {
		docs = append(docs, d...)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	a, _ := sparse.NewAnalyzer(sparse.AnalyzerStandard, nil)
	gt, _, err := sparse.ExactBM25(ctx, sparse.Texts(docs), qs, sparse.BM25Params{K1: workloads.DefaultBM25K1, B: workloads.DefaultBM25B, Analyzer: a}, sparse.Options{K: 10})
	if err != nil {
		b.Fatal(err)
	}
	benchField(b, "text", gt, func(algo string) *Target {
		return fieldTarget(b, nil, nil, docs, "", nil, sparseCfg("text", algo, 0, nil))
	}, func(i int, p workloads.Params) bench.SearchRequest {
		return bench.SearchRequest{Kind: workloads.KindBM25, Field: "text", Texts: qs[i : i+1], TopK: 10, Params: p}
	}, len(qs))
}

// benchField runs the sub-benchmarks algorithm/drop_ratio_search of one
// field's requests.
func benchField(b *testing.B, field string, gt *datasets.GroundTruth, build func(algo string) *Target, req func(i int, p workloads.Params) bench.SearchRequest, nq int) {
	ctx := context.Background()
	for _, algo := range workloads.SparseAlgorithms() {
		tg := build(algo)
		for _, drop := range benchDrops {
			b.Run(fmt.Sprintf("%s/drop=%g", algo, drop), func(b *testing.B) {
				p := workloads.Params{"drop_ratio_search": drop}
				var sum float64
				i := 0
				c0 := cpuNow()
				for b.Loop() {
					qi := i % nq
					res, err := tg.Search(ctx, req(qi, p))
					if err != nil {
						b.Fatal(err)
					}
					sum += bench.Recall(gt, qi, 10, res.IDs[0])
					i++
				}
				b.ReportMetric(sum/float64(i), "recall")
				b.ReportMetric(float64((cpuNow()-c0).Nanoseconds())/float64(i), "cpu-ns/op")
				b.ReportMetric(float64(tg.IndexMemoryBytes()), "index-bytes")
				// Postings scored per query, outside the timed loop.
				r := req(0, p)
				_, work := tg.runField(field, r.Sparse, r.Texts, 10, drop)
				var total int64 = work
				for qi := 1; qi < nq; qi++ {
					r := req(qi, p)
					_, w := tg.runField(field, r.Sparse, r.Texts, 10, drop)
					total += w
				}
				b.ReportMetric(float64(total)/float64(nq), "postings/op")
			})
		}
	}
}
