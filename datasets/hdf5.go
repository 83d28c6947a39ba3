package datasets

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/milvbench/milvbench/workloads"
)

// ann-benchmarks HDF5 files (sift-128-euclidean.hdf5, glove-100-angular.hdf5,
// ...): the base vectors in dataset train, the queries in test, their exact
// neighbours (ids, nearest first) in neighbors and distances in distances,
// and the metric in the file attribute distance. This is a pure-Go,
// read-only reader of the subset of HDF5 that h5py writes for them (see
// hdf5format.go and hdf5chunk.go); everything else is refused with one line
// naming what was found.

// Dataset names in an ann-benchmarks file.
const (
	HDF5Train     = "train"
	HDF5Test      = "test"
	HDF5Neighbors = "neighbors"
	HDF5Distances = "distances"
)

// isHDF5 reports whether path names an HDF5 file by its extension.
func isHDF5(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".hdf5", ".h5", ".he5":
		return true
	}
	return false
}

// HDF5File is an open HDF5 file: its root group's datasets and attributes.
type HDF5File struct {
	h     *h5file
	f     *os.File
	links map[string]h5link
	root  []h5msg
}

// OpenHDF5 opens an HDF5 file and reads its root group.
func OpenHDF5(path string) (*HDF5File, error) { return openHDF5(path, true) }

func openHDF5(path string, verify bool) (*HDF5File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	h, err := openH5(path, f, st.Size(), verify)
	if err != nil {
		f.Close()
		return nil, err
	}
	links, root, err := h.rootLinks()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &HDF5File{h: h, f: f, links: links, root: root}, nil
}

// Close closes the file.
func (f *HDF5File) Close() error { return f.f.Close() }

// Has reports whether the root group has a member called name.
func (f *HDF5File) Has(name string) bool { _, ok := f.links[name]; return ok }

// Distance returns the root group's string attribute distance ("" when the
// file has none) and the offset where it was found.
func (f *HDF5File) Distance() (string, int64, error) {
	h := f.h
	for _, m := range f.root {
		if m.typ != h5MsgAttribute {
			continue
		}
		if name, err := h.attrName(m); err != nil || name != "distance" {
			if err != nil {
				return "", 0, err
			}
			continue
		}
		a, err := h.attribute(m)
		if err != nil {
			return "", 0, err
		}
		s, err := h.attrString(a)
		return s, a.off, err
	}
	if m, ok := findMsg(f.root, h5MsgAttrInfo); ok {
		c := m.buf(h, "attribute info message")
		c.u8()
		if flags := c.u8(); flags&1 != 0 {
			c.skip(2)
		}
		at := c.at()
		if heap := c.addr(); c.err == nil && heap != h5Undef {
			return "", 0, h.errf(at, "the root group keeps its attributes in dense storage (a fractal heap, as HDF5 does past 8 attributes): not supported")
		}
	}
	return "", 0, nil
}

// Metric maps the file's distance attribute to a Milvus metric: euclidean
// to L2, angular to COSINE, ip or dot to IP. It returns "" when the file
// has no distance attribute.
func (f *HDF5File) Metric() (workloads.Metric, error) {
	dist, at, err := f.Distance()
	if err != nil || dist == "" {
		return "", err
	}
	switch strings.ToLower(strings.TrimSpace(dist)) {
	case "euclidean", "l2":
		return workloads.L2, nil
	case "angular", "cosine":
		return workloads.Cosine, nil
	case "ip", "dot", "inner_product":
		return workloads.IP, nil
	case "hamming":
		return workloads.Hamming, nil
	case "jaccard":
		return workloads.Jaccard, nil
	}
	return "", f.h.errf(at, "distance %s is not known (euclidean, angular, ip, dot, hamming or jaccard)", printable(dist))
}

