package datasets

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// parquet-go trusts the sizes a file declares — footer length, thrift list
// and string lengths, page sizes — and allocates them before reading, so a
// few corrupt bytes can ask for gigabytes. checkedParquet checks every such
// size against the bytes that hold it before the library sees the file:
// the frame (magic, footer length), the footer's thrift encoding, then
// every page header of every column chunk.

// Limits on what a page may declare relative to the bytes it occupies.
const (
	// maxPageExpansion bounds a page's uncompressed size by its stored size
	// (vector data compresses by far less; only degenerate input more).
	maxPageExpansion = 64
	// maxPageHeader is the largest page header read (statistics included).
	maxPageHeader = 64 << 10
	// maxThriftDepth bounds nesting in thrift structures.
	maxThriftDepth = 32
)

// checkedParquet opens f (named path in errors) with parquet-go after the
// checks above; page index and bloom filters, which milvbench does not use,
// are not read.
func checkedParquet(f *os.File, path string) (pf *parquet.File, err error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	bad := func(off int64, format string, args ...any) error {
		return fmt.Errorf("%s: offset %d: not a readable parquet file: %s", path, off, fmt.Sprintf(format, args...))
	}
	if size < 12 {
		return nil, bad(0, "%d bytes is too short (magic, footer, length, magic)", size)
	}
	var head [4]byte
	var tail [8]byte
	if _, err := f.ReadAt(head[:], 0); err != nil {
		return nil, err
	}
	if _, err := f.ReadAt(tail[:], size-8); err != nil {
		return nil, err
	}
	if string(head[:]) != "PAR1" {
		return nil, bad(0, "no PAR1 magic")
	}
	if string(tail[4:]) != "PAR1" {
		return nil, bad(size-4, "no PAR1 magic at the end (encrypted footers are not supported)")
	}
	footerLen := int64(binary.LittleEndian.Uint32(tail[:4]))
	if footerLen > size-12 {
		return nil, bad(size-8, "footer of %d bytes declared, the file holds %d", footerLen, size-12)
	}
	footerAt := size - 8 - footerLen
	footer := make([]byte, footerLen)
	if _, err := f.ReadAt(footer, footerAt); err != nil {
		return nil, err
	}
	if _, err := walkThrift(footer, nil); err != nil {
		return nil, bad(footerAt, "footer: %v", err)
	}
	defer recoverParquet(path, &err)
	pf, err = parquet.OpenFile(f, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, bad(0, "%s", oneLine(err))
	}
	for gi, rg := range pf.Metadata().RowGroups {
		for ci, c := range rg.Columns {
			if err := checkChunk(f, c.MetaData, footerAt); err != nil {
				return nil, bad(c.MetaData.DataPageOffset, "row group %d column %d: %v", gi, ci, err)
			}
		}
	}
	return pf, nil
}

// checkChunk walks the page headers of one column chunk, which must lie
// between the leading magic and the footer: each page must fit in what is
// left of the chunk and declare no more than maxPageExpansion times its
// stored size.
func checkChunk(f io.ReaderAt, m format.ColumnMetaData, end int64) error {
	start := m.DataPageOffset
	if m.DictionaryPageOffset != 0 {
		start = m.DictionaryPageOffset
	}
	if start < 4 || m.TotalCompressedSize < 0 || m.TotalCompressedSize > end-start {
		return fmt.Errorf("chunk of %d bytes at offset %d is outside the data (4..%d)", m.TotalCompressedSize, start, end)
	}
	buf := make([]byte, min(maxPageHeader, m.TotalCompressedSize))
	for pos, stop := start, start+m.TotalCompressedSize; pos < stop; {
		b := buf[:min(int64(len(buf)), stop-pos)]
		if _, err := f.ReadAt(b, pos); err != nil {
			return err
		}
		var h pageSizes
		n, err := walkThrift(b, h.visit)
		if err != nil {
			return fmt.Errorf("page header at offset %d: %v", pos, err)
		}
		left := stop - pos - int64(n)
		switch {
		case h.compressed < 0 || int64(h.compressed) > left:
			return fmt.Errorf("page at offset %d declares %d stored bytes, %d are left in the chunk", pos, h.compressed, left)
		case h.uncompressed < 0 || int64(h.uncompressed) > maxPageExpansion*int64(h.compressed)+256:
			return fmt.Errorf("page at offset %d declares %d bytes uncompressed from %d stored (at most %d× expansion)", pos, h.uncompressed, h.compressed, maxPageExpansion)
		}
		pos += int64(n) + int64(h.compressed)
	}
	return nil
}

// pageSizes collects the sizes of a thrift PageHeader.
type pageSizes struct{ uncompressed, compressed int64 }

