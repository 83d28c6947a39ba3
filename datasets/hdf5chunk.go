package datasets

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"math/bits"
	"sort"
)

// HDF5 datasets: dataspace, datatype, data layout (compact, contiguous or
// chunked) and filter pipeline (deflate, shuffle), and the chunk indexes
// h5py writes: a version 1 B-tree (libver earliest) and, with libver v110
// or later, single chunk, implicit, fixed array (fixed maximum shape),
// extensible array (one unlimited dimension) and version 2 B-tree (more).

// Chunk index types (data layout message version 4 and 5; 0 is the version
// 1 B-tree of a version 3 message).
const (
	h5IdxBtree1     = 0
	h5IdxSingle     = 1
	h5IdxImplicit   = 2
	h5IdxFixedArray = 3
	h5IdxExtensible = 4
	h5IdxBtree2     = 5
)

var h5IndexNames = map[uint8]string{h5IdxBtree1: "version 1 B-tree", h5IdxSingle: "single chunk", h5IdxImplicit: "implicit",
	h5IdxFixedArray: "fixed array", h5IdxExtensible: "extensible array", h5IdxBtree2: "version 2 B-tree"}

// h5MaxChunkBytes bounds one chunk and one band of chunks (a row of chunks
// across the dimension) held in memory.
const h5MaxChunkBytes = 1 << 30

// h5MaxInflate is how much larger than its stored bytes a deflated chunk
// may be (deflate cannot do better than about 1032:1).
const h5MaxInflate = 1032

// h5layout is a data layout message.
type h5layout struct {
	version uint8
	class   uint8 // 0 compact, 1 contiguous, 2 chunked
	off     int64 // file offset of the message
	addr    uint64
	size    uint64 // contiguous: bytes
	compact []byte
	chunk   [2]uint64 // chunk rows, chunk columns
	elem    uint64    // element size the layout declares (chunked)
	index   uint8
	flags   uint8
	// Single chunk with filters: stored size and filter mask.
	singleSize uint64
	singleMask uint32
}

// h5filter is one filter of a dataset's pipeline.
type h5filter struct {
	id    uint16
	flags uint16
	cd    []uint32
	off   int64
}

const (
	h5FilterDeflate = 1
	h5FilterShuffle = 2
)

var h5FilterNames = map[uint16]string{1: "deflate", 2: "shuffle", 3: "fletcher32", 4: "szip", 5: "nbit", 6: "scaleoffset",
	307: "bzip2", 32000: "lzf", 32001: "blosc", 32004: "lz4", 32008: "bitshuffle", 32013: "zfp", 32015: "zstd", 32026: "blosc2"}

// h5chunk is an allocated chunk: where it is, its stored size and which
// filters were skipped for it.
type h5chunk struct {
	addr uint64
	size uint64
	mask uint32
	from int64 // file offset of its index entry
}

// h5dataset is an open two-dimensional numeric dataset.
type h5dataset struct {
	h                  *h5file
	name               string
	off                int64 // object header offset
	rows, cols         uint64
	maxRows, maxCols   uint64 // h5Undef: unlimited
	dt                 h5dtype
	lay                h5layout
	filters            []h5filter
	chunkBytes         uint64 // chunk rows × columns × element size
	rowChunks, colChks uint64 // chunk grid over the current extent
	maxColChunks       uint64 // chunk columns over the maximum extent (index order)
}

func divUp(a, b uint64) uint64 { return a/b + min(1, a%b) }

// dataset opens the dataset a root group link points at.
func (h *h5file) dataset(name string, l h5link) (*h5dataset, error) {
	if l.soft {
		return nil, h.errf(l.from, "%s is a soft or external link: not supported (it must be a dataset in the file)", printable(name))
	}
	msgs, off, err := h.objectHeader(l.addr, l.from)
	if err != nil {
		return nil, err
	}
	d := &h5dataset{h: h, name: name, off: off}
	var haveSpace, haveType, haveLayout bool
	for _, m := range msgs {
		switch m.typ {
		case h5MsgDataspace, h5MsgDatatype, h5MsgLayout, h5MsgFilters:
			if m.flags&2 != 0 {
				return nil, h.errf(m.off, "dataset %s: shared message type %d (a committed datatype or shared dataspace) is not supported", printable(name), m.typ)
			}
		}
		switch m.typ {
		case h5MsgDataspace:
			dims, maxDims, err := h.dataspace(m.buf(h, "dataspace message"))
			if err != nil {
				return nil, err
			}
			if len(dims) != 2 {
				return nil, h.errf(m.off, "dataset %s has %d dimensions, want 2 (rows × dimension)", printable(name), len(dims))
			}
			d.rows, d.cols, d.maxRows, d.maxCols = dims[0], dims[1], maxDims[0], maxDims[1]
			haveSpace = true
		case h5MsgDatatype:
			if d.dt, err = h.datatype(m.buf(h, "datatype message")); err != nil {
				return nil, err
			}
			if d.dt.class != 0 && d.dt.class != 1 {
				return nil, h.errf(m.off, "dataset %s holds %s, not numbers (float32, float64 or integers)", printable(name), d.dt)
			}
			haveType = true
		case h5MsgLayout:
			if d.lay, err = h.layout(m); err != nil {
				return nil, err
			}
			haveLayout = true
		case h5MsgFilters:
			if d.filters, err = h.filterPipeline(m); err != nil {
				return nil, err
			}
		case h5MsgExternal:
			return nil, h.errf(m.off, "dataset %s keeps its data in external files: not supported", printable(name))
		}
	}
	switch {
	case !haveSpace:
		return nil, h.errf(off, "%s is not a dataset (its object header has no dataspace message)", printable(name))
	case !haveType:
		return nil, h.errf(off, "dataset %s has no datatype message", printable(name))
	case !haveLayout:
		return nil, h.errf(off, "dataset %s has no data layout message", printable(name))
	}
	return d, d.check()
}

