package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/datasets/fetch"
	"github.com/milvbench/milvbench/datasets/sparse"
	"github.com/milvbench/milvbench/workloads"
)

// LoadFields reads or generates the rows and queries of the workload's
// sparse and text fields (nil for a dense-only workload): the first rows
// rows and queries queries of each, in memory. dir is where relative file
// paths start (the workload file's directory). Errors name the field and
// the file.
func LoadFields(ctx context.Context, spec *workloads.Spec, dir string, rows, queries int) ([]*FieldValues, error) {
	if !spec.MultiField() {
		return nil, nil
	}
	var out []*FieldValues
	primary, _ := spec.DenseField()
	for i, f := range spec.CollectionFields() {
		if f.Type == workloads.FieldDense && f.Name == primary.Name {
			continue // the dataset section's vectors
		}
		seed := spec.Dataset.Seed + int64(i+1)*7919 // each field its own stream
		var fv *FieldValues
		var err error
		switch f.Type {
		case workloads.FieldSparse:
			fv, err = loadSparse(ctx, f, dir, rows, queries, seed)
		case workloads.FieldDense:
			fv, err = loadDense(ctx, f, dir, rows, queries, seed)
		default:
			fv, err = loadText(ctx, f, dir, rows, queries, seed)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: field %s: %w", spec.File, f.Name, err)
		}
		if fv.Rows() < rows || fv.Queries() < queries {
			return nil, fmt.Errorf("%s: field %s has %d rows and %d queries; dataset.size %d and dataset.queries %d need at least as many", spec.File, f.Name, fv.Rows(), fv.Queries(), rows, queries)
		}
		out = append(out, fv)
	}
	return out, nil
}