// Rows opens one of the file's two-dimensional numeric datasets for reading
// row by row. The rows read from the file the HDF5File has open: close the
// HDF5File when done.
func (f *HDF5File) Rows(name string) (*HDF5Rows, error) {
	l, ok := f.links[name]
	if !ok {
		return nil, f.h.errf(0, "no dataset %s in the root group (it has %s)", printable(name), sortedNames(f.links))
	}
	d, err := f.h.dataset(name, l)
	if err != nil {
		return nil, err
	}
	if d.rows > math.MaxInt || d.cols > math.MaxInt32 {
		return nil, f.h.errf(d.off, "dataset %s of %d × %d is larger than milvbench reads", printable(name), d.rows, d.cols)
	}
	r := &HDF5Rows{d: d, file: f, bandAt: h5Undef, raw: make([]byte, d.cols*uint64(d.dt.size))}
	switch d.lay.class {
	case 1:
		if d.rows > 0 {
			off, _ := f.h.at(d.lay.addr, d.lay.size, "data", d.lay.off)
			r.next = off
			r.src = bufio.NewReaderSize(io.NewSectionReader(f.f, off, int64(d.lay.size)), 1<<20)
		}
	case 2:
		if r.chunks, err = d.chunkIndex(); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// HDF5Rows reads a two-dimensional dataset of an HDF5 file one row at a
// time (as NpyReader does a .npy file), converting float64 and integer
// elements to float32; a chunked dataset is decoded one row of chunks at a
// time.
type HDF5Rows struct {
	d     *h5dataset
	file  *HDF5File
	owned bool // Close closes the file
	row   uint64
	raw   []byte // the current row's elements
	// Contiguous storage: a buffered reader over the data.
	src  *bufio.Reader
	next int64 // file offset of the next row
	// Chunked storage: the index, and the decoded row of chunks (rows
	// bandAt×chunk rows onwards, all columns).
	chunks  map[[2]uint64]h5chunk
	band    []byte
	bandAt  uint64
	chunk   []byte
	scratch h5scratch
}

// openHDF5Rows opens dataset name of the HDF5 file at path; closing the
// reader closes the file.
func openHDF5Rows(path, name string) (*HDF5Rows, error) {
	f, err := OpenHDF5(path)
	if err != nil {
		return nil, err
	}
	r, err := f.Rows(name)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.owned = true
	return r, nil
}

// Rows is the number of rows.
func (r *HDF5Rows) Rows() int { return int(r.d.rows) }

// Dim is the row length.
func (r *HDF5Rows) Dim() int { return int(r.d.cols) }

// Close closes the file when the reader opened it.
func (r *HDF5Rows) Close() error {
	if r.owned {
		return r.file.Close()
	}
	return nil
}

// nextRow returns the next row's raw elements and the file offset they, or
// (chunked) their chunk, were read from.
func (r *HDF5Rows) nextRow() ([]byte, int64, error) {
	d, h := r.d, r.d.h
	if r.row >= d.rows {
		return nil, r.next, io.EOF
	}
	n := uint64(len(r.raw))
	var at int64
	switch d.lay.class {
	case 0:
		copy(r.raw, d.lay.compact[r.row*n:])
		at = d.lay.off
	case 1:
		at = r.next
		if _, err := io.ReadFull(r.src, r.raw); err != nil {
			return nil, at, h.errf(at, "dataset %s row %d: %v", printable(d.name), r.row, err)
		}
		r.next += int64(n)
	case 2:
		b := r.row / d.lay.chunk[0]
		if b != r.bandAt {
			if err := r.loadBand(b); err != nil {
				return nil, 0, err
			}
		}
		i := r.row - b*d.lay.chunk[0]
		copy(r.raw, r.band[i*n:(i+1)*n])
		at, _ = h.at(r.chunks[[2]uint64{b, 0}].addr, 0, "", 0)
	}
	r.row++
	return r.raw, at, nil
}

// loadBand decodes row of chunks b: every column chunk of chunk rows b.
func (r *HDF5Rows) loadBand(b uint64) error {
	d := r.d
	cr, cc := d.lay.chunk[0], d.lay.chunk[1]
	elem := uint64(d.dt.size)
	nr := min(cr, d.rows-b*cr)
	rowBytes := d.cols * elem
	r.band = grow(&r.band, nr*rowBytes)
	r.chunk = grow(&r.chunk, d.chunkBytes)
	for j := range d.colChks {
		ck := r.chunks[[2]uint64{b, j}]
		edge := (b+1)*cr > d.rows || (j+1)*cc > d.cols
		if err := d.readChunk(ck, edge, r.chunk, &r.scratch); err != nil {
			return err
		}
		w := min(cc, d.cols-j*cc) * elem
		for i := range nr {
			copy(r.band[i*rowBytes+j*cc*elem:i*rowBytes+j*cc*elem+w], r.chunk[i*cc*elem:i*cc*elem+w])
		}
	}
	r.bandAt = b
	return nil
}

// ReadFloat32 reads the next row as float32; NaN and ±Inf (also a float64
// beyond float32's range) are errors naming the file, the row and the
// component.
func (r *HDF5Rows) ReadFloat32(dst []float32) error {
	raw, at, err := r.nextRow()
	if err != nil {
		return err
	}
	d := r.d
	es := d.dt.size
	if d.dt.class == 1 && es == 4 && !d.dt.be { // float32, as ann-benchmarks files hold
		for j := range dst {
			x := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*j:]))
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return d.h.errf(at, "dataset %s row %d component %d is %v", printable(d.name), r.row-1, j, x)
			}
			dst[j] = x
		}
		return nil
	}
	bad := -1
	var badVal float64
	for j := range dst {
		b := raw[j*es : (j+1)*es]
		switch d.dt.class {
		case 1:
			var x float64
			if es == 4 {
				x = float64(math.Float32frombits(order(d.dt.be).Uint32(b)))
			} else {
				x = math.Float64frombits(order(d.dt.be).Uint64(b))
			}
			dst[j] = float32(x)
			if math.IsNaN(x) || math.IsInf(float64(dst[j]), 0) {
				bad, badVal = j, x
			}
		default:
			dst[j] = float32(intValue(b, d.dt))
		}
		if bad >= 0 {
			return d.h.errf(at, "dataset %s row %d component %d is %v", printable(d.name), r.row-1, bad, badVal)
		}
	}
	return nil
}