// check checks the layout against the dataspace and datatype, and the
// declared sizes against the file.
func (d *h5dataset) check() error {
	h, lay := d.h, &d.lay
	elem := uint64(d.dt.size)
	if d.cols == 0 && d.rows > 0 {
		return h.errf(d.off, "dataset %s has %d rows of no components", printable(d.name), d.rows)
	}
	hi, lo := bits.Mul64(d.rows, d.cols)
	if hi != 0 {
		return h.errf(d.off, "dataset %s: %d × %d elements overflow", printable(d.name), d.rows, d.cols)
	}
	hi, total := bits.Mul64(lo, elem)
	hi2, rowBytes := bits.Mul64(d.cols, elem)
	if hi != 0 || hi2 != 0 || total > uint64(h.size)*h5MaxInflate || rowBytes > min(uint64(h.size)*h5MaxInflate, h5MaxChunkBytes) {
		return h.errf(d.off, "dataset %s: %d × %d elements of %d bytes cannot be held by a file of %d bytes", printable(d.name), d.rows, d.cols, elem, h.size)
	}
	if len(d.filters) > 0 && lay.class != 2 {
		return h.errf(lay.off, "dataset %s has filters but %s storage (filters need chunks)", printable(d.name), [...]string{"compact", "contiguous"}[lay.class])
	}
	switch lay.class {
	case 0:
		if uint64(len(lay.compact)) != total {
			return h.errf(lay.off, "dataset %s: compact data of %d bytes, its shape (%d, %d) of %d-byte elements needs %d", printable(d.name), len(lay.compact), d.rows, d.cols, elem, total)
		}
	case 1:
		if lay.addr == h5Undef {
			if total == 0 {
				return nil
			}
			return h.errf(lay.off, "dataset %s was never written (no storage is allocated)", printable(d.name))
		}
		if lay.size != total {
			return h.errf(lay.off, "dataset %s: contiguous storage of %d bytes, its shape (%d, %d) of %d-byte elements needs %d", printable(d.name), lay.size, d.rows, d.cols, elem, total)
		}
		if _, err := h.at(lay.addr, lay.size, "dataset "+printable(d.name)+" data", lay.off); err != nil {
			return err
		}
	case 2:
		cr, cc := lay.chunk[0], lay.chunk[1]
		if cr == 0 || cc == 0 {
			return h.errf(lay.off, "dataset %s: chunk dimensions (%d, %d) must be at least 1", printable(d.name), cr, cc)
		}
		if lay.elem != elem {
			return h.errf(lay.off, "dataset %s: the layout says %d-byte elements, the datatype %d", printable(d.name), lay.elem, elem)
		}
		hi, n := bits.Mul64(cr, cc)
		hi2, n := bits.Mul64(n, elem)
		if hi != 0 || hi2 != 0 || n > h5MaxChunkBytes {
			return h.errf(lay.off, "dataset %s: chunks of %d × %d elements are larger than milvbench reads (1 GiB)", printable(d.name), cr, cc)
		}
		d.chunkBytes = n
		if band := min(cr, d.rows) * d.cols * elem; band > h5MaxChunkBytes {
			return h.errf(lay.off, "dataset %s: a row of chunks (%d rows × %d columns) is larger than milvbench holds in memory (1 GiB)", printable(d.name), min(cr, d.rows), d.cols)
		}
		d.rowChunks, d.colChks = divUp(d.rows, cr), divUp(d.cols, cc)
		mc := d.maxCols
		if mc == h5Undef || mc < d.cols {
			if lay.index == h5IdxFixedArray || lay.index == h5IdxImplicit || lay.index == h5IdxExtensible {
				return h.errf(lay.off, "dataset %s: a %s index needs a fixed number of columns, the maximum is %s", printable(d.name), h5IndexNames[lay.index], dimString(d.maxCols))
			}
			mc = d.cols
		}
		d.maxColChunks = divUp(mc, cc)
		if lay.index == h5IdxExtensible && d.maxRows != h5Undef {
			return h.errf(lay.off, "dataset %s: an extensible array index over a fixed number of rows (the unlimited dimension must be the first)", printable(d.name))
		}
	}
	return nil
}

func dimString(d uint64) string {
	if d == h5Undef {
		return "unlimited"
	}
	return fmt.Sprint(d)
}