func fieldPath(dir, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// loadSparse reads a sparse field: synthetic (Zipf dimensions, lognormal
// non-zeros per row, seeded), CSR or parquet files.
func loadSparse(ctx context.Context, f workloads.FieldSpec, dir string, rows, queries int, seed int64) (*FieldValues, error) {
	fd := f.Data
	fv := &FieldValues{Name: f.Name, Type: f.Type}
	switch fd.Source {
	case workloads.FieldDataSynthetic:
		s := sparse.DefaultSyntheticSpec(rows, queries, seed)
		if fd.Dims > 0 {
			s.Dims = fd.Dims
		}
		if fd.NNZ > 0 {
			s.DocNNZ = float64(fd.NNZ)
		}
		if fd.QueryNNZ > 0 {
			s.QueryNNZMin, s.QueryNNZMax = max(1, fd.QueryNNZ/2), fd.QueryNNZ*3/2
		}
		s.DocNNZ = min(s.DocNNZ, float64(s.Dims/2))
		s.QueryNNZMax = min(s.QueryNNZMax, int(s.Dims/2))
		s.QueryNNZMin = min(s.QueryNNZMin, s.QueryNNZMax)
		if err := s.Check(); err != nil {
			return nil, err
		}
		g, qs, err := sparse.NewSynthetic(s)
		if err != nil {
			return nil, err
		}
		fv.Dims, fv.SparseQueries = g.Dims(), qs
		err = g.Scan(ctx, 4096, func(_ int64, batch []sparse.Vector) error {
			for _, v := range batch {
				fv.Sparse = append(fv.Sparse, v.Clone())
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	case workloads.FieldDataCSR:
		var err error
		var qdims int64
		if fv.Sparse, fv.Dims, err = sparse.ReadCSR(fieldPath(dir, fd.BaseFile), rows); err != nil {
			return nil, err
		}
		if fv.SparseQueries, qdims, err = sparse.ReadCSR(fieldPath(dir, fd.QueryFile), queries); err != nil {
			return nil, err
		}
		fv.Dims = max(fv.Dims, qdims)
	case workloads.FieldDataParquet:
		var err error
		if _, fv.Sparse, err = sparse.ReadParquet(fieldPath(dir, fd.BaseFile), rows); err != nil {
			return nil, err
		}
		if _, fv.SparseQueries, err = sparse.ReadParquet(fieldPath(dir, fd.QueryFile), queries); err != nil {
			return nil, err
		}
		fv.Dims = maxDim(fv.Sparse, fv.SparseQueries)
	default:
		return nil, fmt.Errorf("source %q does not apply to a sparse field", fd.Source)
	}
	var err error
	fv.Checksum, err = sparse.ChecksumVectors(ctx, sparse.Vectors{Rows: fv.Sparse, DimsLen: fv.Dims}, fv.SparseQueries)
	return fv, err
}

// loadDense reads a further dense field: synthetic (the dataset section's
// generator with the field's dim, metric and distribution, its own seed),
// fvecs or npy files; the first rows rows and queries queries, in memory.
func loadDense(ctx context.Context, f workloads.FieldSpec, dir string, rows, queries int, seed int64) (*FieldValues, error) {
	fd := f.Data
	ds := workloads.DatasetSpec{Source: fd.Source, Size: rows, Dim: fd.Dim, Metric: fd.Metric, Queries: queries, Seed: seed,
		Distribution: fd.Distribution, BaseFile: fieldPath(dir, fd.BaseFile), QueryFile: fieldPath(dir, fd.QueryFile)}
	if ds.Distribution == workloads.DistClustered || ds.Distribution == workloads.DistSkewed {
		ds.Clusters = min(256, max(1, rows/500))
	}
	data, _, err := datasets.Open(ctx, ds, dir)
	if err != nil {
		return nil, err
	}
	fv := &FieldValues{Name: f.Name, Type: f.Type, Vectors: data, Metric: fd.Metric, Dim: data.Info.Dim,
		DenseQueries: data.Queries[:min(queries, len(data.Queries))], Checksum: data.Info.Checksum}
	err = data.Base.Scan(ctx, 4096, func(first int64, vecs [][]float32) error {
		for _, v := range vecs {
			if len(fv.Dense) == rows {
				return errStopScan
			}
			fv.Dense = append(fv.Dense, append([]float32(nil), v...))
		}
		return nil
	})
	if err != nil && err != errStopScan {
		return nil, err
	}
	return fv, nil
}

// maxDim is one more than the largest index any row uses.
func maxDim(sets ...[]sparse.Vector) int64 {
	var d int64 = 1
	for _, rows := range sets {
		for _, v := range rows {
			if n := len(v.Indices); n > 0 {
				d = max(d, int64(v.Indices[n-1])+1)
			}
		}
	}
	return d
}

// loadText reads a text field: synthetic (Zipf vocabulary, lognormal
// document lengths, queries of 2–8 words drawn from documents), files
// (queries from query_file, or drawn from the corpus when there is none),
// or a corpus fetched into the cache (data.name: its lines file, queries
// drawn from it).
func loadText(ctx context.Context, f workloads.FieldSpec, dir string, rows, queries int, seed int64) (*FieldValues, error) {
	fd := f.Data
	name := f.Analyzer
	if name == "" {
		name = sparse.AnalyzerStandard
	}
	a, err := sparse.NewAnalyzer(name, f.StopWords)
	if err != nil {
		return nil, err
	}
	fv := &FieldValues{Name: f.Name, Type: f.Type, Analyzer: a}
	qmin, qmax := 2, 8
	if len(fd.QueryWords) == 2 {
		qmin, qmax = fd.QueryWords[0], fd.QueryWords[1]
	}
	src, corpus := fd.Source, ""
	if fd.Name != "" {
		// A fetched corpus (data.name): its lines file in the cache, checked
		// against its recorded sha256; never downloaded here.
		if corpus, _, err = fetch.ResolveText(fd.Name, filepath.Join(datasets.CacheDir(os.Getenv), "datasets")); err != nil {
			return nil, err
		}
		src = workloads.FieldDataLines
	}
	switch src {
	case workloads.FieldDataSynthetic:
		s := sparse.DefaultTextSpec(rows, queries, seed)
		if fd.Vocabulary > 0 {
			s.Vocab = fd.Vocabulary
		}
		if fd.DocWords > 0 {
			s.DocLen = float64(fd.DocWords)
		}
		s.QueryMin, s.QueryMax = qmin, qmax
		if err := s.Check(); err != nil {
			return nil, err
		}
		g, qs, err := sparse.NewSyntheticText(s)
		if err != nil {
			return nil, err
		}
		fv.TextQueries = qs
		err = g.Scan(ctx, 4096, func(_ int64, docs []string) error {
			fv.Texts = append(fv.Texts, docs...)
			return nil
		})
		if err != nil {
			return nil, err
		}
	case workloads.FieldDataLines, workloads.FieldDataJSONL, workloads.FieldDataParquet:
		base := fieldPath(dir, fd.BaseFile)
		if fd.Name != "" {
			base = corpus
		}
		if fv.Texts, err = sparse.ReadTexts(base, src, fd.Column, rows); err != nil {
			return nil, err
		}
		if fd.QueryFile != "" {
			fv.TextQueries, err = sparse.ReadTexts(fieldPath(dir, fd.QueryFile), fd.Source, fd.Column, queries)
		} else {
			fv.TextQueries, err = sparse.QueriesFrom(ctx, sparse.Texts(fv.Texts), a, queries, seed, qmin, qmax)
		}
		if err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("source %q does not apply to a text field", src)
	}
	fv.Checksum, err = sparse.ChecksumTexts(ctx, sparse.Texts(fv.Texts), fv.TextQueries)
	return fv, err
}

// RowsOnly is the dataset of a collection without a dense field: rows
// and queries counted, no vectors (each query's vector is nil).
func RowsOnly(spec *workloads.Spec, rows, queries int) *datasets.Dataset {
	return &datasets.Dataset{
		Info:    datasets.Info{Name: spec.Name, Source: "fields", Size: rows, Queries: queries, Seed: spec.Dataset.Seed, Checksum: "none (no dense field)"},
		Base:    noVectors(rows),
		Queries: make([][]float32, queries),
	}
}

// noVectors is a base of n rows without vectors.
type noVectors int

func (n noVectors) Size() int { return int(n) }
func (noVectors) Dim() int    { return 0 }
func (n noVectors) Scan(ctx context.Context, batch int, fn func(first int64, vecs [][]float32) error) error {
	vecs := make([][]float32, batch)
	for first := 0; first < int(n); first += batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(int64(first), vecs[:min(batch, int(n)-first)]); err != nil {
			return err
		}
	}
	return nil
}
