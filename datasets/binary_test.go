package datasets

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/internal/testenv"
	"github.com/milvbench/milvbench/internal/vecmath"
	"github.com/milvbench/milvbench/workloads"
)

// binarySpec is a synthetic binary dataset of n rows of dim bits.
func binarySpec(n, dim, nq int, m workloads.Metric, dist string) workloads.DatasetSpec {
	s := workloads.DatasetSpec{Source: workloads.SourceSynthetic, Size: n, Dim: dim, Metric: m, Queries: nq, Seed: 7,
		Distribution: dist, VectorType: workloads.VectorBinary}
	if dist != workloads.DistGaussian {
		s.Clusters = 8
	}
	return s
}

// rowsOf reads every base row.
func rowsOf(t *testing.T, b Base) [][]float32 {
	t.Helper()
	var out [][]float32
	err := b.Scan(t.Context(), 500, func(_ int64, vecs [][]float32) error {
		for _, v := range vecs {
			out = append(out, slices.Clone(v))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBinaryKernels checks the popcount kernels against a bit-by-bit count
// over the 0/1 rows, across word boundaries, with Jaccard's 0/0 as
// Milvus's faiss defines it (1).
func TestBinaryKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, dim := range []int{8, 64, 72, 200, 1024} {
		for range 50 {
			a, b := make([]float32, dim), make([]float32, dim)
			p := rng.Float64()
			for j := range a {
				if rng.Float64() < p {
					a[j] = 1
				}
				if rng.Float64() < p {
					b[j] = 1
				}
			}
			diff, and, or := 0, 0, 0
			for j := range a {
				x, y := a[j] == 1, b[j] == 1
				if x != y {
					diff++
				}
				if x && y {
					and++
				}
				if x || y {
					or++
				}
			}
			wantJ := float32(1)
			if or > 0 {
				wantJ = float32(or-and) / float32(or)
			}
			if got := Distance(workloads.Hamming)(a, b); got != float32(diff) {
				t.Fatalf("dim %d: hamming %g, want %d", dim, got, diff)
			}
			if got := Distance(workloads.Jaccard)(a, b); got != wantJ {
				t.Fatalf("dim %d: jaccard %g, want %g", dim, got, wantJ)
			}
		}
	}
	zero := make([]float32, 16)
	if got := Distance(workloads.Jaccard)(zero, zero); got != 1 {
		t.Errorf("jaccard of two empty vectors %g, want 1 (faiss)", got)
	}
	if got := Distance(workloads.Hamming)(zero, zero); got != 0 {
		t.Errorf("hamming of equal vectors %g", got)
	}
	if w := vecmath.BitWords(72); w != 2 {
		t.Errorf("72 bits in %d words", w)
	}
}

// TestPackBytes checks the packed order (numpy.packbits: the first bit is
// the high bit of the first byte), the round trip, and that bad bytes and
// bad bits are errors naming the column, never a panic.
func TestPackBytes(t *testing.T) {
	v := []float32{1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0}
	if got := PackBytes(v); !bytes.Equal(got, []byte{0x81, 0x40}) {
		t.Errorf("PackBytes = %x, want 8140", got)
	}
	back := make([]float32, 16)
	if err := UnpackBytes(back, []float32{0x81, 0x40}); err != nil || !slices.Equal(back, v) {
		t.Errorf("UnpackBytes = %v, %v", back, err)
	}
	for _, tt := range []struct {
		packed []float32
		want   string
	}{
		{[]float32{3, 256}, "column 1 is 256: vector_type binary reads packed bytes"},
		{[]float32{0.5}, "column 0 is 0.5"},
		{[]float32{-1}, "column 0 is -1"},
	} {
		err := UnpackBytes(make([]float32, 8*len(tt.packed)), tt.packed)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want %q", tt.packed, err, tt.want)
		}
	}
	if err := StoreAs(workloads.VectorBinary, []float32{0, 1, 2}); err == nil || !strings.Contains(err.Error(), "component 2 is 2") {
		t.Errorf("StoreAs binary of a 2: %v", err)
	}
}

// TestBinaryTruthBruteForce checks the popcount scan against a sort of
// every row by Distance, the answers compared as sets where distances tie
// (every row at the K-th distance is in the answer), with and without a
// filter, over clustered and uniform bits.
func TestBinaryTruthBruteForce(t *testing.T) {
	for _, m := range workloads.BinaryMetrics() {
		for _, dist := range []string{workloads.DistClustered, workloads.DistGaussian} {
			t.Run(fmt.Sprintf("%s/%s", m, dist), func(t *testing.T) {
				ds, err := NewSynthetic(t.Context(), binarySpec(3000, 72, 30, m, dist))
				if err != nil {
					t.Fatal(err)
				}
				rows := rowsOf(t, ds.Base)
				for _, filter := range []func(int64) bool{nil, func(id int64) bool { return id%3 == 0 }} {
					gt, err := ExactTopK(t.Context(), ds.Base, ds.Queries, m, GTOptions{K: 10, Filter: filter, Workers: 2})
					if err != nil {
						t.Fatal(err)
					}
					d := Distance(m)
					for qi, q := range ds.Queries {
						type rd struct {
							id int64
							d  float32
						}
						var all []rd
						for i, r := range rows {
							if filter == nil || filter(int64(i)) {
								all = append(all, rd{int64(i), d(q, r)})
							}
						}
						slices.SortFunc(all, func(a, b rd) int {
							if a.d != b.d {
								return map[bool]int{true: -1, false: 1}[a.d < b.d]
							}
							return int(a.id - b.id)
						})
						kth := all[9].d
						var want []int64
						for _, x := range all {
							if x.d <= kth {
								want = append(want, x.id)
							}
						}
						got := slices.Clone(gt.IDs[qi])
						slices.Sort(got)
						slices.Sort(want)
						if !slices.Equal(got, want) {
							t.Fatalf("query %d: %v, brute force %v (k-th distance %g)", qi, got, want, kth)
						}
						if gt.Dists[qi][9] != kth {
							t.Fatalf("query %d: k-th distance %g, want %g", qi, gt.Dists[qi][9], kth)
						}
					}
				}
			})
		}
	}
}

// TestSyntheticBinary: seeded rows of bits, clustered so a query's nearest
// rows are far closer than a random row, and a checksum that keeps the
// vector type.
func TestSyntheticBinary(t *testing.T) {
	spec := binarySpec(2000, 128, 20, workloads.Hamming, workloads.DistClustered)
	a, err := NewSynthetic(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewSynthetic(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if a.Info.Checksum != b.Info.Checksum || a.Info.VectorType != workloads.VectorBinary {
		t.Fatalf("checksums %s %s, type %q", a.Info.Checksum, b.Info.Checksum, a.Info.VectorType)
	}
	rows := rowsOf(t, a.Base)
	for _, r := range rows {
		if err := checkBits(r); err != nil {
			t.Fatal(err)
		}
	}
	gt, err := ComputeGroundTruth(t.Context(), a, 10)
	if err != nil {
		t.Fatal(err)
	}
	var near, far float64
	d := Distance(workloads.Hamming)
	for qi, q := range a.Queries {
		near += float64(gt.Dists[qi][9])
		far += float64(d(q, rows[(qi*37)%len(rows)]))
	}
	near, far = near/20, far/20
	// Same cluster: about 2·0.3·0.7·128 = 54 bits; the 10th nearest is
	// closer still. Random rows are mostly of other clusters (≈ 64).
	if near > 48 || far < 58 {
		t.Errorf("mean 10th-nearest distance %.1f bits, mean to a random row %.1f: the clusters do not separate", near, far)
	}
	// The same values carried as float rows hash apart.
	c := *a
	c.Info.VectorType = ""
	sum, err := Checksum(t.Context(), &c)
	if err != nil || sum == a.Info.Checksum {
		t.Errorf("checksum without the vector type %s, with %s (%v)", sum, a.Info.Checksum, err)
	}
	if k1, k2 := GTKey(a.Info.Checksum, workloads.Hamming, 10, ""), GTKey(a.Info.Checksum, workloads.Jaccard, 10, ""); k1 == k2 {
		t.Error("the ground-truth cache key does not name the metric")
	}
}

// packedFixture is ds's base and queries packed as files hold them.
func packedFixture(t *testing.T, ds *Dataset) (base, queries [][]uint8) {
	t.Helper()
	for _, r := range rowsOf(t, ds.Base) {
		base = append(base, PackBytes(r))
	}
	for _, q := range ds.Queries {
		queries = append(queries, PackBytes(q))
	}
	return base, queries
}

// TestBinaryTruthMatchesNumpy checks the exact HAMMING and JACCARD ground
// truth against numpy's distances over the unpacked bits (an independent
// computation in the project's virtualenv), the answers compared as sets
// where distances tie, and that a deliberately wrong numpy variant (bytes
// for bits, or Jaccard's 0/0 as 0) disagrees, so the check can fail.
func TestBinaryTruthMatchesNumpy(t *testing.T) {
	for _, m := range workloads.BinaryMetrics() {
		t.Run(string(m), func(t *testing.T) {
			ds, err := NewSynthetic(t.Context(), binarySpec(1500, 200, 24, m, workloads.DistClustered))
			if err != nil {
				t.Fatal(err)
			}
			base, queries := packedFixture(t, ds)
			// An empty row and an empty query: Jaccard's 0/0.
			base[0] = make([]uint8, 25)
			queries[0] = make([]uint8, 25)
			rows := make([][]float32, len(base))
			for i, r := range base {
				rows[i] = bitsOf(r)
			}
			qs := make([][]float32, len(queries))
			for i, q := range queries {
				qs[i] = bitsOf(q)
			}
			gt, err := ExactTopK(t.Context(), memBase{rows}, qs, m, GTOptions{K: 10})
			if err != nil {
				t.Fatal(err)
			}
			in, err := json.Marshal(map[string]any{"base": intRows(base), "queries": intRows(queries), "metric": m})
			if err != nil {
				t.Fatal(err)
			}
			wrong := map[workloads.Metric]string{workloads.Hamming: "bytes", workloads.Jaccard: "empty0"}[m]
			for _, variant := range []string{"exact", wrong, "bytes"} {
				var ref struct{ Dists [][]float64 }
				if err := testenv.RunScript(t, bytes.NewReader(in), &ref, "binary_gt.py", "gt", variant); err != nil {
					t.Fatal(err)
				}
				diff := numpyDiff(gt, ref.Dists)
				switch {
				case variant == "exact" && diff != "":
					t.Errorf("numpy disagrees: %s", diff)
				case variant != "exact" && diff == "":
					t.Errorf("numpy variant %s agrees: the check cannot fail", variant)
				}
			}
		})
	}
}

// numpyDiff compares gt with numpy's distance matrix: each query's answer
// must be exactly the rows at or below numpy's K-th distance (a set where
// distances tie), at numpy's distances (float32 against float64: within
// 1e-6). It returns the first difference, "" when none.
func numpyDiff(gt *GroundTruth, dists [][]float64) string {
	for qi, row := range dists {
		sorted := slices.Sorted(slices.Values(row))
		kth := sorted[gt.K-1]
		var want []int64
		for id, d := range row {
			if d <= kth+1e-9 {
				want = append(want, int64(id))
			}
		}
		got := slices.Sorted(slices.Values(gt.IDs[qi]))
		if !slices.Equal(got, want) {
			return fmt.Sprintf("query %d: rows %v, numpy %v", qi, got, want)
		}
		for j, id := range gt.IDs[qi] {
			if d := float64(gt.Dists[qi][j]) - row[id]; d > 1e-6 || d < -1e-6 {
				return fmt.Sprintf("query %d row %d: distance %g, numpy %g", qi, id, gt.Dists[qi][j], row[id])
			}
		}
	}
	return ""
}

// bitsOf unpacks a packed row.
func bitsOf(p []uint8) []float32 {
	f := make([]float32, len(p))
	for i, b := range p {
		f[i] = float32(b)
	}
	out := make([]float32, 8*len(p))
	if err := UnpackBytes(out, f); err != nil {
		panic(err)
	}
	return out
}

func intRows(rows [][]uint8) [][]int {
	out := make([][]int, len(rows))
	for i, r := range rows {
		out[i] = make([]int, len(r))
		for j, b := range r {
			out[i][j] = int(b)
		}
	}
	return out
}

// memBase is a Base over rows in memory.
type memBase struct{ rows [][]float32 }

func (b memBase) Size() int { return len(b.rows) }
func (b memBase) Dim() int  { return len(b.rows[0]) }
func (b memBase) Scan(ctx context.Context, batch int, fn func(int64, [][]float32) error) error {
	for i := 0; i < len(b.rows); i += batch {
		if err := fn(int64(i), b.rows[i:min(i+batch, len(b.rows))]); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// TestBinaryFiles reads packed binary vectors from the files numpy,
// pyarrow and h5py write (npy uint8, parquet list<uint8>, HDF5 uint8 with
// its distance attribute) and from a parquet binary column: every source
// gives the rows the bytes hold, and a width that is not dim/8 is one line.
func TestBinaryFiles(t *testing.T) {
	ds, err := NewSynthetic(t.Context(), binarySpec(300, 64, 12, workloads.Jaccard, workloads.DistClustered))
	if err != nil {
		t.Fatal(err)
	}
	base, queries := packedFixture(t, ds)
	dir := t.TempDir()
	in, err := json.Marshal(map[string]any{"base": intRows(base), "queries": intRows(queries), "metric": workloads.Jaccard})
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Files []string }
	if err := testenv.RunScript(t, bytes.NewReader(in), &out, "binary_gt.py", "files", dir); err != nil {
		t.Fatal(err)
	}
	// A parquet binary column, as parquet-go writes []byte.
	type binRow struct {
		ID  int64  `parquet:"id"`
		Emb []byte `parquet:"emb"`
	}
	bdir := filepath.Join(dir, "bytes")
	if err := os.MkdirAll(bdir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, rows := range map[string][][]uint8{"train.parquet": base, "test.parquet": queries} {
		var rs []binRow
		for i, r := range rows {
			rs = append(rs, binRow{int64(i), r})
		}
		if err := writeParquet(filepath.Join(bdir, name), rs); err != nil {
			t.Fatal(err)
		}
	}
	want := rowsOf(t, ds.Base)
	specs := map[string]workloads.DatasetSpec{
		"npy":           {Source: workloads.SourceNpy, BaseFile: "base.npy", QueryFile: "queries.npy", Metric: workloads.Jaccard},
		"parquet list":  {Source: workloads.SourceParquet, Path: "parquet", Metric: workloads.Jaccard},
		"parquet bytes": {Source: workloads.SourceParquet, Path: "bytes", Metric: workloads.Jaccard},
		"hdf5":          {Source: workloads.SourceHDF5, BaseFile: "binary.hdf5"},
	}
	for name, spec := range specs {
		t.Run(name, func(t *testing.T) {
			spec.VectorType, spec.Dim = workloads.VectorBinary, 64
			info, _, err := Inspect(spec, dir)
			if err != nil || info.Dim != 64 || info.Size != 300 || info.Queries != 12 {
				t.Fatalf("Inspect: %+v, %v", info, err)
			}
			got, _, err := Open(t.Context(), spec, dir)
			if err != nil {
				t.Fatal(err)
			}
			if got.Info.Dim != 64 || got.Info.Metric != workloads.Jaccard || got.Info.VectorType != workloads.VectorBinary {
				t.Fatalf("info %+v", got.Info)
			}
			rows := rowsOf(t, got.Base)
			for i := range want {
				if !slices.Equal(rows[i], want[i]) {
					t.Fatalf("row %d differs", i)
				}
			}
			for i := range ds.Queries {
				if !slices.Equal(got.Queries[i], ds.Queries[i]) {
					t.Fatalf("query %d differs", i)
				}
			}
			spec.Dim = 128
			_, _, err = Open(t.Context(), spec, dir)
			if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "rows are 8 bytes wide, but vector_type binary with dim 128 needs dim/8 = 16 bytes a row") {
				t.Errorf("dim 128 over 8-byte rows: %v", err)
			}
			if _, _, ierr := Inspect(spec, dir); ierr == nil || err == nil || ierr.Error() != err.Error() {
				t.Errorf("Inspect of dim 128: %v; Open: %v", ierr, err)
			}
		})
	}
	// Queries of the wrong width, arrays that are not uint8 (an unpacked
	// 0/1 float array above all), and a byte out of range in parquet's
	// integers.
	if err := WriteNpy(filepath.Join(dir, "narrow.npy"), [][]uint8{{1, 3}}); err != nil {
		t.Fatal(err)
	}
	unpacked := make([][]float32, 4)
	for i := range unpacked {
		unpacked[i] = want[i]
	}
	if err := WriteNpy(filepath.Join(dir, "bits.npy"), unpacked); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "big"), 0o755); err != nil {
		t.Fatal(err)
	}
	type intRow struct {
		ID  int64   `parquet:"id"`
		Emb []int32 `parquet:"emb,list"`
	}
	for _, name := range []string{"train.parquet", "test.parquet"} {
		if err := writeParquet(filepath.Join(dir, "big", name), []intRow{{0, []int32{1, 300}}}); err != nil {
			t.Fatal(err)
		}
	}
	tiny, err := filepath.Abs("testdata/hdf5/tiny_latest_extensible.hdf5")
	if err != nil {
		t.Fatal(err)
	}
	var fl struct{ Files []string }
	in, err = json.Marshal(map[string]any{"base": [][]float32{{0.5, 1}}, "queries": [][]float32{{0.5, 1}}, "metric": "JACCARD", "dtype": "float32"})
	if err != nil {
		t.Fatal(err)
	}
	fdir := t.TempDir()
	if err := testenv.RunScript(t, bytes.NewReader(in), &fl, "binary_gt.py", "files", fdir); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(fdir, "binary.hdf5"), filepath.Join(dir, "float.hdf5")); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		spec workloads.DatasetSpec
		want string
	}{
		{workloads.DatasetSpec{Source: workloads.SourceNpy, BaseFile: "base.npy", QueryFile: "narrow.npy"}, "narrow.npy: query 0 is 2 bytes wide, the base's rows 8 (dim/8 = 8 bytes for dim 64)"},
		{workloads.DatasetSpec{Source: workloads.SourceNpy, BaseFile: "bits.npy", QueryFile: "queries.npy"}, `bits.npy: dtype "<f4": vector_type binary reads uint8 arrays of packed bits, dim/8 columns (numpy.packbits)`},
		{workloads.DatasetSpec{Source: workloads.SourceHDF5, BaseFile: tiny}, "the file's distance is angular (metric COSINE), but vector_type binary is compared by hamming or jaccard"},
		{workloads.DatasetSpec{Source: workloads.SourceHDF5, BaseFile: "float.hdf5"}, "dataset train holds float32: vector_type binary reads uint8 arrays"},
		{workloads.DatasetSpec{Source: workloads.SourceParquet, Path: "big"}, "big/test.parquet: query 0 column 1 is 300: vector_type binary reads packed bytes"},
	} {
		tt.spec.VectorType = workloads.VectorBinary
		if tt.spec.Source != workloads.SourceHDF5 { // the file names its metric
			tt.spec.Metric = workloads.Hamming
		}
		_, _, err := Open(t.Context(), tt.spec, dir)
		if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.spec.QueryFile+tt.spec.Path, err, tt.want)
		}
	}
	// An HDF5 file naming jaccard read as float vectors is refused.
	_, _, err = Open(t.Context(), workloads.DatasetSpec{Source: workloads.SourceHDF5, BaseFile: "binary.hdf5"}, dir)
	if err == nil || !strings.Contains(err.Error(), "the file's distance is jaccard (metric JACCARD), for binary vectors: set dataset.vector_type: binary") {
		t.Errorf("hdf5 jaccard as float: %v", err)
	}
}