// layout decodes a data layout message (versions 3, 4 and 5).
func (h *h5file) layout(m h5msg) (h5layout, error) {
	c := m.buf(h, "data layout message")
	lay := h5layout{off: m.off}
	lay.version = c.u8()
	lay.class = c.u8()
	if c.err != nil {
		return lay, c.err
	}
	if lay.version < 3 || lay.version > 5 {
		return lay, h.errf(m.off, "data layout message version %d is not supported (3 to 5 are; 1 and 2 predate HDF5 1.6.3)", lay.version)
	}
	switch lay.class {
	case 0:
		n := int(c.u16())
		lay.compact = c.bytes(n)
	case 1:
		lay.addr = c.addr()
		lay.size = c.length()
	case 2:
		var dims []uint64
		if lay.version == 3 {
			nd := int(c.u8())
			lay.addr = c.addr()
			for range nd {
				dims = append(dims, uint64(c.u32()))
			}
		} else {
			lay.flags = c.u8()
			nd := int(c.u8())
			encAt := c.at()
			enc := int(c.u8())
			if c.err == nil && (enc < 1 || enc > 8) {
				return lay, h.errf(encAt, "chunk dimension size encoded in %d bytes (1 to 8 are allowed)", enc)
			}
			for range nd {
				dims = append(dims, c.uint(enc))
			}
			idxAt := c.at()
			lay.index = c.u8()
			switch lay.index {
			case h5IdxSingle:
				if lay.flags&2 != 0 {
					lay.singleSize = c.length()
					lay.singleMask = c.u32()
				}
			case h5IdxImplicit:
			case h5IdxFixedArray:
				c.skip(1) // page bits (the header has them)
			case h5IdxExtensible:
				c.skip(5) // max bits, index elements, min pointers, min elements, page bits
			case h5IdxBtree2:
				c.skip(6) // node size, split and merge percent
			default:
				if c.err == nil {
					return lay, h.errf(idxAt, "chunk index type %d is not known (1 to 5 are: single chunk, implicit, fixed array, extensible array, version 2 B-tree)", lay.index)
				}
			}
			lay.addr = c.addr()
		}
		if c.err != nil {
			return lay, c.err
		}
		if len(dims) != 3 {
			return lay, h.errf(m.off, "chunked layout has %d dimensions, want 3 (rows, columns, element size)", len(dims))
		}
		lay.chunk, lay.elem = [2]uint64{dims[0], dims[1]}, dims[2]
	case 3:
		return lay, h.errf(m.off+1, "virtual datasets are not supported")
	default:
		return lay, h.errf(m.off+1, "data layout class %d is not known (0 compact, 1 contiguous, 2 chunked)", lay.class)
	}
	return lay, c.err
}

// filterPipeline decodes a filter pipeline message; filters other than
// deflate and shuffle are refused.
func (h *h5file) filterPipeline(m h5msg) ([]h5filter, error) {
	c := m.buf(h, "filter pipeline message")
	v := c.u8()
	n := int(c.u8())
	switch v {
	case 1:
		c.skip(6)
	case 2:
	default:
		if c.err == nil {
			return nil, h.errf(m.off, "filter pipeline message version %d is not supported (1 and 2 are)", v)
		}
	}
	if n > 32 {
		return nil, h.errf(m.off+1, "%d filters: HDF5 allows at most 32", n)
	}
	var out []h5filter
	for range n {
		f := h5filter{off: c.at()}
		f.id = c.u16()
		nameLen := 0
		if v == 1 || f.id >= 256 {
			nameLen = int(c.u16())
		}
		f.flags = c.u16()
		ncd := int(c.u16())
		name := string(c.bytes(nameLen))
		for range ncd {
			f.cd = append(f.cd, c.u32())
		}
		if v == 1 && ncd%2 == 1 {
			c.skip(4)
		}
		if c.err != nil {
			return nil, c.err
		}
		if f.id != h5FilterDeflate && f.id != h5FilterShuffle {
			if known := h5FilterNames[f.id]; known != "" {
				name = known
			}
			if i := bytes.IndexByte([]byte(name), 0); i >= 0 {
				name = name[:i]
			}
			if name == "" {
				name = "unnamed"
			}
			return nil, h.errf(f.off, "filter %d (%s) is not supported (milvbench reads deflate/gzip and shuffle)", f.id, printable(name))
		}
		if f.id == h5FilterShuffle && (len(f.cd) < 1 || f.cd[0] == 0) {
			return nil, h.errf(f.off, "shuffle filter without an element size")
		}
		out = append(out, f)
	}
	return out, nil
}

