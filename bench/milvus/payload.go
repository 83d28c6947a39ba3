package milvus

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/expr"
	"github.com/milvbench/milvbench/workloads"
	"github.com/milvus-io/milvus-proto/go-api/v2/schemapb"
	"github.com/milvus-io/milvus/client/v2/column"
	"github.com/milvus-io/milvus/client/v2/entity"
	"github.com/milvus-io/milvus/client/v2/index"
	"github.com/milvus-io/milvus/client/v2/milvusclient"
)

// payloadFields adds the payload's scalar fields to schema: nullable when
// a value is null (Milvus 2.5+ and Lite), varchar and array sizes from the
// longest value.
func payloadFields(schema *entity.Schema, p *datasets.Payload, tenantKey bool) *entity.Schema {
	for i, f := range p.Fields {
		col := p.Column(i)
		nulls, maxLen, maxCap := false, 16, 1
		for _, v := range col {
			switch x := v.Any().(type) {
			case nil:
				nulls = true
			case string:
				maxLen = max(maxLen, len(x))
			case []int64:
				maxCap = max(maxCap, len(x))
			case []string:
				maxCap = max(maxCap, len(x))
				for _, s := range x {
					maxLen = max(maxLen, len(s))
				}
			}
		}
		fd := entity.NewField().WithName(f.Name)
		switch f.Type {
		case workloads.PayloadInt64:
			fd.WithDataType(entity.FieldTypeInt64)
		case workloads.PayloadDouble:
			fd.WithDataType(entity.FieldTypeDouble)
		case workloads.PayloadBool:
			fd.WithDataType(entity.FieldTypeBool)
		case workloads.PayloadVarchar:
			fd.WithDataType(entity.FieldTypeVarChar).WithMaxLength(int64(maxLen))
		case workloads.PayloadArrayInt64:
			fd.WithDataType(entity.FieldTypeArray).WithElementType(entity.FieldTypeInt64).WithMaxCapacity(int64(maxCap))
		case workloads.PayloadArrayVarchar:
			fd.WithDataType(entity.FieldTypeArray).WithElementType(entity.FieldTypeVarChar).WithMaxLength(int64(maxLen)).WithMaxCapacity(int64(maxCap))
		default:
			fd.WithDataType(entity.FieldTypeJSON)
		}
		if nulls {
			fd.WithNullable(true)
		}
		if tenantKey && f.Name == workloads.TenantField {
			fd.WithIsPartitionKey(true)
		}
		schema.WithField(fd)
	}
	return schema
}

