package tuner

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/bench/embedded"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// TestIndexMemoryMatchesEmbedded holds the sizing formulas to what the
// embedded target reports after the build (IndexMemoryBytes) for FLAT,
// HNSW and HNSW_SQ with and without refine over each vector type, and
// IVF_FLAT, IVF_SQ8 and IVF_PQ over float vectors, BIN_FLAT and
// BIN_IVF_FLAT over binary vectors: within
// 10%. The embedded target counts raw vectors at the type's size, the
// codes at theirs and the graph's links as it holds them (upper layers
// and list counts included, which the formula leaves out). go test -v
// prints the table.
func TestIndexMemoryMatchesEmbedded(t *testing.T) {
	const rows, dim = 3000, 128
	ctx := context.Background()
	hnsw := workloads.Params{"M": int64(16), "efConstruction": int64(32)}
	with := func(kv ...any) workloads.Params {
		p := hnsw.Clone()
		for i := 0; i < len(kv); i += 2 {
			p[kv[i].(string)] = kv[i+1]
		}
		return p
	}
	var table strings.Builder
	fmt.Fprintf(&table, "\n%-9s %-74s %12s %12s %7s\n", "vectors", "index", "estimate", "reported", "diff")
	for _, vt := range workloads.VectorTypes() {
		configs := []workloads.IndexConfig{{Type: "FLAT"}, {Type: "HNSW", Build: hnsw}}
		dim, metric := dim, workloads.L2
		if vt == workloads.VectorBinary {
			// dim bits: 512 (64 bytes a row, against which the lists' 4-byte
			// ids the formula leaves out are 6%), both binary indexes.
			dim, metric = 512, workloads.Hamming
			configs = []workloads.IndexConfig{{Type: "BIN_FLAT"},
				{Type: "BIN_IVF_FLAT", Build: workloads.Params{"nlist": int64(16)}},
				{Type: "BIN_IVF_FLAT", Build: workloads.Params{"nlist": int64(128)}}}
		} else if vt != workloads.VectorInt8 {
			configs = append(configs,
				workloads.IndexConfig{Type: "HNSW_SQ", Build: with("sq_type", "SQ8")},
				workloads.IndexConfig{Type: "HNSW_SQ", Build: with("sq_type", "FP16")},
				workloads.IndexConfig{Type: "HNSW_SQ", Build: with("sq_type", "BF16")})
			switch vt {
			case workloads.VectorFloat:
				configs = append(configs,
					workloads.IndexConfig{Type: "IVF_FLAT", Build: workloads.Params{"nlist": int64(64)}},
					workloads.IndexConfig{Type: "IVF_SQ8", Build: workloads.Params{"nlist": int64(64)}},
					workloads.IndexConfig{Type: "IVF_PQ", Build: workloads.Params{"nlist": int64(64), "m": int64(16), "nbits": int64(8)}},
					workloads.IndexConfig{Type: "HNSW_SQ", Build: with("sq_type", "SQ8", "refine", true)},
					workloads.IndexConfig{Type: "HNSW_SQ", Build: with("sq_type", "SQ8", "refine", true, "refine_type", "FP16")})
			case workloads.VectorFloat16:
				configs = append(configs, workloads.IndexConfig{Type: "HNSW_SQ", Build: with("sq_type", "SQ8", "refine", true, "refine_type", "FP16")})
			case workloads.VectorBFloat16:
				configs = append(configs, workloads.IndexConfig{Type: "HNSW_SQ", Build: with("sq_type", "SQ8", "refine", true, "refine_type", "BF16")})
			}
		}
		ds, err := datasets.NewSynthetic(ctx, workloads.DatasetSpec{Source: "synthetic", Size: rows, Dim: dim, Metric: metric,
			Queries: 1, Seed: 9, Distribution: workloads.DistClustered, Clusters: 16, VectorType: vt})
		if err != nil {
			t.Fatal(err)
		}
		tg := embedded.New()
		if err := tg.Create(ctx, bench.CollectionSpec{Name: "m", Dim: dim, Metric: metric, Rows: rows, VectorType: ds.Info.VectorType}); err != nil {
			t.Fatal(err)
		}
		if err := ds.Base.Scan(ctx, 1000, func(first int64, vecs [][]float32) error {
			ids := make([]int64, len(vecs))
			for i := range ids {
				ids[i] = first + int64(i)
			}
			return tg.Insert(ctx, ids, vecs)
		}); err != nil {
			t.Fatal(err)
		}
		for _, cfg := range configs {
			name := vt + "/" + cfg.String()
			if err := tg.BuildIndex(ctx, cfg); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got := float64(tg.IndexMemoryBytes())
			est, formula := IndexMemoryOf(cfg, rows, dim, vt)
			diff := (got - est) / est
			fmt.Fprintf(&table, "%-9s %-74s %12.0f %12.0f %+6.1f%%\n", vt, cfg.String(), est, got, 100*diff)
			if math.Abs(diff) > 0.10 {
				t.Errorf("%s: estimate %.0f bytes (%s), the target reports %.0f: %+.1f%%, want within 10%%", name, est, formula, got, 100*diff)
			}
			if err := tg.DropIndex(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Log(table.String())
}

// TestIndexMemoryOfTypes pins the formulas per vector type at 1M × 128.
func TestIndexMemoryOfTypes(t *testing.T) {
	const rows, dim = 1_000_000, 128
	const n = rows * dim
	tests := []struct {
		vt    string
		typ   string
		build workloads.Params
		want  float64
	}{
		{"float16", "FLAT", nil, n * 2},
		{"bfloat16", "HNSW", workloads.Params{"M": int64(16)}, n*2 + rows*128},
		{"int8", "HNSW", workloads.Params{"M": int64(16)}, n + rows*128},
		{"float", "HNSW_SQ", workloads.Params{"M": int64(16)}, n + rows*128},
		{"float", "HNSW_SQ", workloads.Params{"M": int64(16), "sq_type": "FP16", "refine": true}, n*2 + rows*128 + n*4},
		{"float16", "HNSW_SQ", workloads.Params{"M": int64(16), "sq_type": "SQ6", "refine": true, "refine_type": "FP16"}, n*0.75 + rows*128 + n*2},
		{"float", "HNSW_SQ", workloads.Params{"M": int64(16), "sq_type": "SQ4U"}, n*0.5 + rows*128},
		{"float", "HNSW", workloads.Params{"M": int64(16)}, n*4 + rows*128},
		{"binary", "BIN_FLAT", nil, n / 8},
		{"binary", "BIN_IVF_FLAT", workloads.Params{"nlist": int64(1024)}, n/8 + 1024*16},
	}
	for _, tt := range tests {
		got, formula := IndexMemoryOf(workloads.IndexConfig{Type: tt.typ, Build: tt.build}, rows, dim, tt.vt)
		if math.Abs(got-tt.want) > 1e-9*tt.want {
			t.Errorf("%s %s%v: %.0f bytes, want %.0f (%s)", tt.vt, tt.typ, tt.build, got, tt.want, formula)
		}
	}
}
