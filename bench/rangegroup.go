package bench

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/internal/vecmath"
	"github.com/milvbench/milvbench/workloads"
)

// RangeTruthCap is the most in-range rows a range ground truth keeps per
// query (the closest): Milvus's largest topk. A query with more rows in
// range counts as having RangeTruthCap, and a hit beyond them counts as
// out of range in the trial's precision.
const RangeTruthCap = workloads.MaxTopK

// RangeGroupTruths computes the exact answer of every range and group
// point of the plan, keyed by TruthKey, by one exhaustive scan of the base
// per answer (O(rows × queries)):
//   - range: every row whose distance (squared L2, the IP or COSINE
//     score, or the HAMMING or JACCARD distance over the packed bits, as
//     Milvus reports it) lies in the point's range, closest
//     first, up to RangeTruthCap; recall@topk is against the closest
//     topk of them (all of them when fewer), so an empty range is
//     recall 1;
//   - group: every row ranked by distance; the topk groups of the group
//     field with the best best hit, each with its group_size closest
//     rows, the groups in the order of their best hit. strict_group_size
//     does not change the exact answer (a group with fewer rows has them
//     all), only what an index returns.
func RangeGroupTruths(ctx context.Context, ds *datasets.Dataset, plan *workloads.Plan, logf func(format string, args ...any)) (map[string]*datasets.GroundTruth, error) {
	out := map[string]*datasets.GroundTruth{}
	for _, b := range plan.Builds {
		for _, pt := range b.Points {
			key := TruthKey(nil, pt)
			if (pt.Range == nil && pt.Group == nil) || out[key] != nil {
				continue
			}
			var keys []string
			if pt.Group != nil {
				if ds.Payload == nil {
					return nil, fmt.Errorf("ground truth %s: the dataset has no payload field %s", key, pt.Group.Field)
				}
				var err error
				if keys, err = groupKeys(ds.Payload, pt.Group.Field); err != nil {
					return nil, fmt.Errorf("ground truth %s: %w", key, err)
				}
			}
			gt, err := exactRangeGroup(ctx, ds, pt, keys)
			if err != nil {
				return nil, fmt.Errorf("ground truth %s: %w", key, err)
			}
			if logf != nil {
				logf("ground truth %s: %d queries", key, len(gt.IDs))
			}
			out[key] = gt
		}
	}
	return out, nil
}

// groupKeys is each row's value of field as a group key.
func groupKeys(p *datasets.Payload, field string) ([]string, error) {
	keys := make([]string, p.Rows())
	for i := range keys {
		v, ok := p.Row(i).Field(field)
		if !ok {
			return nil, fmt.Errorf("no payload field %q", field)
		}
		if v.IsNull() {
			return nil, fmt.Errorf("row %d of %s is null", i, field)
		}
		keys[i] = v.String()
	}
	return keys, nil
}

// hit is a row and its distance as Milvus reports it.
type hit struct {
	id int64
	d  float32
}

// better orders hits best first for metric m (L2, HAMMING and JACCARD
// ascending, IP and COSINE descending), ties by id.
func better(m workloads.Metric) func(a, b hit) int {
	dist := workloads.DistanceMetric(m)
	return func(a, b hit) int {
		if a.d != b.d {
			if dist {
				return cmp.Compare(a.d, b.d)
			}
			return cmp.Compare(b.d, a.d)
		}
		return cmp.Compare(a.id, b.id)
	}
}

// metricDistance is the distance Milvus reports between q and v:
// squared L2, or the inner product (q and v normalised for COSINE).
func metricDistance(m workloads.Metric, q, v []float32) float32 {
	if m == workloads.L2 {
		return vecmath.L2Sq(q, v)
	}
	return vecmath.Dot(q, v)
}

// binaryDistances returns, for rows of bits (vector_type binary), a
// function setting dst[qi] to the HAMMING or JACCARD distance of every
// query to a row: the queries packed into 64-bit words once, each row as
// it comes, compared by the popcount kernels of the top-k ground truth
// (vecmath.Hamming, vecmath.Jaccard), so both truths see the same
// distances.
func binaryDistances(m workloads.Metric, queries [][]float32, dim int) func(dst []float32, v []float32) {
	w := vecmath.BitWords(dim)
	qw := make([]uint64, len(queries)*w)
	for i, q := range queries {
		vecmath.PackBits(qw[i*w:(i+1)*w], q)
	}
	row := make([]uint64, w)
	return func(dst []float32, v []float32) {
		vecmath.PackBits(row, v)
		for qi := range dst {
			q := qw[qi*w : (qi+1)*w]
			if m == workloads.Jaccard {
				dst[qi] = vecmath.Jaccard(q, row)
			} else {
				dst[qi] = float32(vecmath.Hamming(q, row))
			}
		}
	}
}