// chunkIndex reads the dataset's chunk index: every chunk of the current
// extent, by (row, column) chunk coordinates. A chunk that is not
// allocated is an error (a dataset milvbench reads must be fully written),
// and so are chunks whose stored bytes overlap: together these bound what
// reading the dataset can allocate by the file's size.
func (d *h5dataset) chunkIndex() (map[[2]uint64]h5chunk, error) {
	h, lay := d.h, d.lay
	idx := map[[2]uint64]h5chunk{}
	add := func(at [2]uint64, ck h5chunk) error {
		if ck.addr == h5Undef || at[0] >= d.rowChunks || at[1] >= d.colChks {
			return nil // not allocated, or room for growth beyond the extent
		}
		if _, dup := idx[at]; dup {
			return h.errf(ck.from, "dataset %s: chunk (%d, %d) is indexed twice", printable(d.name), at[0], at[1])
		}
		if len(d.filters) == 0 && ck.size != d.chunkBytes {
			return h.errf(ck.from, "dataset %s: unfiltered chunk (%d, %d) is stored in %d bytes, chunks have %d", printable(d.name), at[0], at[1], ck.size, d.chunkBytes)
		}
		if d.chunkBytes > mulSat(ck.size, h5MaxInflate)+1024 {
			return h.errf(ck.from, "dataset %s: chunk (%d, %d) of %d stored bytes cannot inflate to %d bytes", printable(d.name), at[0], at[1], ck.size, d.chunkBytes)
		}
		if _, err := h.at(ck.addr, ck.size, fmt.Sprintf("dataset %s chunk (%d, %d)", printable(d.name), at[0], at[1]), ck.from); err != nil {
			return err
		}
		idx[at] = ck
		return nil
	}
	byIndex := func(i uint64, ck h5chunk) error {
		return add([2]uint64{i / d.maxColChunks, i % d.maxColChunks}, ck)
	}
	var err error
	switch lay.index {
	case h5IdxBtree1:
		err = d.btree1(add)
	case h5IdxSingle:
		ck := h5chunk{addr: lay.addr, size: d.chunkBytes, from: lay.off}
		if lay.flags&2 != 0 {
			ck.size, ck.mask = lay.singleSize, lay.singleMask
		}
		if d.rowChunks > 1 || d.colChks > 1 {
			return nil, h.errf(lay.off, "dataset %s: a single-chunk index for %d × %d chunks", printable(d.name), d.rowChunks, d.colChks)
		}
		err = add([2]uint64{0, 0}, ck)
	case h5IdxImplicit:
		if len(d.filters) > 0 {
			return nil, h.errf(lay.off, "dataset %s: an implicit chunk index with filters", printable(d.name))
		}
		n := mulSat(d.rowChunks, d.maxColChunks)
		if lay.addr != h5Undef {
			if _, err := h.at(lay.addr, mulSat(n, d.chunkBytes), "implicit chunk array", lay.off); err != nil || n > uint64(h.size) {
				return nil, h.errf(lay.off, "dataset %s: implicit chunk array of %d chunks of %d bytes lies beyond the end of the file", printable(d.name), n, d.chunkBytes)
			}
			for i := range n {
				if err := byIndex(i, h5chunk{addr: lay.addr + i*d.chunkBytes, size: d.chunkBytes, from: lay.off}); err != nil {
					return nil, err
				}
			}
		}
	case h5IdxFixedArray:
		err = d.fixedArray(byIndex)
	case h5IdxExtensible:
		err = d.extensibleArray(byIndex)
	case h5IdxBtree2:
		err = d.btree2(add)
	}
	if err != nil {
		return nil, err
	}
	if want := d.rowChunks * d.colChks; uint64(len(idx)) != want {
		// The first missing chunk comes after at most len(idx) present ones.
		for r := range d.rowChunks {
			for c := range d.colChks {
				if _, ok := idx[[2]uint64{r, c}]; !ok {
					return nil, h.errf(lay.off, "dataset %s: chunk (%d, %d) (rows from %d) is not allocated in its %s index: the dataset was not fully written",
						printable(d.name), r, c, r*lay.chunk[0], h5IndexNames[lay.index])
				}
			}
		}
	}
	all := make([]h5chunk, 0, len(idx))
	for _, ck := range idx {
		all = append(all, ck)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].addr < all[j].addr })
	for i := 1; i < len(all); i++ {
		if all[i-1].addr+all[i-1].size > all[i].addr {
			return nil, h.errf(all[i].from, "dataset %s: two chunks overlap at address %d", printable(d.name), all[i].addr)
		}
	}
	return idx, nil
}

// chunkSizeLen is the width of a filtered chunk's size in fixed array,
// extensible array and version 2 B-tree records: one more byte than the
// chunk's size needs (layout version 4), or Size of Offsets (version 5).
func (d *h5dataset) chunkSizeLen() int {
	if d.lay.version >= 5 {
		return d.h.so
	}
	return min(8, 1+(bits.Len64(d.chunkBytes)-1+8)/8)
}

// btree1 walks a version 1 B-tree of chunks (node type 1).
func (d *h5dataset) btree1(add func([2]uint64, h5chunk) error) error {
	h := d.h
	keySize := uint64(4 + 4 + 3*8)
	seen := map[uint64]bool{}
	var walk func(addr uint64, from int64, level int) error
	walk = func(addr uint64, from int64, level int) error {
		if seen[addr] {
			return h.errf(from, "chunk B-tree node at address %d is reached twice (a loop)", addr)
		}
		if len(seen) >= h5MaxChunks*16 {
			return h.errf(from, "chunk B-tree has too many nodes")
		}
		seen[addr] = true
		hdr, err := h.read(addr, uint64(8+2*h.so), "chunk B-tree node", from)
		if err != nil {
			return err
		}
		if !hdr.sig("TREE") {
			return hdr.err
		}
		at := hdr.at()
		typ, lvl, n := hdr.u8(), int(hdr.u8()), uint64(hdr.u16())
		if typ != 1 {
			return h.errf(at, "chunk B-tree node has type %d, want 1 (raw data chunks)", typ)
		}
		if (level >= 0 && lvl != level) || lvl > 64 {
			return h.errf(at+1, "chunk B-tree node has level %d, want %d", lvl, max(level, 0))
		}
		c, err := h.read(addr, uint64(8+2*h.so)+n*uint64(h.so)+(n+1)*keySize, "chunk B-tree node", from)
		if err != nil {
			return err
		}
		c.skip(8 + 2*h.so)
		for range n {
			kat := c.at()
			size, mask := uint64(c.u32()), c.u32()
			r, col, e := c.u64(), c.u64(), c.u64()
			cat := c.at()
			child := c.addr()
			if c.err != nil {
				return c.err
			}
			if lvl > 0 {
				if err := walk(child, cat, lvl-1); err != nil {
					return err
				}
				continue
			}
			if r%d.lay.chunk[0] != 0 || col%d.lay.chunk[1] != 0 || e != 0 {
				return h.errf(kat, "chunk B-tree key (%d, %d, %d) is not at a chunk boundary of (%d, %d)", r, col, e, d.lay.chunk[0], d.lay.chunk[1])
			}
			if err := add([2]uint64{r / d.lay.chunk[0], col / d.lay.chunk[1]}, h5chunk{addr: child, size: size, mask: mask, from: kat}); err != nil {
				return err
			}
		}
		return nil
	}
	if d.lay.addr == h5Undef {
		return nil
	}
	return walk(d.lay.addr, d.lay.off, -1)
}

