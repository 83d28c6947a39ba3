package datasets

import (
	"errors"
	"fmt"
	"strings"

	"github.com/milvbench/milvbench/workloads"
	"github.com/parquet-go/parquet-go"
)

// Inspect returns the shape of the dataset spec describes — size, dim and
// query count as a run would use them — reading only file headers (and, for
// parquet, the metadata and first row), never the vectors. Every file the
// dataset names must exist and be readable, the truth file included. For a
// synthetic dataset it returns the spec's values and no files.
func Inspect(spec workloads.DatasetSpec, dir string) (Info, Files, error) {
	info := Info{Source: spec.Source, Metric: spec.Metric, Size: spec.Size, Dim: spec.Dim, Queries: spec.Queries,
		Distribution: spec.Distribution, Seed: spec.Seed, Clusters: spec.Clusters}
	if spec.Source == workloads.SourceSynthetic || spec.Source == "" {
		info.Name = "synthetic"
		return info, Files{}, nil
	}
	files, err := Resolve(spec, dir)
	if err != nil {
		return info, files, err
	}
	if files.Format == workloads.SourceHDF5 {
		if info.Metric, err = hdf5Metric(files.Base[0], spec); err != nil {
			return info, files, err
		}
	}
	var qRows, qDim int
	if files.Format == workloads.SourceParquet {
		b, err := OpenParquetBase(files.Base, spec.Size)
		if err != nil {
			return info, files, err
		}
		info.Size, info.Dim = b.Size(), b.Dim()
		if qRows, qDim, err = parquetShape(files.Queries); err != nil {
			return info, files, err
		}
	} else {
		b, err := OpenFileBase(files.Base[0], files.Format, spec.Size)
		if err != nil {
			return info, files, err
		}
		info.Size, info.Dim = b.Size(), b.Dim()
		r, err := openQueryRows(files.Queries, files.Format)
		if err != nil {
			return info, files, err
		}
		qRows, qDim = r.Rows(), r.Dim()
		r.Close()
	}
	info.Name, info.Source = datasetName(spec.Source, files), files.Format
	if qRows == 0 {
		return info, files, fmt.Errorf("%s: no queries", files.Queries)
	}
	if spec.Type() == workloads.VectorBinary {
		// Packed rows: dim/8 bytes each, as Open checks them.
		if err := checkPackedFiles(files); err != nil {
			return info, files, err
		}
		if qDim != info.Dim {
			return info, files, fmt.Errorf("%s: query 0 is %d bytes wide, the base's rows %d (dim/8 = %d bytes for dim %d)", files.Queries, qDim, info.Dim, info.Dim, 8*info.Dim)
		}
		if spec.Dim != 0 && 8*info.Dim != spec.Dim {
			return info, files, fmt.Errorf("%s: rows are %d bytes wide, but vector_type binary with dim %d needs dim/8 = %d bytes a row (packed bits, 8 to a byte)", files.Base[0], info.Dim, spec.Dim, spec.Dim/8)
		}
		info.Dim, qDim = 8*info.Dim, 8*qDim
	}
	if qDim != info.Dim {
		return info, files, fmt.Errorf("%s: offset 0: queries have dimension %d but base %s has %d", files.Queries, qDim, files.Base[0], info.Dim)
	}
	if spec.Dim != 0 && spec.Dim != info.Dim {
		return info, files, fmt.Errorf("%s: dimension is %d but the workload says dim: %d", files.Base[0], info.Dim, spec.Dim)
	}
	info.Queries = qRows
	if spec.Queries > 0 {
		info.Queries = min(qRows, spec.Queries)
	}
	if files.Truth != "" {
		if err := truthHeader(files.Truth); err != nil {
			return info, files, err
		}
	}
	return info, files, nil
}

// parquetShape returns the row count (from the metadata) and the emb
// dimension of the first row of an (id, emb) parquet file.
func parquetShape(path string) (rows, dim int, err error) {
	f, pf, err := openParquet(path)
	if err != nil {
		return 0, 0, err
	}
	rows = int(pf.NumRows())
	f.Close()
	stop := errors.New("stop")
	err = ParquetTable(path, []string{"id", "emb"}, func(_ int64, vals map[string][]parquet.Value) error {
		dim = embWidth(vals["emb"])
		return stop
	})
	if err != nil && !errors.Is(err, stop) {
		return 0, 0, err
	}
	return rows, dim, nil
}

// truthHeader opens a ground-truth file and checks its header.
func truthHeader(path string) error {
	switch {
	case isHDF5(path):
		r, err := openHDF5Rows(path, HDF5Neighbors)
		if err != nil {
			return err
		}
		defer r.Close()
		if r.d.dt.class != 0 {
			return r.d.h.errf(r.d.dt.off, "dataset %s holds %s, not integer ids", HDF5Neighbors, r.d.dt)
		}
	case strings.HasSuffix(path, ".npy"):
		r, err := OpenNpy(path)
		if err != nil {
			return err
		}
		defer r.Close()
		if r.dtype == "<f4" {
			return fmt.Errorf("%s: holds float32, not integer ids", path)
		}
		if r.dtype == "<f2" {
			return fmt.Errorf("%s: holds float16, not integer ids", path)
		}
	case strings.HasSuffix(path, ".parquet"):
		f, pf, err := openParquet(path)
		if err != nil {
			return err
		}
		defer f.Close()
		return needColumns(path, pf.Schema(), "id", "neighbors_id")
	default:
		r, err := OpenVecs(path, Ivecs)
		if err != nil {
			return err
		}
		r.Close()
	}
	return nil
}
