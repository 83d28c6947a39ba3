package embedded

import (
	"fmt"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
)

// searchRangeGroup answers a range or group request on the dense field
// by top-k searches of the index at a growing depth, as knowhere's
// iterative range search does: the depth starts at twice what the answer
// holds (topk, or topk × group_size) and doubles until the answer is
// complete — topk hits in range, or topk groups of group_size hits each
// (or all of a smaller group's rows; with or without strict_group_size:
// the reference fills its groups, and the flag only tells a server it may
// stop early) — or the deepest hit lies beyond the radius
// (a range request: nothing further can be in range), or the depth covers
// the collection. An index searched at depth k' uses max(ef, k') (HNSW)
// or its nprobe as for any top-k' search, so the answer is exact on FLAT
// and as good as the index's top-k' search otherwise. The caller holds
// the read lock.
func (t *Target) searchRangeGroup(req bench.SearchRequest, allow *bitset) (bench.SearchResult, error) {
	if err := t.checkDenseField(req.Field); err != nil {
		return bench.SearchResult{}, err
	}
	if (req.Range == nil) == (req.Group == nil) {
		return bench.SearchResult{}, fmt.Errorf("embedded target: a %s request needs its range or group parameters", req.Kind)
	}
	var keys func(id int64) (string, error)
	if req.Group != nil {
		p := t.payload
		if p == nil {
			return bench.SearchResult{}, fmt.Errorf("embedded target: no payload field %s to group by", req.Group.Field)
		}
		keys = func(id int64) (string, error) {
			v, ok := p.Row(int(id)).Field(req.Group.Field)
			if !ok {
				return "", fmt.Errorf("embedded target: no payload field %s to group by", req.Group.Field)
			}
			return v.String(), nil
		}
	}
	rows := t.s.len()
	sizes := map[string]int{} // rows per group, counted when a group is short
	groupRows := func(k string) int {
		n, ok := sizes[k]
		if !ok {
			for _, id := range t.ids {
				if kk, err := keys(id); err == nil && kk == k {
					n++
				}
			}
			sizes[k] = n
		}
		return n
	}
	out := bench.SearchResult{IDs: make([][]int64, len(req.Vectors))}
	for qi, q := range req.Vectors {
		want := req.TopK
		if req.Group != nil {
			want = req.Group.Hits(req.TopK)
		}
		for depth := min(2*want, rows); ; depth = min(2*depth, rows) {
			found, err := t.searchDense([][]float32{q}, depth, req.Params, allow)
			if err != nil {
				return bench.SearchResult{}, err
			}
			var ids []int64
			var done bool
			if req.Range != nil {
				ids, done = t.inRange(found[0], req.Range, req.TopK)
			} else if ids, done, err = t.grouped(found[0], req.Group, req.TopK, keys, groupRows); err != nil {
				return bench.SearchResult{}, err
			}
			if done || depth >= rows || len(found[0]) < depth {
				out.IDs[qi] = ids
				break
			}
		}
	}
	return out, nil
}

// distance is the distance Milvus reports for an internal one: squared
// L2 and the HAMMING and JACCARD distances of the binary indexes as they
// are, the score of IP and COSINE (stored as its negation).
func (t *Target) distance(d float32) float64 {
	if workloads.DistanceMetric(t.metric) {
		return float64(d)
	}
	return -float64(d)
}

// inRange keeps the hits of found (closest first) in r's range, at most
// topk; done when topk were found or found went past the radius.
func (t *Target) inRange(found []cand, r *workloads.RangePoint, topk int) ([]int64, bool) {
	var ids []int64
	for _, c := range found {
		if r.InRange(t.metric, t.distance(c.d)) {
			ids = append(ids, t.ids[c.id])
			if len(ids) == topk {
				return ids, true
			}
		}
	}
	past := len(found) > 0 && !(&workloads.RangePoint{Radius: r.Radius}).InRange(t.metric, t.distance(found[len(found)-1].d))
	return ids, past
}

// grouped groups found (closest first) by the group field: the first
// topk groups met, up to group_size hits each, in the order met; done
// when there are topk groups, each full (group_size hits, or all of the
// group's rows, groupRows).
func (t *Target) grouped(found []cand, g *workloads.GroupPoint, topk int, key func(id int64) (string, error), groupRows func(string) int) ([]int64, bool, error) {
	var order []string
	hits := map[string][]int64{}
	for _, c := range found {
		id := t.ids[c.id]
		k, err := key(id)
		if err != nil {
			return nil, false, err
		}
		h, seen := hits[k]
		if !seen && len(order) == topk {
			continue
		}
		if !seen {
			order = append(order, k)
		}
		if len(h) < g.GroupSize {
			hits[k] = append(h, id)
		}
	}
	done := len(order) == topk
	var ids []int64
	for _, k := range order {
		ids = append(ids, hits[k]...)
		if done && len(hits[k]) < g.GroupSize && len(hits[k]) < groupRows(k) {
			done = false
		}
	}
	return ids, done, nil
}
