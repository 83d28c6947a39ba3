package milvus

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"github.com/milvus-io/milvus-proto/go-api/v2/schemapb"
	"github.com/milvus-io/milvus/client/v2/entity"
	"github.com/milvus-io/milvus/client/v2/index"
	"github.com/milvus-io/milvus/client/v2/milvusclient"
	"google.golang.org/protobuf/proto"
)

// TestTypedInsertMatchesSDK checks the insert a float16 or bfloat16
// collection gets: the vector column is the field's type, its bytes are
// the SDK's own WithFloat16VectorColumn (or BFloat16) of the same values
// (already rounded, as the dataset stores them), and they decode to those
// values exactly.
func TestTypedInsertMatchesSDK(t *testing.T) {
	rows := [][]float32{{0.1, -2.5, 3.3, 65504}, {1e-3, 7, -0.25, 1}}
	for _, tt := range []struct {
		vt    string
		field entity.FieldType
		value func(uint16) float32
	}{
		{workloads.VectorFloat16, entity.FieldTypeFloat16Vector, datasets.Float16Value},
		{workloads.VectorBFloat16, entity.FieldTypeBFloat16Vector, datasets.BFloat16Value},
	} {
		t.Run(tt.vt, func(t *testing.T) {
			vecs := make([][]float32, len(rows))
			for i, r := range rows {
				vecs[i] = append([]float32(nil), r...)
				if err := datasets.StoreAs(tt.vt, vecs[i]); err != nil {
					t.Fatal(err)
				}
			}
			ft, err := vectorFieldType(bench.CollectionSpec{VectorType: tt.vt})
			if err != nil || ft != tt.field {
				t.Fatalf("field type %v, %v; want %v", ft, err, tt.field)
			}
			tg := &Target{coll: "c", vecField: FieldVector}
			tg.setFields(bench.CollectionSpec{Dim: 4, VectorType: tt.vt})
			schema := entity.NewSchema().WithName("c").
				WithField(entity.NewField().WithName(FieldID).WithDataType(entity.FieldTypeInt64).WithIsPrimaryKey(true)).
				WithField(entity.NewField().WithName(FieldVector).WithDataType(tt.field).WithDim(4))
			coll := &entity.Collection{Name: "c", Schema: schema}
			opt, err := tg.rows([]int64{1, 2}, vecs)
			if err != nil {
				t.Fatal(err)
			}
			got, err := opt.InsertRequest(coll)
			if err != nil {
				t.Fatal(err)
			}
			sdk := milvusclient.NewColumnBasedInsertOption("c").WithInt64Column(FieldID, []int64{1, 2})
			if tt.vt == workloads.VectorFloat16 {
				sdk.WithFloat16VectorColumn(FieldVector, 4, vecs)
			} else {
				sdk.WithBFloat16VectorColumn(FieldVector, 4, vecs)
			}
			want, err := sdk.InsertRequest(coll)
			if err != nil {
				t.Fatal(err)
			}
			gv, wv := vectorBytes(got.GetFieldsData()), vectorBytes(want.GetFieldsData())
			if gv == nil || !bytes.Equal(gv, wv) {
				t.Fatalf("vector bytes %x, the SDK's %x", gv, wv)
			}
			for i := 0; i < len(gv)/2; i++ {
				if v := tt.value(uint16(gv[2*i]) | uint16(gv[2*i+1])<<8); v != vecs[i/4][i%4] {
					t.Errorf("component %d decodes to %g, stored %g", i, v, vecs[i/4][i%4])
				}
			}
		})
	}
	if _, err := vectorFieldType(bench.CollectionSpec{VectorType: workloads.VectorInt8}); err == nil || !strings.Contains(err.Error(), "int8") {
		t.Errorf("int8: err = %v", err)
	}
}

// vectorBytes is the vector field's data of an insert: the float16 or
// bfloat16 bytes.
func vectorBytes(fields []*schemapb.FieldData) []byte {
	for _, f := range fields {
		if v := f.GetVectors(); v != nil {
			if b := v.GetFloat16Vector(); b != nil {
				return b
			}
			return v.GetBfloat16Vector()
		}
	}
	return nil
}

// sdkPacked packs a row of bits as pymilvus's examples and numpy.packbits
// do, independently of datasets.PackBytes: bit j is bit 7 − j%8 of byte j/8.
func sdkPacked(v []float32) []byte {
	out := make([]byte, (len(v)+7)/8)
	for j, x := range v {
		if x == 1 {
			out[j/8] |= 1 << (7 - j%8)
		}
	}
	return out
}