func (h *pageSizes) visit(path []int16, v int64) {
	if len(path) == 1 {
		switch path[0] {
		case 2:
			h.uncompressed = v
		case 3:
			h.compressed = v
		}
	}
}

// Thrift compact protocol types.
const (
	thriftTrue   = 1
	thriftFalse  = 2
	thriftByte   = 3
	thriftI16    = 4
	thriftI32    = 5
	thriftI64    = 6
	thriftDouble = 7
	thriftBinary = 8
	thriftList   = 9
	thriftSet    = 10
	thriftMap    = 11
	thriftStruct = 12
)

var errThriftShort = errors.New("thrift: truncated")

// walkThrift checks that b starts with a thrift compact-protocol struct in
// which every declared length and element count fits in the bytes left,
// and returns its length. visit, when set, receives every integer field of
// the struct with its field-id path.
func walkThrift(b []byte, visit func(path []int16, v int64)) (int, error) {
	w := thriftWalker{b: b, visit: visit}
	if err := w.structure(0); err != nil {
		return 0, fmt.Errorf("%w at byte %d", err, w.pos)
	}
	return w.pos, nil
}

type thriftWalker struct {
	b     []byte
	pos   int
	path  []int16
	visit func(path []int16, v int64)
}

func (w *thriftWalker) byte() (byte, error) {
	if w.pos >= len(w.b) {
		return 0, errThriftShort
	}
	c := w.b[w.pos]
	w.pos++
	return c, nil
}

func (w *thriftWalker) uvarint() (uint64, error) {
	v, n := binary.Uvarint(w.b[w.pos:])
	if n <= 0 {
		return 0, errThriftShort
	}
	w.pos += n
	return v, nil
}

func (w *thriftWalker) varint() (int64, error) {
	u, err := w.uvarint()
	return int64(u>>1) ^ -int64(u&1), err // zigzag
}

// count reads a declared length and checks that at least per bytes per
// element remain for it.
func (w *thriftWalker) count(n uint64, per int) (int, error) {
	if left := uint64(len(w.b) - w.pos); n > left/uint64(per) {
		return 0, fmt.Errorf("thrift: %d elements declared, %d bytes left", n, left)
	}
	return int(n), nil
}

func (w *thriftWalker) structure(depth int) error {
	if depth > maxThriftDepth {
		return errors.New("thrift: nested too deep")
	}
	var id int16
	for {
		h, err := w.byte()
		if err != nil {
			return err
		}
		if h == 0 { // stop
			return nil
		}
		if delta := int16(h >> 4); delta != 0 {
			id += delta
		} else {
			v, err := w.varint()
			if err != nil {
				return err
			}
			id = int16(v)
		}
		w.path = append(w.path, id)
		err = w.value(h&0x0f, depth, true)
		w.path = w.path[:len(w.path)-1]
		if err != nil {
			return err
		}
	}
}

// value skips one value of type t; inField is false for list, set and map
// elements, where booleans take a byte.
func (w *thriftWalker) value(t byte, depth int, inField bool) error {
	switch t {
	case thriftTrue, thriftFalse:
		if !inField {
			_, err := w.byte()
			return err
		}
		return nil
	case thriftByte:
		_, err := w.byte()
		return err
	case thriftI16, thriftI32, thriftI64:
		v, err := w.varint()
		if err == nil && inField && w.visit != nil {
			w.visit(w.path, v)
		}
		return err
	case thriftDouble:
		if len(w.b)-w.pos < 8 {
			return errThriftShort
		}
		w.pos += 8
		return nil
	case thriftBinary:
		u, err := w.uvarint()
		if err != nil {
			return err
		}
		n, err := w.count(u, 1)
		w.pos += n
		return err
	case thriftList, thriftSet:
		h, err := w.byte()
		if err != nil {
			return err
		}
		u := uint64(h >> 4)
		if u == 15 {
			if u, err = w.uvarint(); err != nil {
				return err
			}
		}
		n, err := w.count(u, 1)
		if err != nil {
			return err
		}
		for range n {
			if err := w.value(h&0x0f, depth+1, false); err != nil {
				return err
			}
		}
		return nil
	case thriftMap:
		u, err := w.uvarint()
		if err != nil || u == 0 {
			return err
		}
		n, err := w.count(u, 2)
		if err != nil {
			return err
		}
		kv, err := w.byte()
		if err != nil {
			return err
		}
		for range n {
			if err := w.value(kv>>4, depth+1, false); err != nil {
				return err
			}
			if err := w.value(kv&0x0f, depth+1, false); err != nil {
				return err
			}
		}
		return nil
	case thriftStruct:
		return w.structure(depth + 1)
	}
	return fmt.Errorf("thrift: unknown type %d", t)
}
