package datasets

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"sort"
	"strings"
)

// The subset of the HDF5 file format (File Format Specification, versions
// 0 to 4) that ann-benchmarks files written by h5py use: superblock versions
// 0 to 3, version 1 and 2 object headers with continuation blocks, old-style
// groups (symbol table, version 1 B-tree, local heap) and new-style groups
// with compact link storage, attributes holding fixed or variable-length
// strings (global heap), and datasets (hdf5chunk.go). All metadata is little
// endian; every address read is checked against the file's size before
// anything is read from it or allocated for it.

// h5Undef is the undefined address (all bits set) after decoding.
const h5Undef = ^uint64(0)

// h5MaxChunks bounds how many object-header chunks (continuations) and
// B-tree nodes one structure may have: far beyond what h5py writes, it
// stops a malformed file from making the reader loop.
const h5MaxChunks = 1 << 16

// h5BudgetFactor times the file's size (plus 1 MiB) is as much metadata as
// one open file may read: structures are read about once (an object header's
// prefix twice), so well-formed files stay far below it.
const h5BudgetFactor = 8

// h5file is an open HDF5 file: its reader, size and the superblock's
// parameters.
type h5file struct {
	path   string
	r      io.ReaderAt
	size   int64
	base   uint64 // absolute offset of address 0 (the superblock's)
	so, sl int    // size of offsets and of lengths, in bytes
	sbVer  int
	root   uint64 // root group object header address
	// verify checks the lookup3 checksums of version 2 metadata; the fuzz
	// target also runs without, so that it reaches the code behind them.
	verify bool
	// budget is how many more bytes of metadata may be read: a file whose
	// structures overlap or point back at each other cannot make the reader
	// read (and allocate) much more than the file holds.
	budget uint64
}

func (h *h5file) errf(off int64, format string, args ...any) error {
	return fmt.Errorf("%s: offset %d: %s", h.path, off, fmt.Sprintf(format, args...))
}

// at returns the file offset of the n bytes at address addr, checking they
// are in the file; from is where the address was read, for the error.
func (h *h5file) at(addr, n uint64, what string, from int64) (int64, error) {
	if addr == h5Undef {
		return 0, h.errf(from, "%s has the undefined address (it was never written)", what)
	}
	abs := h.base + addr
	if abs < h.base || abs > uint64(h.size) || n > uint64(h.size)-abs {
		return 0, h.errf(from, "%s at address %d (%d bytes) lies beyond the end of the file (%d bytes)", what, addr, n, h.size)
	}
	return int64(abs), nil
}

// read reads n bytes at address addr (checked against the file first).
func (h *h5file) read(addr, n uint64, what string, from int64) (*h5buf, error) {
	off, err := h.at(addr, n, what, from)
	if err != nil {
		return nil, err
	}
	if n > h.budget {
		return nil, h.errf(from, "reading %s: the file's metadata has been read %d times over (its structures overlap or repeat)", what, h5BudgetFactor)
	}
	h.budget -= n
	b := make([]byte, n)
	if _, err := h.r.ReadAt(b, off); err != nil {
		return nil, h.errf(off, "reading %s: %v", what, err)
	}
	return &h5buf{h: h, b: b, off: off, what: what}, nil
}

// checksum verifies the lookup3 checksum in the last 4 bytes of b (which
// starts at file offset off) over the bytes before it.
func (h *h5file) checksum(b []byte, off int64, what string) error {
	if !h.verify || len(b) < 4 {
		return nil
	}
	n := len(b) - 4
	if got, want := lookup3(b[:n]), binary.LittleEndian.Uint32(b[n:]); got != want {
		return h.errf(off+int64(n), "%s checksum mismatch (stored %08x, computed %08x): the file is corrupt", what, want, got)
	}
	return nil
}

// h5buf decodes little-endian fields from bytes read at a file offset. The
// first read past the end sets err (naming the offset and what was being
// read); later reads return zeros, so callers check err once per structure.
type h5buf struct {
	h    *h5file
	b    []byte
	off  int64 // file offset of b[0]
	pos  int
	what string
	err  error
}

func (c *h5buf) at() int64 { return c.off + int64(c.pos) }

func (c *h5buf) left() int { return len(c.b) - c.pos }

func (c *h5buf) need(n int) bool {
	if c.err != nil {
		return false
	}
	if n < 0 || n > len(c.b)-c.pos {
		c.err = c.h.errf(c.at(), "%s is truncated (%d more bytes needed, %d left)", c.what, n, len(c.b)-c.pos)
		return false
	}
	return true
}

