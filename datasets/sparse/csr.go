package sparse

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
)

// The CSR binary format of the big-ann-benchmarks sparse track
// (benchmark/datasets.py, read_sparse_matrix_fields), little-endian:
//
//	int64 rows, cols, nnz              24-byte header
//	int64 indptr[rows+1]               row r holds entries indptr[r] ..< indptr[r+1]
//	int32 indices[nnz]                 each in 0 ..< cols
//	float32 data[nnz]
//
// The file is exactly 24 + 8·(rows+1) + 8·nnz bytes; indptr starts at 0,
// never decreases and ends at nnz. Indices within a row may come in any
// order (a non-canonical scipy matrix); the reader sorts them, and rejects
// a dimension listed twice in one row.

const csrHeader = 24

// CSRBase streams the rows of a CSR file one batch at a time: per batch it
// reads that batch's slice of indptr, indices and data, so it holds one
// batch (12 bytes per non-zero, 8 per row) and never the file.
type CSRBase struct {
	path            string
	rows, cols, nnz int64
	size            int // rows served (≤ rows)
}

// OpenCSR checks path's header and length, then streams indptr once to
// check it (starts at 0, never decreases, ends at nnz) before anything is
// allocated for the data; limit > 0 serves the first limit rows only.
// Errors are one line naming the file, the byte offset and the rule broken.
func OpenCSR(path string, limit int) (*CSRBase, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	if size < csrHeader {
		return nil, fmt.Errorf("%s: offset 0: %d bytes, shorter than the 24-byte CSR header (int64 rows, cols, nnz)", path, size)
	}
	var h [csrHeader]byte
	if _, err := io.ReadFull(f, h[:]); err != nil {
		return nil, fmt.Errorf("%s: offset 0: %v", path, err)
	}
	rows := int64(binary.LittleEndian.Uint64(h[0:]))
	cols := int64(binary.LittleEndian.Uint64(h[8:]))
	nnz := int64(binary.LittleEndian.Uint64(h[16:]))
	if rows < 0 || cols < 0 || nnz < 0 {
		return nil, fmt.Errorf("%s: offset 0: header rows=%d cols=%d nnz=%d: sizes must be ≥ 0", path, rows, cols, nnz)
	}
	if cols > 1<<31 {
		return nil, fmt.Errorf("%s: offset 8: cols=%d exceeds 2^31 (indices are int32)", path, cols)
	}
	// Compare the declared sizes with the file before multiplying them.
	body := size - csrHeader
	if rows >= body/8 || nnz > (body-8*(rows+1))/8 {
		return nil, fmt.Errorf("%s: offset 0: header rows=%d nnz=%d needs more than the file's %d bytes (24 + 8·(rows+1) + 8·nnz)", path, rows, nnz, size)
	}
	if want := csrHeader + 8*(rows+1) + 8*nnz; size != want {
		return nil, fmt.Errorf("%s: offset 0: header rows=%d nnz=%d needs %d bytes (24 + 8·(rows+1) + 8·nnz), the file has %d", path, rows, nnz, want, size)
	}
	r := bufio.NewReaderSize(f, 1<<16)
	var b [8]byte
	prev := int64(0)
	for i := int64(0); i <= rows; i++ {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("%s: offset %d: indptr[%d]: %v", path, csrHeader+8*i, i, err)
		}
		p := int64(binary.LittleEndian.Uint64(b[:]))
		if err := checkIndptr(path, i, p, prev, nnz); err != nil {
			return nil, err
		}
		prev = p
	}
	if prev != nnz {
		return nil, fmt.Errorf("%s: offset %d: indptr[%d] = %d, want nnz = %d (the last indptr entry is the non-zero count)", path, csrHeader+8*rows, rows, prev, nnz)
	}
	c := &CSRBase{path: path, rows: rows, cols: cols, nnz: nnz, size: int(rows)}
	if limit > 0 && int64(limit) < rows {
		c.size = limit
	}
	return c, nil
}

// checkIndptr checks indptr entry i (value p) against the one before it.
func checkIndptr(path string, i, p, prev, nnz int64) error {
	off := csrHeader + 8*i
	switch {
	case i == 0 && p != 0:
		return fmt.Errorf("%s: offset %d: indptr[0] = %d, want 0", path, off, p)
	case p < prev:
		return fmt.Errorf("%s: offset %d: indptr[%d] = %d, below indptr[%d] = %d (indptr must not decrease)", path, off, i, p, i-1, prev)
	case p > nnz:
		return fmt.Errorf("%s: offset %d: indptr[%d] = %d overruns nnz = %d", path, off, i, p, nnz)
	}
	return nil
}

// Size implements Base.
func (c *CSRBase) Size() int { return c.size }

// Dims implements Base: the file's cols.
func (c *CSRBase) Dims() int64 { return c.cols }

// NNZ is the number of non-zeros in the rows served.
func (c *CSRBase) NNZ() int64 { return c.nnz }

