package datasets

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// writeBadHDF5 writes the malformed HDF5 files of the corpus, each the
// committed tiny file h5py wrote (testdata/hdf5) with one thing broken.
func writeBadHDF5(t *testing.T, dir string) {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", "hdf5", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	early, late := read("tiny_earliest_gzip_shuffle.hdf5"), read("tiny_latest_extensible.hdf5")
	edit := func(src []byte, fn func(b []byte)) []byte {
		b := bytes.Clone(src)
		fn(b)
		return b
	}
	find := func(b []byte, pat []byte, from int) int {
		i := bytes.Index(b[from:], pat)
		if i < 0 {
			t.Fatalf("pattern %q not found", pat)
		}
		return from + i
	}
	le64 := func(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
	// The chunk B-tree: the version 1 B-tree node of type 1.
	chunkTree := func(b []byte) int {
		for i := 0; ; i++ {
			i = find(b, []byte("TREE"), i)
			if b[i+4] == 1 {
				return i
			}
		}
	}
	files := map[string][]byte{
		"not_hdf5.hdf5":   []byte("this is not an HDF5 file\n"),
		"sb_version.hdf5": edit(early[:512], func(b []byte) { b[8] = 4 }),
		"truncated.hdf5":  early[:4096],
		// The consistency flags byte of a version 3 superblock.
		"sb_checksum.hdf5": edit(late, func(b []byte) { b[11] ^= 1 }),
		// The last byte of the root group's object header checksum.
		"ohdr_checksum.hdf5": edit(late, func(b []byte) {
			o := find(b, []byte("OHDR"), 0)
			flags := b[o+5]
			p := o + 6
			if flags&0x20 != 0 {
				p += 16
			}
			if flags&0x10 != 0 {
				p += 4
			}
			w := 1 << (flags & 3)
			var size uint64
			for k := w - 1; k >= 0; k-- {
				size = size<<8 | uint64(b[p+k])
			}
			b[p+w+int(size)+3] ^= 0xff
		}),
		// The first chunk's address, in the chunk B-tree's first entry.
		"chunk_beyond.hdf5": edit(early, func(b []byte) {
			copy(b[chunkTree(b)+8+16+32:], le64(1<<40))
		}),
		// The first chunk's zlib header.
		"bad_chunk.hdf5": edit(early, func(b []byte) {
			at := binary.LittleEndian.Uint64(b[chunkTree(b)+8+16+32:])
			b[at], b[at+1] = 0, 0
		}),
		// The name of train in the local heap.
		"no_train.hdf5": edit(early, func(b []byte) { copy(b[find(b, []byte("train\x00"), 0):], "trian") }),
		// train's 40 rows (its dataspace dimensions 40 × 4) become 2^40.
		"huge_rows.hdf5": edit(early, func(b []byte) {
			copy(b[find(b, append(le64(40), le64(4)...), 0):], le64(1<<40))
		}),
		// train's float32 datatype (the first in the file) becomes a compound.
		"compound_train.hdf5": edit(early, func(b []byte) {
			b[find(b, []byte{0x11, 0x20, 0x1f, 0x00, 4, 0, 0, 0}, 0)] = 0x16
		}),
		// distance "euclidean" becomes "hamming" (global heap object and the
		// variable-length string's length).
		"hamming.hdf5": edit(early, func(b []byte) {
			copy(b[find(b, []byte("euclidean"), 0):], "hamming\x00\x00")
			i := find(b, append(binary.LittleEndian.AppendUint32(nil, 9), le64(2048)...), 0)
			b[i] = 7
		}),
		// A byte of the extensible array index block (its first element).
		"ea_checksum.hdf5": edit(late, func(b []byte) { b[find(b, []byte("EAIB"), 0)+6] ^= 1 }),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
