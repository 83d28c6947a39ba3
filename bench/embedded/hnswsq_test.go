package embedded

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/internal/vecmath"
	"github.com/milvbench/milvbench/workloads"
)

// TestSQ8CodesDistance checks the SQ8 space against distances computed
// by hand on the decoded rows (vmin + code·step), for queries and for rows
// in query form (node), under L2 and IP.
func TestSQ8CodesDistance(t *testing.T) {
	const dim = 20 // not a multiple of 8: the kernels' tails too
	base := clustered(7, 300, dim, 5)
	q := clustered(8, 1, dim, 5)[0]
	for _, l2 := range []bool{true, false} {
		t.Run(fmt.Sprint("l2=", l2), func(t *testing.T) {
			s := &store{dim: dim, l2: l2}
			for _, v := range base {
				s.data = append(s.data, v...)
			}
			c := &sq8Codes{s: s}
			c.sync()
			if c.len() != len(base) || c.bytes() != int64(len(base)*dim+2*dim*4) {
				t.Fatalf("len %d bytes %d", c.len(), c.bytes())
			}
			decoded := func(i int) []float32 {
				out := make([]float32, dim)
				for j := range dim {
					out[j] = c.vmin[j] + float32(c.codes[i*dim+j])*c.step[j]
				}
				return out
			}
			ref := func(a, b []float32) float32 {
				if l2 {
					return vecmath.L2Sq(a, b)
				}
				return -vecmath.Dot(a, b)
			}
			pq := c.prepare(q, nil)
			ids := []uint32{0, 5, 17, 299}
			out := make([]float32, len(ids))
			c.distIDs(pq, ids, out)
			for k, id := range ids {
				want := ref(q, decoded(int(id)))
				if math.Abs(float64(out[k]-want)) > 1e-3*math.Max(1, math.Abs(float64(want))) {
					t.Errorf("dist(q, %d) = %g, want %g", id, out[k], want)
				}
				// The decoded row is within half a step of the original.
				for j, x := range decoded(int(id)) {
					if d := math.Abs(float64(x - base[id][j])); d > float64(c.step[j])/2+1e-5 {
						t.Fatalf("row %d component %d decodes %g from %g (step %g)", id, j, x, base[id][j], c.step[j])
					}
				}
				nq := c.node(id, nil)
				if got, want := c.dist(nq, 3), ref(decoded(int(id)), decoded(3)); math.Abs(float64(got-want)) > 1e-3*math.Max(1, math.Abs(float64(want))) {
					t.Errorf("dist(node %d, 3) = %g, want %g", id, got, want)
				}
			}
		})
	}
}

// TestHNSWSQRefine checks that refine re-ranks with the refine copy: with
// FP32 refine every returned distance is the exact one, and refine_k
// candidates beyond topk raise recall over the codes alone.
func TestHNSWSQRefine(t *testing.T) {
	const dim, k = 32, 10
	base := clustered(11, 3000, dim, 30)
	queries := clustered(12, 40, dim, 30)
	build := workloads.Params{"M": int64(8), "efConstruction": int64(60)}
	recall := func(cfg workloads.IndexConfig, p workloads.Params) (float64, *Target) {
		tg := newLoaded(t, cfg, workloads.L2, base)
		res, err := tg.Search(context.Background(), bench.SearchRequest{Vectors: queries, TopK: k, Params: p})
		if err != nil {
			t.Fatal(err)
		}
		sum := 0.0
		for qi, q := range queries {
			sum += recallOf(res.IDs[qi], exactTopK(base, q, k, workloads.L2))
		}
		return sum / float64(len(queries)), tg
	}
	plain, _ := recall(workloads.IndexConfig{Type: "HNSW_SQ", Build: build}, workloads.Params{"ef": int64(k)})
	rb := build.Clone()
	rb["refine"] = true
	refined, tg := recall(workloads.IndexConfig{Type: "HNSW_SQ", Build: rb}, workloads.Params{"ef": int64(k), "refine_k": 4.0})
	if refined < plain+0.1 {
		t.Errorf("recall@%d with refine_k 4: %.3f, without refine %.3f: want refine 0.1 above", k, refined, plain)
	}
	if deep, _ := recall(workloads.IndexConfig{Type: "HNSW_SQ", Build: rb}, workloads.Params{"ef": int64(200), "refine_k": 10.0}); deep < 0.97 {
		t.Errorf("recall@%d with ef 200 and refine_k 10: %.3f, want ≥ 0.97", k, deep)
	}
	x := tg.idx.(*hnswSQ)
	for _, q := range queries[:5] {
		for _, c := range x.search(q, k, workloads.Params{"ef": int64(k), "refine_k": 3.0}, nil) {
			if want := vecmath.L2Sq(q, base[c.id]); c.d != want {
				t.Fatalf("refined distance of row %d is %g, exact %g", c.id, c.d, want)
			}
		}
	}
}

