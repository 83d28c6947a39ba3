package datasets

// Fuzz targets for every dataset reader: any input must give data or an
// error, never a panic, and no reader may allocate for a declared count or
// dimension more than the file holds. `go test` runs each target's seeds
// (the files in testdata/bad and small valid files); `make fuzz-short`
// fuzzes each for a minute.

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/workloads"
)

// allocSlack is what a reader may allocate whatever the input: its 1 MiB
// read buffers and the parquet library's fixed-size structures.
const allocSlack = 16 << 20

// allocPerByte bounds allocation per input byte: a uint8 component becomes
// a float32 (4×), an int32 id an int64 (2×), plus per-row slice headers.
const allocPerByte = 64

// checkAlloc runs fn and fails if it allocated more than the input's size
// allows: a reader that sizes a buffer from a declared count instead of the
// file would allocate far more.
func checkAlloc(t *testing.T, size int, fn func()) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	if got, limit := after.TotalAlloc-before.TotalAlloc, uint64(allocSlack+allocPerByte*size); got > limit {
		t.Fatalf("a %d-byte input made the reader allocate %d bytes (limit %d)", size, got, limit)
	}
}

// writeInput writes data to dir/name, replacing the previous input (a
// fuzz worker runs one input at a time), and returns its path.
func writeInput(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// addSeeds adds every testdata/bad file whose name ends in one of exts, and
// the given valid inputs.
func addSeeds(f *testing.F, exts []string, valid ...[]byte) {
	for _, ext := range exts {
		files, err := filepath.Glob(filepath.Join("testdata", "bad", "*"+ext))
		if err != nil {
			f.Fatal(err)
		}
		sub, _ := filepath.Glob(filepath.Join("testdata", "bad", "*", "*"+ext))
		for _, p := range append(files, sub...) {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	for _, v := range valid {
		f.Add(v)
	}
}

// fileBytes returns what write wrote to a temporary file.
func fileBytes(f *testing.F, write func(path string) error) []byte {
	p := filepath.Join(f.TempDir(), "seed")
	if err := write(p); err != nil {
		f.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// assertOneLine fails if a reader's error spans lines.
func assertOneLine(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), "\n") {
		t.Fatalf("error spans lines: %q", err)
	}
}

// readVecs reads every row of a TEXMEX file as a rowReader would.
func readVecs(path string, kind VecsKind) error {
	r, err := OpenVecs(path, kind)
	if err != nil {
		return err
	}
	defer r.Close()
	v := make([]float32, r.Dim())
	for {
		if err := r.ReadFloat32(v); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
	}
}

func FuzzVecs(f *testing.F) {
	addSeeds(f, []string{".fvecs", ".bvecs", ".ivecs"},
		fileBytes(f, func(p string) error { return WriteFvecs(p, [][]float32{{1, 2, 3}, {4, 5, 6}}) }),
		fileBytes(f, func(p string) error { return WriteBvecs(p, [][]uint8{{1, 2}, {3, 4}}) }),
		fileBytes(f, func(p string) error { return WriteIvecs(p, [][]int32{{7}, {-1}}) }))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := writeInput(t, dir, "in.vecs", data)
		checkAlloc(t, len(data), func() {
			for _, kind := range []VecsKind{Fvecs, Bvecs, Ivecs} {
				assertOneLine(t, readVecs(p, kind))
			}
			_, err := ReadFvecs(p)
			assertOneLine(t, err)
			_, err = ReadIvecs(p)
			assertOneLine(t, err)
			_, err = readIDs(p)
			assertOneLine(t, err)
		})
	})
}

func FuzzNpy(f *testing.F) {
	addSeeds(f, []string{".npy"},
		fileBytes(f, func(p string) error { return WriteNpy(p, [][]float32{{1, 2}, {3, 4}}) }),
		fileBytes(f, func(p string) error { return WriteNpy(p, [][]uint8{{1, 2, 3}}) }),
		fileBytes(f, func(p string) error { return WriteNpy(p, [][]int64{{1}, {2}}) }))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := writeInput(t, dir, "in.npy", data)
		checkAlloc(t, len(data), func() {
			_, err := readAll(p, "npy", 0)
			assertOneLine(t, err)
			_, err = readIDs(p)
			assertOneLine(t, err)
		})
	})
}

func FuzzParquet(f *testing.F) {
	addSeeds(f, []string{".parquet"},
		fileBytes(f, func(p string) error { return WriteParquetVectors(p, 0, [][]float32{{1, 2}, {3, 4}}) }),
		fileBytes(f, func(p string) error { return WriteParquetNeighbors(p, [][]int64{{1, 0}, {0, 1}}) }))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := writeInput(t, dir, "train.parquet", data)
		checkAlloc(t, len(data), func() {
			_, _, err := ReadParquetVectors(p, 0)
			assertOneLine(t, err)
			_, err = ReadParquetNeighbors(p)
			assertOneLine(t, err)
			_, err = ReadParquetLabels(p)
			assertOneLine(t, err)
			b, err := OpenParquetBase([]string{p}, 0)
			assertOneLine(t, err)
			if err == nil {
				assertOneLine(t, b.Scan(t.Context(), 7, func(int64, [][]float32) error { return nil }))
			}
		})
	})
}

// readHDF5 opens an HDF5 file (checking metadata checksums or not) and
// reads every row of its datasets, as floats and as ids.
func readHDF5(path string, verify bool) error {
	f, err := openHDF5(path, verify)
	if err != nil {
		return err
	}
	defer f.Close()
	var errs []error
	if _, err := f.Metric(); err != nil {
		errs = append(errs, err)
	}
	for _, name := range []string{HDF5Train, HDF5Test, HDF5Neighbors} {
		for _, ids := range []bool{false, true} {
			r, err := f.Rows(name)
			if err != nil {
				errs = append(errs, err)
				break
			}
			v, id := make([]float32, r.Dim()), make([]int64, r.Dim())
			for err == nil {
				if ids {
					err = r.ReadInt64(id)
				} else {
					err = r.ReadFloat32(v)
				}
			}
			if !errors.Is(err, io.EOF) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func FuzzHDF5(f *testing.F) {
	addSeeds(f, []string{".hdf5"})
	valid, _ := filepath.Glob(filepath.Join("testdata", "hdf5", "*.hdf5"))
	for _, p := range valid {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := writeInput(t, dir, "in.hdf5", data)
		checkAlloc(t, len(data), func() {
			for _, verify := range []bool{true, false} {
				for _, err := range unjoin(readHDF5(p, verify)) {
					assertOneLine(t, err)
				}
			}
			_, err := readAll(p, "hdf5", 0)
			assertOneLine(t, err)
			_, err = readIDs(p)
			assertOneLine(t, err)
			_, _, err = Open(t.Context(), workloads.DatasetSpec{Source: workloads.SourceHDF5, BaseFile: p}, dir)
			assertOneLine(t, err)
		})
	})
}

// unjoin returns the errors errors.Join joined (err itself otherwise).
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func FuzzGTCache(f *testing.F) {
	var valid bytes.Buffer
	if err := writeGT(&valid, &GroundTruth{K: 2, IDs: [][]int64{{1, 2}, {3, 4}}, Dists: [][]float32{{0.5, 1}, {0, 2}}}); err != nil {
		f.Fatal(err)
	}
	f.Add(valid.Bytes())
	f.Add([]byte(gtMagic + "\x02\x00\x00\x00\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAlloc(t, len(data), func() {
			_, err := readGT(bytes.NewReader(data), int64(len(data)))
			assertOneLine(t, err)
		})
	})
}
