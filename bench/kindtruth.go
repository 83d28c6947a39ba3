package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/datasets/sparse"
	"github.com/milvbench/milvbench/workloads"
)

// KindTruths computes, or reads from cache, the exact ground truth of
// every sparse, bm25 and hybrid point of the plan, keyed by TruthKey:
//   - sparse: exact inner product over every row (sparse.ExactIP, an
//     exhaustive inverted-index accumulation);
//   - bm25: BM25 over the whole corpus with the field's analyzer and the
//     index's bm25_k1 and bm25_b (sparse.ExactBM25, which cites the Milvus
//     source it follows);
//   - hybrid: each sub-request's exact ranking cut at its limit, fused by
//     the point's ranker as the target's server fuses (style, see
//     FusionStyleOf), so recall measures what the sub-requests' indexes
//     lose, not the fusion. The fused list keeps every fused id, so ties
//     at the k-th score count as hits.
//
// logf, when set, gets one line per ground truth.
func KindTruths(ctx context.Context, ds *datasets.Dataset, fields []*FieldValues, plan *workloads.Plan, style string, cache datasets.GTCache, logf func(format string, args ...any)) (map[string]*datasets.GroundTruth, error) {
	kt := &kindTruths{ctx: ctx, ds: ds, fields: fields, cache: cache, logf: logf, routes: map[string]*datasets.GroundTruth{}}
	kt.depth = routeDepths(plan)
	out := map[string]*datasets.GroundTruth{}
	k := plan.MaxTopK()
	for _, b := range plan.Builds {
		indexes := b.Indexes()
		for _, pt := range b.Points {
			key := TruthKey(indexes, pt)
			if key == "" || out[key] != nil || (pt.SearchKind() == workloads.KindANN && kt.further(pt.Field) == nil) {
				continue // the first dense field's ann truth is Truths'
			}
			var gt *datasets.GroundTruth
			var err error
			if pt.SearchKind() == workloads.KindHybrid {
				gt, err = kt.hybrid(indexes, pt.Hybrid, style)
			} else {
				gt, err = kt.route(indexes, pt.Field, pt.SearchKind())
			}
			if err != nil {
				return nil, fmt.Errorf("ground truth %s: %w", key, err)
			}
			if gt.K < k && pt.SearchKind() != workloads.KindHybrid {
				return nil, fmt.Errorf("ground truth %s: depth %d < topk %d", key, gt.K, k)
			}
			out[key] = gt
		}
	}
	return out, nil
}

// kindTruths computes each field's exact ranking once, at the deepest
// depth the plan needs of it.
type kindTruths struct {
	ctx    context.Context
	ds     *datasets.Dataset
	fields []*FieldValues
	cache  datasets.GTCache
	logf   func(format string, args ...any)
	depth  map[string]int // field → deepest ranking needed
	routes map[string]*datasets.GroundTruth
}

// routeDepths is, per field, the deepest exact ranking the plan needs: its
// topk for single-field points, a sub-request's limit for hybrid ones.
func routeDepths(plan *workloads.Plan) map[string]int {
	d := map[string]int{}
	for _, b := range plan.Builds {
		for _, pt := range b.Points {
			if pt.Hybrid == nil {
				d[pt.Field] = max(d[pt.Field], pt.TopK)
				continue
			}
			for _, sub := range pt.Hybrid.Requests {
				d[sub.Field] = max(d[sub.Field], sub.Limit)
			}
		}
	}
	return d
}

