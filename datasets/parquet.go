package datasets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// The VectorDBBench layout: train*.parquet (id int64, emb list<float32|float64>)
// in file-name order with ids 0..N-1, test.parquet (id, emb) the queries,
// neighbors.parquet (id, neighbors_id list<int64>) their true neighbours, and
// optionally scalar_labels.parquet (id, labels) for filtered search.

// openParquet opens path for parquet-go after checking the frame the
// library trusts: the magic at both ends and a footer length within the
// file (the library would allocate whatever length the file declares).
// The caller closes the returned file.
func openParquet(path string) (*os.File, *parquet.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	pf, err := checkedParquet(f, path)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, pf, nil
}

// recoverParquet turns a panic inside parquet-go (which some malformed
// files cause) into an error naming the file.
func recoverParquet(path string, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%s: not a readable parquet file: %s", path, oneLine(fmt.Errorf("%v", r)))
	}
}

// oneLine folds runs of white space, newlines included, into one space.
func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

// ParquetTable reads the rows of one parquet file with a given set of
// top-level columns, calling fn with each row's non-null values grouped by
// column name. The file is checked before parquet-go reads it (the magic at
// both ends, a footer and pages within the file), a panic inside the
// library is an error naming the file, and a missing column is one line
// naming the file and the columns it has. Every parquet reader of the
// project reads through it.
func ParquetTable(path string, cols []string, fn func(row int64, vals map[string][]parquet.Value) error) (err error) {
	f, pf, err := openParquet(path)
	if err != nil {
		return err
	}
	defer f.Close()
	defer recoverParquet(path, &err)
	index := map[int]string{}
	for i, p := range pf.Schema().Columns() {
		for _, c := range cols {
			if p[0] == c {
				index[i] = c
			}
		}
	}
	if err := needColumns(path, pf.Schema(), cols...); err != nil {
		return err
	}
	vals := map[string][]parquet.Value{}
	buf := make([]parquet.Row, 256)
	var row int64
	for _, rg := range pf.RowGroups() {
		rows := rg.Rows()
		for {
			n, err := rows.ReadRows(buf)
			for _, r := range buf[:n] {
				for k := range vals {
					vals[k] = vals[k][:0]
				}
				for _, v := range r {
					if name, ok := index[v.Column()]; ok && !v.IsNull() {
						vals[name] = append(vals[name], v)
					}
				}
				if ferr := fn(row, vals); ferr != nil {
					rows.Close()
					return ferr
				}
				row++
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				rows.Close()
				return fmt.Errorf("%s: row %d: %w", path, row, err)
			}
		}
		rows.Close()
	}
	return nil
}

// needColumns reports the first of cols that is not a top-level column.
func needColumns(path string, s *parquet.Schema, cols ...string) error {
	for _, c := range cols {
		found := false
		for _, p := range s.Columns() {
			found = found || p[0] == c
		}
		if !found {
			return fmt.Errorf("%s: no column %q (have %s)", path, c, columnNames(s))
		}
	}
	return nil
}

func columnNames(s *parquet.Schema) string {
	var names []string
	for _, p := range s.Columns() {
		names = append(names, strings.Join(p, "."))
	}
	return printable(strings.Join(names, ", ")) // names come from the file
}

// floats converts an emb column's values to float32, rejecting NaN and ±Inf.
// Packed binary vectors come as a binary (or fixed-size binary) value or a
// list of integers (list<uint8>), one byte value each (binary.go unpacks
// them).
func floats(path string, row int64, vals []parquet.Value, dst []float32) ([]float32, error) {
	dst = dst[:0]
	for j, v := range vals {
		var x float32
		switch v.Kind() {
		case parquet.Float:
			x = v.Float()
		case parquet.Double:
			x = float32(v.Double())
		case parquet.Int32:
			x = float32(v.Int32())
		case parquet.ByteArray, parquet.FixedLenByteArray:
			for _, b := range v.ByteArray() {
				dst = append(dst, float32(b))
			}
			continue
		default:
			return nil, fmt.Errorf("%s: row %d: emb holds %s values, want float or double (or bytes for vector_type binary)", path, row, v.Kind())
		}
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil, fmt.Errorf("%s: row %d: emb component %d is %v", path, row, j, x)
		}
		dst = append(dst, x)
	}
	return dst, nil
}

