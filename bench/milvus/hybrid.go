package milvus

// Sparse, full-text (BM25) and hybrid requests, built with the SDK's own
// request types and sent through its Search and HybridSearch.

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus/client/v2/entity"
	"github.com/milvus-io/milvus/client/v2/index"
	"github.com/milvus-io/milvus/client/v2/milvusclient"
)

// searchField sends a sparse or bm25 request, or an ann request on a
// dense field after the first, through the SDK's Search.
func (t *Target) searchField(ctx context.Context, req bench.SearchRequest) (bench.SearchResult, error) {
	opt, err := t.fieldSearchOption(req)
	if err != nil {
		return bench.SearchResult{}, err
	}
	return t.search(ctx, opt)
}

// search sends one search within the request timeout and reads its ids.
func (t *Target) search(ctx context.Context, opt milvusclient.SearchOption) (bench.SearchResult, error) {
	sctx, cancel := context.WithTimeout(ctx, t.cfg.RequestTimeout)
	defer cancel()
	rs, err := t.client().Search(sctx, opt)
	if err != nil {
		return bench.SearchResult{}, wrap(err)
	}
	return resultSetIDs(rs)
}

// searchHybrid sends a hybrid request through the SDK's HybridSearch.
func (t *Target) searchHybrid(ctx context.Context, req bench.SearchRequest) (bench.SearchResult, error) {
	opt, err := t.hybridOption(req)
	if err != nil {
		return bench.SearchResult{}, err
	}
	sctx, cancel := context.WithTimeout(ctx, t.cfg.RequestTimeout)
	defer cancel()
	rs, err := t.client().HybridSearch(sctx, opt)
	if err != nil {
		return bench.SearchResult{}, wrap(err)
	}
	return resultSetIDs(rs)
}

// level is the consistency level of req.
func (t *Target) level(req bench.SearchRequest) entity.ConsistencyLevel {
	if req.Strong {
		return entity.ClStrong
	}
	return t.consistency
}

// fieldSearchOption is the SDK search option of a sparse or bm25 request:
// the queries as sparse embeddings or entity.Text on the field (a text
// field's BM25 output), the metric named (IP or BM25: Milvus Lite refuses
// an empty one on a sparse field) and the request's params
// (drop_ratio_search) as the index's search params.
func (t *Target) fieldSearchOption(req bench.SearchRequest) (milvusclient.SearchOption, error) {
	field, metric, err := t.routeOf(req.Kind, req.Field)
	if err != nil {
		return nil, err
	}
	vecs, err := queryVectors(req.Kind, bench.SubQueries{Vectors: req.Vectors, Sparse: req.Sparse, Texts: req.Texts})
	if err != nil {
		return nil, err
	}
	opt := milvusclient.NewSearchOption(t.coll, req.TopK, vecs).
		WithANNSField(field).WithConsistencyLevel(t.level(req)).WithAnnParam(annParam(req.Kind, req.Params))
	if metric != "" { // ann: the index's
		opt = opt.WithSearchParam("metric_type", metric)
	}
	if req.Filter != nil {
		opt = opt.WithFilter(req.Filter.Expr)
	}
	if len(req.OutputFields) > 0 {
		opt = opt.WithOutputFields(req.OutputFields...)
	}
	return opt, nil
}

// hybridOption is the SDK hybrid search option of req: one
// milvusclient.AnnRequest per sub-request (its field, limit, params and
// queries, as fieldSearchOption and an ann request build them) fused by
// the point's ranker (hybridReranker) to req.TopK hits.
func (t *Target) hybridOption(req bench.SearchRequest) (milvusclient.HybridSearchOption, error) {
	h := req.Hybrid
	if h == nil || len(req.Subs) != len(h.Requests) {
		return nil, fmt.Errorf("milvus: hybrid request without its sub-requests' queries")
	}
	anns := make([]*milvusclient.AnnRequest, len(h.Requests))
	for i, sub := range h.Requests {
		field, metric, err := t.routeOf(sub.Kind, sub.Field)
		if err != nil {
			return nil, err
		}
		vecs, err := queryVectors(sub.Kind, req.Subs[i])
		if err != nil {
			return nil, err
		}
		a := milvusclient.NewAnnRequest(field, sub.Limit, vecs...).WithAnnParam(annParam(sub.Kind, sub.Params))
		if metric != "" {
			a = a.WithSearchParam("metric_type", metric)
		}
		if req.Filter != nil {
			a = a.WithFilter(req.Filter.Expr)
		}
		anns[i] = a
	}
	rr, err := hybridReranker(h)
	if err != nil {
		return nil, err
	}
	opt := milvusclient.NewHybridSearchOption(t.coll, req.TopK, anns...).WithConsistencyLevel(t.level(req)).WithReranker(rr)
	if len(req.OutputFields) > 0 {
		opt = opt.WithOutputFields(req.OutputFields...)
	}
	return opt, nil
}

