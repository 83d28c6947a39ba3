package datasets

import (
	"context"
	"slices"
	"testing"

	"github.com/milvbench/milvbench/workloads"
)

// keyedSlice is a keyed base in memory: rows with ids of their own.
type keyedSlice struct {
	ids  []int64
	vecs [][]float32
}

func (k keyedSlice) Size() int { return len(k.ids) }
func (k keyedSlice) Dim() int  { return len(k.vecs[0]) }
func (k keyedSlice) ScanKeyed(_ context.Context, batch int, fn func(int64, []int64, [][]float32) error) error {
	for i := 0; i < len(k.ids); i += batch {
		j := min(i+batch, len(k.ids))
		if err := fn(int64(i), k.ids[i:j], k.vecs[i:j]); err != nil {
			return err
		}
	}
	return nil
}

// TestKeyedGroundTruth: over a base whose ids are not row numbers, with
// queries sampled from the base, the ground truth is in ids, excludes
// each query's own row, and equals brute force over the other rows; the
// checksum follows the ids as well as the vectors.
func TestKeyedGroundTruth(t *testing.T) {
	ctx := context.Background()
	syn, err := NewSynthetic(ctx, workloads.DatasetSpec{Source: workloads.SourceSynthetic, Distribution: workloads.DistClustered, Clusters: 5, Size: 3000, Dim: 8, Queries: 1, Seed: 3, Metric: workloads.L2})
	if err != nil {
		t.Fatal(err)
	}
	kb := keyedSlice{}
	if err := syn.Base.Scan(ctx, 500, func(first int64, vecs [][]float32) error {
		for i, v := range vecs {
			kb.ids = append(kb.ids, 1_000_000-7*(first+int64(i))) // descending, sparse keys
			kb.vecs = append(kb.vecs, slices.Clone(v))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	spec := workloads.DatasetSpec{Source: workloads.SourceCollection, Queries: 40, Seed: 9}
	ds, err := OpenKeyed(ctx, "c", kb, workloads.L2, spec, ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Queries) != 40 || len(ds.QueryRows) != 40 || len(ds.IDs) != 3000 {
		t.Fatalf("%d queries, %d query rows, %d ids", len(ds.Queries), len(ds.QueryRows), len(ds.IDs))
	}
	gt, _, err := GroundTruthFor(ctx, ds, GTOptions{K: 10}, "", GTCache{})
	if err != nil {
		t.Fatal(err)
	}
	for q, row := range ds.QueryRows {
		if !slices.Equal(ds.Queries[q], kb.vecs[row]) {
			t.Fatalf("query %d is not row %d's vector", q, row)
		}
		// Brute force over every other row, in ids.
		type cand struct {
			id int64
			d  float32
		}
		var all []cand
		for r, v := range kb.vecs {
			if r != row {
				all = append(all, cand{kb.ids[r], l2(ds.Queries[q], v)})
			}
		}
		slices.SortStableFunc(all, func(a, b cand) int {
			switch {
			case a.d < b.d:
				return -1
			case a.d > b.d:
				return 1
			}
			return 0
		})
		if len(gt.IDs[q]) != 10 {
			t.Fatalf("query %d: %d neighbours", q, len(gt.IDs[q]))
		}
		for i, id := range gt.IDs[q] {
			if id == kb.ids[row] {
				t.Errorf("query %d: its own row (id %d) is among its neighbours", q, id)
			}
			if id != all[i].id && gt.Dists[q][i] != all[i].d {
				t.Errorf("query %d neighbour %d: id %d at %g, brute force %d at %g", q, i, id, gt.Dists[q][i], all[i].id, all[i].d)
			}
		}
	}
	kb.ids[5]++
	other, err := OpenKeyed(ctx, "c", kb, workloads.L2, spec, ".")
	if err != nil {
		t.Fatal(err)
	}
	if other.Info.Checksum == ds.Info.Checksum {
		t.Error("a changed id leaves the checksum unchanged: cached ground truth could be served stale")
	}
	if _, err := OpenKeyed(ctx, "c", kb, workloads.L2, workloads.DatasetSpec{Queries: 5000}, "."); err == nil {
		t.Error("sampling more queries than rows: want an error")
	}
}

func l2(a, b []float32) float32 {
	var s float32
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return s
}