// arrayEntry decodes one fixed or extensible array element: a chunk address
// and, for filtered chunks, its stored size and filter mask.
func (d *h5dataset) arrayEntry(c *h5buf, filtered bool) h5chunk {
	ck := h5chunk{from: c.at()}
	ck.addr = c.addr()
	if filtered {
		ck.size = c.uint(d.chunkSizeLen())
		ck.mask = c.u32()
	} else {
		ck.size = d.chunkBytes
	}
	return ck
}

// entrySize checks an array's element size and client against the dataset.
func (d *h5dataset) entrySize(c *h5buf, at int64, client, size uint8, what string) error {
	filtered := len(d.filters) > 0
	want := d.h.so
	if filtered {
		want += d.chunkSizeLen() + 4
	}
	if client != map[bool]uint8{false: 0, true: 1}[filtered] {
		return d.h.errf(at, "%s for %s chunks has client %d", what, map[bool]string{false: "unfiltered", true: "filtered"}[filtered], client)
	}
	if int(size) != want {
		return d.h.errf(at, "%s elements of %d bytes, want %d", what, size, want)
	}
	return nil
}

// fixedArray reads a fixed array chunk index (FAHD, FADB, pages).
func (d *h5dataset) fixedArray(add func(uint64, h5chunk) error) error {
	h := d.h
	if d.lay.addr == h5Undef {
		return nil
	}
	hdrSize := uint64(4 + 4 + h.sl + h.so + 4)
	c, err := h.read(d.lay.addr, hdrSize, "fixed array header", d.lay.off)
	if err != nil {
		return err
	}
	if !c.sig("FAHD") {
		return c.err
	}
	at := c.at()
	c.u8()
	client, esize, pageBits := c.u8(), c.u8(), c.u8()
	nAt := c.at()
	n := c.length()
	dblk := c.addr()
	if c.err != nil {
		return c.err
	}
	if err := h.checksum(c.b, c.off, "fixed array header"); err != nil {
		return err
	}
	if err := d.entrySize(c, at, client, esize, "fixed array"); err != nil {
		return err
	}
	if pageBits > 32 {
		return h.errf(at+3, "fixed array page bits %d is more than 32", pageBits)
	}
	if n > uint64(h.size) {
		return h.errf(nAt, "fixed array of %d entries is larger than the file", n)
	}
	if dblk == h5Undef {
		return nil
	}
	filtered := len(d.filters) > 0
	es := uint64(esize)
	pageN := uint64(1) << pageBits
	prefix := uint64(6 + h.so)
	if n <= pageN {
		b, err := h.read(dblk, prefix+n*es+4, "fixed array data block", c.off)
		if err != nil {
			return err
		}
		if !b.sig("FADB") {
			return b.err
		}
		if err := h.checksum(b.b, b.off, "fixed array data block"); err != nil {
			return err
		}
		b.skip(2 + h.so)
		for i := range n {
			if err := add(i, d.arrayEntry(b, filtered)); err != nil {
				return err
			}
		}
		return b.err
	}
	npages := divUp(n, pageN)
	initSize := (npages + 7) / 8
	b, err := h.read(dblk, prefix+initSize+4, "fixed array data block", c.off)
	if err != nil {
		return err
	}
	if !b.sig("FADB") {
		return b.err
	}
	if err := h.checksum(b.b, b.off, "fixed array data block"); err != nil {
		return err
	}
	b.skip(2 + h.so)
	bitmap := b.bytes(int(initSize))
	pageSize := pageN*es + 4
	first := dblk + prefix + initSize + 4
	for p := range npages {
		if bitmap[p/8]&(0x80>>(p%8)) == 0 {
			continue // page never written: no chunks
		}
		cnt := min(pageN, n-p*pageN)
		pg, err := h.read(first+p*pageSize, cnt*es+4, "fixed array data block page", b.off)
		if err != nil {
			return err
		}
		if err := h.checksum(pg.b, pg.off, "fixed array data block page"); err != nil {
			return err
		}
		for i := range cnt {
			if err := add(p*pageN+i, d.arrayEntry(pg, filtered)); err != nil {
				return err
			}
		}
	}
	return nil
}

