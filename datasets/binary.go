package datasets

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/milvbench/milvbench/internal/vecmath"
	"github.com/milvbench/milvbench/workloads"
)

// Binary vectors (vector_type binary) travel through the harness as rows
// of dim 0/1 float32 components, one per bit, so every Base, query list,
// checksum, cache, label and payload path serves them unchanged; what
// compares them packs the bits: ground truth and the embedded BIN_*
// indexes into uint64 words (vecmath.PackBits, popcount kernels), the
// Milvus target into the bytes of a BINARY_VECTOR field (PackBytes).
// Files hold them packed, dim/8 bytes a row, bit j of a vector the bit
// 7 − j%8 of byte j/8 (numpy's packbits order, as pymilvus's examples
// write them); they are unpacked as they are read.

// PackBytes packs a row of 0/1 components into dim/8 bytes, component j
// the bit 7 − j%8 of byte j/8 (numpy.packbits). len(v) is a multiple of 8.
func PackBytes(v []float32) []byte { return AppendPacked(make([]byte, 0, len(v)/8), v) }

// AppendPacked appends PackBytes(v) to dst, for callers that build one
// buffer of many rows (a request's query placeholders).
func AppendPacked(dst []byte, v []float32) []byte {
	n := len(dst)
	dst = append(dst, make([]byte, len(v)/8)...)
	out := dst[n:]
	for j, x := range v {
		if x != 0 {
			out[j/8] |= 0x80 >> (j % 8)
		}
	}
	return dst
}

// UnpackBytes sets dst (8·len(packed) components) to the bits of packed,
// a row of byte values as a reader returns them (float32 0..255). A value
// that is not a whole number from 0 to 255 is an error naming its column.
func UnpackBytes(dst, packed []float32) error {
	for i, x := range packed {
		if x != float32(math.Trunc(float64(x))) || x < 0 || x > 255 {
			return fmt.Errorf("column %d is %g: vector_type binary reads packed bytes (uint8 values 0..255, dim/8 of them a row)", i, x)
		}
		b := byte(x)
		for k := range 8 {
			dst[8*i+k] = float32(b >> (7 - k) & 1)
		}
	}
	return nil
}

// binaryBase serves a base of packed rows (dim/8 byte values each) as
// rows of dim 0/1 components.
type binaryBase struct {
	Base
	what string // the file named in errors
}

// Dim implements Base: the number of bits.
func (b binaryBase) Dim() int { return 8 * b.Base.Dim() }

// Scan implements Base.
func (b binaryBase) Scan(ctx context.Context, batch int, fn func(first int64, vecs [][]float32) error) error {
	d := b.Dim()
	var buf []float32
	var rows [][]float32
	return b.Base.Scan(ctx, batch, func(first int64, vecs [][]float32) error {
		if cap(buf) < len(vecs)*d || len(rows) < len(vecs) {
			buf, rows = make([]float32, len(vecs)*d), make([][]float32, len(vecs))
		}
		for i, v := range vecs {
			rows[i] = buf[i*d : (i+1)*d : (i+1)*d]
			if err := UnpackBytes(rows[i], v); err != nil {
				return fmt.Errorf("%s: row %d %v", b.what, first+int64(i), err)
			}
		}
		return fn(first, rows[:len(vecs)])
	})
}

// checkPackedFiles checks that an npy or HDF5 binary dataset's arrays hold
// bytes (uint8): float or wider arrays, an unpacked 0/1 array above all,
// would otherwise be read as packed bytes without a word. Parquet's
// list<uint8> arrives as integers, checked value by value.
func checkPackedFiles(files Files) error {
	const want = "vector_type binary reads uint8 arrays of packed bits, dim/8 columns (numpy.packbits)"
	for _, f := range []struct{ path, hdf5 string }{{files.Base[0], HDF5Train}, {files.Queries, HDF5Test}} {
		switch files.Format {
		case workloads.SourceNpy:
			r, err := OpenNpy(f.path)
			if err != nil {
				return err
			}
			dtype := r.dtype
			r.Close()
			if dtype != "|u1" && dtype != "<u1" {
				return fmt.Errorf("%s: dtype %q: %s", f.path, dtype, want)
			}
		case workloads.SourceHDF5:
			r, err := openHDF5Rows(f.path, f.hdf5)
			if err != nil {
				return err
			}
			dt := r.d.dt
			r.Close()
			if dt.class != 0 || dt.size != 1 || dt.signed {
				return fmt.Errorf("%s: offset %d: dataset %s holds %s: %s", f.path, dt.off, f.hdf5, dt, want)
			}
		}
	}
	return nil
}

