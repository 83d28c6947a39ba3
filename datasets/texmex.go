package datasets

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// TEXMEX formats (http://corpus-texmex.irisa.fr/): every vector is a
// little-endian int32 dimension followed by dim components — float32 for
// fvecs, uint8 for bvecs, int32 for ivecs.

// VecsKind names a TEXMEX element type.
type VecsKind int

const (
	Fvecs VecsKind = iota // float32 components
	Bvecs                 // uint8 components
	Ivecs                 // int32 components
)

// elemSize is the byte size of one component.
func (k VecsKind) elemSize() int {
	if k == Bvecs {
		return 1
	}
	return 4
}

func (k VecsKind) String() string {
	switch k {
	case Bvecs:
		return "bvecs"
	case Ivecs:
		return "ivecs"
	}
	return "fvecs"
}

// WriteFvecs writes vecs to path in fvecs format.
func WriteFvecs(path string, vecs [][]float32) error {
	return writeVecs(path, len(vecs), func(w *bufio.Writer, b []byte, i int) ([]byte, error) {
		b = binary.LittleEndian.AppendUint32(b[:0], uint32(len(vecs[i])))
		for _, x := range vecs[i] {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
		}
		_, err := w.Write(b)
		return b, err
	})
}

// WriteIvecs writes rows to path in ivecs format.
func WriteIvecs(path string, rows [][]int32) error {
	return writeVecs(path, len(rows), func(w *bufio.Writer, b []byte, i int) ([]byte, error) {
		b = binary.LittleEndian.AppendUint32(b[:0], uint32(len(rows[i])))
		for _, x := range rows[i] {
			b = binary.LittleEndian.AppendUint32(b, uint32(x))
		}
		_, err := w.Write(b)
		return b, err
	})
}

// WriteBvecs writes rows to path in bvecs format.
func WriteBvecs(path string, rows [][]uint8) error {
	return writeVecs(path, len(rows), func(w *bufio.Writer, b []byte, i int) ([]byte, error) {
		b = binary.LittleEndian.AppendUint32(b[:0], uint32(len(rows[i])))
		b = append(b, rows[i]...)
		_, err := w.Write(b)
		return b, err
	})
}

func writeVecs(path string, n int, put func(w *bufio.Writer, b []byte, i int) ([]byte, error)) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	var b []byte
	for i := range n {
		if b, err = put(w, b, i); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	return w.Flush()
}

// ReadFvecs reads a whole fvecs file into memory.
func ReadFvecs(path string) ([][]float32, error) {
	r, err := OpenVecs(path, Fvecs)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out := make([][]float32, 0, r.Rows())
	buf := make([]float32, r.Rows()*r.Dim())
	for i := 0; i < r.Rows(); i++ {
		v := buf[i*r.Dim() : (i+1)*r.Dim() : (i+1)*r.Dim()]
		if err := r.ReadFloat32(v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// ReadIvecs reads a whole ivecs file into memory (rows may differ in length).
func ReadIvecs(path string) ([][]int32, error) {
	r, err := OpenVecs(path, Ivecs)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out := make([][]int32, 0, r.Rows())
	for i := 0; i < r.Rows(); i++ {
		v := make([]int32, r.Dim())
		if err := r.ReadInt32(v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// VecsReader reads a TEXMEX file sequentially, one vector at a time, through
// a buffer; every vector must have the first vector's dimension. Errors name
// the file and the byte offset of the offending record.
type VecsReader struct {
	path string
	kind VecsKind
	f    *os.File
	r    *bufio.Reader
	dim  int
	rows int
	row  int
	off  int64
	raw  []byte
}

// OpenVecs opens a TEXMEX file, reading its first dimension and deriving the
// row count from the file size. A size that is not a whole number of records
// is reported as truncated.
func OpenVecs(path string, kind VecsKind) (*VecsReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	size := st.Size()
	vr := &VecsReader{path: path, kind: kind, f: f, r: bufio.NewReaderSize(f, 1<<20)}
	if size == 0 {
		return vr, nil
	}
	var hdr [4]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: offset 0: truncated %s header", path, kind)
	}
	d := int32(binary.LittleEndian.Uint32(hdr[:]))
	if d <= 0 || d > 1<<20 {
		f.Close()
		return nil, fmt.Errorf("%s: offset 0: invalid %s dimension %d", path, kind, d)
	}
	rec := int64(4 + int(d)*kind.elemSize())
	if size%rec != 0 {
		f.Close()
		whole := size / rec
		return nil, fmt.Errorf("%s: offset %d: truncated %s record (file size %d is not a multiple of record size %d for dim %d)", path, whole*rec, kind, size, rec, d)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	vr.dim, vr.rows = int(d), int(size/rec)
	vr.raw = make([]byte, int(rec)-4)
	return vr, nil
}

// Rows is the number of vectors in the file.
func (v *VecsReader) Rows() int { return v.rows }

// Dim is the vector dimension.
func (v *VecsReader) Dim() int { return v.dim }

// Path is the file being read.
func (v *VecsReader) Path() string { return v.path }

// Close closes the file.
func (v *VecsReader) Close() error { return v.f.Close() }

// next reads the next record's raw component bytes into v.raw.
func (v *VecsReader) next() (int64, error) {
	if v.row >= v.rows {
		return v.off, io.EOF
	}
	at := v.off
	var hdr [4]byte
	if _, err := io.ReadFull(v.r, hdr[:]); err != nil {
		return at, fmt.Errorf("%s: offset %d: truncated %s record: %v", v.path, at, v.kind, err)
	}
	if d := int32(binary.LittleEndian.Uint32(hdr[:])); int(d) != v.dim {
		return at, fmt.Errorf("%s: offset %d: row %d has dimension %d, want %d", v.path, at, v.row, d, v.dim)
	}
	if _, err := io.ReadFull(v.r, v.raw); err != nil {
		return at, fmt.Errorf("%s: offset %d: truncated %s record: %v", v.path, at, v.kind, err)
	}
	v.off += int64(4 + len(v.raw))
	v.row++
	return at, nil
}

// ReadFloat32 reads the next vector into dst (len Dim), converting bvecs and
// ivecs components to float32. NaN and infinite values are errors naming the
// file and offset of the value.
func (v *VecsReader) ReadFloat32(dst []float32) error {
	at, err := v.next()
	if err != nil {
		return err
	}
	switch v.kind {
	case Fvecs:
		for j := range dst {
			x := math.Float32frombits(binary.LittleEndian.Uint32(v.raw[4*j:]))
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return fmt.Errorf("%s: offset %d: row %d component %d is %v", v.path, at+4+int64(4*j), v.row-1, j, x)
			}
			dst[j] = x
		}
	case Bvecs:
		for j := range dst {
			dst[j] = float32(v.raw[j])
		}
	case Ivecs:
		for j := range dst {
			dst[j] = float32(int32(binary.LittleEndian.Uint32(v.raw[4*j:])))
		}
	}
	return nil
}

// ReadInt32 reads the next vector of an ivecs file into dst (len Dim).
func (v *VecsReader) ReadInt32(dst []int32) error {
	if v.kind != Ivecs {
		return errors.New(v.path + ": ReadInt32 on a " + v.kind.String() + " file")
	}
	if _, err := v.next(); err != nil {
		return err
	}
	for j := range dst {
		dst[j] = int32(binary.LittleEndian.Uint32(v.raw[4*j:]))
	}
	return nil
}