// extensibleArray reads an extensible array chunk index (EAHD, EAIB,
// EASB, EADB and data block pages), for a dataset whose first dimension
// is unlimited.
func (d *h5dataset) extensibleArray(add func(uint64, h5chunk) error) error {
	h := d.h
	if d.lay.addr == h5Undef {
		return nil
	}
	c, err := h.read(d.lay.addr, uint64(4+4+4+6*h.sl+h.so+4), "extensible array header", d.lay.off)
	if err != nil {
		return err
	}
	if !c.sig("EAHD") {
		return c.err
	}
	at := c.at()
	c.u8()
	client, esize := c.u8(), c.u8()
	maxBits, idxElmts, minElmts, minPtrs, pageBits := c.u8(), uint64(c.u8()), uint64(c.u8()), uint64(c.u8()), c.u8()
	c.skip(6 * h.sl) // statistics
	iblk := c.addr()
	if c.err != nil {
		return c.err
	}
	if err := h.checksum(c.b, c.off, "extensible array header"); err != nil {
		return err
	}
	if err := d.entrySize(c, at, client, esize, "extensible array"); err != nil {
		return err
	}
	pow2 := func(v uint64) bool { return v > 0 && v&(v-1) == 0 }
	if maxBits == 0 || maxBits > 64 || !pow2(minElmts) || !pow2(minPtrs) || minPtrs < 2 || pageBits > 32 || uint64(bits.Len64(minElmts)-1) > uint64(maxBits) {
		return h.errf(at+3, "extensible array parameters (max bits %d, data block minimum %d elements, secondary block minimum %d pointers, page bits %d) are not valid", maxBits, minElmts, minPtrs, pageBits)
	}
	if iblk == h5Undef {
		return nil
	}
	filtered := len(d.filters) > 0
	es := uint64(esize)
	so := uint64(h.so)
	offSize := uint64(maxBits+7) / 8
	pageN := uint64(1) << pageBits
	need := mulSat(d.rowChunks, d.maxColChunks) // elements covering the current extent
	// Super block u has 2^(u/2) data blocks of 2^((u+1)/2) × minElmts elements.
	nsblks := 1 + uint64(maxBits) - uint64(bits.Len64(minElmts)-1)
	ibSblks := 2 * uint64(bits.Len64(minPtrs)-1)
	ndblkAddrs := 2 * (minPtrs - 1)
	nsblkAddrs := uint64(0)
	if nsblks > ibSblks {
		nsblkAddrs = nsblks - ibSblks
	}
	ib, err := h.read(iblk, 6+so+idxElmts*es+ndblkAddrs*so+nsblkAddrs*so+4, "extensible array index block", c.off)
	if err != nil {
		return err
	}
	if !ib.sig("EAIB") {
		return ib.err
	}
	if err := h.checksum(ib.b, ib.off, "extensible array index block"); err != nil {
		return err
	}
	ib.skip(2 + h.so)
	for i := range idxElmts {
		if err := add(i, d.arrayEntry(ib, filtered)); err != nil {
			return err
		}
	}
	dblkAddrs := make([]uint64, ndblkAddrs)
	dblkFrom := make([]int64, ndblkAddrs)
	for i := range dblkAddrs {
		dblkFrom[i] = ib.at()
		dblkAddrs[i] = ib.addr()
	}
	sblkAddrs := make([]uint64, nsblkAddrs)
	sblkFrom := make([]int64, nsblkAddrs)
	for i := range sblkAddrs {
		sblkFrom[i] = ib.at()
		sblkAddrs[i] = ib.addr()
	}
	if ib.err != nil {
		return ib.err
	}
	// dataBlock reads the nel elements of the data block at addr, whose
	// first element has index first; pageInit (nil: every page) says which
	// of its pages were written.
	dataBlock := func(addr uint64, from int64, first, nel uint64, pageInit func(p uint64) bool) error {
		prefix := 6 + so + offSize
		if nel <= pageN {
			b, err := h.read(addr, prefix+nel*es+4, "extensible array data block", from)
			if err != nil {
				return err
			}
			if !b.sig("EADB") {
				return b.err
			}
			if err := h.checksum(b.b, b.off, "extensible array data block"); err != nil {
				return err
			}
			b.skip(int(prefix) - 4)
			for i := range nel {
				if err := add(first+i, d.arrayEntry(b, filtered)); err != nil {
					return err
				}
			}
			return b.err
		}
		b, err := h.read(addr, prefix+4, "extensible array data block", from)
		if err != nil {
			return err
		}
		if !b.sig("EADB") {
			return b.err
		}
		if err := h.checksum(b.b, b.off, "extensible array data block"); err != nil {
			return err
		}
		pageSize := pageN*es + 4
		for p := range nel / pageN {
			if pageInit != nil && !pageInit(p) {
				continue
			}
			pg, err := h.read(addr+prefix+4+p*pageSize, pageSize, "extensible array data block page", b.off)
			if err != nil {
				return err
			}
			if err := h.checksum(pg.b, pg.off, "extensible array data block page"); err != nil {
				return err
			}
			for i := range pageN {
				if err := add(first+p*pageN+i, d.arrayEntry(pg, filtered)); err != nil {
					return err
				}
			}
		}
		return nil
	}
	start := idxElmts // index of the first element of super block u
	dblk := uint64(0) // data blocks of the index block used so far
	for u := uint64(0); u < nsblks && start < need; u++ {
		ndblks := uint64(1) << (u / 2)
		nel := (uint64(1) << ((u + 1) / 2)) * minElmts
		if nel > uint64(h.size) || ndblks > uint64(h.size) {
			return h.errf(ib.off, "extensible array super block %d (%d data blocks of %d elements) is larger than the file", u, ndblks, nel)
		}
		if u < ibSblks {
			for k := range ndblks {
				if dblk+k >= ndblkAddrs {
					break
				}
				if a := dblkAddrs[dblk+k]; a != h5Undef {
					if err := dataBlock(a, dblkFrom[dblk+k], start+k*nel, nel, nil); err != nil {
						return err
					}
				}
			}
			dblk += ndblks
		} else {
			saddr, sat := sblkAddrs[u-ibSblks], sblkFrom[u-ibSblks]
			if saddr != h5Undef {
				npages := uint64(0)
				if nel > pageN {
					npages = nel / pageN
				}
				initSize := (npages + 7) / 8
				s, err := h.read(saddr, 6+so+offSize+ndblks*initSize+ndblks*so+4, "extensible array secondary block", sat)
				if err != nil {
					return err
				}
				if !s.sig("EASB") {
					return s.err
				}
				if err := h.checksum(s.b, s.off, "extensible array secondary block"); err != nil {
					return err
				}
				s.skip(2 + h.so + int(offSize))
				bitmaps := s.bytes(int(ndblks * initSize))
				for k := range ndblks {
					from := s.at()
					a := s.addr()
					if s.err != nil {
						return s.err
					}
					if a == h5Undef {
						continue
					}
					// One bit per page, the secondary block's data blocks' pages
					// in a row (most significant bit first).
					init := func(p uint64) bool {
						bit := k*npages + p
						return bitmaps[bit/8]&(0x80>>(bit%8)) != 0
					}
					if err := dataBlock(a, from, start+k*nel, nel, init); err != nil {
						return err
					}
				}
			}
		}
		start += ndblks * nel
	}
	return nil
}

