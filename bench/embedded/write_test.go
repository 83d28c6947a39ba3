package embedded

import (
	"context"
	"slices"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// TestWriteDeleteUpsert checks that deleted rows never come back from any
// index, with and without a filter, and that an upsert replaces the row's
// vector: the old one no longer finds it, the new one does.
func TestWriteDeleteUpsert(t *testing.T) {
	const dim, k = 16, 10
	base := clustered(5, 1000, dim, 10)
	labels := &datasets.Labels{Seed: 3, Kind: datasets.LabelInt}
	filter, err := labels.SelectivityFilter(datasets.LabelInt, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	for _, ti := range testIndexes[:3] { // FLAT, HNSW, IVF_FLAT
		t.Run(ti.cfg.Type, func(t *testing.T) {
			ctx := context.Background()
			tg := newLoaded(t, ti.cfg, workloads.L2, base)
			// Warm the filter cache before deleting, so the test sees
			// cached rows being updated rather than recomputed.
			if _, err := tg.Search(ctx, bench.SearchRequest{Vectors: base[:1], TopK: k, Params: ti.search, Filter: &filter}); err != nil {
				t.Fatal(err)
			}
			var deleted []int64
			for id := int64(0); id < 1000; id += 3 {
				deleted = append(deleted, id)
			}
			if err := tg.Write(ctx, bench.OpDelete, deleted, nil); err != nil {
				t.Fatal(err)
			}
			// Upsert row 1 with row 2's vector: a query for row 1's old
			// vector must not return id 1 first any more.
			if err := tg.Write(ctx, bench.OpUpsert, []int64{1}, [][]float32{base[2]}); err != nil {
				t.Fatal(err)
			}
			// Rows inserted after the deletes are searchable and live.
			if err := tg.Write(ctx, bench.OpInsert, []int64{5000}, [][]float32{base[0]}); err != nil {
				t.Fatal(err)
			}
			for _, f := range []*datasets.Filter{nil, &filter} {
				res, err := tg.Search(ctx, bench.SearchRequest{Vectors: base[:60], TopK: k, Params: ti.search, Filter: f})
				if err != nil {
					t.Fatal(err)
				}
				for qi, ids := range res.IDs {
					if len(ids) != k {
						t.Fatalf("query %d: %d results, want %d", qi, len(ids), k)
					}
					for _, id := range ids {
						if id%3 == 0 && id < 1000 {
							t.Fatalf("query %d (filter %v): deleted id %d returned", qi, f != nil, id)
						}
						if f != nil && !f.Allow(id) {
							t.Fatalf("query %d: id %d fails the filter", qi, id)
						}
					}
				}
				if f == nil {
					if res.IDs[0][0] != 5000 {
						t.Errorf("query for row 0's vector: first id %d, want the re-inserted 5000", res.IDs[0][0])
					}
					if !slices.Contains(res.IDs[2][:2], 1) {
						t.Errorf("query for row 2's vector: %v, want the upserted id 1 among the first two", res.IDs[2])
					}
					if res.IDs[1][0] == 1 {
						t.Errorf("query for row 1's old vector still finds id 1 first")
					}
				}
			}
			if err := tg.Write(ctx, "merge", nil, nil); err == nil {
				t.Error("unknown write op accepted")
			}
		})
	}
}