// embWidth is the number of components an emb value holds: a list's
// elements, or a binary value's bytes (packed binary vectors).
func embWidth(vals []parquet.Value) int {
	n := 0
	for _, v := range vals {
		switch v.Kind() {
		case parquet.ByteArray, parquet.FixedLenByteArray:
			n += len(v.ByteArray())
		default:
			n++
		}
	}
	return n
}

// ParquetBase streams base vectors from train*.parquet files.
type ParquetBase struct {
	files []string
	size  int // rows to serve (≤ rows in the files)
	dim   int
}

// OpenParquetBase checks the files' row counts and reads the dimension from
// the first row; limit > 0 serves only the first limit rows.
func OpenParquetBase(files []string, limit int) (*ParquetBase, error) {
	var total int64
	for _, p := range files {
		f, pf, err := openParquet(p)
		if err != nil {
			return nil, err
		}
		total += pf.NumRows()
		f.Close()
	}
	if total == 0 {
		return nil, fmt.Errorf("%s: no rows", strings.Join(files, ", "))
	}
	b := &ParquetBase{files: files, size: int(total)}
	if limit > 0 && limit < b.size {
		b.size = limit
	}
	stop := errors.New("stop")
	err := ParquetTable(files[0], []string{"emb"}, func(_ int64, vals map[string][]parquet.Value) error {
		b.dim = embWidth(vals["emb"])
		return stop
	})
	if err != nil && !errors.Is(err, stop) {
		return nil, err
	}
	if b.dim < 1 {
		return nil, fmt.Errorf("%s: row 0: empty emb", files[0])
	}
	return b, nil
}

// Size implements Base.
func (b *ParquetBase) Size() int { return b.size }

// Dim implements Base.
func (b *ParquetBase) Dim() int { return b.dim }

// Scan implements Base. Ids must run 0..N-1 in file order (as VectorDBBench
// writes them), since a row's id is its position.
func (b *ParquetBase) Scan(ctx context.Context, batch int, fn func(first int64, vecs [][]float32) error) error {
	if batch < 1 {
		return fmt.Errorf("dataset: batch must be ≥ 1, got %d", batch)
	}
	buf := make([]float32, batch*b.dim)
	rows := make([][]float32, 0, batch)
	var next, first int64
	stop := errors.New("stop")
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
		err := ParquetTable(p, []string{"id", "emb"}, func(row int64, vals map[string][]parquet.Value) error {
			if next >= int64(b.size) {
				return stop
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if id := vals["id"]; len(id) != 1 || id[0].Int64() != next {
				return fmt.Errorf("%s: row %d: id must be %d (ids run 0..N-1 in file order)", p, row, next)
			}
			i := len(rows)
			v, err := floats(p, row, vals["emb"], buf[i*b.dim:i*b.dim])
			if err != nil {
				return err
			}
			if len(v) != b.dim {
				return fmt.Errorf("%s: row %d: emb has dimension %d, want %d", p, row, len(v), b.dim)
			}
			rows = append(rows, v)
			next++
			if len(rows) == batch {
				return flush()
			}
			return nil
		})
		if errors.Is(err, stop) {
			break
		}
		if err != nil {
			return err
		}
	}
	return flush()
}

// ReadParquetVectors reads the (id, emb) rows of a file such as test.parquet,
// at most limit rows when limit > 0.
func ReadParquetVectors(path string, limit int) (ids []int64, vecs [][]float32, err error) {
	stop := errors.New("stop")
	err = ParquetTable(path, []string{"id", "emb"}, func(row int64, vals map[string][]parquet.Value) error {
		if limit > 0 && len(vecs) == limit {
			return stop
		}
		v, err := floats(path, row, vals["emb"], nil)
		if err != nil {
			return err
		}
		if len(vecs) > 0 && len(v) != len(vecs[0]) {
			return fmt.Errorf("%s: row %d: emb has dimension %d, want %d", path, row, len(v), len(vecs[0]))
		}
		if len(vals["id"]) == 1 {
			ids = append(ids, vals["id"][0].Int64())
		}
		vecs = append(vecs, v)
		return nil
	})
	if errors.Is(err, stop) {
		err = nil
	}
	return ids, vecs, err
}

