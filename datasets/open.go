package datasets

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/milvbench/milvbench/workloads"
)

// rowReader reads a vector file one row at a time (VecsReader, NpyReader,
// HDF5Rows).
type rowReader interface {
	Rows() int
	Dim() int
	ReadFloat32(dst []float32) error
	Close() error
}

func openRows(path, format string) (rowReader, error) {
	switch format {
	case workloads.SourceFvecs:
		return OpenVecs(path, Fvecs)
	case workloads.SourceBvecs:
		return OpenVecs(path, Bvecs)
	case workloads.SourceNpy:
		return OpenNpy(path)
	case workloads.SourceHDF5: // the base vectors of an ann-benchmarks file
		return openHDF5Rows(path, HDF5Train)
	}
	return nil, fmt.Errorf("%s: unknown format %q", path, format)
}

// openQueryRows opens a dataset's query file: the file itself, or the test
// dataset of an HDF5 file.
func openQueryRows(path, format string) (rowReader, error) {
	if format == workloads.SourceHDF5 {
		return openHDF5Rows(path, HDF5Test)
	}
	return openRows(path, format)
}

// FileBase streams base vectors from an fvecs, bvecs, npy or HDF5 file, reading
// one batch at a time: the file is never held in memory.
type FileBase struct {
	path, format string
	size, dim    int
}

// OpenFileBase checks path's header and size; limit > 0 serves the first
// limit rows only.
func OpenFileBase(path, format string, limit int) (*FileBase, error) {
	r, err := openRows(path, format)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if r.Rows() == 0 {
		return nil, fmt.Errorf("%s: no vectors", path)
	}
	b := &FileBase{path: path, format: format, size: r.Rows(), dim: r.Dim()}
	if limit > 0 && limit < b.size {
		b.size = limit
	}
	return b, nil
}

// Size implements Base.
func (b *FileBase) Size() int { return b.size }

// Dim implements Base.
func (b *FileBase) Dim() int { return b.dim }

// Scan implements Base.
func (b *FileBase) Scan(ctx context.Context, batch int, fn func(first int64, vecs [][]float32) error) error {
	if batch < 1 {
		return fmt.Errorf("dataset: batch must be ≥ 1, got %d", batch)
	}
	r, err := openRows(b.path, b.format)
	if err != nil {
		return err
	}
	defer r.Close()
	buf := make([]float32, batch*b.dim)
	rows := make([][]float32, batch)
	for first := 0; first < b.size; first += batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(batch, b.size-first)
		for i := range n {
			rows[i] = buf[i*b.dim : (i+1)*b.dim : (i+1)*b.dim]
			if err := r.ReadFloat32(rows[i]); err != nil {
				return err
			}
		}
		if err := fn(int64(first), rows[:n]); err != nil {
			return err
		}
	}
	return nil
}

