package milvus

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets/sparse"
	"github.com/milvbench/milvbench/workloads"
	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"github.com/milvus-io/milvus/client/v2/entity"
	"github.com/milvus-io/milvus/client/v2/index"
	"github.com/milvus-io/milvus/client/v2/milvusclient"
	"google.golang.org/protobuf/proto"
)

var testFields = []bench.CollectionField{
	{Name: "vector", Type: workloads.FieldDense},
	{Name: "text", Type: workloads.FieldText, Analyzer: sparse.AnalyzerStandard, StopWords: []string{"the", "of"}, MaxLength: 1000},
	{Name: "sp", Type: workloads.FieldSparse},
}

func fieldsTarget(level entity.ConsistencyLevel) *Target {
	t := &Target{coll: "milvbench_x", consistency: level, metric: workloads.L2}
	t.setFields(bench.CollectionSpec{Dim: 4, Fields: testFields})
	return t
}

// sortParams orders search or rank params by key: the SDK fills them
// from a map, the server reads them by key.
func sortParams(kv []*commonpb.KeyValuePair) map[string]string {
	slices.SortFunc(kv, func(a, b *commonpb.KeyValuePair) int { return strings.Compare(a.Key, b.Key) })
	m := map[string]string{}
	for _, p := range kv {
		m[p.Key] = p.Value
	}
	return m
}

