package datasets

import (
	"context"
	"fmt"
	"slices"
)

// CheckTruth spot-checks ground-truth ids a dataset provides against exact
// top-k on sample evenly spaced queries. It returns one warning per query
// whose provided top-k is not the exact top-k (ties at the k-th distance
// accepted), naming the query.
func CheckTruth(ctx context.Context, ds *Dataset, truth [][]int64, k, sample int) ([]string, error) {
	if len(truth) == 0 {
		return nil, nil
	}
	n := min(len(truth), len(ds.Queries))
	sample = max(1, min(sample, n))
	var picks []int
	var qs [][]float32
	for i := range sample {
		qi := i * n / sample
		picks = append(picks, qi)
		qs = append(qs, ds.Queries[qi])
	}
	depth := k
	for _, qi := range picks {
		depth = min(depth, len(truth[qi]))
	}
	if depth < 1 {
		return []string{"dataset ground truth is empty"}, nil
	}
	gt, err := ExactTopK(ctx, ds.Base, qs, ds.Info.Metric, GTOptions{K: depth})
	if err != nil {
		return nil, err
	}
	var warns []string
	for i, qi := range picks {
		rel := gt.Relevant(i, depth)
		wrong := 0
		first := int64(-1)
		for _, id := range truth[qi][:depth] {
			if !slices.Contains(rel, id) {
				if wrong == 0 {
					first = id
				}
				wrong++
			}
		}
		if wrong > 0 {
			warns = append(warns, fmt.Sprintf("dataset ground truth disagrees with exact search for query %d: %d of its top-%d ids are not exact neighbours (first: id %d)", qi, wrong, depth, first))
		}
	}
	return warns, nil
}