// ReadParquetNeighbors reads neighbors.parquet: for each query id, its true
// neighbour ids, closest first.
func ReadParquetNeighbors(path string) (map[int64][]int64, error) {
	out := map[int64][]int64{}
	err := ParquetTable(path, []string{"id", "neighbors_id"}, func(row int64, vals map[string][]parquet.Value) error {
		if len(vals["id"]) != 1 {
			return fmt.Errorf("%s: row %d: missing id", path, row)
		}
		nb := make([]int64, len(vals["neighbors_id"]))
		for i, v := range vals["neighbors_id"] {
			nb[i] = v.Int64()
		}
		out[vals["id"][0].Int64()] = nb
		return nil
	})
	return out, err
}

// ReadParquetLabels reads scalar_labels.parquet: one label (string or
// integer, as text) per base id.
func ReadParquetLabels(path string) (map[int64]string, error) {
	out := map[int64]string{}
	err := ParquetTable(path, []string{"id", "labels"}, func(row int64, vals map[string][]parquet.Value) error {
		if len(vals["id"]) != 1 || len(vals["labels"]) < 1 {
			return fmt.Errorf("%s: row %d: missing id or labels", path, row)
		}
		out[vals["id"][0].Int64()] = vals["labels"][0].String()
		return nil
	})
	return out, err
}

// parquetVector is the row type WriteParquetVectors writes.
type parquetVector struct {
	ID  int64     `parquet:"id"`
	Emb []float32 `parquet:"emb,list"`
}

type parquetNeighbors struct {
	ID        int64   `parquet:"id"`
	Neighbors []int64 `parquet:"neighbors_id,list"`
}

// WriteParquetVectors writes (id, emb) rows with ids first, first+1, ...
func WriteParquetVectors(path string, first int64, vecs [][]float32) error {
	rows := make([]parquetVector, len(vecs))
	for i, v := range vecs {
		rows[i] = parquetVector{ID: first + int64(i), Emb: v}
	}
	return writeParquet(path, rows)
}

// parquetPacked is a row of packed binary vectors: emb's bytes held as
// uint32 values under the schema's list<uint8> (parquet-go writes a
// []uint8 list field as empty lists).
type parquetPacked struct {
	ID  int64    `parquet:"id"`
	Emb []uint32 `parquet:"emb,list"`
}

// WriteParquetPacked writes (id, emb) rows of packed binary vectors, ids
// first, first+1, ...: emb a list<uint8> of a row's dim/8 bytes in
// numpy.packbits order (PackBytes), the type pyarrow gives a list of
// uint8, which milvbench reads back under vector_type binary.
func WriteParquetPacked(path string, first int64, rows [][]byte) (err error) {
	out := make([]parquetPacked, len(rows))
	for i, r := range rows {
		out[i] = parquetPacked{ID: first + int64(i), Emb: make([]uint32, len(r))}
		for j, b := range r {
			out[i].Emb[j] = uint32(b)
		}
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
	schema := parquet.NewSchema("row", parquet.Group{"id": parquet.Int(64), "emb": parquet.List(parquet.Uint(8))})
	w := parquet.NewGenericWriter[parquetPacked](f, schema)
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return w.Close()
}

// WriteParquetNeighbors writes neighbors.parquet rows for query ids 0..n-1.
func WriteParquetNeighbors(path string, neighbors [][]int64) error {
	rows := make([]parquetNeighbors, len(neighbors))
	for i, nb := range neighbors {
		rows[i] = parquetNeighbors{ID: int64(i), Neighbors: nb}
	}
	return writeParquet(path, rows)
}

func writeParquet[T any](path string, rows []T) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	return parquet.Write(f, rows)
}
