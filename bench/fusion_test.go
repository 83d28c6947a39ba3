package bench

import (
	"math"
	"testing"

	"github.com/milvbench/milvbench/workloads"
)

// TestFuse checks each ranker and style against scores worked by hand.
func TestFuse(t *testing.T) {
	dense := []Hit{{1, 0.9}, {2, 0.5}, {3, 0.1}} // IP similarities
	bm25 := []Hit{{3, 8}, {4, 2}}
	l2 := []Hit{{5, 0.5}, {1, 2}} // squared distances
	atan := func(x float64) float64 { return float64(float32(math.Atan(x))) }
	for _, tc := range []struct {
		name    string
		routes  [][]Hit
		metrics []string
		h       workloads.HybridPoint
		style   string
		want    []Hit
	}{
		{"rrf", [][]Hit{dense, bm25}, []string{"IP", "BM25"}, workloads.HybridPoint{Ranker: workloads.RankerRRF, K: 60}, FusionMilvus,
			[]Hit{{3, float32(1.0/63 + 1.0/61)}, {1, float32(1.0 / 61)}, {2, float32(1.0 / 62)}, {4, float32(1.0 / 62)}}},
		{"weighted norm (milvus)", [][]Hit{dense, bm25}, []string{"IP", "BM25"}, workloads.HybridPoint{Ranker: workloads.RankerWeighted, Weights: []float64{0.6, 0.4}, NormScore: true}, FusionMilvus,
			[]Hit{
				{3, float32(0.6*(0.5+atan(0.1)/math.Pi) + 0.4*2*atan(8)/math.Pi)},
				{1, float32(0.6 * (0.5 + atan(0.9)/math.Pi))},
				{2, float32(0.6 * (0.5 + atan(0.5)/math.Pi))},
				{4, float32(0.4 * 2 * atan(2) / math.Pi)},
			}},
		{"weighted raw, L2 turned when mixed (milvus)", [][]Hit{dense, l2}, []string{"IP", "L2"}, workloads.HybridPoint{Ranker: workloads.RankerWeighted, Weights: []float64{1, 1}}, FusionMilvus,
			[]Hit{{1, float32(0.9 + 1 - 2*atan(2)/math.Pi)}, {5, float32(1 - 2*atan(0.5)/math.Pi)}, {2, 0.5}, {3, 0.1}}},
		{"weighted min-max (lite)", [][]Hit{dense, l2}, []string{"IP", "L2"}, workloads.HybridPoint{Ranker: workloads.RankerWeighted, Weights: []float64{0.5, 0.5}, NormScore: true}, FusionLite,
			// dense: (s-0.1)/0.8; L2 negated: -0.5 → 1, -2 → 0
			[]Hit{{1, 0.5 * 1}, {5, 0.5 * 1}, {2, 0.5 * 0.5}, {3, 0}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Fuse(tc.routes, tc.metrics, &tc.h, tc.style, 0)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i].ID != tc.want[i].ID || math.Abs(float64(got[i].Score-tc.want[i].Score)) > 1e-6 {
					t.Errorf("hit %d: got %+v, want %+v (all %v)", i, got[i], tc.want[i], got)
				}
			}
			if lim := Fuse(tc.routes, tc.metrics, &tc.h, tc.style, 2); len(lim) != 2 || lim[0] != got[0] {
				t.Errorf("limit 2: %v", lim)
			}
		})
	}
}