// routeOf is the field a request of kind on field searches and the metric
// it names: the dense field (metric "": its index's), a sparse field (IP)
// or a text field's BM25 output (BM25).
func (t *Target) routeOf(kind, field string) (anns, metric string, err error) {
	switch kind {
	case "", workloads.KindANN:
		if field == "" {
			field = t.vecField
		}
		return field, "", nil
	case workloads.KindSparse:
		return field, metricIP, nil
	case workloads.KindBM25:
		return bench.BM25Output(field), metricBM25, nil
	}
	return "", "", fmt.Errorf("milvus: search kind %q is not a single-field request", kind)
}

// queryVectors are a request's queries as the SDK's vectors: float
// vectors (ann), sparse embeddings (sparse) or entity.Text (bm25).
func queryVectors(kind string, q bench.SubQueries) ([]entity.Vector, error) {
	switch kind {
	case workloads.KindSparse:
		embs, err := sparseEmbeddings(q.Sparse)
		if err != nil {
			return nil, fmt.Errorf("milvus: sparse query: %w", err)
		}
		out := make([]entity.Vector, len(embs))
		for i, e := range embs {
			out[i] = e
		}
		return out, nil
	case workloads.KindBM25:
		out := make([]entity.Vector, len(q.Texts))
		for i, s := range q.Texts {
			out[i] = entity.Text(s)
		}
		return out, nil
	}
	out := make([]entity.Vector, len(q.Vectors))
	for i, v := range q.Vectors {
		out[i] = entity.FloatVector(v)
	}
	return out, nil
}

// annParam carries a request's search params: the SDK's sparse ann param
// (drop_ratio_search) for sparse and bm25 requests, a custom one for ann.
func annParam(kind string, p workloads.Params) index.AnnParam {
	if kind == workloads.KindSparse || kind == workloads.KindBM25 {
		ap := index.NewSparseAnnParam()
		for k, v := range p {
			if k == "drop_ratio_search" {
				ap.WithDropRatio(workloads.Params{k: v}.Float(k, 0))
				continue
			}
			ap.WithExtraParam(k, v)
		}
		return ap
	}
	ap := index.NewCustomAnnParam()
	for k, v := range p {
		ap.WithExtraParam(k, v)
	}
	return ap
}

// hybridReranker is the ranker of a hybrid point: the SDK's RRF ranker
// with k, or the weighted ranker with the weights and norm_score. The
// SDK's weighted ranker sends only the weights, so norm_score (which the
// server reads from the same params, as pymilvus's WeightedRanker sends
// it) would be lost: weightedReranker sends both.
func hybridReranker(h *workloads.HybridPoint) (milvusclient.Reranker, error) {
	switch h.Ranker {
	case workloads.RankerRRF:
		k := h.K
		if k == 0 {
			k = workloads.DefaultRRFK
		}
		return milvusclient.NewRRFReranker().WithK(k), nil
	case workloads.RankerWeighted:
		if len(h.Weights) != len(h.Requests) {
			return nil, fmt.Errorf("milvus: %d weights for %d sub-requests", len(h.Weights), len(h.Requests))
		}
		return &weightedReranker{Weights: h.Weights, NormScore: h.NormScore}, nil
	}
	return nil, fmt.Errorf("milvus: unknown hybrid ranker %q", h.Ranker)
}

// weightedReranker is Milvus's weighted ranker with its norm_score flag,
// always sent (pymilvus defaults it to true, the server to false).
type weightedReranker struct {
	Weights   []float64 `json:"weights"`
	NormScore bool      `json:"norm_score"`
}

// GetParams implements milvusclient.Reranker: rank params as the SDK's
// rankers write them (strategy, and params as JSON).
func (r *weightedReranker) GetParams() []*commonpb.KeyValuePair {
	b, _ := json.Marshal(r)
	return []*commonpb.KeyValuePair{
		{Key: "strategy", Value: workloads.RankerWeighted},
		{Key: "params", Value: string(b)},
	}
}
