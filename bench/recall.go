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
	if k > linearRecallK {
		hits = setHits(relevant, got)
	} else {
		for i, id := range got {
			if !contains(got[:i], id) && contains(relevant, id) {
				hits++
			}
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

// linearRecallK is the deepest recall counted by linear scans; deeper
// ones (an iterator's limit, up to every row) use a set.
const linearRecallK = 64

// setHits counts the distinct ids of got that are in relevant.
func setHits(relevant, got []int64) int {
	want := make(map[int64]bool, len(relevant))
	for _, id := range relevant {
		want[id] = true
	}
	hits := 0
	for _, id := range got {
		if want[id] {
			hits++
			want[id] = false // a duplicate counts once
		}
	}
	return hits
}