// readAll reads up to limit rows (all when limit ≤ 0) of a query file.
func readAll(path, format string, limit int) ([][]float32, error) {
	r, err := openQueryRows(path, format)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	n := r.Rows()
	if limit > 0 {
		n = min(n, limit)
	}
	buf := make([]float32, n*r.Dim())
	out := make([][]float32, n)
	for i := range out {
		out[i] = buf[i*r.Dim() : (i+1)*r.Dim() : (i+1)*r.Dim()]
		if err := r.ReadFloat32(out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readIDs reads neighbour ids from an ivecs or integer npy file, or the
// neighbors dataset of an HDF5 file.
func readIDs(path string) ([][]int64, error) {
	if isHDF5(path) {
		return readHDF5IDs(path)
	}
	if strings.HasSuffix(path, ".npy") {
		r, err := OpenNpy(path)
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
	rows, err := ReadIvecs(path)
	if err != nil {
		return nil, err
	}
	out := make([][]int64, len(rows))
	for i, r := range rows {
		out[i] = make([]int64, len(r))
		for j, x := range r {
			out[i][j] = int64(x)
		}
	}
	return out, nil
}

// Files are the resolved files of a file dataset.
type Files struct {
	Format  string // fvecs, bvecs, npy, parquet or hdf5 (one file for all three)
	Base    []string
	Queries string
	Truth   string // optional
	Labels  string // optional (parquet scalar_labels)
}

// Resolve finds the files spec names, relative to dir (the workload's
// directory) unless absolute. Source dir recognises the TEXMEX layout
// (*_base.fvecs|bvecs, *_query.*, *_groundtruth.ivecs), the VectorDBBench
// parquet layout, an npy layout (base.npy, queries.npy, [neighbors.npy]) and
// an ann-benchmarks HDF5 file (the directory's only *.hdf5 or *.h5 file).
func Resolve(spec workloads.DatasetSpec, dir string) (Files, error) {
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		if spec.Path != "" {
			p = filepath.Join(spec.Path, p)
		}
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	root := abs(".")
	if spec.Path == "" {
		root = dir
	}
	switch spec.Source {
	case workloads.SourceFvecs, workloads.SourceBvecs, workloads.SourceNpy:
		f := Files{Format: spec.Source, Base: []string{abs(spec.BaseFile)}, Queries: abs(spec.QueryFile), Truth: abs(spec.TruthFile)}
		for _, c := range []struct{ field, path string }{{"base_file", f.Base[0]}, {"query_file", f.Queries}, {"truth_file", f.Truth}} {
			if c.path == "" {
				continue
			}
			if st, err := os.Stat(c.path); err != nil || st.IsDir() {
				return Files{}, fmt.Errorf("dataset.%s: %s is not a readable file (relative paths start at the workload's directory, or dataset.path)", c.field, c.path)
			}
		}
		return f, nil
	case workloads.SourceHDF5:
		// base_file (relative to path), or path naming the file itself (as
		// a fetched dataset's does).
		p, field := abs(spec.BaseFile), "base_file"
		if spec.BaseFile == "" {
			p, field = spec.Path, "path"
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
		}
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			return Files{}, fmt.Errorf("dataset.%s: %s is not a readable file (relative paths start at the workload's directory, or dataset.path)", field, p)
		}
		return hdf5Files(p)
	case workloads.SourceParquet:
		return parquetFiles(root)
	case workloads.SourceDir:
		if f, err := parquetFiles(root); err == nil {
			return f, nil
		}
		glob := func(pat string) string {
			m, _ := filepath.Glob(filepath.Join(root, pat))
			if len(m) == 1 {
				return m[0]
			}
			return ""
		}
		for _, ext := range []string{"fvecs", "bvecs"} {
			if b := glob("*_base." + ext); b != "" {
				if q := glob("*_query." + ext); q != "" {
					return Files{Format: ext, Base: []string{b}, Queries: q, Truth: glob("*_groundtruth.ivecs")}, nil
				}
			}
		}
		if b := glob("base.npy"); b != "" {
			q := glob("queries.npy")
			if q == "" {
				q = glob("query.npy")
			}
			if q != "" {
				t := glob("neighbors.npy")
				if t == "" {
					t = glob("groundtruth.npy")
				}
				return Files{Format: workloads.SourceNpy, Base: []string{b}, Queries: q, Truth: t}, nil
			}
		}
		h5, _ := filepath.Glob(filepath.Join(root, "*.hdf5"))
		h5b, _ := filepath.Glob(filepath.Join(root, "*.h5"))
		if h5 = append(h5, h5b...); len(h5) == 1 {
			return hdf5Files(h5[0])
		}
		return Files{}, fmt.Errorf("%s: no known dataset layout (VectorDBBench parquet train*.parquet + test.parquet; TEXMEX *_base.fvecs + *_query.fvecs; base.npy + queries.npy; one ann-benchmarks *.hdf5 file)", root)
	}
	return Files{}, fmt.Errorf("dataset: source %q has no files", spec.Source)
}

func parquetFiles(root string) (Files, error) {
	train, _ := filepath.Glob(filepath.Join(root, "train*.parquet"))
	sort.Strings(train)
	test := filepath.Join(root, "test.parquet")
	if _, err := os.Stat(test); err != nil || len(train) == 0 {
		return Files{}, fmt.Errorf("%s: VectorDBBench layout needs train*.parquet and test.parquet", root)
	}
	f := Files{Format: workloads.SourceParquet, Base: train, Queries: test}
	if p := filepath.Join(root, "neighbors.parquet"); fileExists(p) {
		f.Truth = p
	}
	if p := filepath.Join(root, "scalar_labels.parquet"); fileExists(p) {
		f.Labels = p
	}
	return f, nil
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// Open returns the dataset spec describes — generated, or read from files
// relative to dir — with its checksum, and the ground-truth ids the files
// provide (nil when none). The base is streamed, never loaded whole.
func Open(ctx context.Context, spec workloads.DatasetSpec, dir string) (*Dataset, [][]int64, error) {
	if spec.Source == workloads.SourceSynthetic || spec.Source == "" {
		ds, err := NewSynthetic(ctx, spec)
		if ds != nil {
			ds.Labels = LabelsFor(spec)
		}
		if err == nil {
			err = attachPayload(ctx, ds, spec, dir)
		}
		return ds, nil, err
	}
	files, err := Resolve(spec, dir)
	if err != nil {
		return nil, nil, err
	}
	metric := spec.Metric
	if files.Format == workloads.SourceHDF5 {
		if metric, err = hdf5Metric(files.Base[0], spec); err != nil {
			return nil, nil, err
		}
	}
	var base Base
	var queries [][]float32
	var truth [][]int64
	if files.Format == workloads.SourceParquet {
		pb, err := OpenParquetBase(files.Base, spec.Size)
		if err != nil {
			return nil, nil, err
		}
		base = pb
		ids, qs, err := ReadParquetVectors(files.Queries, spec.Queries)
		if err != nil {
			return nil, nil, err
		}
		queries = qs
		if files.Truth != "" {
			nb, err := ReadParquetNeighbors(files.Truth)
			if err != nil {
				return nil, nil, err
			}
			truth = make([][]int64, len(ids))
			for i, id := range ids {
				truth[i] = nb[id]
			}
		}
	} else {
		fb, err := OpenFileBase(files.Base[0], files.Format, spec.Size)
		if err != nil {
			return nil, nil, err
		}
		base = fb
		if queries, err = readAll(files.Queries, files.Format, spec.Queries); err != nil {
			return nil, nil, err
		}
		if files.Truth != "" {
			if truth, err = readIDs(files.Truth); err != nil {
				return nil, nil, err
			}
			truth = truth[:min(len(truth), len(queries))]
		}
	}
	if len(queries) == 0 {
		return nil, nil, fmt.Errorf("%s: no queries", files.Queries)
	}
	if spec.Type() == workloads.VectorBinary {
		if base, queries, err = unpackBinary(spec, base, queries, files); err != nil {
			return nil, nil, err
		}
	}
	if d := len(queries[0]); d != base.Dim() {
		return nil, nil, fmt.Errorf("%s: offset 0: queries have dimension %d but base %s has %d", files.Queries, d, files.Base[0], base.Dim())
	}
	if spec.Dim != 0 && spec.Dim != base.Dim() {
		return nil, nil, fmt.Errorf("%s: dimension is %d but the workload says dim: %d", files.Base[0], base.Dim(), spec.Dim)
	}
	if spec.Size != 0 && truth != nil {
		truth = nil // neighbours of the full base do not apply to a prefix
	}
	if t := spec.Type(); t != workloads.VectorFloat && t != workloads.VectorBinary {
		// The file's neighbours are of the values before conversion to
		// float16, bfloat16 or int8; binary rows are the file's bits
		// unpacked, so its neighbours (HAMMING or JACCARD) stand.
		truth = nil
	}
	ds := &Dataset{
		Info: Info{
			Name: datasetName(spec.Source, files), Source: files.Format, Size: base.Size(), Dim: base.Dim(),
			Metric: metric, Queries: len(queries),
		},
		Base:    base,
		Queries: queries,
		Labels:  LabelsFor(spec),
	}
	if err := ds.storeAs(spec.Type(), files.Base[0], files.Queries); err != nil {
		return nil, nil, err
	}
	sum, err := Checksum(ctx, ds)
	if err != nil {
		return nil, nil, err
	}
	ds.Info.Checksum = sum
	if err := attachPayload(ctx, ds, spec, dir); err != nil {
		return nil, nil, err
	}
	return ds, truth, nil
}

// datasetName names a file dataset by what its user named: the directory for
// a layout found in one (source dir or parquet); otherwise the base file
// without extension and "_base" suffix (sift_base.fvecs: sift), or its
// directory when the file is just "base" (data/s100k/base.npy, as `milvbench
// dataset gen` writes it: s100k).
func datasetName(source string, files Files) string {
	base := files.Base[0]
	dirName := func() string {
		dir := filepath.Dir(base)
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
		return filepath.Base(dir)
	}
	if source == workloads.SourceDir || files.Format == workloads.SourceParquet {
		return dirName()
	}
	name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(base), filepath.Ext(base)), "_base")
	if name == "" || strings.EqualFold(name, "base") {
		return dirName()
	}
	return name
}
