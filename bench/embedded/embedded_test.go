package embedded

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/internal/vecmath"
	"github.com/milvbench/milvbench/workloads"
)

// clustered returns n vectors of dim around c random centres.
func clustered(seed uint64, n, dim, c int) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	centres := make([][]float32, c)
	for i := range centres {
		centres[i] = make([]float32, dim)
		for j := range dim {
			centres[i][j] = float32(r.NormFloat64())
		}
	}
	out := make([][]float32, n)
	for i := range out {
		ctr := centres[r.IntN(c)]
		out[i] = make([]float32, dim)
		for j := range dim {
			out[i][j] = ctr[j] + 0.3*float32(r.NormFloat64())
		}
	}
	return out
}

// exactTopK returns the ids of the k nearest base vectors to q under m.
func exactTopK(base [][]float32, q []float32, k int, m workloads.Metric) []int64 {
	dist := datasets.Distance(m)
	q = datasets.Prepare(m, q)
	type nd struct {
		d  float32
		id int64
	}
	all := make([]nd, len(base))
	for i, v := range base {
		all[i] = nd{dist(q, datasets.Prepare(m, v)), int64(i)}
	}
	sort.Slice(all, func(a, b int) bool { return all[a].d < all[b].d })
	ids := make([]int64, k)
	for i := range ids {
		ids[i] = all[i].id
	}
	return ids
}

func recallOf(got, want []int64) float64 {
	set := map[int64]bool{}
	for _, id := range want {
		set[id] = true
	}
	hit := 0
	for _, id := range got {
		if set[id] {
			hit++
		}
	}
	return float64(hit) / float64(len(want))
}

func newLoaded(t testing.TB, cfg workloads.IndexConfig, m workloads.Metric, base [][]float32) *Target {
	t.Helper()
	return newLoadedSpec(t, bench.CollectionSpec{Name: "t", Dim: len(base[0]), Metric: m}, cfg, base)
}

// newLoadedSpec makes the collection spec describes, inserts base with ids
// 0..n-1, builds cfg and loads it.
func newLoadedSpec(t testing.TB, spec bench.CollectionSpec, cfg workloads.IndexConfig, base [][]float32) *Target {
	t.Helper()
	ctx := context.Background()
	tg := New()
	if err := tg.Create(ctx, spec); err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(base))
	for i := range ids {
		ids[i] = int64(i)
	}
	if err := tg.Insert(ctx, ids, base); err != nil {
		t.Fatal(err)
	}
	if err := tg.BuildIndex(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if err := tg.Load(ctx); err != nil {
		t.Fatal(err)
	}
	return tg
}

var testIndexes = []struct {
	cfg        workloads.IndexConfig
	search     workloads.Params
	minRecall  float64 // L2 and COSINE
	minIP      float64 // IP over unnormalised vectors is harder for graphs
	exactFirst bool    // a stored vector is its own nearest neighbour (L2, COSINE)
}{
	{workloads.IndexConfig{Type: "FLAT"}, nil, 1, 1, true},
	{workloads.IndexConfig{Type: "HNSW", Build: workloads.Params{"M": int64(16), "efConstruction": int64(100)}}, workloads.Params{"ef": int64(100)}, 0.95, 0.7, true},
	{workloads.IndexConfig{Type: "HNSW_SQ", Build: workloads.Params{"M": int64(16), "efConstruction": int64(100)}}, workloads.Params{"ef": int64(100)}, 0.85, 0.6, false},
	{workloads.IndexConfig{Type: "HNSW_SQ", Build: workloads.Params{"M": int64(16), "efConstruction": int64(100), "sq_type": "SQ8", "refine": true}}, workloads.Params{"ef": int64(100), "refine_k": 2.0}, 0.95, 0.7, true},
	{workloads.IndexConfig{Type: "HNSW_SQ", Build: workloads.Params{"M": int64(16), "efConstruction": int64(100), "sq_type": "FP16"}}, workloads.Params{"ef": int64(100)}, 0.95, 0.7, true},
	{workloads.IndexConfig{Type: "IVF_FLAT", Build: workloads.Params{"nlist": int64(32)}}, workloads.Params{"nprobe": int64(32)}, 1, 1, true},
	{workloads.IndexConfig{Type: "IVF_SQ8", Build: workloads.Params{"nlist": int64(32)}}, workloads.Params{"nprobe": int64(32)}, 0.9, 0.9, false},
	{workloads.IndexConfig{Type: "IVF_PQ", Build: workloads.Params{"nlist": int64(32), "m": int64(8), "nbits": int64(8)}}, workloads.Params{"nprobe": int64(32)}, 0.6, 0.6, false},
	{workloads.IndexConfig{Type: "IVF_PQ", Build: workloads.Params{"nlist": int64(16), "m": int64(4), "nbits": int64(9)}}, workloads.Params{"nprobe": int64(16)}, 0.5, 0.5, false},
}

