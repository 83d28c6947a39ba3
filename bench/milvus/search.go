package milvus

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"github.com/milvus-io/milvus-proto/go-api/v2/schemapb"
	"github.com/milvus-io/milvus/client/v2/entity"
	"github.com/milvus-io/milvus/pkg/v2/util/merr"
	"google.golang.org/protobuf/proto"
)

// searchIDs sends a search as the SDK's Search would (the same request
// fields and search params, on the SDK's connection with its interceptors)
// but builds the request and reads the ids itself: it skips the SDK's
// schema lookup, generic option building and column decoding, which
// together cost about as much client CPU as the gRPC call (see
// BenchmarkCannedSearch). Only the ids are read, so requests with output
// fields use the SDK's Search.
func (t *Target) searchIDs(ctx context.Context, req bench.SearchRequest) (bench.SearchResult, error) {
	sr, err := t.searchRequest(req)
	if err != nil {
		return bench.SearchResult{}, err
	}
	sctx, cancel := context.WithTimeout(ctx, t.cfg.RequestTimeout)
	defer cancel()
	resp, err := t.client().GetService().Search(sctx, sr)
	if err := merr.CheckRPCCall(resp, err); err != nil {
		return bench.SearchResult{}, wrap(err)
	}
	ids, err := resultIDs(resp.GetResults(), len(req.Vectors))
	if err != nil {
		return bench.SearchResult{}, wrap(err)
	}
	return bench.SearchResult{IDs: ids}, nil
}

// searchRequest renders req as the SearchRequest the SDK (v2 client,
// AnnRequest.searchRequest and searchOption.Request) sends: the vectors as
// one float-vector placeholder "$0", the filter as a boolean expression,
// and the search params anns_field, topk, offset, metric_type (empty: the
// index's), round_decimal, ignore_growing and the index params as JSON.
func (t *Target) searchRequest(req bench.SearchRequest) (*milvuspb.SearchRequest, error) {
	ph := &commonpb.PlaceholderValue{Tag: "$0", Type: commonpb.PlaceholderType_FloatVector, Values: make([][]byte, len(req.Vectors))}
	for i, v := range req.Vectors {
		b := make([]byte, 4*len(v))
		for j, x := range v {
			binary.LittleEndian.PutUint32(b[4*j:], math.Float32bits(x))
		}
		ph.Values[i] = b
	}
	phg, err := proto.Marshal(&commonpb.PlaceholderGroup{Placeholders: []*commonpb.PlaceholderValue{ph}})
	if err != nil {
		return nil, fmt.Errorf("milvus: encode query vectors: %w", err)
	}
	params := "{}"
	if len(req.Params) > 0 {
		b, err := json.Marshal(map[string]any(req.Params))
		if err != nil {
			return nil, fmt.Errorf("milvus: encode search params: %w", err)
		}
		params = string(b)
	}
	level := t.consistency
	if req.Strong {
		level = entity.ClStrong
	}
	sr := &milvuspb.SearchRequest{
		CollectionName:   t.coll,
		Nq:               int64(len(req.Vectors)),
		DslType:          commonpb.DslType_BoolExprV1,
		SearchInput:      &milvuspb.SearchRequest_PlaceholderGroup{PlaceholderGroup: phg},
		ConsistencyLevel: commonpb.ConsistencyLevel(level),
		SearchParams: []*commonpb.KeyValuePair{
			{Key: "anns_field", Value: FieldVector},
			{Key: "topk", Value: strconv.Itoa(req.TopK)},
			{Key: "offset", Value: "0"},
			{Key: "metric_type", Value: ""},
			{Key: "round_decimal", Value: "-1"},
			{Key: "ignore_growing", Value: "false"},
			{Key: "params", Value: params},
		},
		ExprTemplateValues: map[string]*schemapb.TemplateValue{},
	}
	if req.Filter != nil {
		sr.Dsl = req.Filter.Expr
	}
	return sr, nil
}

// resultIDs splits a search result's int64 ids into nq lists by its
// per-query counts.
func resultIDs(r interface {
	GetNumQueries() int64
	GetTopks() []int64
	GetIds() *schemapb.IDs
}, nq int) ([][]int64, error) {
	if r == nil {
		return nil, fmt.Errorf("milvus: search answered without results")
	}
	if int(r.GetNumQueries()) != nq || len(r.GetTopks()) != nq {
		return nil, fmt.Errorf("milvus: search of %d queries answered %d (%d counts)", nq, r.GetNumQueries(), len(r.GetTopks()))
	}
	all := r.GetIds().GetIntId().GetData()
	out := make([][]int64, nq)
	off := 0
	for i, k := range r.GetTopks() {
		if k < 0 || off+int(k) > len(all) {
			return nil, fmt.Errorf("milvus: search result counts %v exceed its %d ids", r.GetTopks(), len(all))
		}
		out[i] = all[off : off+int(k) : off+int(k)]
		off += int(k)
	}
	return out, nil
}
