package milvus

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"github.com/milvus-io/milvus/client/v2/entity"
	"github.com/milvus-io/milvus/client/v2/index"
	"github.com/milvus-io/milvus/client/v2/milvusclient"
	"google.golang.org/protobuf/proto"
)

// TestSearchRequestMatchesSDK checks that the lean search path sends the
// request the SDK's own Search would (searchOption.Request), byte for byte
// in the encoded query vectors, for the shapes the harness sends: range
// over binary vectors too (packed queries, radius and range_filter beside
// the index params, as AnnParam.WithRadius and WithRangeFilter put them).
func TestSearchRequestMatchesSDK(t *testing.T) {
	rangeFilter, hammingFilter := 0.75, 4.0
	// bitVec is a row of bits (vector_type binary), some set, some not.
	bitVec := func(dim, seed int) []float32 {
		v := make([]float32, dim)
		for i := range v {
			v[i] = float32((seed*5 + i*i) % 3 % 2)
		}
		return v
	}
	vec := func(dim, seed int) []float32 {
		v := make([]float32, dim)
		for i := range v {
			v[i] = float32(seed*1000+i)/7 - 3
		}
		return v
	}
	tests := []struct {
		name   string
		req    bench.SearchRequest
		level  entity.ConsistencyLevel
		filter string
		// version is the server's (default: one with templates); tmpl
		// the filter_params the SDK request carries, hint its hints.
		version string
		tmpl    map[string]any
		hint    string
		vt      string // the vector field's type ("": FLOAT_VECTOR)
	}{
		{name: "one 128-d query", req: bench.SearchRequest{Vectors: [][]float32{vec(128, 1)}, TopK: 10, Params: workloads.Params{"ef": int64(64)}}, level: entity.ClBounded},
		{name: "nq 3, no params", req: bench.SearchRequest{Vectors: [][]float32{vec(4, 1), vec(4, 2), vec(4, 3)}, TopK: 100}, level: entity.ClSession},
		{name: "float16, nq 2", req: bench.SearchRequest{Vectors: [][]float32{vec(16, 1), vec(16, 2)}, TopK: 10, Params: workloads.Params{"ef": int64(32)}}, level: entity.ClBounded, vt: workloads.VectorFloat16},
		{name: "bfloat16", req: bench.SearchRequest{Vectors: [][]float32{vec(16, 3)}, TopK: 10, Params: workloads.Params{"ef": int64(32), "refine_k": 2.0}}, level: entity.ClBounded, vt: workloads.VectorBFloat16},
		{name: "mixed params", req: bench.SearchRequest{Vectors: [][]float32{vec(8, 2)}, TopK: 5,
			Params: workloads.Params{"nprobe": int64(16), "radius": 0.5, "range_filter": 1e21, "level": int64(2), "with<html>": "a&b", "flag": true}}, level: entity.ClEventually},
		{name: "strong with a filter", req: bench.SearchRequest{Vectors: [][]float32{vec(16, 4)}, TopK: 1, Strong: true,
			Filter: &datasets.Filter{Expr: "label in [1, 2]"}, Params: workloads.Params{"search_list": int64(40)}}, level: entity.ClBounded, filter: "label in [1, 2]"},
		{name: "expression template on 2.5", req: bench.SearchRequest{Vectors: [][]float32{vec(8, 5)}, TopK: 10, Filter: &datasets.Filter{Expr: `cat == "c3" and price < 2.5 and array_contains_any(tags, [1, 2])`, Template: "cat == {c} and price < {p} and array_contains_any(tags, {t})",
			Params: map[string]any{"c": "c3", "p": 2.5, "t": []int64{1, 2}}, Hint: "iterative_filter"}},
			level: entity.ClBounded, version: "v2.5.4", filter: "cat == {c} and price < {p} and array_contains_any(tags, {t})",
			tmpl: map[string]any{"c": "c3", "p": 2.5, "t": []int64{1, 2}}, hint: "iterative_filter"},
		{name: "inlined on Lite", req: bench.SearchRequest{Vectors: [][]float32{vec(8, 5)}, TopK: 10, Filter: &datasets.Filter{Expr: `cat == "c3" and price < 2.5 and array_contains_any(tags, [1, 2])`, Template: "cat == {c} and price < {p} and array_contains_any(tags, {t})",
			Params: map[string]any{"c": "c3", "p": 2.5, "t": []int64{1, 2}}, Hint: "iterative_filter"}},
			level: entity.ClBounded, version: "milvus_lite-3.2.2", filter: `cat == "c3" and price < 2.5 and array_contains_any(tags, [1, 2])`, hint: "iterative_filter"},
		{name: "inlined on 2.3", req: bench.SearchRequest{Vectors: [][]float32{vec(8, 5)}, TopK: 10, Filter: &datasets.Filter{Expr: `cat == "c3" and price < 2.5 and array_contains_any(tags, [1, 2])`, Template: "cat == {c} and price < {p} and array_contains_any(tags, {t})",
			Params: map[string]any{"c": "c3", "p": 2.5, "t": []int64{1, 2}}, Hint: "iterative_filter"}},
			level: entity.ClBounded, version: "v2.3.21", filter: `cat == "c3" and price < 2.5 and array_contains_any(tags, [1, 2])`, hint: "iterative_filter"},
		{name: "range with range_filter", req: bench.SearchRequest{Vectors: [][]float32{vec(8, 6)}, TopK: 10, Kind: workloads.KindRange, Params: workloads.Params{"ef": int64(32)},
			Range: &workloads.RangePoint{Radius: 0.25, RangeFilter: &rangeFilter}}, level: entity.ClBounded},
		{name: "range without range_filter", req: bench.SearchRequest{Vectors: [][]float32{vec(8, 6)}, TopK: 10, Kind: workloads.KindRange,
			Range: &workloads.RangePoint{Radius: 12}}, level: entity.ClBounded},
		{name: "binary range, HAMMING ring", req: bench.SearchRequest{Vectors: [][]float32{bitVec(32, 1), bitVec(32, 2)}, TopK: 10, Kind: workloads.KindRange, Params: workloads.Params{"nprobe": int64(8)},
			Range: &workloads.RangePoint{Radius: 12, RangeFilter: &hammingFilter}}, level: entity.ClBounded, vt: workloads.VectorBinary},
		{name: "binary range, JACCARD ball", req: bench.SearchRequest{Vectors: [][]float32{bitVec(64, 3)}, TopK: 5, Kind: workloads.KindRange,
			Range: &workloads.RangePoint{Radius: 0.7}}, level: entity.ClStrong, vt: workloads.VectorBinary},
		{name: "group", req: bench.SearchRequest{Vectors: [][]float32{vec(8, 7), vec(8, 8)}, TopK: 4, Kind: workloads.KindGroup, Params: workloads.Params{"ef": int64(64)},
			Group: &workloads.GroupPoint{Field: "doc", GroupSize: 3}}, level: entity.ClBounded},
		{name: "strict group", req: bench.SearchRequest{Vectors: [][]float32{vec(8, 7)}, TopK: 4, Kind: workloads.KindGroup,
			Group: &workloads.GroupPoint{Field: "doc", GroupSize: 2, Strict: true}}, level: entity.ClBounded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := &Target{coll: "milvbench_x", consistency: tt.level, vecField: FieldVector, serverVersion: tt.version, vectorType: tt.vt}
			if tt.vt != "" {
				// Queries reach a typed target as the dataset stored them:
				// already float16 or bfloat16 values. (The SDK's own
				// bfloat16 conversion truncates; on such values it is exact.)
				for _, v := range tt.req.Vectors {
					if err := datasets.StoreAs(tt.vt, v); err != nil {
						t.Fatal(err)
					}
				}
			}
			got, err := tg.searchRequest(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			vecs := make([]entity.Vector, len(tt.req.Vectors))
			for i, v := range tt.req.Vectors {
				// The SDK's own conversion of the float32 query: the lean
				// path's rounding must give the same bytes.
				switch tt.vt {
				case workloads.VectorFloat16:
					vecs[i] = entity.FloatVector(v).ToFloat16Vector()
				case workloads.VectorBFloat16:
					vecs[i] = entity.FloatVector(v).ToBFloat16Vector()
				case workloads.VectorBinary:
					// Packed independently of datasets.PackBytes.
					vecs[i] = entity.BinaryVector(sdkPacked(v))
				default:
					vecs[i] = entity.FloatVector(v)
				}
			}
			ann := index.NewCustomAnnParam()
			for k, v := range tt.req.Params {
				ann.WithExtraParam(k, v)
			}
			if r := tt.req.Range; r != nil {
				ann.WithRadius(r.Radius)
				if r.RangeFilter != nil {
					ann.WithRangeFilter(*r.RangeFilter)
				}
			}
			level := tt.level
			if tt.req.Strong {
				level = entity.ClStrong
			}
			opt := milvusclient.NewSearchOption("milvbench_x", tt.req.TopK, vecs).WithANNSField(FieldVector).WithConsistencyLevel(level).WithAnnParam(ann)
			if tt.filter != "" {
				opt = opt.WithFilter(tt.filter)
			}
			for k, v := range tt.tmpl {
				opt = opt.WithTemplateParam(k, v)
			}
			if tt.hint != "" {
				opt = opt.WithSearchParam("hints", tt.hint)
			}
			if g := tt.req.Group; g != nil {
				opt = opt.WithGroupByField(g.Field).WithGroupSize(g.GroupSize).WithStrictGroupSize(g.Strict)
			}
			want, err := opt.Request()
			if err != nil {
				t.Fatal(err)
			}
			// The SDK fills search_params from a map: their order varies
			// from call to call, and the server reads them by key.
			for _, r := range []*milvuspb.SearchRequest{got, want} {
				slices.SortFunc(r.SearchParams, func(a, b *commonpb.KeyValuePair) int { return strings.Compare(a.Key, b.Key) })
			}
			if !proto.Equal(got, want) {
				t.Errorf("lean request differs from the SDK's:\n got %v\nwant %v", got, want)
			}
		})
	}
}

