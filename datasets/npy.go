package datasets

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// NumPy .npy files (format versions 1–3): a header naming dtype and shape,
// then the array in C order. Two-dimensional little-endian float32 ('<f4'),
// float16 ('<f2'), uint8 ('|u1'), int8 ('|i1'), int32 ('<i4') and int64
// ('<i8', for neighbour ids) arrays are supported.

// NpyReader reads a 2-D .npy file one row at a time.
type NpyReader struct {
	path  string
	dtype string
	elem  int
	f     *os.File
	r     *bufio.Reader
	rows  int
	dim   int
	row   int
	off   int64 // offset of the next row
	raw   []byte
}

var (
	npyDescr   = regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`)
	npyFortran = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	npyShape   = regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`)
)

var npyElem = map[string]int{"<f4": 4, "<f2": 2, "|u1": 1, "<u1": 1, "|i1": 1, "<i1": 1, "<i4": 4, "<i8": 8}

// OpenNpy opens a .npy file and checks its header and size.
func OpenNpy(path string) (*NpyReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	n, err := openNpy(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	return n, nil
}

func openNpy(f *os.File, path string) (*NpyReader, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	r := bufio.NewReaderSize(f, 1<<20)
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil || string(pre[:6]) != "\x93NUMPY" {
		return nil, fmt.Errorf("%s: offset 0: not a .npy file (bad magic)", path)
	}
	var hlen, start int
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("%s: offset 8: truncated .npy header", path)
		}
		hlen, start = int(binary.LittleEndian.Uint16(b[:])), 10
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("%s: offset 8: truncated .npy header", path)
		}
		hlen, start = int(binary.LittleEndian.Uint32(b[:])), 12
	default:
		return nil, fmt.Errorf("%s: offset 6: unsupported .npy version %d", path, pre[6])
	}
	if hlen > 1<<20 {
		return nil, fmt.Errorf("%s: offset %d: .npy header of %d bytes is implausible", path, start-4, hlen)
	}
	if int64(start+hlen) > st.Size() {
		return nil, fmt.Errorf("%s: offset %d: truncated .npy header (%d bytes declared, the file has %d after the preamble)", path, start, hlen, st.Size()-int64(start))
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, fmt.Errorf("%s: offset %d: truncated .npy header", path, start)
	}
	h := string(hdr)
	m := npyDescr.FindStringSubmatch(h)
	if m == nil {
		return nil, fmt.Errorf("%s: offset %d: .npy header has no descr", path, start)
	}
	elem, ok := npyElem[m[1]]
	if !ok {
		return nil, fmt.Errorf("%s: offset %d: dtype %q not supported (use float32 '<f4', float16 '<f2', uint8 '|u1', int8 '|i1', int32 '<i4' or int64 '<i8')", path, start, m[1])
	}
	if fo := npyFortran.FindStringSubmatch(h); fo == nil || fo[1] != "False" {
		return nil, fmt.Errorf("%s: offset %d: only C-order arrays are supported (fortran_order must be False)", path, start)
	}
	sm := npyShape.FindStringSubmatch(h)
	if sm == nil {
		return nil, fmt.Errorf("%s: offset %d: .npy header has no shape", path, start)
	}
	var shape []int
	for _, p := range strings.Split(sm[1], ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("%s: offset %d: bad shape (%s)", path, start, printable(sm[1]))
		}
		shape = append(shape, v)
	}
	if len(shape) != 2 || shape[1] < 1 {
		return nil, fmt.Errorf("%s: offset %d: need a 2-D array (rows, dim), shape is (%s)", path, start, printable(sm[1]))
	}
	// Checked against the file size before anything is allocated; the
	// products cannot overflow: avail < 2^63 and each bound divides by it.
	data := int64(start + hlen)
	avail := st.Size() - data
	rowBytes := int64(elem)
	if int64(shape[1]) > avail/rowBytes {
		return nil, fmt.Errorf("%s: offset %d: truncated .npy data (a row of %d × %d bytes is more than the %d bytes after the header)",
			path, data, shape[1], elem, avail)
	}
	rowBytes *= int64(shape[1])
	if int64(shape[0]) > avail/rowBytes {
		whole := avail / rowBytes
		return nil, fmt.Errorf("%s: offset %d: truncated .npy data (shape (%d, %d) needs %d rows of %d bytes, the file holds %d)",
			path, data+whole*rowBytes, shape[0], shape[1], shape[0], rowBytes, whole)
	}
	return &NpyReader{path: path, dtype: m[1], elem: elem, f: f, r: r, rows: shape[0], dim: shape[1],
		off: data, raw: make([]byte, shape[1]*elem)}, nil
}

