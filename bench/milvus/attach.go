package milvus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
	"github.com/milvus-io/milvus/client/v2/column"
	"github.com/milvus-io/milvus/client/v2/entity"
	"github.com/milvus-io/milvus/client/v2/milvusclient"
)

var _ bench.ReadOnlyAttacher = (*Target)(nil)

// errReadOnly refuses a write to a collection attached read-only.
func errReadOnly(coll, what string) error {
	return fmt.Errorf("milvus: collection %q is attached read-only (dataset.source: collection): milvbench does not %s it", coll, what)
}

// AttachReadOnly implements bench.ReadOnlyAttacher: it reads the schema,
// index, load state and row count of the existing collection name, and
// nothing else. The collection must have an int64 primary key, one float
// vector field, an index on it and be loaded (the run loads nothing). Its
// properties are not read for ownership: the collection is the user's and
// stays as it is. From here on the target searches the collection's
// vector field and refuses every write.
func (t *Target) AttachReadOnly(ctx context.Context, name string) (bench.AttachedCollection, error) {
	cl := t.clients[0]
	var coll *entity.Collection
	err := t.setup(ctx, "describe collection "+name, t.cfg.RequestTimeout, func(ctx context.Context) (err error) {
		coll, err = cl.DescribeCollection(ctx, milvusclient.NewDescribeCollectionOption(name))
		return err
	})
	if err != nil {
		return bench.AttachedCollection{}, fmt.Errorf("milvus: collection %q (target.collection): %w", name, err)
	}
	pk, vec, dim, err := attachFields(name, coll.Schema)
	if err != nil {
		return bench.AttachedCollection{}, err
	}
	var state entity.LoadState
	err = t.setup(ctx, "load state "+name, t.cfg.RequestTimeout, func(ctx context.Context) (err error) {
		state, err = cl.GetLoadState(ctx, milvusclient.NewGetLoadStateOption(name))
		return err
	})
	if err != nil {
		return bench.AttachedCollection{}, err
	}
	if state.State != entity.LoadStateLoaded {
		return bench.AttachedCollection{}, fmt.Errorf("milvus: collection %q is not loaded: an attached collection is measured as it is and milvbench loads nothing; load it first", name)
	}
	var desc milvusclient.IndexDescription
	err = t.setup(ctx, "describe index of "+name, t.cfg.RequestTimeout, func(ctx context.Context) (err error) {
		desc, err = cl.DescribeIndex(ctx, milvusclient.NewDescribeIndexOption(name, vec))
		return err
	})
	if err != nil {
		return bench.AttachedCollection{}, fmt.Errorf("milvus: collection %q has no index on %s to measure: %w", name, vec, err)
	}
	ix, metric := indexOf(desc)
	rows, err := t.rowCount(ctx, cl, name)
	if err != nil {
		return bench.AttachedCollection{}, err
	}
	t.coll, t.vecField, t.metric, t.readOnly = name, vec, metric, true
	base := &collectionRows{t: t, name: name, pk: pk, vec: vec, rows: rows, dim: dim}
	return bench.AttachedCollection{Rows: rows, Dim: dim, Metric: metric, Index: ix, Base: base}, nil
}