// unpackBinary turns a file dataset's packed base and queries into rows of
// bits, checking their type (checkPackedFiles) and their width against the
// workload's dim (dim/8 bytes a row) when it gives one.
func unpackBinary(spec workloads.DatasetSpec, base Base, queries [][]float32, files Files) (Base, [][]float32, error) {
	if err := checkPackedFiles(files); err != nil {
		return nil, nil, err
	}
	cols := base.Dim()
	if spec.Dim != 0 && cols*8 != spec.Dim {
		return nil, nil, fmt.Errorf("%s: rows are %d bytes wide, but vector_type binary with dim %d needs dim/8 = %d bytes a row (packed bits, 8 to a byte)", files.Base[0], cols, spec.Dim, spec.Dim/8)
	}
	out := make([][]float32, len(queries))
	for i, q := range queries {
		if len(q) != cols {
			return nil, nil, fmt.Errorf("%s: query %d is %d bytes wide, the base's rows %d (dim/8 = %d bytes for dim %d)", files.Queries, i, len(q), cols, cols, 8*cols)
		}
		out[i] = make([]float32, 8*cols)
		if err := UnpackBytes(out[i], q); err != nil {
			return nil, nil, fmt.Errorf("%s: query %d %v", files.Queries, i, err)
		}
	}
	return binaryBase{Base: base, what: files.Base[0]}, out, nil
}

// binaryDistance is Distance for HAMMING and JACCARD over rows of bits.
func binaryDistance(m workloads.Metric) func(a, b []float32) float32 {
	return func(a, b []float32) float32 {
		w := vecmath.BitWords(len(a))
		pa, pb := make([]uint64, w), make([]uint64, w)
		vecmath.PackBits(pa, a)
		vecmath.PackBits(pb, b)
		if m == workloads.Jaccard {
			return vecmath.Jaccard(pa, pb)
		}
		return float32(vecmath.Hamming(pa, pb))
	}
}

// binaryKept is one query's candidates in the binary scan: every row at
// or below thr, the K-th distance when the list was last cut, so the rows
// tied with the K-th survive every cut.
type binaryKept struct {
	items []candidate
	thr   float32
	limit int
}

func (b *binaryKept) offer(c candidate, k int) {
	if c.e > b.thr {
		return
	}
	b.items = append(b.items, c)
	if len(b.items) < b.limit {
		return
	}
	slices.SortFunc(b.items, byExact)
	b.thr = b.items[k-1].e
	n := k
	for n < len(b.items) && b.items[n].e == b.thr {
		n++
	}
	b.items = b.items[:n]
	b.limit = max(2*n, 2*k+64)
}

// exactTopKBinary is ExactTopK for HAMMING and JACCARD: each base batch is
// packed into 64-bit words once and every query's distance to every row is
// the popcount of their XOR (HAMMING) or of their AND and OR (JACCARD),
// exact integers (JACCARD's one rounding is Milvus's own float32
// division), so no second pass is needed. Workers take chunks of queries.
func exactTopKBinary(ctx context.Context, base Base, queries [][]float32, metric workloads.Metric, opt GTOptions) (*GroundTruth, error) {
	d, k := base.Dim(), opt.K
	w := vecmath.BitWords(d)
	nq := len(queries)
	qw := make([]uint64, nq*w)
	for i, q := range queries {
		vecmath.PackBits(qw[i*w:(i+1)*w], q)
	}
	kept := make([]binaryKept, nq)
	for i := range kept {
		kept[i] = binaryKept{thr: float32(math.Inf(1)), limit: 2*k + 64}
	}
	workers := opt.Workers
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	xw := make([]uint64, gtBlock*w)
	admit := make([]bool, gtBlock)
	jaccard := metric == workloads.Jaccard
	err := base.Scan(ctx, gtBlock, func(first int64, vecs [][]float32) error {
		if len(vecs) > gtBlock {
			xw, admit = make([]uint64, len(vecs)*w), make([]bool, len(vecs))
		}
		for j, v := range vecs {
			if len(v) != d {
				return fmt.Errorf("ground truth: base row %d has dimension %d, want %d", first+int64(j), len(v), d)
			}
			vecmath.PackBits(xw[j*w:(j+1)*w], v)
			admit[j] = opt.Filter == nil || opt.Filter(first+int64(j))
		}
		n := len(vecs)
		const chunk = 16
		var next atomic.Int64
		var wg sync.WaitGroup
		for range min(workers, (nq+chunk-1)/chunk) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					q0 := int(next.Add(chunk)) - chunk
					if q0 >= nq {
						return
					}
					for qi := q0; qi < min(q0+chunk, nq); qi++ {
						q, kp := qw[qi*w:(qi+1)*w], &kept[qi]
						for r := range n {
							if !admit[r] {
								continue
							}
							x := xw[r*w : (r+1)*w]
							var e float32
							if jaccard {
								e = vecmath.Jaccard(q, x)
							} else {
								e = float32(vecmath.Hamming(q, x))
							}
							kp.offer(candidate{e: e, id: first + int64(r)}, k)
						}
					}
				}
			}()
		}
		wg.Wait()
		return ctx.Err()
	})
	if err != nil {
		return nil, err
	}
	gt := &GroundTruth{K: k, IDs: make([][]int64, nq), Dists: make([][]float32, nq)}
	for qi := range kept {
		slices.SortFunc(kept[qi].items, byExact)
		gt.IDs[qi], gt.Dists[qi] = cut(kept[qi].items, k)
	}
	return gt, nil
}

// checkBits reports the first component of v that is not 0 or 1.
func checkBits(v []float32) error {
	for j, x := range v {
		if x != 0 && x != 1 {
			return fmt.Errorf("component %d is %g: vector_type binary holds bits, 0 or 1 (files hold them packed, dim/8 bytes a row)", j, x)
		}
	}
	return nil
}
