package datasets

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/milvbench/milvbench/workloads"
)

func TestGroundTruthCache(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "gt")
	cache := GTCache{Dir: dir}
	rng := rand.New(rand.NewPCG(7, 7))
	mk := func(base [][]float32) *Dataset {
		ds := &Dataset{Info: Info{Metric: workloads.L2, Dim: 8, Size: len(base)}, Base: Vectors(base), Queries: randVecs(rand.New(rand.NewPCG(1, 1)), 4, 8, 0)}
		sum, err := Checksum(ctx, ds)
		if err != nil {
			t.Fatal(err)
		}
		ds.Info.Checksum = sum
		return ds
	}
	base := randVecs(rng, 300, 8, 0)
	ds := mk(base)
	even := func(id int64) bool { return id%2 == 0 }
	tests := []struct {
		name      string
		ds        *Dataset
		k         int
		filter    func(int64) bool
		filterKey string
		wantHit   bool
	}{
		{"first", ds, 10, nil, "", false},
		{"second is a hit", ds, 10, nil, "", true},
		{"other k", ds, 20, nil, "", false},
		{"filtered", ds, 10, even, "id%2==0", false},
		{"filtered again", ds, 10, even, "id%2==0", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gt, hit, err := GroundTruthFor(ctx, tc.ds, GTOptions{K: tc.k, Filter: tc.filter}, tc.filterKey, cache)
			if err != nil {
				t.Fatal(err)
			}
			if hit != tc.wantHit {
				t.Fatalf("hit = %v, want %v", hit, tc.wantHit)
			}
			want := naiveTopK(base, tc.ds.Queries, workloads.L2, tc.k, tc.filter)
			if !reflect.DeepEqual(gt.IDs, want.IDs) || !reflect.DeepEqual(gt.Dists, want.Dists) {
				t.Fatal("cached ground truth differs from naive")
			}
		})
	}
	// A changed base is never served the old entry.
	changed := append([][]float32(nil), base...)
	changed[17] = make([]float32, 8)
	_, hit, err := GroundTruthFor(ctx, mk(changed), GTOptions{K: 10}, "", cache)
	if err != nil || hit {
		t.Fatalf("changed base: hit=%v err=%v, want a miss", hit, err)
	}
}
