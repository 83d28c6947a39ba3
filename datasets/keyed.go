package datasets

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"

	"github.com/milvbench/milvbench/workloads"
)

// KeyedBase is a base whose rows carry ids of their own: an existing
// collection's vectors, read in primary-key order (dataset.source:
// collection). Row i is the i-th row ScanKeyed yields; its id is the
// collection's primary key, not i.
type KeyedBase interface {
	Size() int
	Dim() int
	// ScanKeyed calls fn with consecutive batches of at most batch rows,
	// in the same order on every scan: first is the row number of the
	// batch's first row, ids their keys. The batch is valid during the call.
	ScanKeyed(ctx context.Context, batch int, fn func(first int64, ids []int64, vecs [][]float32) error) error
}

// keyedBatch is how many rows a pass over a keyed base reads at a time.
const keyedBatch = 1000

// OpenKeyed reads a keyed base once and makes it a dataset named name:
// its ids (Dataset.IDs, 8 bytes a row), its queries and a checksum of
// everything read. The queries come from spec.QueryFile (fvecs, bvecs or
// npy by its extension, relative to dir; the first spec.Queries rows when
// set), or are a seeded sample of spec.Queries rows of the base itself,
// each excluded from its own ground truth (Dataset.QueryRows). The
// checksum covers the name, the ids, the vectors and the queries, so
// ground truth is cached by what was read, never by the name alone.
func OpenKeyed(ctx context.Context, name string, kb KeyedBase, metric workloads.Metric, spec workloads.DatasetSpec, dir string) (*Dataset, error) {
	rows := kb.Size()
	if rows == 0 {
		return nil, fmt.Errorf("collection %s: no rows to measure", name)
	}
	var queries [][]float32
	var sampled []int
	if spec.QueryFile != "" {
		path := spec.QueryFile
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		format, err := queryFormat(path)
		if err != nil {
			return nil, err
		}
		if queries, err = readAll(path, format, spec.Queries); err != nil {
			return nil, err
		}
		if len(queries) == 0 || len(queries[0]) != kb.Dim() {
			return nil, fmt.Errorf("%s: queries of dimension %d, the collection's vectors have %d", path, dimOf(queries), kb.Dim())
		}
	} else {
		if spec.Queries > rows {
			return nil, fmt.Errorf("dataset.queries: %d queries sampled from collection %s, which holds %d rows (allowed 1..%d)", spec.Queries, name, rows, rows)
		}
		sampled = sampleRows(rows, spec.Queries, uint64(spec.Seed))
		queries = make([][]float32, len(sampled))
	}
	h := sha256.New()
	fmt.Fprintf(h, "collection %s rows %d dim %d metric %s sampled %d seed %d\n", name, rows, kb.Dim(), metric, len(sampled), spec.Seed)
	ids := make([]int64, 0, rows)
	var buf [8]byte
	err := kb.ScanKeyed(ctx, keyedBatch, func(first int64, batchIDs []int64, vecs [][]float32) error {
		if int(first) != len(ids) {
			return fmt.Errorf("collection %s: rows out of order (row %d after %d)", name, first, len(ids))
		}
		for i, v := range vecs {
			row := int(first) + i
			binary.LittleEndian.PutUint64(buf[:], uint64(batchIDs[i]))
			h.Write(buf[:])
			hashVector(h, v)
			if q, ok := slices.BinarySearch(sampled, row); ok {
				queries[q] = slices.Clone(v)
			}
		}
		ids = append(ids, batchIDs...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(ids) != rows {
		return nil, fmt.Errorf("collection %s: %d rows read, the collection reported %d: it changed while it was read", name, len(ids), rows)
	}
	for _, q := range queries {
		hashVector(h, q)
	}
	ds := &Dataset{
		Info: Info{Name: name, Source: workloads.SourceCollection, Size: rows, Dim: kb.Dim(), Metric: metric, Queries: len(queries),
			Seed: spec.Seed, Checksum: hex.EncodeToString(h.Sum(nil))},
		Base:      keyedRows{kb},
		Queries:   queries,
		IDs:       ids,
		QueryRows: sampled,
	}
	return ds, nil
}

// keyedRows serves a keyed base as a Base (rows by number).
type keyedRows struct{ KeyedBase }

func (k keyedRows) Scan(ctx context.Context, batch int, fn func(first int64, vecs [][]float32) error) error {
	return k.ScanKeyed(ctx, batch, func(first int64, _ []int64, vecs [][]float32) error { return fn(first, vecs) })
}

// sampleRows draws n distinct rows of 0..rows-1, seeded, in ascending order.
func sampleRows(rows, n int, seed uint64) []int {
	rng := rand.New(rand.NewPCG(seed, 0x6b657965)) // "keye"
	picked := make(map[int]bool, n)
	out := make([]int, 0, n)
	for len(out) < n {
		if r := rng.IntN(rows); !picked[r] {
			picked[r] = true
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

func hashVector(h interface{ Write([]byte) (int, error) }, v []float32) {
	var b [4]byte
	for _, x := range v {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(x))
		h.Write(b[:])
	}
}

func dimOf(q [][]float32) int {
	if len(q) == 0 {
		return 0
	}
	return len(q[0])
}

// queryFormat is the vector file format of a query file, by extension.
func queryFormat(path string) (string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".fvecs":
		return workloads.SourceFvecs, nil
	case ".bvecs":
		return workloads.SourceBvecs, nil
	case ".npy":
		return workloads.SourceNpy, nil
	}
	return "", fmt.Errorf("%s: dataset.query_file: unknown format (allowed .fvecs, .bvecs, .npy)", path)
}

// keyedTruth turns ground truth over row numbers into ground truth over
// the dataset's ids, dropping each sampled query's own row: gt was
// computed k+1 deep for sampled queries, and keeps k.
func (ds *Dataset) keyedTruth(gt *GroundTruth, k int) *GroundTruth {
	out := &GroundTruth{K: k, IDs: make([][]int64, len(gt.IDs)), Dists: make([][]float32, len(gt.IDs))}
	for q := range gt.IDs {
		rows, dists := gt.IDs[q], gt.Dists[q]
		if ds.QueryRows != nil {
			self := int64(ds.QueryRows[q])
			if i := slices.Index(rows, self); i >= 0 {
				rows = slices.Delete(slices.Clone(rows), i, i+1)
				dists = slices.Delete(slices.Clone(dists), i, i+1)
			}
		}
		rows, dists = rows[:min(k, len(rows))], dists[:min(k, len(dists))]
		ids := make([]int64, len(rows))
		for i, r := range rows {
			ids[i] = r
			if ds.IDs != nil {
				ids[i] = ds.IDs[r]
			}
		}
		out.IDs[q], out.Dists[q] = ids, slices.Clone(dists)
	}
	return out
}