// attachFields finds an attached collection's int64 primary key and its
// one float vector field, with the vector's dimension.
func attachFields(name string, s *entity.Schema) (pk, vec string, dim int, err error) {
	var vecs []string
	for _, f := range s.Fields {
		switch {
		case f.PrimaryKey && f.DataType != entity.FieldTypeInt64:
			return "", "", 0, fmt.Errorf("milvus: collection %q has a %s primary key (%s): milvbench measures collections with int64 primary keys", name, f.DataType.Name(), f.Name)
		case f.PrimaryKey:
			pk = f.Name
		case f.DataType == entity.FieldTypeFloatVector:
			vecs = append(vecs, f.Name)
			if dim, err = strconv.Atoi(f.TypeParams[entity.TypeParamDim]); err != nil {
				return "", "", 0, fmt.Errorf("milvus: collection %q: vector field %s has no dimension (%q)", name, f.Name, f.TypeParams[entity.TypeParamDim])
			}
		}
	}
	switch {
	case pk == "":
		return "", "", 0, fmt.Errorf("milvus: collection %q has no primary key field", name)
	case len(vecs) == 0:
		return "", "", 0, fmt.Errorf("milvus: collection %q has no float vector field to measure", name)
	case len(vecs) > 1:
		return "", "", 0, fmt.Errorf("milvus: collection %q has %d float vector fields (%s): milvbench measures collections with one", name, len(vecs), strings.Join(vecs, ", "))
	}
	return pk, vecs[0], dim, nil
}

// indexOf is the index a description names: its type, build parameters
// and metric.
func indexOf(desc milvusclient.IndexDescription) (workloads.IndexConfig, workloads.Metric) {
	params := desc.Params()
	ix := workloads.IndexConfig{Type: params["index_type"], Build: workloads.Params{}}
	if typ := string(desc.IndexType()); typ != "" {
		ix.Type = typ
	}
	for k, v := range params {
		switch k {
		case "index_type", "metric_type", "params":
		default:
			ix.Build[k] = paramValue(v)
		}
	}
	return ix, workloads.Metric(strings.ToUpper(params["metric_type"]))
}

// paramValue reads an index parameter the server returns as text: a
// whole number as int64, else a number as float64, else the text.
func paramValue(s string) workloads.Value {
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		return v
	}
	return s
}

// collectionRows streams an attached collection's vectors in primary-key
// order (the SDK's query iterator), as a datasets.KeyedBase.
type collectionRows struct {
	t         *Target
	name      string
	pk, vec   string
	rows, dim int
}

func (c *collectionRows) Size() int { return c.rows }
func (c *collectionRows) Dim() int  { return c.dim }

// ScanKeyed reads every row with the query iterator, batch rows a call.
func (c *collectionRows) ScanKeyed(ctx context.Context, batch int, fn func(first int64, ids []int64, vecs [][]float32) error) error {
	it, err := c.t.clients[0].QueryIterator(ctx, milvusclient.NewQueryIteratorOption(c.name).
		WithBatchSize(batch).WithOutputFields(c.pk, c.vec))
	if err != nil {
		return fmt.Errorf("milvus: reading collection %q: %w", c.name, err)
	}
	var first int64
	for {
		rs, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("milvus: reading collection %q at row %d: %w", c.name, first, err)
		}
		ids, vecs, err := c.batch(rs)
		if err != nil {
			return err
		}
		if err := fn(first, ids, vecs); err != nil {
			return err
		}
		first += int64(len(ids))
	}
}

// batch reads the keys and vectors of one result set.
func (c *collectionRows) batch(rs milvusclient.ResultSet) ([]int64, [][]float32, error) {
	pkCol, vecCol := rs.GetColumn(c.pk), rs.GetColumn(c.vec)
	fv, ok := vecCol.(*column.ColumnFloatVector)
	if pkCol == nil || !ok {
		return nil, nil, fmt.Errorf("milvus: reading collection %q: the server returned no %s or %s column", c.name, c.pk, c.vec)
	}
	ids := make([]int64, rs.ResultCount)
	for i := range ids {
		id, err := pkCol.GetAsInt64(i)
		if err != nil {
			return nil, nil, fmt.Errorf("milvus: reading collection %q: %w", c.name, err)
		}
		ids[i] = id
	}
	data := fv.Data()
	vecs := make([][]float32, len(data))
	for i, v := range data {
		vecs[i] = v
	}
	if len(vecs) != len(ids) {
		return nil, nil, fmt.Errorf("milvus: reading collection %q: %d keys but %d vectors in a batch", c.name, len(ids), len(vecs))
	}
	return ids, vecs, nil
}