// btree2 walks a version 2 B-tree of chunk records (type 10 unfiltered,
// 11 filtered), for datasets with more than one unlimited dimension.
func (d *h5dataset) btree2(add func([2]uint64, h5chunk) error) error {
	h := d.h
	if d.lay.addr == h5Undef {
		return nil
	}
	c, err := h.read(d.lay.addr, uint64(4+1+1+4+2+2+1+1+h.so+2+h.sl+4), "version 2 B-tree header", d.lay.off)
	if err != nil {
		return err
	}
	if !c.sig("BTHD") {
		return c.err
	}
	at := c.at()
	c.u8()
	typ := c.u8()
	nodeSize, recSize, depth := uint64(c.u32()), uint64(c.u16()), int(c.u16())
	c.skip(2)
	rootAt := c.at()
	root, rootN := c.addr(), uint64(c.u16())
	c.length()
	if c.err != nil {
		return c.err
	}
	if err := h.checksum(c.b, c.off, "version 2 B-tree header"); err != nil {
		return err
	}
	filtered := len(d.filters) > 0
	wantType, wantRec := uint8(10), uint64(h.so+16)
	if filtered {
		wantType, wantRec = 11, uint64(h.so+d.chunkSizeLen()+4+16)
	}
	if typ != wantType || recSize != wantRec {
		return h.errf(at+1, "version 2 B-tree of type %d with %d-byte records, want type %d (%s chunks) with %d-byte records", typ, recSize, wantType, map[bool]string{false: "unfiltered", true: "filtered"}[filtered], wantRec)
	}
	if nodeSize < 16 || nodeSize > uint64(h.size) || depth > 32 {
		return h.errf(at+2, "version 2 B-tree node size %d or depth %d is not valid for this file", nodeSize, depth)
	}
	// Node geometry (H5B2 header initialisation): records per node by
	// depth, and the widths of the record counts in internal nodes.
	encSize := func(v uint64) uint64 { return uint64(bits.Len64(v)-1)/8 + 1 }
	maxNrec := make([]uint64, depth+1)
	cumMax := make([]uint64, depth+1)
	cumSize := make([]uint64, depth+1)
	maxNrec[0] = (nodeSize - 10) / recSize
	if maxNrec[0] == 0 {
		return h.errf(at+2, "version 2 B-tree nodes of %d bytes hold no %d-byte record", nodeSize, recSize)
	}
	cumMax[0] = maxNrec[0]
	nrecSize := encSize(maxNrec[0])
	for l := 1; l <= depth; l++ {
		ptr := so64(h) + nrecSize
		if l > 1 {
			ptr += cumSize[l-1]
		}
		maxNrec[l] = (nodeSize - 10) / (recSize + ptr)
		hi, m := bits.Mul64(maxNrec[l]+1, cumMax[l-1])
		cumMax[l] = m + maxNrec[l]
		if hi != 0 || cumMax[l] < m {
			cumMax[l] = ^uint64(0)
		}
		cumSize[l] = min(8, encSize(cumMax[l]))
	}
	seen := map[uint64]bool{}
	record := func(b *h5buf) error {
		ck := h5chunk{from: b.at()}
		ck.addr = b.addr()
		if filtered {
			ck.size = b.uint(d.chunkSizeLen())
			ck.mask = b.u32()
		} else {
			ck.size = d.chunkBytes
		}
		r, col := b.u64(), b.u64()
		if b.err != nil {
			return b.err
		}
		return add([2]uint64{r, col}, ck)
	}
	var walk func(addr uint64, from int64, nrec uint64, depth int) error
	walk = func(addr uint64, from int64, nrec uint64, depth int) error {
		if seen[addr] {
			return h.errf(from, "version 2 B-tree node at address %d is reached twice (a loop)", addr)
		}
		seen[addr] = true
		if nrec > maxNrec[depth] {
			return h.errf(from, "version 2 B-tree node with %d records, nodes at depth %d hold at most %d", nrec, depth, maxNrec[depth])
		}
		sig, what := "BTLF", "version 2 B-tree leaf node"
		size := 6 + nrec*recSize + 4
		ptr := so64(h) + nrecSize
		if depth > 0 {
			sig, what = "BTIN", "version 2 B-tree internal node"
			if depth > 1 {
				ptr += cumSize[depth-1]
			}
			size += (nrec + 1) * ptr
		}
		b, err := h.read(addr, size, what, from)
		if err != nil {
			return err
		}
		if !b.sig(sig) {
			return b.err
		}
		if err := h.checksum(b.b, b.off, what); err != nil {
			return err
		}
		b.skip(2)
		for range nrec {
			if err := record(b); err != nil {
				return err
			}
		}
		if depth == 0 {
			return b.err
		}
		for range nrec + 1 {
			pat := b.at()
			child := b.addr()
			n := b.uint(int(nrecSize))
			if depth > 1 {
				b.uint(int(cumSize[depth-1]))
			}
			if b.err != nil {
				return b.err
			}
			if err := walk(child, pat, n, depth-1); err != nil {
				return err
			}
		}
		return nil
	}
	if root == h5Undef || rootN == 0 && depth == 0 {
		return nil
	}
	return walk(root, rootAt, rootN, depth)
}

