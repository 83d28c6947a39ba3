package milvus

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"github.com/milvus-io/milvus-proto/go-api/v2/schemapb"
	"github.com/milvus-io/milvus/client/v2/entity"
	"github.com/milvus-io/milvus/pkg/v2/util/merr"
	"google.golang.org/protobuf/encoding/protowire"
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
	phg, err := typedPlaceholderGroup(t.vectorType, req.Vectors)
	if err != nil {
		return nil, err
	}
	params, err := paramsJSON(rangeParams(req))
	if err != nil {
		return nil, err
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
			{Key: "anns_field", Value: t.vecField},
			{Key: "topk", Value: strconv.Itoa(req.TopK)},
			{Key: "offset", Value: "0"},
			{Key: "metric_type", Value: ""},
			{Key: "round_decimal", Value: "-1"},
			{Key: "ignore_growing", Value: "false"},
			{Key: "params", Value: params},
		},
		ExprTemplateValues: map[string]*schemapb.TemplateValue{},
	}
	for _, kv := range groupParams(req.Group) {
		sr.SearchParams = append(sr.SearchParams, &commonpb.KeyValuePair{Key: kv[0], Value: kv[1]})
	}
	if f := req.Filter; f != nil && f.Tenanted && t.tenantLayout() == workloads.LayoutPartitions {
		// The tenant's partition holds its rows alone: no filter.
		sr.PartitionNames = []string{partitionName(f.Tenant)}
	} else if req.Filter != nil {
		text, vals, err := t.filterText(req.Filter)
		if err != nil {
			return nil, err
		}
		sr.Dsl = text
		for k, v := range vals {
			sr.ExprTemplateValues[k] = v
		}
		if req.Filter.Hint != "" {
			sr.SearchParams = append(sr.SearchParams, &commonpb.KeyValuePair{Key: "hints", Value: req.Filter.Hint})
		}
	}
	return sr, nil
}

// rangeParams are req's index search params with a range request's
// radius and range_filter beside them, where the SDK's
// AnnParam.WithRadius and WithRangeFilter put them.
func rangeParams(req bench.SearchRequest) workloads.Params {
	if req.Range == nil {
		return req.Params
	}
	p := make(workloads.Params, len(req.Params)+2)
	for k, v := range req.Params {
		p[k] = v
	}
	p["radius"] = req.Range.Radius
	if f := req.Range.RangeFilter; f != nil {
		p["range_filter"] = *f
	}
	return p
}

// groupParams are the search params of a group request, as the SDK's
// WithGroupByField, WithGroupSize and WithStrictGroupSize set them
// (strict_group_size only when true).
func groupParams(g *workloads.GroupPoint) [][2]string {
	if g == nil {
		return nil
	}
	kv := [][2]string{{"group_by_field", g.Field}, {"group_size", strconv.Itoa(g.GroupSize)}}
	if g.Strict {
		kv = append(kv, [2]string{"strict_group_size", "true"})
	}
	return kv
}

// placeholderGroup encodes the query vectors as the SDK does, a
// commonpb.PlaceholderGroup of one float-vector placeholder "$0" whose
// values are the vectors' little-endian float32 bytes, but straight into
// one buffer of the exact size (protowire) instead of copying each vector
// into its own slice and marshalling those by reflection.
func placeholderGroup(vecs [][]float32) ([]byte, error) {
	return typedPlaceholderGroup("", vecs)
}

// typedPlaceholderGroup is placeholderGroup for a vector field of type vt:
// float16 and bfloat16 queries go as a Float16Vector or BFloat16Vector
// placeholder of 2-byte values, each component rounded to nearest as the
// dataset's values were (entity.Float16Vector bytes, as the SDK sends them);
// binary queries (rows of bits) as a BinaryVector placeholder of their
// packed bytes (entity.BinaryVector, dim/8 bytes).
func typedPlaceholderGroup(vt string, vecs [][]float32) ([]byte, error) {
	const tag = "$0"
	typ, width, bits := commonpb.PlaceholderType_FloatVector, 4, func(float32) uint16 { return 0 }
	size := func(v []float32) int { return width * len(v) }
	switch vt {
	case workloads.VectorFloat16:
		typ, width, bits = commonpb.PlaceholderType_Float16Vector, 2, datasets.Float16Bits
	case workloads.VectorBFloat16:
		typ, width, bits = commonpb.PlaceholderType_BFloat16Vector, 2, datasets.BFloat16Bits
	case workloads.VectorBinary:
		typ, width = commonpb.PlaceholderType_BinaryVector, 0
		size = func(v []float32) int { return len(v) / 8 }
	}
	value := 0 // the PlaceholderValue's encoded size
	value += protowire.SizeTag(1) + protowire.SizeBytes(len(tag))
	value += protowire.SizeTag(2) + protowire.SizeVarint(uint64(typ))
	for _, v := range vecs {
		value += protowire.SizeTag(3) + protowire.SizeBytes(size(v))
	}
	b := make([]byte, 0, protowire.SizeTag(1)+protowire.SizeBytes(value))
	b = protowire.AppendTag(b, 1, protowire.BytesType) // PlaceholderGroup.placeholders
	b = protowire.AppendVarint(b, uint64(value))
	b = protowire.AppendTag(b, 1, protowire.BytesType) // PlaceholderValue.tag
	b = protowire.AppendString(b, tag)
	b = protowire.AppendTag(b, 2, protowire.VarintType) // PlaceholderValue.type
	b = protowire.AppendVarint(b, uint64(typ))
	for _, v := range vecs {
		b = protowire.AppendTag(b, 3, protowire.BytesType) // PlaceholderValue.values
		b = protowire.AppendVarint(b, uint64(size(v)))
		if width == 0 {
			b = datasets.AppendPacked(b, v)
			continue
		}
		for _, x := range v {
			if width == 2 {
				b = binary.LittleEndian.AppendUint16(b, bits(x))
			} else {
				b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
			}
		}
	}
	if len(b) != cap(b) {
		return nil, fmt.Errorf("milvus: encode query vectors: %d bytes written, %d expected", len(b), cap(b))
	}
	return b, nil
}

// paramsJSON is json.Marshal of the search params (keys sorted, as
// encoding/json writes a map), with integer values, the usual case (ef,
// nprobe, ...), written directly rather than through reflection.
func paramsJSON(p workloads.Params) (string, error) {
	if len(p) == 0 {
		return "{}", nil
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b := make([]byte, 0, 16*len(p))
	for i, k := range keys {
		if i == 0 {
			b = append(b, '{')
		} else {
			b = append(b, ',')
		}
		if plainKey(k) {
			b = append(append(append(b, '"'), k...), '"', ':')
		} else {
			kb, err := json.Marshal(k)
			if err != nil {
				return "", fmt.Errorf("milvus: encode search params: %w", err)
			}
			b = append(append(b, kb...), ':')
		}
		switch v := p[k].(type) {
		case int64:
			b = strconv.AppendInt(b, v, 10)
		case int:
			b = strconv.AppendInt(b, int64(v), 10)
		default:
			vb, err := json.Marshal(v)
			if err != nil {
				return "", fmt.Errorf("milvus: encode search param %s: %w", k, err)
			}
			b = append(b, vb...)
		}
	}
	return string(append(b, '}')), nil
}

// plainKey reports whether JSON writes k as is between quotes.
func plainKey(k string) bool {
	for _, r := range k {
		if !(r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')) {
			return false
		}
	}
	return true
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