// TestHybridRequestMatchesSDK checks the hybrid request the target sends —
// the parts Milvus Lite cannot show (it ignores consistency, and fuses the
// same whatever the per-request metric) — against the SDK's own builders
// and against the wire values Milvus reads: one sub-request per field with
// its anns_field (a text field's BM25 output), limit, metric and params;
// the queries as float, VarChar and sparse placeholders; the ranker's
// strategy and params (weights with norm_score, or k) and the fused limit.
func TestHybridRequestMatchesSDK(t *testing.T) {
	dense := [][]float32{{1, 2, 3, 4}, {0, -1, 0.5, 2}}
	texts := []string{"red fox", "the quick brown dog"}
	sps := []sparse.Vector{{Indices: []uint32{3, 70, 900}, Values: []float32{0.5, 1.25, -2}}, {Indices: []uint32{1}, Values: []float32{7}}}
	subs := []workloads.SubRequest{
		{Field: "vector", Kind: workloads.KindANN, Limit: 30, Params: workloads.Params{"ef": int64(64)}},
		{Field: "text", Kind: workloads.KindBM25, Limit: 20, Params: workloads.Params{"drop_ratio_search": 0.2}},
		{Field: "sp", Kind: workloads.KindSparse, Limit: 15, Params: workloads.Params{"drop_ratio_search": 0.0}},
	}
	queries := []bench.SubQueries{{Vectors: dense}, {Texts: texts}, {Sparse: sps}}
	tests := []struct {
		name       string
		h          workloads.HybridPoint
		strong     bool
		wantRank   map[string]string
		wantLevel  commonpb.ConsistencyLevel
		sdkRanker  milvusclient.Reranker
		sdkMatches bool // the SDK's own ranker writes the same rank params
	}{
		{"rrf", workloads.HybridPoint{Requests: subs, Ranker: workloads.RankerRRF, K: 42}, false,
			map[string]string{"strategy": "rrf", "params": `{"k":42}`, "limit": "10"}, commonpb.ConsistencyLevel_Bounded,
			milvusclient.NewRRFReranker().WithK(42), true},
		{"weighted norm_score strong", workloads.HybridPoint{Requests: subs, Ranker: workloads.RankerWeighted, Weights: []float64{0.5, 0.3, 0.2}, NormScore: true}, true,
			map[string]string{"strategy": "weighted", "params": `{"weights":[0.5,0.3,0.2],"norm_score":true}`, "limit": "10"}, commonpb.ConsistencyLevel_Strong,
			milvusclient.NewWeightedReranker([]float64{0.5, 0.3, 0.2}), false},
		{"weighted raw", workloads.HybridPoint{Requests: subs, Ranker: workloads.RankerWeighted, Weights: []float64{1, 0, 0.25}}, false,
			map[string]string{"strategy": "weighted", "params": `{"weights":[1,0,0.25],"norm_score":false}`, "limit": "10"}, commonpb.ConsistencyLevel_Bounded,
			milvusclient.NewWeightedReranker([]float64{1, 0, 0.25}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := fieldsTarget(entity.ClBounded)
			req := bench.SearchRequest{Kind: workloads.KindHybrid, TopK: 10, Hybrid: &tt.h, Subs: queries, Strong: tt.strong}
			opt, err := tg.hybridOption(req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := opt.HybridRequest()
			if err != nil {
				t.Fatal(err)
			}
			// The wire values, independent of the SDK.
			if got.CollectionName != "milvbench_x" || got.ConsistencyLevel != tt.wantLevel || got.UseDefaultConsistency || len(got.Requests) != 3 {
				t.Fatalf("request %v", got)
			}
			if rank := sortParams(slices.Clone(got.RankParams)); !mapsEqual(rank, tt.wantRank) {
				t.Errorf("rank params %v, want %v", rank, tt.wantRank)
			}
			wantSub := []map[string]string{
				{"anns_field": "vector", "topk": "30", "metric_type": "", "params": `{"ef":64}`},
				{"anns_field": "text_bm25", "topk": "20", "metric_type": "BM25", "params": `{"drop_ratio_search":0.2}`},
				{"anns_field": "sp", "topk": "15", "metric_type": "IP", "params": `{"drop_ratio_search":0}`},
			}
			wantType := []commonpb.PlaceholderType{commonpb.PlaceholderType_FloatVector, commonpb.PlaceholderType_VarChar, commonpb.PlaceholderType_SparseFloatVector}
			for i, sr := range got.Requests {
				sp := sortParams(slices.Clone(sr.SearchParams))
				for k, v := range wantSub[i] {
					if sp[k] != v {
						t.Errorf("sub-request %d: %s = %q, want %q", i, k, sp[k], v)
					}
				}
				if sr.Nq != 2 {
					t.Errorf("sub-request %d: nq %d", i, sr.Nq)
				}
				var phg commonpb.PlaceholderGroup
				if err := proto.Unmarshal(sr.GetPlaceholderGroup(), &phg); err != nil {
					t.Fatal(err)
				}
				ph := phg.Placeholders[0]
				if ph.Type != wantType[i] || len(ph.Values) != 2 {
					t.Fatalf("sub-request %d: placeholder %v with %d values", i, ph.Type, len(ph.Values))
				}
				for q, v := range ph.Values {
					var want []byte
					switch i {
					case 0:
						for _, x := range dense[q] {
							want = binary.LittleEndian.AppendUint32(want, math.Float32bits(x))
						}
					case 1:
						want = []byte(texts[q])
					case 2:
						for j, ix := range sps[q].Indices {
							want = binary.LittleEndian.AppendUint32(want, ix)
							want = binary.LittleEndian.AppendUint32(want, math.Float32bits(sps[q].Values[j]))
						}
					}
					if string(v) != string(want) {
						t.Errorf("sub-request %d query %d: placeholder bytes %x, want %x", i, q, v, want)
					}
				}
			}
			// The same request from the SDK's builders, written here.
			annDense := index.NewCustomAnnParam()
			annDense.WithExtraParam("ef", int64(64))
			annText := index.NewSparseAnnParam()
			annText.WithDropRatio(0.2)
			annSp := index.NewSparseAnnParam()
			annSp.WithDropRatio(0)
			spEmb := make([]entity.Vector, len(sps))
			for i, v := range sps {
				spEmb[i], _ = entity.NewSliceSparseEmbedding(slices.Clone(v.Indices), slices.Clone(v.Values))
			}
			level := entity.ClBounded
			if tt.strong {
				level = entity.ClStrong
			}
			want, err := milvusclient.NewHybridSearchOption("milvbench_x", 10,
				milvusclient.NewAnnRequest("vector", 30, entity.FloatVector(dense[0]), entity.FloatVector(dense[1])).WithAnnParam(annDense),
				milvusclient.NewAnnRequest("text_bm25", 20, entity.Text(texts[0]), entity.Text(texts[1])).WithAnnParam(annText).WithSearchParam("metric_type", "BM25"),
				milvusclient.NewAnnRequest("sp", 15, spEmb...).WithAnnParam(annSp).WithSearchParam("metric_type", "IP"),
			).WithConsistencyLevel(level).WithReranker(tt.sdkRanker).HybridRequest()
			if err != nil {
				t.Fatal(err)
			}
			if !tt.sdkMatches {
				// The SDK's weighted ranker drops norm_score: compare the
				// rest, then check the difference is exactly that flag.
				var p map[string]any
				if err := json.Unmarshal([]byte(sortParams(slices.Clone(got.RankParams))["params"]), &p); err != nil {
					t.Fatal(err)
				}
				if _, ok := p["norm_score"]; !ok {
					t.Error("norm_score missing from the weighted ranker's params")
				}
				want.RankParams, got.RankParams = nil, nil
			}
			for _, r := range []*milvuspb.HybridSearchRequest{got, want} {
				sortParams(r.RankParams)
				for _, sr := range r.Requests {
					sortParams(sr.SearchParams)
				}
			}
			if !proto.Equal(got, want) {
				t.Errorf("hybrid request differs from the SDK builders':\n got %v\nwant %v", got, want)
			}
		})
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestFieldSearchRequest: sparse and bm25 requests name their field (a
// text field's BM25 output), metric and drop_ratio_search.
func TestFieldSearchRequest(t *testing.T) {
	tg := fieldsTarget(entity.ClSession)
	for _, tt := range []struct {
		req               bench.SearchRequest
		anns, metric, prm string
		ph                commonpb.PlaceholderType
	}{
		{bench.SearchRequest{Kind: workloads.KindSparse, Field: "sp", TopK: 7, Params: workloads.Params{"drop_ratio_search": 0.1},
			Sparse: []sparse.Vector{{Indices: []uint32{5}, Values: []float32{1}}}}, "sp", "IP", `{"drop_ratio_search":0.1}`, commonpb.PlaceholderType_SparseFloatVector},
		{bench.SearchRequest{Kind: workloads.KindBM25, Field: "text", TopK: 7, Texts: []string{"a b"}}, "text_bm25", "BM25", `{}`, commonpb.PlaceholderType_VarChar},
	} {
		opt, err := tg.fieldSearchOption(tt.req)
		if err != nil {
			t.Fatal(err)
		}
		sr, err := opt.Request()
		if err != nil {
			t.Fatal(err)
		}
		sp := sortParams(sr.SearchParams)
		if sp["anns_field"] != tt.anns || sp["metric_type"] != tt.metric || sp["params"] != tt.prm || sp["topk"] != "7" || sr.ConsistencyLevel != commonpb.ConsistencyLevel_Session {
			t.Errorf("%s: params %v, level %v", tt.req.Kind, sp, sr.ConsistencyLevel)
		}
		var phg commonpb.PlaceholderGroup
		if err := proto.Unmarshal(sr.GetPlaceholderGroup(), &phg); err != nil || phg.Placeholders[0].Type != tt.ph {
			t.Errorf("%s: placeholder %v (%v)", tt.req.Kind, phg.Placeholders, err)
		}
	}
}

// TestFieldsSchemaProto: the dense field under its own name, the sparse
// field, the text field analyzed with type standard (stop words as
// Milvus documents them, or as Milvus Lite reads them) and its BM25
// function writing text_bm25.
func TestFieldsSchemaProto(t *testing.T) {
	for _, lite := range []bool{false, true} {
		s, err := fieldsSchema(bench.CollectionSpec{Name: "c", Dim: 4, Fields: testFields}, lite)
		if err != nil {
			t.Fatal(err)
		}
		type nameType struct {
			name string
			typ  entity.FieldType
		}
		var names []nameType
		for _, f := range s.Fields {
			names = append(names, nameType{f.Name, f.DataType})
			if f.Name == "text" {
				wantAn := `{"stop_words":["the","of"],"type":"standard"}`
				if lite {
					wantAn = `{"filter":[{"stop_words":["the","of"],"type":"stop"}],"type":"standard"}`
				}
				if f.TypeParams["analyzer_params"] != wantAn || f.TypeParams["enable_analyzer"] != "true" || f.TypeParams["max_length"] != "1000" {
					t.Errorf("lite=%v: text type params %v", lite, f.TypeParams)
				}
			}
		}
		want := []nameType{{"id", entity.FieldTypeInt64}, {"vector", entity.FieldTypeFloatVector}, {"text", entity.FieldTypeVarChar},
			{"text_bm25", entity.FieldTypeSparseVector}, {"sp", entity.FieldTypeSparseVector}}
		if !slices.Equal(names, want) {
			t.Errorf("fields %v, want %v", names, want)
		}
		if len(s.Functions) != 1 || s.Functions[0].Type != entity.FunctionTypeBM25 || s.Functions[0].InputFieldNames[0] != "text" || s.Functions[0].OutputFieldNames[0] != "text_bm25" {
			t.Errorf("functions %+v", s.Functions)
		}
	}
	if p := analyzerParams(bench.CollectionField{Name: "t", Type: workloads.FieldText, Analyzer: sparse.AnalyzerLiteStandard}, true); len(p) != 1 || p["type"] != "standard" {
		t.Errorf("lite-standard without stop words: %v", p)
	}
}

// TestFieldIndexParams: every sparse index parameter is sent explicitly,
// on the sparse field with IP and on the text field's output with BM25
// (its k1 and b defaulted when the config has none).
func TestFieldIndexParams(t *testing.T) {
	tg := fieldsTarget(entity.ClBounded)
	for _, tt := range []struct {
		cfg    workloads.IndexConfig
		field  string
		params map[string]string
	}{
		{workloads.IndexConfig{Type: workloads.IndexSparseInverted, Field: "sp", Build: workloads.Params{"inverted_index_algo": "DAAT_WAND", "drop_ratio_build": 0.1}}, "sp",
			map[string]string{"index_type": "SPARSE_INVERTED_INDEX", "metric_type": "IP", "inverted_index_algo": "DAAT_WAND", "drop_ratio_build": "0.1", "params": `{"drop_ratio_build":0.1,"inverted_index_algo":"DAAT_WAND"}`}},
		{workloads.IndexConfig{Type: workloads.IndexSparseInverted, Field: "text", Build: workloads.Params{"inverted_index_algo": "TAAT_NAIVE", "bm25_k1": 1.5}}, "text_bm25",
			map[string]string{"index_type": "SPARSE_INVERTED_INDEX", "metric_type": "BM25", "inverted_index_algo": "TAAT_NAIVE", "bm25_k1": "1.5", "bm25_b": "0.75", "params": `{"bm25_b":0.75,"bm25_k1":1.5,"inverted_index_algo":"TAAT_NAIVE"}`}},
		{workloads.IndexConfig{Type: "HNSW", Field: "vector", Build: workloads.Params{"M": int64(8)}}, "vector",
			map[string]string{"index_type": "HNSW", "metric_type": "L2", "M": "8", "params": `{"M":8}`}},
	} {
		field, idx, err := tg.fieldIndex(tt.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if field != tt.field || !mapsEqual(idx.Params(), tt.params) || idx.Name() != "milvbench_"+tt.field {
			t.Errorf("%s: on %s as %s with %v, want %s with %v", tt.cfg, field, idx.Name(), idx.Params(), tt.field, tt.params)
		}
	}
	for _, bad := range []workloads.IndexConfig{
		{Type: "HNSW", Field: "sp"}, {Type: workloads.IndexSparseInverted, Field: "vector"}, {Type: "FLAT", Field: "nope"},
	} {
		if _, _, err := tg.fieldIndex(bad); err == nil {
			t.Errorf("%s on %s accepted", bad.Type, bad.Field)
		}
	}
	if checkLiteSparse(workloads.IndexConfig{Type: workloads.IndexSparseInverted, Build: workloads.Params{"inverted_index_algo": "DAAT_MAXSCORE"}}) == nil ||
		checkLiteSparse(workloads.IndexConfig{Type: workloads.IndexSparseInverted, Build: workloads.Params{"drop_ratio_build": 0.2}}) == nil ||
		checkLiteSparse(workloads.IndexConfig{Type: workloads.IndexSparseInverted, Build: workloads.Params{"inverted_index_algo": "TAAT_NAIVE", "drop_ratio_build": 0.0}}) != nil {
		t.Error("checkLiteSparse: Lite takes TAAT_NAIVE with drop_ratio_build 0, and only that")
	}
}