func so64(h *h5file) uint64 { return uint64(h.so) }

// mulSat is a × b, or the largest uint64 when that overflows.
func mulSat(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 {
		return ^uint64(0)
	}
	return lo
}

// h5scratch holds buffers reused from chunk to chunk.
type h5scratch struct {
	stored, inflated, shuffled []byte
	zr                         io.ReadCloser // a zlib reader, reset for each chunk
	src                        bytes.Reader
}

func grow(b *[]byte, n uint64) []byte {
	if uint64(cap(*b)) < n {
		*b = make([]byte, n)
	}
	return (*b)[:n]
}

// readChunk reads chunk ck into out (d.chunkBytes bytes), undoing its
// filters.
func (d *h5dataset) readChunk(ck h5chunk, edge bool, out []byte, scratch *h5scratch) error {
	h := d.h
	off, err := h.at(ck.addr, ck.size, "chunk", ck.from)
	if err != nil {
		return err
	}
	filters := d.filters
	if edge && d.lay.flags&1 != 0 {
		filters = nil // partial edge chunks are stored unfiltered
	}
	if len(filters) == 0 || ck.mask&(1<<len(filters)-1) == 1<<len(filters)-1 {
		if ck.size != uint64(len(out)) {
			return h.errf(off, "dataset %s: unfiltered chunk of %d bytes, chunks have %d", printable(d.name), ck.size, len(out))
		}
		if _, err := h.r.ReadAt(out, off); err != nil {
			return h.errf(off, "reading dataset %s: %v", printable(d.name), err)
		}
		return nil
	}
	if ck.size > uint64(len(out))+uint64(len(out))/16+1024 {
		return h.errf(off, "dataset %s: filtered chunk of %d bytes for %d bytes of data", printable(d.name), ck.size, len(out))
	}
	if uint64(len(out)) > ck.size*h5MaxInflate+1024 {
		return h.errf(off, "dataset %s: a chunk of %d bytes cannot inflate to %d bytes", printable(d.name), ck.size, len(out))
	}
	data := grow(&scratch.stored, ck.size)
	if _, err := h.r.ReadAt(data, off); err != nil {
		return h.errf(off, "reading dataset %s: %v", printable(d.name), err)
	}
	for i := len(filters) - 1; i >= 0; i-- {
		if ck.mask&(1<<i) != 0 {
			continue
		}
		switch filters[i].id {
		case h5FilterDeflate:
			scratch.src.Reset(data)
			var err error
			if scratch.zr == nil {
				scratch.zr, err = zlib.NewReader(&scratch.src)
			} else {
				err = scratch.zr.(zlib.Resetter).Reset(&scratch.src, nil)
			}
			if err != nil {
				scratch.zr = nil
				return h.errf(off, "dataset %s: chunk does not inflate: %v", printable(d.name), err)
			}
			buf := grow(&scratch.inflated, uint64(len(out))+1)
			n, err := io.ReadFull(scratch.zr, buf)
			if err != nil && err != io.ErrUnexpectedEOF {
				return h.errf(off, "dataset %s: chunk does not inflate: %v", printable(d.name), err)
			}
			if n > len(out) {
				return h.errf(off, "dataset %s: chunk inflates to more than its %d bytes", printable(d.name), len(out))
			}
			data = buf[:n]
		case h5FilterShuffle:
			data = unshuffle(data, int(filters[i].cd[0]), grow(&scratch.shuffled, uint64(len(data))))
		}
	}
	if len(data) != len(out) {
		return h.errf(off, "dataset %s: chunk decodes to %d bytes, chunks have %d", printable(d.name), len(data), len(out))
	}
	copy(out, data)
	return nil
}

// unshuffle undoes the shuffle filter: the first bytes of every element,
// then the second bytes, ...; a tail shorter than an element is unchanged.
func unshuffle(in []byte, size int, out []byte) []byte {
	n := len(in) / size
	if size <= 1 || n <= 1 {
		return in
	}
	for b := range size {
		src := in[b*n : (b+1)*n]
		for i, v := range src {
			out[i*size+b] = v
		}
	}
	copy(out[n*size:], in[n*size:])
	return out
}