// fail records an error at the current offset (unless one is recorded).
func (c *h5buf) fail(format string, args ...any) error {
	if c.err == nil {
		c.err = c.h.errf(c.at(), format, args...)
	}
	return c.err
}

// failAt records an error at file offset off.
func (c *h5buf) failAt(off int64, format string, args ...any) error {
	if c.err == nil {
		c.err = c.h.errf(off, format, args...)
	}
	return c.err
}

func (c *h5buf) bytes(n int) []byte {
	if !c.need(n) {
		return nil
	}
	b := c.b[c.pos : c.pos+n : c.pos+n]
	c.pos += n
	return b
}

func (c *h5buf) skip(n int) { c.bytes(n) }

func (c *h5buf) u8() uint8 {
	if !c.need(1) {
		return 0
	}
	c.pos++
	return c.b[c.pos-1]
}

// uint reads an n-byte (1..8) little-endian unsigned integer.
func (c *h5buf) uint(n int) uint64 {
	if n < 1 || n > 8 {
		c.fail("%s: a %d-byte integer field is not supported", c.what, n)
		return 0
	}
	b := c.bytes(n)
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

func (c *h5buf) u16() uint16 { return uint16(c.uint(2)) }
func (c *h5buf) u32() uint32 { return uint32(c.uint(4)) }
func (c *h5buf) u64() uint64 { return c.uint(8) }

// addr reads an address (Size of Offsets bytes); all bits set is h5Undef.
func (c *h5buf) addr() uint64 {
	v := c.uint(c.h.so)
	if c.h.so < 8 && v == 1<<(8*c.h.so)-1 {
		return h5Undef
	}
	return v
}

// length reads a length (Size of Lengths bytes).
func (c *h5buf) length() uint64 { return c.uint(c.h.sl) }

// sig checks a 4-byte signature.
func (c *h5buf) sig(want string) bool {
	at := c.at()
	got := c.bytes(len(want))
	if c.err != nil {
		return false
	}
	if string(got) != want {
		c.failAt(at, "%s: expected signature %q, found %s", c.what, want, printable(string(got)))
		return false
	}
	return true
}

// lookup3 is Bob Jenkins' lookup3 hashlittle with initial value 0, the
// checksum of HDF5 metadata (H5_checksum_lookup3).
func lookup3(k []byte) uint32 {
	a := 0xdeadbeef + uint32(len(k))
	b, c := a, a
	rot := bits.RotateLeft32
	for len(k) > 12 {
		a += binary.LittleEndian.Uint32(k[0:])
		b += binary.LittleEndian.Uint32(k[4:])
		c += binary.LittleEndian.Uint32(k[8:])
		a -= c
		a ^= rot(c, 4)
		c += b
		b -= a
		b ^= rot(a, 6)
		a += c
		c -= b
		c ^= rot(b, 8)
		b += a
		a -= c
		a ^= rot(c, 16)
		c += b
		b -= a
		b ^= rot(a, 19)
		a += c
		c -= b
		c ^= rot(b, 4)
		b += a
		k = k[12:]
	}
	if len(k) == 0 {
		return c
	}
	var tail [12]byte
	copy(tail[:], k)
	a += binary.LittleEndian.Uint32(tail[0:])
	b += binary.LittleEndian.Uint32(tail[4:])
	c += binary.LittleEndian.Uint32(tail[8:])
	c ^= b
	c -= rot(b, 14)
	a ^= c
	a -= rot(c, 11)
	b ^= a
	b -= rot(a, 25)
	c ^= b
	c -= rot(b, 16)
	a ^= c
	a -= rot(c, 4)
	b ^= a
	b -= rot(a, 14)
	c ^= b
	c -= rot(b, 24)
	return c
}

// h5Signature is the format signature at the start of the superblock.
const h5Signature = "\x89HDF\r\n\x1a\n"

// openH5 finds and reads the superblock (at offset 0, 512, 1024, ...).
func openH5(path string, r io.ReaderAt, size int64, verify bool) (*h5file, error) {
	h := &h5file{path: path, r: r, size: size, verify: verify, so: 8, sl: 8, budget: h5BudgetFactor*uint64(size) + 1<<20}
	var at int64 = -1
	sig := make([]byte, 8)
	for off := int64(0); off+8 <= size; off = max(512, off*2) {
		if _, err := r.ReadAt(sig, off); err != nil {
			return nil, h.errf(off, "reading the signature: %v", err)
		}
		if string(sig) == h5Signature {
			at = off
			break
		}
	}
	if at < 0 {
		return nil, h.errf(0, "not an HDF5 file (no signature \\211HDF\\r\\n\\032\\n at offset 0, 512, 1024, ...)")
	}
	h.base = uint64(at)
	n := min(size-at, 256)
	c, err := h.read(0, uint64(n), "superblock", at)
	if err != nil {
		return nil, err
	}
	c.skip(8)
	verAt := c.at()
	h.sbVer = int(c.u8())
	var eof uint64
	eofAt := int64(0)
	switch h.sbVer {
	case 0, 1:
		c.skip(4) // free-space, root entry and shared header versions, reserved
		soAt := c.at()
		h.so, h.sl = int(c.u8()), int(c.u8())
		if err := h.checkSizes(soAt, c); err != nil {
			return nil, err
		}
		c.skip(1 + 2 + 2 + 4) // reserved, group leaf/internal K, consistency flags
		if h.sbVer == 1 {
			c.skip(4) // indexed storage K, reserved
		}
		c.addr() // base address: the superblock's offset is used
		c.addr() // free-space info
		eofAt = c.at()
		eof = c.addr()
		c.addr() // driver information block
		// Root group symbol table entry: link name offset, object header address, ...
		c.addr()
		h.root = c.addr()
		c.skip(4 + 4 + 16)
		if c.err != nil {
			return nil, c.err
		}
	case 2, 3:
		soAt := c.at()
		h.so, h.sl = int(c.u8()), int(c.u8())
		if err := h.checkSizes(soAt, c); err != nil {
			return nil, err
		}
		c.skip(1) // consistency flags
		c.addr()  // base address
		c.addr()  // superblock extension
		eofAt = c.at()
		eof = c.addr()
		h.root = c.addr()
		c.skip(4)
		if c.err != nil {
			return nil, c.err
		}
		if err := h.checksum(c.b[:c.pos], at, "superblock"); err != nil {
			return nil, err
		}
	default:
		return nil, h.errf(verAt, "superblock version %d is not supported (versions 0 to 3 are)", h.sbVer)
	}
	// (With a user block, h5py's files store the end of file as an offset
	// from the start of the file, not from the base address.)
	if eof != h5Undef && eof > uint64(size) {
		return nil, h.errf(eofAt, "the file is truncated: the superblock says it ends at %d, it has %d bytes", eof, size)
	}
	return h, nil
}

func (h *h5file) checkSizes(at int64, c *h5buf) error {
	if c.err != nil {
		return c.err
	}
	for _, s := range []int{h.so, h.sl} {
		if s != 2 && s != 4 && s != 8 {
			return h.errf(at, "size of offsets %d / lengths %d is not supported (2, 4 or 8 bytes)", h.so, h.sl)
		}
	}
	return nil
}

// h5msg is one object header message.
type h5msg struct {
	typ   uint16
	flags uint8
	data  []byte
	off   int64 // file offset of data
}

// Message types used here.
const (
	h5MsgNil          = 0x00
	h5MsgDataspace    = 0x01
	h5MsgLinkInfo     = 0x02
	h5MsgDatatype     = 0x03
	h5MsgLink         = 0x06
	h5MsgExternal     = 0x07
	h5MsgLayout       = 0x08
	h5MsgFilters      = 0x0B
	h5MsgAttribute    = 0x0C
	h5MsgContinuation = 0x10
	h5MsgSymbolTable  = 0x11
	h5MsgAttrInfo     = 0x15
	h5MsgLastKnown    = 0x18
)

// buf returns a decoder over the message's data.
func (m h5msg) buf(h *h5file, what string) *h5buf {
	return &h5buf{h: h, b: m.data, off: m.off, what: what}
}

// objectHeader reads the messages of the object header at addr (version 1
// or 2), following continuation messages; from is where addr was read.
func (h *h5file) objectHeader(addr uint64, from int64) ([]h5msg, int64, error) {
	c, err := h.read(addr, 4, "object header", from)
	if err != nil {
		return nil, 0, err
	}
	start := c.off
	if string(c.b) == "OHDR" {
		msgs, err := h.objectHeaderV2(addr, start)
		return msgs, start, err
	}
	if c.b[0] != 1 {
		return nil, start, h.errf(start, "no object header here (version %d; only version 1 and 2 (OHDR) headers exist)", c.b[0])
	}
	c, err = h.read(addr, 16, "object header", from)
	if err != nil {
		return nil, start, err
	}
	c.skip(2)
	c.u16() // number of messages (continuations hold the rest)
	c.skip(4)
	size := uint64(c.u32())
	type span struct{ addr, size uint64 }
	spans := []span{{addr + 16, size}}
	seen := map[uint64]bool{}
	var msgs []h5msg
	for i := 0; i < len(spans); i++ {
		if i >= h5MaxChunks {
			return nil, start, h.errf(start, "object header has more than %d continuation blocks", h5MaxChunks)
		}
		sp := spans[i]
		if seen[sp.addr] {
			return nil, start, h.errf(start, "object header continuation at address %d is reached twice (a loop)", sp.addr)
		}
		seen[sp.addr] = true
		b, err := h.read(sp.addr, sp.size, "object header messages", start)
		if err != nil {
			return nil, start, err
		}
		for b.left() >= 8 && b.err == nil {
			typ, n := b.u16(), int(b.u16())
			flags := b.u8()
			b.skip(3)
			at := b.at()
			data := b.bytes(n)
			if b.err != nil {
				return nil, start, b.err
			}
			m := h5msg{typ: typ, flags: flags, data: data, off: at}
			if err := h.checkMsg(m); err != nil {
				return nil, start, err
			}
			if typ == h5MsgContinuation {
				cb := m.buf(h, "continuation message")
				a, l := cb.addr(), cb.length()
				if cb.err != nil {
					return nil, start, cb.err
				}
				spans = append(spans, span{a, l})
				continue
			}
			msgs = append(msgs, m)
		}
	}
	return msgs, start, nil
}

func (h *h5file) objectHeaderV2(addr uint64, start int64) ([]h5msg, error) {
	c, err := h.read(addr, min(uint64(h.size-start), 4+2+16+4+8), "object header", start)
	if err != nil {
		return nil, err
	}
	c.skip(4)
	if v := c.u8(); v != 2 && c.err == nil {
		return nil, h.errf(start+4, "object header version %d is not supported (1 and 2 are)", v)
	}
	flags := c.u8()
	if flags&0x20 != 0 {
		c.skip(16) // access, modification, change and birth times
	}
	if flags&0x10 != 0 {
		c.skip(4) // attribute storage phase change values
	}
	size := c.uint(1 << (flags & 3))
	if c.err != nil {
		return nil, c.err
	}
	prefix := uint64(c.pos)
	if size > uint64(h.size) {
		return nil, h.errf(c.at(), "object header chunk of %d bytes is larger than the file", size)
	}
	crtOrder := flags&0x04 != 0
	whole, err := h.read(addr, prefix+size+4, "object header", start)
	if err != nil {
		return nil, err
	}
	if err := h.checksum(whole.b, start, "object header"); err != nil {
		return nil, err
	}
	first := &h5buf{h: h, b: whole.b[prefix : prefix+size], off: start + int64(prefix), what: "object header messages"}
	spans := []*h5buf{first}
	seen := map[uint64]bool{addr: true}
	var msgs []h5msg
	hdr := 4
	if crtOrder {
		hdr = 6
	}
	for i := 0; i < len(spans); i++ {
		if i >= h5MaxChunks {
			return nil, h.errf(start, "object header has more than %d continuation blocks", h5MaxChunks)
		}
		b := spans[i]
		for b.left() >= hdr && b.err == nil {
			typ, n := uint16(b.u8()), int(b.u16())
			flags := b.u8()
			if crtOrder {
				b.skip(2)
			}
			at := b.at()
			data := b.bytes(n)
			if b.err != nil {
				return nil, b.err
			}
			m := h5msg{typ: typ, flags: flags, data: data, off: at}
			if err := h.checkMsg(m); err != nil {
				return nil, err
			}
			if typ != h5MsgContinuation {
				msgs = append(msgs, m)
				continue
			}
			cb := m.buf(h, "continuation message")
			a, l := cb.addr(), cb.length()
			if cb.err != nil {
				return nil, cb.err
			}
			if seen[a] {
				return nil, h.errf(at, "object header continuation at address %d is reached twice (a loop)", a)
			}
			seen[a] = true
			if l < 8 {
				return nil, h.errf(at, "object header continuation block of %d bytes is too small", l)
			}
			blk, err := h.read(a, l, "object header continuation block", at)
			if err != nil {
				return nil, err
			}
			if !blk.sig("OCHK") {
				return nil, blk.err
			}
			if err := h.checksum(blk.b, blk.off, "object header continuation block"); err != nil {
				return nil, err
			}
			spans = append(spans, &h5buf{h: h, b: blk.b[4 : l-4], off: blk.off + 4, what: "object header messages"})
		}
	}
	return msgs, nil
}

// checkMsg refuses a message this reader does not know whose flags say a
// reader must understand it.
func (h *h5file) checkMsg(m h5msg) error {
	if m.typ > h5MsgLastKnown && m.flags&0x80 != 0 {
		return h.errf(m.off, "object header message type %d must be understood to read the object, and is not known to this reader", m.typ)
	}
	return nil
}

// findMsg returns the first message of type typ.
func findMsg(msgs []h5msg, typ uint16) (h5msg, bool) {
	for _, m := range msgs {
		if m.typ == typ {
			return m, true
		}
	}
	return h5msg{}, false
}

// h5link is a group member: a hard link to an object header.
type h5link struct {
	addr uint64
	from int64 // where the link was read
	soft bool
}

// rootLinks returns the members of the root group, by name.
func (h *h5file) rootLinks() (map[string]h5link, []h5msg, error) {
	msgs, _, err := h.objectHeader(h.root, 0)
	if err != nil {
		return nil, nil, err
	}
	links := map[string]h5link{}
	if st, ok := findMsg(msgs, h5MsgSymbolTable); ok {
		c := st.buf(h, "symbol table message")
		btree, heap := c.addr(), c.addr()
		if c.err != nil {
			return nil, nil, c.err
		}
		if err := h.symbolTable(btree, heap, st.off, links); err != nil {
			return nil, nil, err
		}
		return links, msgs, nil
	}
	if li, ok := findMsg(msgs, h5MsgLinkInfo); ok {
		c := li.buf(h, "link info message")
		c.u8()
		flags := c.u8()
		if flags&1 != 0 {
			c.skip(8)
		}
		at := c.at()
		heap := c.addr()
		if c.err != nil {
			return nil, nil, c.err
		}
		if heap != h5Undef {
			return nil, nil, h.errf(at, "the root group keeps its links in dense storage (a fractal heap, as HDF5 does past 8 links): not supported; ann-benchmarks files have 4 datasets")
		}
	}
	for _, m := range msgs {
		if m.typ != h5MsgLink {
			continue
		}
		name, l, err := h.link(m)
		if err != nil {
			return nil, nil, err
		}
		if _, dup := links[name]; dup {
			return nil, nil, h.errf(m.off, "the root group links %s twice", printable(name))
		}
		links[name] = l
	}
	return links, msgs, nil
}

// link decodes a link message.
func (h *h5file) link(m h5msg) (string, h5link, error) {
	c := m.buf(h, "link message")
	if v := c.u8(); v != 1 && c.err == nil {
		return "", h5link{}, h.errf(m.off, "link message version %d is not supported (1 is)", v)
	}
	flags := c.u8()
	typ := uint8(0)
	if flags&0x08 != 0 {
		typ = c.u8()
	}
	if flags&0x04 != 0 {
		c.skip(8) // creation order
	}
	if flags&0x10 != 0 {
		c.skip(1) // character set
	}
	n := c.uint(1 << (flags & 3))
	if c.err == nil && n > uint64(c.left()) {
		return "", h5link{}, h.errf(c.at(), "link name of %d bytes is longer than its message", n)
	}
	name := string(c.bytes(int(n)))
	at := c.at()
	switch typ {
	case 0:
		a := c.addr()
		if c.err != nil {
			return "", h5link{}, c.err
		}
		return name, h5link{addr: a, from: at}, nil
	default: // soft (1), external (64) or user-defined: not an object here
		if c.err != nil {
			return "", h5link{}, c.err
		}
		return name, h5link{soft: true, from: at}, nil
	}
}

// symbolTable walks an old-style group: a version 1 B-tree of symbol table
// nodes whose entries name members by offsets into a local heap.
func (h *h5file) symbolTable(btree, heap uint64, from int64, links map[string]h5link) error {
	hc, err := h.read(heap, uint64(4+4+2*h.sl+h.so), "local heap", from)
	if err != nil {
		return err
	}
	if !hc.sig("HEAP") {
		return hc.err
	}
	hc.skip(4) // version, reserved
	dsize := hc.length()
	hc.length() // free list head
	daddr := hc.addr()
	if hc.err != nil {
		return hc.err
	}
	names, err := h.read(daddr, dsize, "local heap data", hc.off)
	if err != nil {
		return err
	}
	seen := map[uint64]bool{}
	var walk func(addr uint64, from int64, level int) error
	walk = func(addr uint64, from int64, level int) error {
		if seen[addr] {
			return h.errf(from, "group B-tree node at address %d is reached twice (a loop)", addr)
		}
		if len(seen) >= h5MaxChunks {
			return h.errf(from, "group B-tree has more than %d nodes", h5MaxChunks)
		}
		seen[addr] = true
		hdr, err := h.read(addr, uint64(8+2*h.so), "group B-tree node", from)
		if err != nil {
			return err
		}
		if !hdr.sig("TREE") {
			return hdr.err
		}
		typAt := hdr.at()
		typ, lvl, n := hdr.u8(), int(hdr.u8()), uint64(hdr.u16())
		if typ != 0 {
			return h.errf(typAt, "group B-tree node has type %d, want 0 (group nodes)", typ)
		}
		if level >= 0 && lvl != level {
			return h.errf(typAt+1, "group B-tree node has level %d, want %d", lvl, level)
		}
		node, err := h.read(addr, uint64(8+2*h.so)+n*uint64(h.so)+(n+1)*uint64(h.sl), "group B-tree node", from)
		if err != nil {
			return err
		}
		node.skip(8 + 2*h.so)
		node.length() // key 0
		for range n {
			at := node.at()
			child := node.addr()
			node.length()
			if node.err != nil {
				return node.err
			}
			if lvl > 0 {
				if err := walk(child, at, lvl-1); err != nil {
					return err
				}
			} else if err := h.symbolNode(child, at, names, links, seen); err != nil {
				return err
			}
		}
		return node.err
	}
	return walk(btree, from, -1)
}

// symbolNode reads a symbol table node (SNOD) into links.
func (h *h5file) symbolNode(addr uint64, from int64, names *h5buf, links map[string]h5link, seen map[uint64]bool) error {
	if seen[addr] {
		return h.errf(from, "symbol table node at address %d is reached twice (a loop)", addr)
	}
	seen[addr] = true
	hdr, err := h.read(addr, 8, "symbol table node", from)
	if err != nil {
		return err
	}
	if !hdr.sig("SNOD") {
		return hdr.err
	}
	hdr.skip(2)
	n := uint64(hdr.u16())
	entry := uint64(2*h.so + 4 + 4 + 16)
	c, err := h.read(addr, 8+n*entry, "symbol table node", from)
	if err != nil {
		return err
	}
	c.skip(8)
	for range n {
		at := c.at()
		nameOff := c.addr()
		obj := c.addr()
		c.skip(4 + 4 + 16)
		if c.err != nil {
			return c.err
		}
		if nameOff >= uint64(len(names.b)) {
			return h.errf(at, "symbol name offset %d is beyond the local heap's %d bytes", nameOff, len(names.b))
		}
		s := names.b[nameOff:]
		end := strings.IndexByte(string(s), 0)
		if end < 0 {
			return h.errf(names.off+int64(nameOff), "symbol name is not NUL-terminated in the local heap")
		}
		name := string(s[:end])
		if _, dup := links[name]; dup {
			return h.errf(at, "the group links %s twice", printable(name))
		}
		links[name] = h5link{addr: obj, from: at + int64(h.so)}
	}
	return nil
}

// h5dtype is a datatype message's class and layout.
type h5dtype struct {
	class  uint8 // 0 fixed-point, 1 floating-point, 3 string, 9 variable-length
	size   int
	be     bool // big-endian
	signed bool
	vlstr  bool     // variable-length string
	base   *h5dtype // variable-length base type
	off    int64    // file offset of the message, for errors
	bits   [3]uint8 // class bit fields
}

var h5ClassNames = map[uint8]string{0: "integer", 1: "float", 2: "time", 3: "string", 4: "bitfield", 5: "opaque",
	6: "compound", 7: "reference", 8: "enum", 9: "variable-length", 10: "array", 11: "complex"}

// String names the type as a user would (float32, int64, string).
func (t h5dtype) String() string {
	switch t.class {
	case 0:
		if t.signed {
			return fmt.Sprintf("int%d", 8*t.size)
		}
		return fmt.Sprintf("uint%d", 8*t.size)
	case 1:
		return fmt.Sprintf("float%d", 8*t.size)
	case 9:
		if t.vlstr {
			return "variable-length string"
		}
	}
	name := h5ClassNames[t.class]
	if name == "" {
		name = fmt.Sprintf("class %d", t.class)
	}
	return fmt.Sprintf("%s (%d bytes)", name, t.size)
}

// datatype decodes a datatype message.
func (h *h5file) datatype(c *h5buf) (h5dtype, error) {
	t := h5dtype{off: c.at()}
	cv := c.u8()
	t.class = cv & 0x0f
	copy(t.bits[:], c.bytes(3))
	t.size = int(c.u32())
	if c.err != nil {
		return t, c.err
	}
	if v := cv >> 4; v < 1 || v > 5 {
		return t, h.errf(t.off, "datatype version %d is not supported (1 to 5 are)", v)
	}
	switch t.class {
	case 0: // fixed-point: byte order, padding, signed; offset, precision
		t.be, t.signed = t.bits[0]&1 != 0, t.bits[0]&8 != 0
		off, prec := c.u16(), c.u16()
		if c.err != nil {
			return t, c.err
		}
		if (t.size != 1 && t.size != 2 && t.size != 4 && t.size != 8) || off != 0 || int(prec) != 8*t.size {
			return t, h.errf(t.off, "integer type of %d bytes (bit offset %d, precision %d) is not supported (1, 2, 4 or 8 whole bytes are)", t.size, off, prec)
		}
	case 1: // floating-point: IEEE single or double only
		t.be = t.bits[0]&1 != 0
		if t.bits[0]&0x40 != 0 {
			return t, h.errf(t.off, "VAX-ordered floats are not supported")
		}
		off, prec := c.u16(), c.u16()
		eloc, esize, mloc, msize := c.u8(), c.u8(), c.u8(), c.u8()
		bias := c.u32()
		if c.err != nil {
			return t, c.err
		}
		ieee := (t.size == 4 && off == 0 && prec == 32 && eloc == 23 && esize == 8 && mloc == 0 && msize == 23 && bias == 127 && t.bits[1] == 31) ||
			(t.size == 8 && off == 0 && prec == 64 && eloc == 52 && esize == 11 && mloc == 0 && msize == 52 && bias == 1023 && t.bits[1] == 63)
		if !ieee {
			return t, h.errf(t.off, "float type of %d bytes (precision %d, exponent %d bits) is not supported (IEEE float32 and float64 are)", t.size, prec, esize)
		}
	case 3: // string
	case 9: // variable-length: sequence (0) or string (1)
		t.vlstr = t.bits[0]&0x0f == 1
		base, err := h.datatype(c)
		if err != nil {
			return t, err
		}
		t.base = &base
	}
	return t, nil
}

// dataspace decodes a dataspace message: its dimensions and maximum
// dimensions (h5Undef is unlimited); a scalar has none.
func (h *h5file) dataspace(c *h5buf) (dims, maxDims []uint64, err error) {
	at := c.at()
	v := c.u8()
	rank := int(c.u8())
	flags := c.u8()
	switch v {
	case 1:
		c.skip(5)
	case 2:
		if typ := c.u8(); typ == 2 {
			return nil, nil, h.errf(at, "the dataspace is null (no elements)")
		}
	default:
		if c.err == nil {
			return nil, nil, h.errf(at, "dataspace version %d is not supported (1 and 2 are)", v)
		}
	}
	if c.err != nil {
		return nil, nil, c.err
	}
	if rank > 32 {
		return nil, nil, h.errf(at+1, "dataspace rank %d is more than HDF5 allows (32)", rank)
	}
	dims = make([]uint64, rank)
	for i := range dims {
		dims[i] = c.length()
	}
	maxDims = dims
	if flags&1 != 0 {
		maxDims = make([]uint64, rank)
		for i := range maxDims {
			maxDims[i] = c.length()
			if h.sl < 8 && maxDims[i] == 1<<(8*h.sl)-1 {
				maxDims[i] = h5Undef
			}
		}
	}
	return dims, maxDims, c.err
}

// attribute decodes an attribute message: its name, type, dataspace and raw
// value.
type h5attr struct {
	name  string
	dt    h5dtype
	dims  []uint64
	value []byte
	off   int64 // file offset of the value
}

func (h *h5file) attribute(m h5msg) (h5attr, error) {
	c := m.buf(h, "attribute message")
	v := c.u8()
	flags := c.u8()
	nameLen, dtLen, dsLen := int(c.u16()), int(c.u16()), int(c.u16())
	if c.err != nil {
		return h5attr{}, c.err
	}
	pad := func(n int) int { return n }
	switch v {
	case 1:
		pad = func(n int) int { return (n + 7) &^ 7 }
	case 2:
	case 3:
		c.skip(1) // name character set
	default:
		return h5attr{}, h.errf(m.off, "attribute message version %d is not supported (1 to 3 are)", v)
	}
	if flags&3 != 0 {
		return h5attr{}, h.errf(m.off+1, "attribute with a shared datatype or dataspace is not supported")
	}
	nameAt := c.at()
	raw := c.bytes(pad(nameLen))
	if c.err != nil {
		return h5attr{}, c.err
	}
	name := string(raw[:min(nameLen, len(raw))])
	if i := strings.IndexByte(name, 0); i >= 0 {
		name = name[:i]
	}
	a := h5attr{name: name}
	dtb := c.bytes(pad(dtLen))
	dsb := c.bytes(pad(dsLen))
	if c.err != nil {
		return a, c.err
	}
	var err error
	dtAt := nameAt + int64(pad(nameLen))
	if a.dt, err = h.datatype(&h5buf{h: h, b: dtb, off: dtAt, what: "attribute datatype"}); err != nil {
		return a, err
	}
	if a.dims, _, err = h.dataspace(&h5buf{h: h, b: dsb, off: dtAt + int64(pad(dtLen)), what: "attribute dataspace"}); err != nil {
		return a, err
	}
	a.off = c.at()
	a.value = c.b[c.pos:]
	return a, nil
}

// attrString returns a string attribute's value: a fixed-length string or
// a variable-length string in the global heap, scalar or of one element.
func (h *h5file) attrString(a h5attr) (string, error) {
	n := uint64(1)
	for _, d := range a.dims {
		n *= d
	}
	if n != 1 {
		return "", h.errf(a.off, "attribute %s has %d elements, want one string", printable(a.name), n)
	}
	switch {
	case a.dt.class == 3:
		if len(a.value) < a.dt.size {
			return "", h.errf(a.off, "attribute %s is truncated (%d of %d bytes)", printable(a.name), len(a.value), a.dt.size)
		}
		return strings.TrimRight(string(a.value[:a.dt.size]), "\x00 "), nil
	case a.dt.class == 9 && a.dt.vlstr:
		c := &h5buf{h: h, b: a.value, off: a.off, what: "attribute " + printable(a.name)}
		length := c.u32()
		coll := c.addr()
		idx := c.u32()
		if c.err != nil {
			return "", c.err
		}
		b, err := h.globalHeapObject(coll, idx, a.off)
		if err != nil {
			return "", err
		}
		if uint64(length) > uint64(len(b)) {
			return "", h.errf(a.off, "attribute %s says %d bytes, its global heap object has %d", printable(a.name), length, len(b))
		}
		return string(b[:length]), nil
	}
	return "", h.errf(a.off, "attribute %s is a %s, not a string", printable(a.name), a.dt)
}

// globalHeapObject returns object idx of the global heap collection at addr.
func (h *h5file) globalHeapObject(addr uint64, idx uint32, from int64) ([]byte, error) {
	hdr, err := h.read(addr, uint64(8+h.sl), "global heap collection", from)
	if err != nil {
		return nil, err
	}
	if !hdr.sig("GCOL") {
		return nil, hdr.err
	}
	hdr.skip(4)
	size := hdr.length()
	if hdr.err != nil {
		return nil, hdr.err
	}
	c, err := h.read(addr, size, "global heap collection", from)
	if err != nil {
		return nil, err
	}
	c.skip(8 + h.sl)
	for c.left() >= 8+h.sl && c.err == nil {
		at := c.at()
		i := c.u16()
		c.skip(6)
		n := c.length()
		if i == 0 {
			break // free space: the end of the objects
		}
		if c.err == nil && n > uint64(c.left()) {
			return nil, h.errf(at, "global heap object %d of %d bytes is larger than its collection", i, n)
		}
		b := c.bytes(int(n))
		c.skip(min(int((n+7)&^7-n), c.left()))
		if uint32(i) == idx {
			return b, c.err
		}
	}
	if c.err != nil {
		return nil, c.err
	}
	return nil, h.errf(from, "global heap collection at address %d has no object %d", addr, idx)
}

// sortedNames returns the keys of links, sorted, for messages.
func sortedNames(links map[string]h5link) string {
	var names []string
	for n, l := range links {
		if !l.soft {
			names = append(names, printable(n))
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "nothing"
	}
	return strings.Join(names, ", ")
}