// payloadColumns renders the payload of rows ids (payload row = id) as
// insert columns.
func payloadColumns(p *datasets.Payload, ids []int64) ([]column.Column, error) {
	var out []column.Column
	for i, f := range p.Fields {
		col := p.Column(i)
		vals := make([]expr.Value, len(ids))
		for j, id := range ids {
			if id < 0 || int(id) >= len(col) {
				return nil, fmt.Errorf("milvus: row %d has no payload (the payload has %d rows)", id, len(col))
			}
			vals[j] = col[id]
		}
		var c column.Column
		var err error
		switch f.Type {
		case workloads.PayloadInt64:
			c, err = nullableColumn(f.Name, vals, func(v any) int64 { return v.(int64) }, column.NewNullableColumnInt64)
		case workloads.PayloadDouble:
			c, err = nullableColumn(f.Name, vals, func(v any) float64 { return v.(float64) }, column.NewNullableColumnDouble)
		case workloads.PayloadBool:
			c, err = nullableColumn(f.Name, vals, func(v any) bool { return v.(bool) }, column.NewNullableColumnBool)
		case workloads.PayloadVarchar:
			c, err = nullableColumn(f.Name, vals, func(v any) string { return v.(string) }, column.NewNullableColumnVarChar)
		case workloads.PayloadArrayInt64:
			c, err = nullableColumn(f.Name, vals, func(v any) []int64 { return nonNil(v.([]int64)) }, column.NewNullableColumnInt64Array)
		case workloads.PayloadArrayVarchar:
			c, err = nullableColumn(f.Name, vals, func(v any) []string { return nonNil(v.([]string)) }, column.NewNullableColumnVarCharArray)
		default:
			var jerr error
			c, err = nullableColumn(f.Name, vals, func(v any) []byte {
				b, err := json.Marshal(v)
				if err != nil && jerr == nil {
					jerr = err
				}
				return b
			}, column.NewNullableColumnJSONBytes)
			if err == nil {
				err = jerr
			}
		}
		if err != nil {
			return nil, fmt.Errorf("milvus: payload field %s: %w", f.Name, err)
		}
		out = append(out, c)
	}
	return out, nil
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// nullableColumn builds a column of vals (values only where not null, as
// the SDK's nullable columns take them). A column without nulls is built
// the same way with every row valid, which servers without nullable fields
// accept as a plain column.
func nullableColumn[T any, C column.Column](name string, vals []expr.Value, conv func(any) T, mk func(string, []T, []bool, ...column.ColumnOption[T]) (C, error)) (column.Column, error) {
	data := make([]T, 0, len(vals))
	valid := make([]bool, len(vals))
	nulls := false
	for i, v := range vals {
		if v.IsNull() {
			nulls = true
			continue
		}
		data = append(data, conv(v.Any()))
		valid[i] = true
	}
	if !nulls {
		valid = nil
	}
	c, err := mk(name, data, valid)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// SetScalarIndexes implements bench.ScalarIndexer: the next BuildIndex
// first builds these scalar indexes (field → type, "" none), each named
// after its field; DropIndex drops them with the vector index.
func (t *Target) SetScalarIndexes(m map[string]string) { t.scalar = m }

// scalarIndexes builds the scalar indexes SetScalarIndexes named.
func (t *Target) scalarIndexes(ctx context.Context) error {
	for _, f := range slices.Sorted(maps.Keys(t.scalar)) {
		typ := t.scalar[f]
		if typ == "" {
			continue
		}
		name := f + "_idx"
		idx := index.NewGenericIndex(name, map[string]string{index.IndexTypeKey: typ})
		err := t.setup(ctx, "create scalar index "+typ+" on "+f, t.cfg.BuildTimeout, func(ctx context.Context) error {
			_, err := t.clients[0].CreateIndex(ctx, milvusclient.NewCreateIndexOption(t.coll, f, idx).WithIndexName(name))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// hasScalarIndexes reports whether scalar indexes are asked for.
func (t *Target) hasScalarIndexes() bool {
	for _, typ := range t.scalar {
		if typ != "" {
			return true
		}
	}
	return false
}

// templates reports whether the server takes expression templates
// (filter_params): Milvus 2.5 and later. Milvus Lite ignores them and 2.3
// predates them, so those get the expression with its values inlined.
func (t *Target) templates() bool {
	if t.isLite() {
		return false
	}
	ok, known := releaseAtLeast(t.serverVersion, [2]int{2, 5})
	return ok && known
}

// filterText is the expression a request sends, and the template values
// to send with it (nil: inlined).
func (t *Target) filterText(f *datasets.Filter) (string, map[string]*schemapb.TemplateValue, error) {
	if f.Template == "" || !t.templates() {
		return f.Expr, nil, nil
	}
	vals := make(map[string]*schemapb.TemplateValue, len(f.Params))
	for k, v := range f.Params {
		tv, err := templateValue(v)
		if err != nil {
			return "", nil, fmt.Errorf("milvus: filter parameter %s: %w", k, err)
		}
		vals[k] = tv
	}
	return f.Template, vals, nil
}

// templateValue renders a filter parameter (as package expr normalises
// them) the way the SDK's WithTemplateParam does.
func templateValue(v any) (*schemapb.TemplateValue, error) {
	arr := func(a *schemapb.TemplateArrayValue) *schemapb.TemplateValue {
		return &schemapb.TemplateValue{Val: &schemapb.TemplateValue_ArrayVal{ArrayVal: a}}
	}
	switch x := v.(type) {
	case int64:
		return &schemapb.TemplateValue{Val: &schemapb.TemplateValue_Int64Val{Int64Val: x}}, nil
	case float64:
		return &schemapb.TemplateValue{Val: &schemapb.TemplateValue_FloatVal{FloatVal: x}}, nil
	case bool:
		return &schemapb.TemplateValue{Val: &schemapb.TemplateValue_BoolVal{BoolVal: x}}, nil
	case string:
		return &schemapb.TemplateValue{Val: &schemapb.TemplateValue_StringVal{StringVal: x}}, nil
	case []int64:
		return arr(&schemapb.TemplateArrayValue{Data: &schemapb.TemplateArrayValue_LongData{LongData: &schemapb.LongArray{Data: x}}}), nil
	case []float64:
		return arr(&schemapb.TemplateArrayValue{Data: &schemapb.TemplateArrayValue_DoubleData{DoubleData: &schemapb.DoubleArray{Data: x}}}), nil
	case []bool:
		return arr(&schemapb.TemplateArrayValue{Data: &schemapb.TemplateArrayValue_BoolData{BoolData: &schemapb.BoolArray{Data: x}}}), nil
	case []string:
		return arr(&schemapb.TemplateArrayValue{Data: &schemapb.TemplateArrayValue_StringData{StringData: &schemapb.StringArray{Data: x}}}), nil
	}
	return nil, fmt.Errorf("unsupported value %T", v)
}

// partitionName is tenant's partition in the partitions layout.
func partitionName(tenant int64) string { return fmt.Sprintf("t%d", tenant) }

// tenantLayout is the collection's tenancy layout ("" without tenancy).
func (t *Target) tenantLayout() string {
	if t.tenancy == nil {
		return ""
	}
	return t.layout
}

// createPartitions makes one partition per tenant (layout partitions).
func (t *Target) createPartitions(ctx context.Context) error {
	if t.tenantLayout() != workloads.LayoutPartitions {
		return nil
	}
	for tenant := range t.tenancy.Tenants {
		name := partitionName(int64(tenant))
		err := t.setup(ctx, "create partition "+name, t.cfg.RequestTimeout, func(ctx context.Context) error {
			return t.clients[0].CreatePartition(ctx, milvusclient.NewCreatePartitionOption(t.coll, name))
		})
		if err != nil {
			return err
		}
	}
	t.logf("milvus: created %d partitions, one per tenant", t.tenancy.Tenants)
	return nil
}

// byTenant splits rows by their tenant (layout partitions), in first-seen
// order.
func (t *Target) byTenant(ids []int64) (tenants []int64, groups map[int64][]int, err error) {
	col := -1
	for i, f := range t.payload.Fields {
		if f.Name == workloads.TenantField {
			col = i
		}
	}
	if col < 0 {
		return nil, nil, fmt.Errorf("milvus: the payload has no %s field", workloads.TenantField)
	}
	groups = map[int64][]int{}
	values := t.payload.Column(col)
	for j, id := range ids {
		tenant, ok := values[id].Any().(int64)
		if !ok {
			return nil, nil, fmt.Errorf("milvus: row %d has no tenant", id)
		}
		if _, seen := groups[tenant]; !seen {
			tenants = append(tenants, tenant)
		}
		groups[tenant] = append(groups[tenant], j)
	}
	return tenants, groups, nil
}

// byTenantRows calls fn with each tenant's rows of ids and vecs, tenants
// in first-seen order.
func (t *Target) byTenantRows(ids []int64, vecs [][]float32, fn func(tenant int64, ids []int64, vecs [][]float32) error) error {
	tenants, groups, err := t.byTenant(ids)
	if err != nil {
		return err
	}
	for _, tenant := range tenants {
		rows := groups[tenant]
		gi, gv := make([]int64, len(rows)), make([][]float32, len(rows))
		for k, j := range rows {
			gi[k], gv[k] = ids[j], vecs[j]
		}
		if err := fn(tenant, gi, gv); err != nil {
			return err
		}
	}
	return nil
}

// insertPartitions inserts rows into their tenants' partitions.
func (t *Target) insertPartitions(ctx context.Context, ids []int64, vecs [][]float32) error {
	return t.byTenantRows(ids, vecs, func(tenant int64, gi []int64, gv [][]float32) error {
		opt, err := t.rowsIn(gi, gv, partitionName(tenant))
		if err != nil {
			return err
		}
		return t.setup(ctx, fmt.Sprintf("insert %d rows into %s partition %s", len(gi), t.coll, partitionName(tenant)), t.cfg.RequestTimeout, func(ctx context.Context) error {
			_, err := t.client().Insert(ctx, opt)
			return err
		})
	})
}
