package milvus

import (
	"bytes"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
	"github.com/milvus-io/milvus-proto/go-api/v2/schemapb"
	"github.com/milvus-io/milvus/client/v2/entity"
	"github.com/milvus-io/milvus/client/v2/milvusclient"
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