// TestGroupRefusedOn23: Milvus 2.3 has no grouping search, so a group
// request is refused in one line before anything is sent.
func TestGroupRefusedOn23(t *testing.T) {
	tg := &Target{coll: "milvbench_x", vecField: FieldVector, serverVersion: "v2.3.21"}
	_, err := tg.Search(t.Context(), bench.SearchRequest{Vectors: [][]float32{{1, 2}}, TopK: 3, Kind: workloads.KindGroup, Group: &workloads.GroupPoint{Field: "doc", GroupSize: 1}})
	if err == nil || !strings.Contains(err.Error(), "needs Milvus 2.4 or later; the server is v2.3.21") {
		t.Errorf("error %v", err)
	}
}

func TestParamsJSON(t *testing.T) {
	for i, p := range []workloads.Params{
		nil, {}, {"ef": int64(64)}, {"nprobe": 16, "b": int64(-3)}, {"radius": 0.25, "x": 1e-7, "y": 3e21, "s": "<&>\"", "t": false},
		{"é": int64(1), "a b": "c"},
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			got, err := paramsJSON(p)
			if err != nil {
				t.Fatal(err)
			}
			want := "{}"
			if len(p) > 0 {
				b, err := json.Marshal(map[string]any(p))
				if err != nil {
					t.Fatal(err)
				}
				want = string(b)
			}
			if got != want {
				t.Errorf("paramsJSON(%v) = %s, want %s", p, got, want)
			}
		})
	}
}

// BenchmarkSearchRequest is the client CPU of building one 128-d top-10
// search request (the part of a search the harness, not gRPC, pays for).
func BenchmarkSearchRequest(b *testing.B) {
	tg := &Target{coll: "milvbench_x", consistency: entity.ClBounded, vecField: FieldVector}
	req := bench.SearchRequest{Vectors: [][]float32{make([]float32, 128)}, TopK: 10, Params: workloads.Params{"ef": int64(64)}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tg.searchRequest(req); err != nil {
			b.Fatal(err)
		}
	}
}