func TestRecallAndInsertAfterBuild(t *testing.T) {
	const dim, k = 32, 10
	base := clustered(1, 2000, dim, 20)
	queries := clustered(2, 30, dim, 20)
	extra := clustered(3, 200, dim, 20)
	for _, ti := range testIndexes {
		for _, m := range []workloads.Metric{workloads.L2, workloads.IP, workloads.Cosine} {
			t.Run(fmt.Sprintf("%s_%s_%s", ti.cfg.Type, workloads.FormatParams(ti.cfg.Build), m), func(t *testing.T) {
				ctx := context.Background()
				minRecall, exactFirst := ti.minRecall, ti.exactFirst
				if m == workloads.IP {
					minRecall, exactFirst = ti.minIP, false
				}
				tg := newLoaded(t, ti.cfg, m, base)
				res, err := tg.Search(ctx, bench.SearchRequest{Vectors: queries, TopK: k, Params: ti.search})
				if err != nil {
					t.Fatal(err)
				}
				var sum float64
				for qi, q := range queries {
					sum += recallOf(res.IDs[qi], exactTopK(base, q, k, m))
				}
				if r := sum / float64(len(queries)); r < minRecall {
					t.Errorf("recall@%d = %.3f, want ≥ %.2f", k, r, minRecall)
				}
				if mem := tg.IndexMemoryBytes(); mem <= 0 {
					t.Errorf("IndexMemoryBytes = %d, want > 0", mem)
				}

				// Rows inserted after the build are found.
				ids := make([]int64, len(extra))
				for i := range ids {
					ids[i] = int64(len(base) + i)
				}
				if err := tg.Insert(ctx, ids, extra); err != nil {
					t.Fatal(err)
				}
				res, err = tg.Search(ctx, bench.SearchRequest{Vectors: extra, TopK: k, Params: ti.search})
				if err != nil {
					t.Fatal(err)
				}
				all := append(append([][]float32(nil), base...), extra...)
				found, sum := 0, 0.0
				for i, got := range res.IDs {
					if len(got) > 0 && got[0] == ids[i] {
						found++
					}
					if i < 20 {
						sum += recallOf(got, exactTopK(all, extra[i], k, m))
					}
				}
				if exactFirst && found < len(extra)*95/100 {
					t.Errorf("after insert: %d of %d new vectors are their own nearest neighbour", found, len(extra))
				}
				if r := sum / 20; r < minRecall-0.05 {
					t.Errorf("after insert: recall@%d = %.3f, want ≥ %.2f", k, r, minRecall-0.05)
				}
			})
		}
	}
}

// TestConcurrentSearch runs searches from several goroutines (with -race).
func TestConcurrentSearch(t *testing.T) {
	base := clustered(4, 2000, 16, 10)
	queries := clustered(5, 16, 16, 10)
	for _, ti := range testIndexes {
		t.Run(ti.cfg.Type, func(t *testing.T) {
			tg := newLoaded(t, ti.cfg, workloads.L2, base)
			want, err := tg.Search(context.Background(), bench.SearchRequest{Vectors: queries, TopK: 5, Params: ti.search})
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range queries {
						q := queries[(i+w)%len(queries)]
						got, err := tg.Search(context.Background(), bench.SearchRequest{Vectors: [][]float32{q}, TopK: 5, Params: ti.search})
						if err != nil {
							t.Error(err)
							return
						}
						if fmt.Sprint(got.IDs[0]) != fmt.Sprint(want.IDs[(i+w)%len(queries)]) {
							t.Errorf("query %d: concurrent result %v differs from batch %v", (i+w)%len(queries), got.IDs[0], want.IDs[(i+w)%len(queries)])
						}
					}
				}()
			}
			wg.Wait()
		})
	}
}

func TestKmeansDeterministic(t *testing.T) {
	for _, tc := range []struct{ n, k int }{{1000, 10}, {5, 10}, {100, 100}} {
		data := clustered(6, tc.n, 8, 5)
		flat := make([]float32, 0, tc.n*8)
		for _, v := range data {
			flat = append(flat, v...)
		}
		a := kmeans(flat, 8, tc.k, 5, 7)
		b := kmeans(flat, 8, tc.k, 5, 7)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("n=%d k=%d: same seed gave different centroids", tc.n, tc.k)
		}
		if len(a) != tc.k*8 {
			t.Errorf("n=%d k=%d: %d floats, want %d", tc.n, tc.k, len(a), tc.k*8)
		}
	}
}

// TestSphericalKmeans checks the inner-product training faiss uses for
// IndexIVF (Clustering.spherical): unit centroids, and on rows of very
// different lengths lists that split by direction, where L2 k-means lets
// the long rows' centroids (then chosen by inner product) take most rows.
func TestSphericalKmeans(t *testing.T) {
	const dim, k = 8, 16
	data := clustered(9, 4000, dim, k)
	flat := make([]float32, 0, len(data)*dim)
	for i, v := range data {
		scale := float32(1 + i%5*3) // lengths 1..13 in every cluster
		for _, x := range v {
			flat = append(flat, x*scale)
		}
	}
	cent := sphericalKmeans(flat, dim, k, 10, 7)
	if fmt.Sprint(cent) != fmt.Sprint(sphericalKmeans(flat, dim, k, 10, 7)) {
		t.Fatal("same seed gave different centroids")
	}
	for c := range k {
		if n := vecmath.Norm(cent[c*dim : (c+1)*dim]); math.Abs(float64(n)-1) > 1e-5 {
			t.Fatalf("centroid %d has norm %v, want 1", c, n)
		}
	}
	largest := func(cent []float32) int {
		counts := make([]int, k)
		ip := newStore(dim, workloads.IP)
		ds := make([]float32, k)
		for i := 0; i < len(flat); i += dim {
			counts[argmin(ip, flat[i:i+dim], cent, ds)]++
		}
		return slices.Max(counts)
	}
	sph, l2 := largest(cent), largest(kmeans(flat, dim, k, 10, 7))
	t.Logf("largest of %d lists assigned by inner product: spherical %d rows, L2-trained %d of %d", k, sph, l2, len(data))
	if sph > len(data)/k*2 {
		t.Errorf("spherical k-means: largest list %d rows, over twice the mean %d", sph, len(data)/k)
	}
}