// ReadInt64 reads the next row of an integer dataset (neighbour ids).
func (r *HDF5Rows) ReadInt64(dst []int64) error {
	d := r.d
	if d.dt.class != 0 {
		return d.h.errf(d.dt.off, "dataset %s holds %s, not integer ids", printable(d.name), d.dt)
	}
	raw, at, err := r.nextRow()
	if err != nil {
		return err
	}
	es := d.dt.size
	for j := range dst {
		v := intValue(raw[j*es:(j+1)*es], d.dt)
		if !d.dt.signed && es == 8 && v < 0 {
			return d.h.errf(at, "dataset %s row %d component %d is %d, beyond int64", printable(d.name), r.row-1, j, uint64(v))
		}
		dst[j] = v
	}
	return nil
}

func order(be bool) binary.ByteOrder {
	if be {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// intValue decodes an integer element (1, 2, 4 or 8 bytes).
func intValue(b []byte, t h5dtype) int64 {
	var u uint64
	switch len(b) {
	case 1:
		u = uint64(b[0])
	case 2:
		u = uint64(order(t.be).Uint16(b))
	case 4:
		u = uint64(order(t.be).Uint32(b))
	default:
		u = order(t.be).Uint64(b)
	}
	if t.signed && len(b) < 8 && u&(1<<(8*len(b)-1)) != 0 {
		u |= ^uint64(0) << (8 * len(b)) // sign-extend
	}
	return int64(u)
}

// attrName returns an attribute message's name without decoding the rest.
func (h *h5file) attrName(m h5msg) (string, error) {
	c := m.buf(h, "attribute message")
	v := c.u8()
	c.skip(1)
	n := int(c.u16())
	c.skip(4)
	if v == 3 {
		c.skip(1)
	}
	b := c.bytes(n)
	if c.err != nil {
		return "", c.err
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b), nil
}

// hdf5Files checks that an HDF5 file is an ann-benchmarks file (datasets
// train and test) and returns it as a dataset's files (truth: neighbors,
// when the file has it).
func hdf5Files(path string) (Files, error) {
	f, err := OpenHDF5(path)
	if err != nil {
		return Files{}, err
	}
	defer f.Close()
	for _, n := range []string{HDF5Train, HDF5Test} {
		if !f.Has(n) {
			return Files{}, fmt.Errorf("%s: offset 0: no dataset %s: an ann-benchmarks file has train (base vectors), test (queries) and optionally neighbors (it has %s)", path, n, sortedNames(f.links))
		}
	}
	files := Files{Format: workloads.SourceHDF5, Base: []string{path}, Queries: path}
	if f.Has(HDF5Neighbors) {
		files.Truth = path
	}
	return files, nil
}

// hdf5Metric returns the metric for an HDF5 dataset: the one its distance
// attribute names, which a metric the workload sets must agree with; the
// workload's when the file has none.
func hdf5Metric(path string, spec workloads.DatasetSpec) (workloads.Metric, error) {
	f, err := OpenHDF5(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	m, err := f.Metric()
	if err != nil {
		return "", err
	}
	if binary := spec.Type() == workloads.VectorBinary; m != "" && workloads.BinaryMetric(m) != binary {
		dist, at, _ := f.Distance()
		if binary {
			return "", fmt.Errorf("%s: offset %d: the file's distance is %s (metric %s), but vector_type binary is compared by hamming or jaccard", path, at, printable(dist), m)
		}
		return "", fmt.Errorf("%s: offset %d: the file's distance is %s (metric %s), for binary vectors: set dataset.vector_type: binary (the file holds them packed, dim/8 bytes a row)", path, at, printable(dist), m)
	}
	switch {
	case m == "" && spec.Metric == "":
		return "", fmt.Errorf("%s: offset 0: the file has no distance attribute: set dataset.metric (L2, IP or COSINE)", path)
	case m == "":
		return spec.Metric, nil
	case spec.Metric != "" && spec.Metric != m:
		dist, at, _ := f.Distance()
		hint := ""
		if spec.Source == workloads.SourceDir && spec.Metric == workloads.L2 {
			hint = " (L2 is the default when dataset.metric is not set)"
		}
		return "", fmt.Errorf("%s: offset %d: the file's distance is %s (metric %s) but the workload says metric %s%s; set dataset.metric: %s, or leave it out with source: hdf5",
			path, at, printable(dist), m, spec.Metric, hint, m)
	}
	return m, nil
}

// readHDF5IDs reads the neighbors dataset of an HDF5 file.
func readHDF5IDs(path string) ([][]int64, error) {
	r, err := openHDF5Rows(path, HDF5Neighbors)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out := make([][]int64, r.Rows())
	for i := range out {
		out[i] = make([]int64, r.Dim())
		if err := r.ReadInt64(out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}