// TestBinaryMatchesSDK checks what a binary collection sends: a
// BINARY_VECTOR field, the insert column the SDK's WithBinaryVectorColumn
// makes of the packed rows, BIN_FLAT and BIN_IVF_FLAT index params holding
// the SDK's NewBinFlatIndex and NewBinIvfFlatIndex (HAMMING and JACCARD),
// and a search request equal to the SDK's Search with entity.BinaryVector
// queries.
func TestBinaryMatchesSDK(t *testing.T) {
	const dim = 24
	bits := func(seed int) []float32 {
		v := make([]float32, dim)
		for j := range v {
			v[j] = float32((seed*7 + j*j) % 3 % 2)
		}
		return v
	}
	rows := [][]float32{bits(1), bits(2), bits(3)}
	ft, err := vectorFieldType(bench.CollectionSpec{VectorType: workloads.VectorBinary})
	if err != nil || ft != entity.FieldTypeBinaryVector {
		t.Fatalf("field type %v, %v", ft, err)
	}
	if _, err := vectorFieldType(bench.CollectionSpec{VectorType: workloads.VectorBinary, Fields: []bench.CollectionField{{Name: "s"}}}); err == nil {
		t.Error("binary beside other fields accepted")
	}
	tg := &Target{coll: "c", vecField: FieldVector}
	tg.setFields(bench.CollectionSpec{Dim: dim, VectorType: workloads.VectorBinary})
	schema := entity.NewSchema().WithName("c").
		WithField(entity.NewField().WithName(FieldID).WithDataType(entity.FieldTypeInt64).WithIsPrimaryKey(true)).
		WithField(entity.NewField().WithName(FieldVector).WithDataType(entity.FieldTypeBinaryVector).WithDim(dim))
	coll := &entity.Collection{Name: "c", Schema: schema}
	opt, err := tg.rows([]int64{1, 2, 3}, rows)
	if err != nil {
		t.Fatal(err)
	}
	got, err := opt.InsertRequest(coll)
	if err != nil {
		t.Fatal(err)
	}
	packed := [][]byte{sdkPacked(rows[0]), sdkPacked(rows[1]), sdkPacked(rows[2])}
	want, err := milvusclient.NewColumnBasedInsertOption("c").WithInt64Column(FieldID, []int64{1, 2, 3}).
		WithBinaryVectorColumn(FieldVector, dim, packed).InsertRequest(coll)
	if err != nil {
		t.Fatal(err)
	}
	// The SDK's column-based insert lists its columns in map order, which
	// varies from call to call; the server reads them by name.
	for _, r := range []*milvuspb.InsertRequest{got, want} {
		slices.SortFunc(r.FieldsData, func(a, b *schemapb.FieldData) int { return strings.Compare(a.FieldName, b.FieldName) })
	}
	if !proto.Equal(got, want) {
		t.Errorf("insert differs from the SDK's:\n got %v\nwant %v", got, want)
	}
	for _, m := range []workloads.Metric{workloads.Hamming, workloads.Jaccard} {
		for _, tt := range []struct {
			cfg workloads.IndexConfig
			sdk index.Index
		}{
			{workloads.IndexConfig{Type: "BIN_FLAT"}, index.NewBinFlatIndex(entity.MetricType(m))},
			{workloads.IndexConfig{Type: "BIN_IVF_FLAT", Build: workloads.Params{"nlist": int64(64)}}, index.NewBinIvfFlatIndex(entity.MetricType(m), 64)},
		} {
			p := indexParams(tt.cfg, m)
			for k, v := range tt.sdk.Params() {
				if p[k] != v {
					t.Errorf("%s %s: %s = %q, the SDK's %q", m, tt.cfg.Type, k, p[k], v)
				}
			}
		}
	}
	tg.consistency = entity.ClBounded
	req := bench.SearchRequest{Vectors: [][]float32{bits(4), bits(5)}, TopK: 10, Params: workloads.Params{"nprobe": int64(8)}}
	sr, err := tg.searchRequest(req)
	if err != nil {
		t.Fatal(err)
	}
	ann := index.NewCustomAnnParam()
	ann.WithExtraParam("nprobe", int64(8))
	sdk, err := milvusclient.NewSearchOption("c", 10, []entity.Vector{entity.BinaryVector(sdkPacked(bits(4))), entity.BinaryVector(sdkPacked(bits(5)))}).
		WithANNSField(FieldVector).WithConsistencyLevel(entity.ClBounded).WithAnnParam(ann).Request()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*milvuspb.SearchRequest{sr, sdk} {
		slices.SortFunc(r.SearchParams, func(a, b *commonpb.KeyValuePair) int { return strings.Compare(a.Key, b.Key) })
	}
	if !proto.Equal(sr, sdk) {
		t.Errorf("search request differs from the SDK's:\n got %v\nwant %v", sr, sdk)
	}
	if v, ok := typedVector(workloads.VectorBinary, bits(4)).(entity.BinaryVector); !ok || !bytes.Equal(v, sdkPacked(bits(4))) || v.Dim() != dim {
		t.Errorf("typedVector = %v", v)
	}
}
