package bench

import "github.com/milvbench/milvbench/datasets"

// Recall returns recall@k of got for query qi: the share of the k expected
// neighbours found among the first k results, where any neighbour at exactly
// the k-th true distance counts as expected (ties are hits). Duplicate ids in
// got count once.
func Recall(gt *datasets.GroundTruth, qi, k int, got []int64) float64 {
	relevant := gt.Relevant(qi, k)
	if len(got) > k {
		got = got[:k]
	}
	hits := 0
	for i, id := range got {
		if !contains(got[:i], id) && contains(relevant, id) {
			hits++
		}
	}
	want := min(k, len(relevant))
	if want == 0 {
		return 1
	}
	return float64(min(hits, want)) / float64(want)
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