// exactRangeGroup scans the base once for range or group point pt; keys
// are the rows' group keys (a group point).
func exactRangeGroup(ctx context.Context, ds *datasets.Dataset, pt workloads.SearchPoint, keys []string) (*datasets.GroundTruth, error) {
	m := ds.Info.Metric
	qs := make([][]float32, len(ds.Queries))
	for i, q := range ds.Queries {
		qs[i] = slices.Clone(q)
		if m == workloads.Cosine {
			vecmath.Normalize(qs[i])
		}
	}
	// dists sets every query's distance to row v.
	dists := func(dst []float32, v []float32) {
		for qi, q := range qs {
			dst[qi] = metricDistance(m, q, v)
		}
	}
	if workloads.BinaryMetric(m) {
		dists = binaryDistances(m, qs, ds.Info.Dim)
	}
	qd := make([]float32, len(qs))
	order := better(m)
	inRange := make([][]hit, len(qs))
	groups := make([]map[string][]hit, len(qs))
	for i := range groups {
		groups[i] = map[string][]hit{}
	}
	row := make([]float32, ds.Info.Dim)
	err := ds.Base.Scan(ctx, 4096, func(first int64, vecs [][]float32) error {
		for j, v := range vecs {
			r := first + int64(j)
			id := r
			if ds.IDs != nil {
				id = ds.IDs[r]
			}
			if m == workloads.Cosine {
				copy(row, v)
				vecmath.Normalize(row)
				v = row
			}
			dists(qd, v)
			for qi := range qs {
				h := hit{id: id, d: qd[qi]}
				if pt.Range != nil {
					if pt.Range.InRange(m, float64(h.d)) {
						inRange[qi] = append(inRange[qi], h)
						if len(inRange[qi]) >= 2*RangeTruthCap {
							slices.SortFunc(inRange[qi], order)
							inRange[qi] = inRange[qi][:RangeTruthCap]
						}
					}
					continue
				}
				g := groups[qi][keys[r]]
				if len(g) < pt.Group.GroupSize || order(h, g[len(g)-1]) < 0 {
					g = append(g, h)
					slices.SortFunc(g, order)
					if len(g) > pt.Group.GroupSize {
						g = g[:pt.Group.GroupSize]
					}
					groups[qi][keys[r]] = g
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	gt := &datasets.GroundTruth{IDs: make([][]int64, len(qs)), Dists: make([][]float32, len(qs))}
	for qi := range qs {
		var hits []hit
		if pt.Range != nil {
			hits = inRange[qi]
			slices.SortFunc(hits, order)
			hits = hits[:min(len(hits), RangeTruthCap)]
		} else {
			gs := make([][]hit, 0, len(groups[qi]))
			for _, g := range groups[qi] {
				gs = append(gs, g)
			}
			slices.SortFunc(gs, func(a, b []hit) int { return order(a[0], b[0]) })
			for _, g := range gs[:min(len(gs), pt.TopK)] {
				hits = append(hits, g...)
			}
		}
		for _, h := range hits {
			gt.IDs[qi] = append(gt.IDs[qi], h.id)
			gt.Dists[qi] = append(gt.Dists[qi], h.d)
		}
		gt.K = max(gt.K, len(hits))
	}
	return gt, nil
}

// recallDepth is the depth recall is measured at: topk, or for a group
// point every hit of its topk groups.
func recallDepth(pt workloads.SearchPoint) int {
	if pt.Group != nil {
		return pt.Group.Hits(pt.TopK)
	}
	return pt.TopK
}

// RangeQuality is what a range trial found beside its recall.
type RangeQuality struct {
	// Precision is the share of returned hits that are in range (among
	// the query's RangeTruthCap closest in-range rows), over every hit of
	// the answered queries.
	Precision float64 `json:"precision"`
	// Results and InRange are the distributions of the number of hits
	// returned per query and of rows truly in range (capped at topk,
	// what a complete answer returns).
	Results CountDist `json:"results"`
	InRange CountDist `json:"in_range"`
}

// GroupQuality is what a group trial found beside its recall: the
// distributions of hits returned per query and of hits in the exact
// grouped answer (fewer than topk × group_size when groups are small).
type GroupQuality struct {
	Results CountDist `json:"results"`
	Exact   CountDist `json:"exact"`
}

// groupQuality computes a group trial's counts over the answered
// queries (nil when none was answered).
func groupQuality(gt *datasets.GroundTruth, a *answers) *GroupQuality {
	var results, exact []int
	for qi, ids := range a.ids {
		if a.seen[qi].Load() {
			results, exact = append(results, len(ids)), append(exact, len(gt.IDs[qi]))
		}
	}
	if len(results) == 0 {
		return nil
	}
	return &GroupQuality{Results: newCountDist(results), Exact: newCountDist(exact)}
}

// CountDist summarises a count per query.
type CountDist struct {
	Mean float64 `json:"mean"`
	P50  int     `json:"p50"`
	P90  int     `json:"p90"`
	Max  int     `json:"max"`
	// Zero is the share of queries with none.
	Zero float64 `json:"zero_share"`
}

func newCountDist(ns []int) CountDist {
	if len(ns) == 0 {
		return CountDist{}
	}
	xs := slices.Clone(ns)
	slices.Sort(xs)
	c := CountDist{P50: xs[(len(xs)-1)/2], P90: xs[(len(xs)-1)*9/10], Max: xs[len(xs)-1]}
	zero, sum := 0, 0
	for _, x := range xs {
		sum += x
		if x == 0 {
			zero++
		}
	}
	c.Mean, c.Zero = float64(sum)/float64(len(xs)), float64(zero)/float64(len(xs))
	return c
}

// rangeQuality computes a range trial's precision and counts over the
// answered queries (nil when none was answered).
func rangeQuality(gt *datasets.GroundTruth, topk int, a *answers) *RangeQuality {
	var results, truth []int
	found, precise := 0, 0
	for qi, ids := range a.ids {
		if !a.seen[qi].Load() {
			continue
		}
		results = append(results, len(ids))
		truth = append(truth, min(topk, len(gt.IDs[qi])))
		in := slices.Clone(gt.IDs[qi])
		slices.Sort(in)
		for _, id := range ids {
			found++
			if _, ok := slices.BinarySearch(in, id); ok {
				precise++
			}
		}
	}
	if len(results) == 0 {
		return nil
	}
	q := &RangeQuality{Precision: 1, Results: newCountDist(results), InRange: newCountDist(truth)}
	if found > 0 {
		q.Precision = float64(precise) / float64(found)
	}
	return q
}