// Scan implements Base. It re-checks everything it reads (the file may have
// changed since OpenCSR): indptr, every index against cols, every value
// finite, no dimension twice in a row.
func (c *CSRBase) Scan(ctx context.Context, batch int, fn func(first int64, rows []Vector) error) error {
	if batch < 1 {
		return fmt.Errorf("sparse: batch must be ≥ 1, got %d", batch)
	}
	f, err := os.Open(c.path)
	if err != nil {
		return err
	}
	defer f.Close()
	indOff := csrHeader + 8*(c.rows+1)
	dataOff := indOff + 4*c.nnz
	ptr := make([]int64, batch+1)
	raw := make([]byte, 8*(batch+1))
	var idx []uint32
	var val []float32
	var buf []byte
	rows := make([]Vector, batch)
	for first := int64(0); first < int64(c.size); first += int64(batch) {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(int64(batch), int64(c.size)-first)
		if _, err := f.ReadAt(raw[:8*(n+1)], csrHeader+8*first); err != nil {
			return fmt.Errorf("%s: offset %d: indptr[%d..%d]: %v", c.path, csrHeader+8*first, first, first+n, err)
		}
		for i := range n + 1 {
			ptr[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
			prev := ptr[max(i-1, 0)]
			if first+i == 0 {
				prev = 0
			}
			if err := checkIndptr(c.path, first+i, ptr[i], prev, c.nnz); err != nil {
				return err
			}
		}
		lo, hi := ptr[0], ptr[n]
		m := int(hi - lo)
		if cap(idx) < m {
			idx, val = make([]uint32, m), make([]float32, m)
		}
		idx, val = idx[:m], val[:m]
		if cap(buf) < 4*m {
			buf = make([]byte, 4*m)
		}
		buf = buf[:4*m]
		if _, err := f.ReadAt(buf, indOff+4*lo); err != nil {
			return fmt.Errorf("%s: offset %d: indices[%d..%d]: %v", c.path, indOff+4*lo, lo, hi, err)
		}
		for j := range m {
			x := int64(int32(binary.LittleEndian.Uint32(buf[4*j:])))
			if x < 0 || x >= c.cols {
				return fmt.Errorf("%s: offset %d: indices[%d] = %d, want 0 ≤ index < cols = %d", c.path, indOff+4*(lo+int64(j)), lo+int64(j), x, c.cols)
			}
			idx[j] = uint32(x)
		}
		if _, err := f.ReadAt(buf, dataOff+4*lo); err != nil {
			return fmt.Errorf("%s: offset %d: data[%d..%d]: %v", c.path, dataOff+4*lo, lo, hi, err)
		}
		for j := range m {
			x := math.Float32frombits(binary.LittleEndian.Uint32(buf[4*j:]))
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return fmt.Errorf("%s: offset %d: data[%d] = %v, want a finite value", c.path, dataOff+4*(lo+int64(j)), lo+int64(j), x)
			}
			val[j] = x
		}
		for i := range n {
			a, b := ptr[i]-lo, ptr[i+1]-lo
			if err := sortRow(idx[a:b], val[a:b]); err != nil {
				return fmt.Errorf("%s: offset %d: row %d: %v", c.path, indOff+4*ptr[i], first+i, err)
			}
			rows[i] = Vector{Indices: idx[a:b:b], Values: val[a:b:b]}
		}
		if err := fn(first, rows[:n]); err != nil {
			return err
		}
	}
	return nil
}

// ReadCSR reads up to limit rows (all when limit ≤ 0) of a CSR file into
// memory, with its cols; for query files.
func ReadCSR(path string, limit int) ([]Vector, int64, error) {
	c, err := OpenCSR(path, limit)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Vector, 0, c.Size())
	err = c.Scan(context.Background(), 4096, func(_ int64, rows []Vector) error {
		for _, r := range rows {
			out = append(out, r.Clone())
		}
		return nil
	})
	return out, c.Dims(), err
}

// WriteCSR writes rows as a CSR file with cols = dims. Every row must pass
// Check and have its indices below dims (and below 2^31).
func WriteCSR(path string, dims int64, rows []Vector) (err error) {
	if dims < 0 || dims > 1<<31 {
		return fmt.Errorf("%s: cols %d outside 0..2^31", path, dims)
	}
	var nnz int64
	for i, r := range rows {
		if err := r.Check(); err != nil {
			return fmt.Errorf("%s: row %d: %v", path, i, err)
		}
		if n := len(r.Indices); n > 0 && int64(r.Indices[n-1]) >= dims {
			return fmt.Errorf("%s: row %d: index %d ≥ cols %d", path, i, r.Indices[n-1], dims)
		}
		nnz += int64(len(r.Indices))
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
	w := bufio.NewWriterSize(f, 1<<16)
	put := func(x uint64, n int) {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], x)
		w.Write(b[:n])
	}
	put(uint64(len(rows)), 8)
	put(uint64(dims), 8)
	put(uint64(nnz), 8)
	var p int64
	put(0, 8)
	for _, r := range rows {
		p += int64(len(r.Indices))
		put(uint64(p), 8)
	}
	for _, r := range rows {
		for _, x := range r.Indices {
			put(uint64(x), 4)
		}
	}
	for _, r := range rows {
		for _, x := range r.Values {
			put(uint64(math.Float32bits(x)), 4)
		}
	}
	return w.Flush()
}
