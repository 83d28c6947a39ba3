package bench_test

import (
	"context"
	"sort"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/datasets/sparse"
	"github.com/milvbench/milvbench/workloads"
)

// TestKindTruthsHybridBruteForce: the hybrid ground truth equals the
// fusion of rankings computed here by brute force (a loop over every row),
// for each ranker; sparse ground truth equals the brute-force ranking.
func TestKindTruthsHybridBruteForce(t *testing.T) {
	const src = `name: kt
dataset: {size: 600, dim: 8, metric: IP, queries: 12, seed: 5}
fields:
  - {name: vector, type: dense}
  - {name: sp, type: sparse, data: {source: synthetic, dims: 300, nnz: 20, query_nnz: 6}}
indexes: [{type: FLAT}, {type: SPARSE_INVERTED_INDEX, field: sp}]
search:
  kind: [sparse, hybrid]
  field: sp
  topk: 5
  hybrid:
    requests: [{field: vector, limit: [7, 15]}, {field: sp, limit: 9}]
    ranker: weighted
    weights: [[0.7, 0.3]]
    norm_score: true
`
	spec, err := workloads.Parse("kt.yaml", []byte(src), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ds, err := datasets.NewSynthetic(ctx, spec.Dataset)
	if err != nil {
		t.Fatal(err)
	}
	fields, err := bench.LoadFields(ctx, spec, ".", ds.Base.Size(), len(ds.Queries))
	if err != nil {
		t.Fatal(err)
	}
	plan := workloads.NewPlan(spec)
	for _, style := range []string{bench.FusionMilvus, bench.FusionLite} {
		kts, err := bench.KindTruths(ctx, ds, fields, plan, style, datasets.GTCache{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		base := allRows(t, ds)
		sp := fields[0]
		checked := 0
		for _, b := range plan.Builds {
			for _, pt := range b.Points {
				gt := kts[bench.TruthKey(b.Indexes(), pt)]
				for q := range ds.Queries {
					dense := brute(len(base), func(i int) float32 { return dot(base[i], ds.Queries[q]) })
					sparseRank := brute(len(sp.Sparse), func(i int) float32 { return sparse.Dot(sp.Sparse[i], sp.SparseQueries[q]) })
					want := sparseRank
					if pt.Hybrid != nil {
						routes := [][]bench.Hit{dense[:pt.Hybrid.Requests[0].Limit], sparseRank[:pt.Hybrid.Requests[1].Limit]}
						want = bench.Fuse(routes, []string{"IP", "IP"}, pt.Hybrid, style, 0)
					}
					for j := 0; j < pt.TopK; j++ {
						// scores, not ids: near-ties may order apart with the
						// kernels' summation order
						if d := -gt.Dists[q][j] - want[j].Score; d > 1e-5 || d < -1e-5 {
							t.Fatalf("%s %s query %d rank %d: score %g, brute force %g", style, bench.TruthKey(b.Indexes(), pt), q, j, -gt.Dists[q][j], want[j].Score)
						}
					}
					checked++
				}
			}
		}
		if checked != 5*len(ds.Queries) { // build 1: 2 hybrid points; build 2: sparse and 2 hybrid
			t.Fatalf("checked %d queries", checked)
		}
	}
}

func allRows(t *testing.T, ds *datasets.Dataset) [][]float32 {
	var out [][]float32
	err := ds.Base.Scan(context.Background(), 256, func(_ int64, vecs [][]float32) error {
		for _, v := range vecs {
			out = append(out, append([]float32(nil), v...))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func dot(a, b []float32) float32 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// brute ranks rows 0..n-1 by score, best first, ties by id.
func brute(n int, score func(i int) float32) []bench.Hit {
	hits := make([]bench.Hit, n)
	for i := range hits {
		hits[i] = bench.Hit{ID: int64(i), Score: score(i)}
	}
	sort.SliceStable(hits, func(a, b int) bool { return hits[a].Score > hits[b].Score })
	return hits
}
