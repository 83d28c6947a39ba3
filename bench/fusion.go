package bench

import (
	"math"
	"sort"

	"github.com/milvbench/milvbench/workloads"
)

// Hit is one result of a route of a hybrid search: an id and the score
// the server reports for it (distance for L2, similarity for IP, COSINE
// and BM25).
type Hit struct {
	ID    int64
	Score float32
}

// Fusion styles: how a server's rankers fuse sub-request results.
const (
	// FusionMilvus is the Milvus server's (2.4–2.6): RRF sums 1/(k+rank),
	// rank from 1; the weighted ranker sums weight × f(score), f mapping
	// each metric into [0, 1] when norm_score is set (COSINE (1+s)/2, IP
	// 0.5+atan(s)/π, BM25 2·atan(s)/π, L2 1−2·atan(d)/π) and otherwise
	// the raw score, L2 turned by 1−2·atan(d)/π when other routes are
	// larger-is-better. Followed from milvus-io/milvus
	// internal/util/function/rerank/weighted_function.go (getNormalizeFunc)
	// and rrf_function.go.
	//
	// Milvus Lite 3.2.2 fuses this way too: its HybridSearch
	// (milvus_lite/adapter/grpc/servicer.py) merges the routes through
	// function/builder.py build_hybrid_rerank_chain, whose MergeOp
	// (function/ops/merge_op.py, "corresponds to Milvus:
	// internal/util/function/chain/operator_merge.go") sums 1/(k+rank) for
	// RRF and, for the weighted ranker, reads norm_score from the rank
	// params and applies the same per-metric functions (normalize: COSINE
	// (1+s)/2, IP 0.5+atan(s)/π, BM25 2·atan(s)/π, L2 1−2·atan(d)/π;
	// without it, L2 turned by 1−2·atan(d)/π when the metrics are mixed),
	// in float64 where the server rounds atan to float32.
	FusionMilvus = "milvus"
	// FusionLite is the min-max weighted fusion of Milvus Lite's
	// milvus_lite/adapter/grpc/reranker.py rerank(): RRF as Milvus; the
	// weighted ranker min-max normalises each route's scores per query
	// over the hits that route returned (1 when they are all equal), L2
	// negated first, and ignores norm_score. Lite 3.2.2 still ships that
	// file but its HybridSearch no longer calls rerank() (only
	// parse_rank_params), so no server measured here fuses this way and
	// FusionStyleOf never returns it; it stays for ground truth computed
	// under it.
	FusionLite = "milvus-lite"
)

// FusionStyleOf is the fusion a target's server applies: Milvus's, for
// Milvus 2.4–2.6 and Milvus Lite 3.2 alike (see FusionMilvus: measured
// against Lite 3.2.2 by bench/milvus's TestFieldKindsExact, whose
// weighted hybrid points reach recall 1 under it and about 0.2–0.6 under
// FusionLite).
func FusionStyleOf(info TargetInfo) string {
	return FusionMilvus
}

// RouteMetric is the metric a hybrid sub-request of kind is scored by:
// the dense metric for ann, IP for sparse, BM25 for bm25.
func RouteMetric(kind string, dense workloads.Metric) string {
	switch kind {
	case workloads.KindSparse:
		return "IP"
	case workloads.KindBM25:
		return "BM25"
	}
	return string(dense)
}

// largerIsBetter reports whether a metric's scores grow with similarity.
func largerIsBetter(metric string) bool { return metric != string(workloads.L2) }

// Fuse merges one query's routes (each closest first, at most its
// sub-request's limit hits) as h's ranker does under style, and returns
// the fused hits, best first, scores larger-is-better; ties keep the
// order ids first appear in the routes. metrics[i] is route i's metric
// (RouteMetric). limit ≤ 0 returns every fused hit.
func Fuse(routes [][]Hit, metrics []string, h *workloads.HybridPoint, style string, limit int) []Hit {
	score := map[int64]float64{}
	var order []int64
	add := func(id int64, v float64) {
		if _, ok := score[id]; !ok {
			order = append(order, id)
		}
		score[id] += v
	}
	switch h.Ranker {
	case workloads.RankerRRF:
		for _, route := range routes {
			for rank, hit := range route {
				add(hit.ID, 1/(h.K+float64(rank+1)))
			}
		}
	case workloads.RankerWeighted:
		for i, route := range routes {
			f := weightFunc(routes, metrics, i, h.NormScore, style)
			for _, hit := range route {
				add(hit.ID, h.Weights[i]*f(hit.Score))
			}
		}
	}
	out := make([]Hit, len(order))
	for i, id := range order {
		out[i] = Hit{ID: id, Score: float32(score[id])}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Score > out[b].Score })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// weightFunc is what the weighted ranker applies to route i's scores.
func weightFunc(routes [][]Hit, metrics []string, i int, norm bool, style string) func(float32) float64 {
	m := metrics[i]
	if style == FusionLite {
		sign := 1.0
		if !largerIsBetter(m) {
			sign = -1
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, hit := range routes[i] {
			v := sign * float64(hit.Score)
			lo, hi = min(lo, v), max(hi, v)
		}
		return func(s float32) float64 {
			if hi > lo {
				return (sign*float64(s) - lo) / (hi - lo)
			}
			return 1
		}
	}
	atan := func(s float32) float64 { return float64(float32(math.Atan(float64(s)))) }
	if !norm {
		mixed := false
		for _, o := range metrics {
			if largerIsBetter(o) != largerIsBetter(m) {
				mixed = true
			}
		}
		if largerIsBetter(m) || !mixed {
			return func(s float32) float64 { return float64(s) }
		}
		return func(d float32) float64 { return 1 - 2*atan(d)/math.Pi }
	}
	switch m {
	case string(workloads.Cosine):
		return func(s float32) float64 { return (1 + float64(s)) * 0.5 }
	case string(workloads.IP):
		return func(s float32) float64 { return 0.5 + atan(s)/math.Pi }
	case "BM25":
		return func(s float32) float64 { return 2 * atan(s) / math.Pi }
	}
	return func(d float32) float64 { return 1 - 2*atan(d)/math.Pi }
}
