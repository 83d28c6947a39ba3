package sparse

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/milvbench/milvbench/datasets"
	"github.com/parquet-go/parquet-go"
)

// The sparse parquet layout (VectorDBBench-style, one row per vector):
//
//	id       int64           rows 0..N-1 in file order
//	indices  list<int32>     dimensions, each ≥ 0 (any order; sorted on read)
//	values   list<float32>   the weights, as many as indices
//
// A null or empty list is an empty vector. Text parquet files hold the
// documents in one string (BYTE_ARRAY) column, one per row.

// parquetSparse is the row type WriteParquet writes.
type parquetSparse struct {
	ID      int64     `parquet:"id"`
	Indices []int32   `parquet:"indices,list"`
	Values  []float32 `parquet:"values,list"`
}

// WriteParquet writes rows with ids first, first+1, ... in the sparse
// parquet layout.
func WriteParquet(path string, first int64, rows []Vector) (err error) {
	out := make([]parquetSparse, len(rows))
	for i, r := range rows {
		if err := r.Check(); err != nil {
			return fmt.Errorf("%s: row %d: %v", path, i, err)
		}
		ix := make([]int32, len(r.Indices))
		for j, x := range r.Indices {
			if x > math.MaxInt32 {
				return fmt.Errorf("%s: row %d: index %d does not fit int32", path, i, x)
			}
			ix[j] = int32(x)
		}
		out[i] = parquetSparse{ID: first + int64(i), Indices: ix, Values: r.Values}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	return parquet.Write(f, out)
}

// parquetRows calls fn with each row's non-null values of the named
// top-level columns, in the order cols names them, through the dense
// readers' checked reader (datasets.ParquetTable).
func parquetRows(path string, cols []string, fn func(row int64, vals [][]parquet.Value) error) error {
	vals := make([][]parquet.Value, len(cols))
	return datasets.ParquetTable(path, cols, func(row int64, byName map[string][]parquet.Value) error {
		for j, c := range cols {
			vals[j] = byName[c]
		}
		return fn(row, vals)
	})
}

// parquetStrings calls fn with the string column col of every row.
func parquetStrings(path, col string, fn func(string) error) error {
	return parquetRows(path, []string{col}, func(row int64, vals [][]parquet.Value) error {
		v := vals[0]
		if len(v) != 1 {
			return fmt.Errorf("%s: row %d: column %q holds %d values, want one string", path, row, printable(col), len(v))
		}
		if v[0].Kind() != parquet.ByteArray {
			return fmt.Errorf("%s: row %d: column %q holds %s, want a string", path, row, printable(col), v[0].Kind())
		}
		b := v[0].ByteArray()
		if !utf8.Valid(b) {
			return fmt.Errorf("%s: row %d: column %q: byte %d: not valid UTF-8 (text must be UTF-8)", path, row, printable(col), invalidAt(b)+1)
		}
		return fn(string(b))
	})
}

// ParquetBase streams sparse vectors from parquet files in the layout
// above, in file order, holding one batch.
type ParquetBase struct {
	files []string
	size  int
	dims  int64
}

// OpenParquet checks the files' rows (ids 0..N-1 in order, indices ≥ 0
// and not repeated within a row, as many values as indices, values finite)
// in one pass and takes dims as one more than the largest index (at least
// minDims); limit > 0 serves the first limit rows only.
func OpenParquet(files []string, minDims int64, limit int) (*ParquetBase, error) {
	b := &ParquetBase{files: files, size: math.MaxInt, dims: 0}
	n := 0
	err := b.Scan(context.Background(), 1024, func(_ int64, rows []Vector) error {
		for _, r := range rows {
			if limit > 0 && n == limit {
				return errStop
			}
			if k := len(r.Indices); k > 0 {
				b.dims = max(b.dims, int64(r.Indices[k-1])+1)
			}
			n++
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return nil, err
	}
	if n == 0 {
		return nil, fmt.Errorf("%s: no rows", strings.Join(files, ", "))
	}
	b.size, b.dims = n, max(b.dims, minDims)
	return b, nil
}

var errStop = errors.New("stop")

// Size implements Base.
func (b *ParquetBase) Size() int { return b.size }

// Dims implements Base.
func (b *ParquetBase) Dims() int64 { return b.dims }

// Scan implements Base.
func (b *ParquetBase) Scan(ctx context.Context, batch int, fn func(first int64, rows []Vector) error) error {
	if batch < 1 {
		return fmt.Errorf("sparse: batch must be ≥ 1, got %d", batch)
	}
	rows := make([]Vector, 0, batch)
	var next, first int64
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		err := fn(first, rows)
		first += int64(len(rows))
		rows = rows[:0]
		return err
	}
	for _, p := range b.files {
		err := parquetRows(p, []string{"id", "indices", "values"}, func(row int64, vals [][]parquet.Value) error {
			if next >= int64(b.size) {
				return errStop
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if id := vals[0]; len(id) != 1 || id[0].Kind() != parquet.Int64 || id[0].Int64() != next {
				return fmt.Errorf("%s: row %d: id must be the int64 %d (ids run 0..N-1 in file order)", p, row, next)
			}
			v, err := parquetVector(vals[1], vals[2], b.dims)
			if err != nil {
				return fmt.Errorf("%s: row %d: %v", p, row, err)
			}
			rows = append(rows, v)
			next++
			if len(rows) == batch {
				return flush()
			}
			return nil
		})
		if errors.Is(err, errStop) {
			break
		}
		if err != nil {
			return err
		}
	}
	return flush()
}

// parquetVector builds a sorted Vector from a row's indices and values;
// dims > 0 bounds the indices.
func parquetVector(ix, vs []parquet.Value, dims int64) (Vector, error) {
	if len(ix) != len(vs) {
		return Vector{}, fmt.Errorf("%d indices but %d values", len(ix), len(vs))
	}
	v := Vector{Indices: make([]uint32, len(ix)), Values: make([]float32, len(vs))}
	for j := range ix {
		if ix[j].Kind() != parquet.Int32 && ix[j].Kind() != parquet.Int64 {
			return Vector{}, fmt.Errorf("indices hold %s, want int32", ix[j].Kind())
		}
		x := ix[j].Int64()
		if x < 0 || x > math.MaxInt32 || (dims > 0 && x >= dims) {
			return Vector{}, fmt.Errorf("indices[%d] = %d, want 0 ≤ index < %d", j, x, max(dims, math.MaxInt32+1))
		}
		v.Indices[j] = uint32(x)
		var y float32
		switch vs[j].Kind() {
		case parquet.Float:
			y = vs[j].Float()
		case parquet.Double:
			y = float32(vs[j].Double())
		default:
			return Vector{}, fmt.Errorf("values hold %s, want float", vs[j].Kind())
		}
		if math.IsNaN(float64(y)) || math.IsInf(float64(y), 0) {
			return Vector{}, fmt.Errorf("values[%d] = %v, want a finite value", j, y)
		}
		v.Values[j] = y
	}
	if err := sortRow(v.Indices, v.Values); err != nil {
		return Vector{}, err
	}
	return v, nil
}

// ReadParquet reads up to limit rows (all when limit ≤ 0) of a sparse
// parquet file into memory with their ids, for query files (whose ids need
// not run 0..N-1).
func ReadParquet(path string, limit int) (ids []int64, rows []Vector, err error) {
	err = parquetRows(path, []string{"id", "indices", "values"}, func(row int64, vals [][]parquet.Value) error {
		if limit > 0 && len(rows) == limit {
			return errStop
		}
		if len(vals[0]) != 1 || vals[0][0].Kind() != parquet.Int64 {
			return fmt.Errorf("%s: row %d: id must be one int64", path, row)
		}
		v, err := parquetVector(vals[1], vals[2], 0)
		if err != nil {
			return fmt.Errorf("%s: row %d: %v", path, row, err)
		}
		ids, rows = append(ids, vals[0][0].Int64()), append(rows, v)
		return nil
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	return ids, rows, err
}

// WriteParquetTexts writes docs as a parquet file with columns id (int64,
// 0..N-1) and col (string).
func WriteParquetTexts(path, col string, docs []string) (err error) {
	schema := parquet.NewSchema("texts", parquet.Group{
		"id": parquet.Int(64),
		col:  parquet.String(),
	})
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	w := parquet.NewWriter(f, schema)
	for i, d := range docs {
		row := map[string]any{"id": int64(i), col: d}
		if err := w.Write(row); err != nil {
			return err
		}
	}
	return w.Close()
}