// route returns the exact ranking of one field's queries (scores as
// GroundTruth distances: smaller is closer).
func (kt *kindTruths) route(indexes []workloads.IndexConfig, field, kind string) (*datasets.GroundTruth, error) {
	k1, b := bm25Params(indexes, field)
	key := fmt.Sprintf("%s:%s:%g:%g", kind, field, k1, b)
	if gt := kt.routes[key]; gt != nil {
		return gt, nil
	}
	depth := min(max(kt.depth[field], 1), datasets.MaxK)
	t0 := time.Now()
	var gt *datasets.GroundTruth
	var hit bool
	var err error
	what := ""
	switch kind {
	case workloads.KindANN:
		ds := kt.ds
		if f := kt.further(field); f != nil {
			ds = f.Vectors
		}
		gt, hit, err = datasets.GroundTruthFor(kt.ctx, ds, datasets.GTOptions{K: depth}, "", kt.cache)
		what = fmt.Sprintf("%s on %s", ds.Info.Metric, field)
	case workloads.KindSparse:
		f, ferr := fieldOf(kt.fields, field)
		if ferr != nil {
			return nil, ferr
		}
		gt, hit, err = sparse.CachedIP(kt.ctx, sparse.Vectors{Rows: f.Sparse, DimsLen: f.Dims}, f.SparseQueries, f.Checksum, sparse.Options{K: depth}, kt.cache)
		what = "sparse inner product on " + field
	case workloads.KindBM25:
		f, ferr := fieldOf(kt.fields, field)
		if ferr != nil {
			return nil, ferr
		}
		p := sparse.BM25Params{K1: k1, B: b, Analyzer: f.Analyzer}
		gt, hit, err = sparse.CachedBM25(kt.ctx, sparse.Texts(f.Texts), f.TextQueries, p, f.Checksum, sparse.Options{K: depth}, kt.cache)
		what = fmt.Sprintf("BM25 (k1=%g, b=%g, analyzer %s) on %s", k1, b, f.Analyzer.Name(), field)
	default:
		return nil, fmt.Errorf("no exact ranking for kind %q", kind)
	}
	if err != nil {
		return nil, err
	}
	if kt.logf != nil {
		how := "computed"
		if hit {
			how = "cached"
		}
		kt.logf("truth  exact top-%d %s for %d queries %s in %.2fs", gt.K, what, len(gt.IDs), how, time.Since(t0).Seconds())
	}
	kt.routes[key] = gt
	return gt, nil
}

// hybrid fuses the exact rankings of h's sub-requests, each cut at its
// limit.
func (kt *kindTruths) hybrid(indexes []workloads.IndexConfig, h *workloads.HybridPoint, style string) (*datasets.GroundTruth, error) {
	ranks := make([]*datasets.GroundTruth, len(h.Requests))
	metrics := make([]string, len(h.Requests))
	for i, sub := range h.Requests {
		gt, err := kt.route(indexes, sub.Field, sub.Kind)
		if err != nil {
			return nil, err
		}
		ranks[i], metrics[i] = gt, RouteMetric(sub.Kind, kt.metric(sub.Field))
	}
	nq := len(ranks[0].IDs)
	out := &datasets.GroundTruth{IDs: make([][]int64, nq), Dists: make([][]float32, nq)}
	routes := make([][]Hit, len(ranks))
	for q := range nq {
		for i, gt := range ranks {
			routes[i] = routeHits(gt, q, h.Requests[i].Limit, h.Requests[i].Kind, kt.metric(h.Requests[i].Field), routes[i][:0])
		}
		fused := Fuse(routes, metrics, h, style, 0)
		out.IDs[q], out.Dists[q] = make([]int64, len(fused)), make([]float32, len(fused))
		for j, hit := range fused {
			out.IDs[q][j], out.Dists[q][j] = hit.ID, -hit.Score
		}
		out.K = max(out.K, len(fused))
	}
	return out, nil
}

// further returns the values of a dense field other than the first (nil
// for any other field).
func (kt *kindTruths) further(name string) *FieldValues { return furtherDense(kt.fields, name) }

// furtherDense returns, of fields, the values of dense field name (only a
// dense field other than the first has values; nil for any other).
func furtherDense(fields []*FieldValues, name string) *FieldValues {
	for _, f := range fields {
		if f.Name == name && f.Type == workloads.FieldDense {
			return f
		}
	}
	return nil
}

// metric is the dense metric of field name: a further dense field's own,
// else the dataset's.
func (kt *kindTruths) metric(name string) workloads.Metric {
	if f := kt.further(name); f != nil {
		return f.Metric
	}
	return kt.ds.Info.Metric
}

// routeHits is query q's exact ranking cut at limit, with the scores the
// server reports (squared L2, or a similarity).
func routeHits(gt *datasets.GroundTruth, q, limit int, kind string, dense workloads.Metric, dst []Hit) []Hit {
	ids, ds := gt.IDs[q], gt.Dists[q]
	for j := 0; j < len(ids) && j < limit; j++ {
		s := -ds[j] // sparse and BM25 distances are negated scores
		if kind == workloads.KindANN {
			s = datasets.Score(dense, ds[j])
		}
		dst = append(dst, Hit{ID: ids[j], Score: s})
	}
	return dst
}