// printable returns header text as it is when it is printable ASCII, and
// quoted (escapes for the rest) otherwise, so an error stays one line.
func printable(s string) string {
	for _, r := range s {
		if r < ' ' || r > '~' {
			return strconv.Quote(s)
		}
	}
	return s
}

// Rows is the number of rows.
func (n *NpyReader) Rows() int { return n.rows }

// Dim is the row length.
func (n *NpyReader) Dim() int { return n.dim }

// Close closes the file.
func (n *NpyReader) Close() error { return n.f.Close() }

func (n *NpyReader) next() (int64, error) {
	if n.row >= n.rows {
		return n.off, io.EOF
	}
	at := n.off
	if _, err := io.ReadFull(n.r, n.raw); err != nil {
		return at, fmt.Errorf("%s: offset %d: truncated .npy row %d: %v", n.path, at, n.row, err)
	}
	n.off += int64(len(n.raw))
	n.row++
	return at, nil
}

// ReadFloat32 reads the next row as float32; NaN and ±Inf are errors naming
// the file and the value's offset.
func (n *NpyReader) ReadFloat32(dst []float32) error {
	at, err := n.next()
	if err != nil {
		return err
	}
	switch n.dtype {
	case "<f4":
		for j := range dst {
			x := math.Float32frombits(binary.LittleEndian.Uint32(n.raw[4*j:]))
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return fmt.Errorf("%s: offset %d: row %d component %d is %v", n.path, at+int64(4*j), n.row-1, j, x)
			}
			dst[j] = x
		}
	case "<f2":
		for j := range dst {
			x := Float16Value(binary.LittleEndian.Uint16(n.raw[2*j:]))
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return fmt.Errorf("%s: offset %d: row %d component %d is %v", n.path, at+int64(2*j), n.row-1, j, x)
			}
			dst[j] = x
		}
	case "|u1", "<u1":
		for j := range dst {
			dst[j] = float32(n.raw[j])
		}
	case "|i1", "<i1":
		for j := range dst {
			dst[j] = float32(int8(n.raw[j]))
		}
	case "<i4":
		for j := range dst {
			dst[j] = float32(int32(binary.LittleEndian.Uint32(n.raw[4*j:])))
		}
	case "<i8":
		for j := range dst {
			dst[j] = float32(int64(binary.LittleEndian.Uint64(n.raw[8*j:])))
		}
	}
	return nil
}

// ReadInt64 reads the next row of an integer array.
func (n *NpyReader) ReadInt64(dst []int64) error {
	if n.dtype == "<f4" {
		return fmt.Errorf("%s: holds float32, not integer ids", n.path)
	}
	if n.dtype == "<f2" {
		return fmt.Errorf("%s: holds float16, not integer ids", n.path)
	}
	if _, err := n.next(); err != nil {
		return err
	}
	for j := range dst {
		switch n.elem {
		case 1:
			if n.dtype[1:] == "i1" {
				dst[j] = int64(int8(n.raw[j]))
			} else {
				dst[j] = int64(n.raw[j])
			}
		case 4:
			dst[j] = int64(int32(binary.LittleEndian.Uint32(n.raw[4*j:])))
		default:
			dst[j] = int64(binary.LittleEndian.Uint64(n.raw[8*j:]))
		}
	}
	return nil
}

// WriteNpy writes a 2-D array to path; T is float32, uint8, int8, int32 or int64.
func WriteNpy[T float32 | uint8 | int8 | int32 | int64](path string, rows [][]T) (err error) {
	dim := 0
	if len(rows) > 0 {
		dim = len(rows[0])
	}
	var descr string
	var zero T
	switch any(zero).(type) {
	case float32:
		descr = "<f4"
	case uint8:
		descr = "|u1"
	case int8:
		descr = "|i1"
	case int32:
		descr = "<i4"
	case int64:
		descr = "<i8"
	}
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%d, %d), }", descr, len(rows), dim)
	pad := 64 - (10+len(h)+1)%64
	h += strings.Repeat(" ", pad%64) + "\n"
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
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(h)), byte(len(h)>>8))
	b = append(b, h...)
	if _, err := w.Write(b); err != nil {
		return err
	}
	for i, r := range rows {
		if len(r) != dim {
			return fmt.Errorf("%s: row %d has length %d, want %d", path, i, len(r), dim)
		}
		b = b[:0]
		for _, x := range r {
			switch v := any(x).(type) {
			case float32:
				b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
			case uint8:
				b = append(b, v)
			case int8:
				b = append(b, byte(v))
			case int32:
				b = binary.LittleEndian.AppendUint32(b, uint32(v))
			case int64:
				b = binary.LittleEndian.AppendUint64(b, uint64(v))
			}
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return w.Flush()
}