// TestVectorTypeTarget builds FLAT, HNSW and HNSW_SQ over each vector
// type: the target stores the type's values (FLAT is exact over them),
// reports raw vectors at the type's size, and refuses what it cannot do
// in one line.
func TestVectorTypeTarget(t *testing.T) {
	const dim, n, k = 16, 1500, 10
	ctx := context.Background()
	for _, vt := range workloads.VectorTypes() {
		if vt == workloads.VectorBinary {
			continue // its own metrics and indexes: binary_test.go
		}
		spec := workloads.DatasetSpec{Source: "synthetic", Size: n, Dim: dim, Metric: workloads.L2, Queries: 20, Seed: 5,
			Distribution: workloads.DistClustered, Clusters: 10, VectorType: vt}
		ds, err := datasets.NewSynthetic(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		var base [][]float32
		if err := ds.Base.Scan(ctx, 500, func(_ int64, vecs [][]float32) error {
			for _, v := range vecs {
				base = append(base, append([]float32(nil), v...))
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		configs := []struct {
			cfg    workloads.IndexConfig
			min    float64
			errHas string
		}{
			{workloads.IndexConfig{Type: "FLAT"}, 1, ""},
			{workloads.IndexConfig{Type: "HNSW", Build: workloads.Params{"M": int64(16), "efConstruction": int64(80)}}, 0.9, ""},
			{workloads.IndexConfig{Type: "HNSW_SQ", Build: workloads.Params{"M": int64(16), "efConstruction": int64(80), "sq_type": "FP16"}}, 0.9, ""},
			{workloads.IndexConfig{Type: "IVF_FLAT"}, 0, "IVF_FLAT over " + vt + " vectors is not supported"},
		}
		for _, c := range configs {
			t.Run(vt+"/"+c.cfg.Type, func(t *testing.T) {
				errHas := c.errHas
				if vt == workloads.VectorFloat && c.cfg.Type == "IVF_FLAT" {
					t.Skip("float IVF_FLAT is tested elsewhere")
				}
				if vt == workloads.VectorInt8 && c.cfg.Type == "HNSW_SQ" {
					errHas = "HNSW_SQ over int8 vectors is not supported"
				}
				tg := New()
				if err := tg.Create(ctx, bench.CollectionSpec{Name: "t", Dim: dim, Metric: workloads.L2, VectorType: ds.Info.VectorType}); err != nil {
					t.Fatal(err)
				}
				ids := make([]int64, n)
				for i := range ids {
					ids[i] = int64(i)
				}
				if err := tg.Insert(ctx, ids, base); err != nil {
					t.Fatal(err)
				}
				err := tg.BuildIndex(ctx, c.cfg)
				if errHas != "" {
					if err == nil || !strings.Contains(err.Error(), errHas) {
						t.Fatalf("err = %v, want it to contain %q", err, errHas)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if err := tg.Load(ctx); err != nil {
					t.Fatal(err)
				}
				res, err := tg.Search(ctx, bench.SearchRequest{Vectors: ds.Queries, TopK: k, Params: workloads.Params{"ef": int64(64)}})
				if err != nil {
					t.Fatal(err)
				}
				sum := 0.0
				for qi, q := range ds.Queries {
					sum += recallOf(res.IDs[qi], exactTopK(base, q, k, workloads.L2))
				}
				if r := sum / float64(len(ds.Queries)); r < c.min {
					t.Errorf("recall@%d = %.3f over the %s values, want ≥ %.2f", k, r, vt, c.min)
				}
				if c.cfg.Type == "FLAT" {
					if got, want := tg.IndexMemoryBytes(), int64(n*dim*workloads.VectorBytes(vt)); got != want {
						t.Errorf("FLAT over %s: IndexMemoryBytes = %d, want %d (%d bytes a component)", vt, got, want, workloads.VectorBytes(vt))
					}
				}
			})
		}
	}
}

// TestVectorTypeInsertErrors checks that values a type cannot hold are
// refused at insert and at search, in one line, with nothing stored.
func TestVectorTypeInsertErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		vt     string
		v      []float32
		errHas string
	}{
		{workloads.VectorInt8, []float32{1, 2.5}, "vector 7: component 1 is 2.5: vector_type int8 needs whole numbers"},
		{workloads.VectorInt8, []float32{1, 128}, "component 1 is 128"},
		{workloads.VectorFloat16, []float32{1, 1e6}, "beyond float16's range"},
	}
	for _, tt := range tests {
		t.Run(tt.vt, func(t *testing.T) {
			tg := New()
			if err := tg.Create(ctx, bench.CollectionSpec{Name: "t", Dim: 2, Metric: workloads.L2, VectorType: tt.vt}); err != nil {
				t.Fatal(err)
			}
			err := tg.Insert(ctx, []int64{7}, [][]float32{tt.v})
			if err == nil || !strings.Contains(err.Error(), tt.errHas) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want one line containing %q", err, tt.errHas)
			}
			if tg.s.len() != 0 {
				t.Errorf("%d rows stored after a refused insert", tg.s.len())
			}
			if err := tg.Insert(ctx, []int64{1}, [][]float32{{1, 2}}); err != nil {
				t.Fatal(err)
			}
			if err := tg.BuildIndex(ctx, workloads.IndexConfig{Type: "FLAT"}); err != nil {
				t.Fatal(err)
			}
			if err := tg.Load(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := tg.Search(ctx, bench.SearchRequest{Vectors: [][]float32{tt.v}, TopK: 1}); err == nil || !strings.Contains(err.Error(), "query 0") {
				t.Errorf("search with %v: err = %v, want it refused", tt.v, err)
			}
		})
	}
}

// TestHNSWSQMilvusOnly checks sq_type values only Milvus builds are
// refused by the target in one line.
func TestHNSWSQMilvusOnly(t *testing.T) {
	for _, p := range []workloads.Params{{"sq_type": "SQ4U"}, {"sq_type": "SQ6"}, {"sq_type": "SQ9"}, {"sq_type": "SQ8", "refine": true, "refine_type": "SQ6"}} {
		s := &store{dim: 4, l2: true}
		if _, err := newHNSWSQ(s, p); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: err = %v, want one line", p, err)
		}
	}
}

// TestIndexVectorType checks an index built over the float collection as
// another vector type (IndexConfig.VectorType) answers as the same index
// over a collection of that type (FLAT exactly; HNSW, built in parallel
// and so not deterministic, with the same recall give or take), and
// counts its vectors at that size.
func TestIndexVectorType(t *testing.T) {
	const dim, n, k = 16, 1200, 10
	ctx := context.Background()
	base := clustered(21, n, dim, 8)
	queries := clustered(22, 10, dim, 8)
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i)
	}
	for _, vt := range []string{workloads.VectorFloat16, workloads.VectorBFloat16} {
		for _, cfg := range []workloads.IndexConfig{{Type: "FLAT"}, {Type: "HNSW", Build: workloads.Params{"M": int64(8), "efConstruction": int64(40)}}} {
			t.Run(vt+"/"+cfg.Type, func(t *testing.T) {
				search := func(collType string, c workloads.IndexConfig) (bench.SearchResult, int64) {
					tg := New()
					if err := tg.Create(ctx, bench.CollectionSpec{Name: "t", Dim: dim, Metric: workloads.L2, VectorType: collType}); err != nil {
						t.Fatal(err)
					}
					if err := tg.Insert(ctx, ids, base); err != nil {
						t.Fatal(err)
					}
					if err := tg.BuildIndex(ctx, c); err != nil {
						t.Fatal(err)
					}
					if err := tg.Load(ctx); err != nil {
						t.Fatal(err)
					}
					res, err := tg.Search(ctx, bench.SearchRequest{Vectors: queries, TopK: k, Params: workloads.Params{"ef": int64(32)}})
					if err != nil {
						t.Fatal(err)
					}
					return res, tg.IndexMemoryBytes()
				}
				typed := cfg
				typed.VectorType = vt
				got, gotMem := search("", typed)
				want, wantMem := search(vt, cfg)
				if cfg.Type == "FLAT" {
					for qi := range queries {
						if fmt.Sprint(got.IDs[qi]) != fmt.Sprint(want.IDs[qi]) {
							t.Fatalf("query %d: %v over a %s copy, %v over a %s collection", qi, got.IDs[qi], vt, want.IDs[qi], vt)
						}
					}
				} else {
					a := 0.0
					for qi := range queries {
						a += recallOf(got.IDs[qi], want.IDs[qi])
					}
					if a /= float64(len(queries)); a < 0.8 {
						t.Errorf("HNSW over a %s copy agrees with HNSW over a %s collection on %.2f of the top-%d", vt, vt, a, k)
					}
				}
				if gotMem != wantMem {
					t.Errorf("memory %d over a %s copy, %d over a %s collection", gotMem, vt, wantMem, vt)
				}
			})
		}
	}
}
