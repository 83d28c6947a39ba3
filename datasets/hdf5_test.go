package datasets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/internal/testenv"
	"github.com/milvbench/milvbench/workloads"
)

// hdf5Fixture is one file scripts/interop/hdf5_write.py wrote, as its
// manifest describes it.
type hdf5Fixture struct {
	File       string   `json:"file"`
	Superblock int      `json:"superblock"`
	Layout     string   `json:"layout"`
	Index      string   `json:"index"`
	Filters    []string `json:"filters"`
	Metric     string   `json:"metric"`
	WrongQuery *int     `json:"wrong_query"`
	Error      string   `json:"error"`
}

// hdf5Fixtures has h5py (the project's virtualenv) write the HDF5 test
// files into a temporary directory; without the virtualenv the test skips
// (fails under make test).
func hdf5Fixtures(t *testing.T) (string, []hdf5Fixture) {
	t.Helper()
	dir := t.TempDir()
	var m []hdf5Fixture
	if err := testenv.RunScript(t, nil, &m, "hdf5_write.py", dir); err != nil {
		t.Fatal(err)
	}
	if len(m) == 0 {
		t.Fatal("hdf5_write.py wrote no files")
	}
	return dir, m
}

// readNpyFloat32 reads a float32 or uint8 .npy file as float32 rows.
func readNpyFloat32(t *testing.T, path string) [][]float32 {
	t.Helper()
	rows, err := readAll(path, workloads.SourceNpy, 0)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// readHDF5Float32 reads every row of dataset name.
func readHDF5Float32(f *HDF5File, name string) ([][]float32, error) {
	r, err := f.Rows(name)
	if err != nil {
		return nil, err
	}
	out := make([][]float32, r.Rows())
	for i := range out {
		out[i] = make([]float32, r.Dim())
		if err := r.ReadFloat32(out[i]); err != nil {
			return nil, err
		}
	}
	if err := r.ReadFloat32(make([]float32, r.Dim())); !errors.Is(err, io.EOF) {
		return nil, errors.New("no io.EOF after the last row")
	}
	return out, nil
}

// sameBits reports the first element where got and want differ bit for bit.
func sameBits(got, want [][]float32) (int, int, bool) {
	if len(got) != len(want) {
		return len(got), -1, false
	}
	for i := range got {
		if len(got[i]) != len(want[i]) {
			return i, -1, false
		}
		for j := range got[i] {
			if math.Float32bits(got[i][j]) != math.Float32bits(want[i][j]) {
				return i, j, false
			}
		}
	}
	return 0, 0, true
}

// TestHDF5Layouts reads every file h5py wrote: each layout it must read
// decodes to exactly the values numpy holds (train and test as float32,
// neighbors as ids), the superblock, storage, chunk index and filters are
// the ones the file was written to exercise, the metric is the distance
// attribute's, and each file it must refuse gives its one-line reason.
func TestHDF5Layouts(t *testing.T) {
	dir, fixtures := hdf5Fixtures(t)
	for _, fx := range fixtures {
		t.Run(strings.TrimSuffix(fx.File, ".hdf5"), func(t *testing.T) {
			path := filepath.Join(dir, fx.File)
			stem := strings.TrimSuffix(path, ".hdf5")
			if fx.Error != "" {
				spec := workloads.DatasetSpec{Source: workloads.SourceHDF5, BaseFile: path, Queries: 1000}
				_, _, err := Open(context.Background(), spec, dir)
				if err == nil || !strings.Contains(err.Error(), fx.Error) || !strings.HasPrefix(err.Error(), path+": offset ") {
					t.Fatalf("error %v, want one naming %s and an offset, containing %q", err, path, fx.Error)
				}
				assertOneLine(t, err)
				return
			}
			f, err := OpenHDF5(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.h.sbVer != fx.Superblock {
				t.Errorf("superblock version %d, want %d", f.h.sbVer, fx.Superblock)
			}
			r, err := f.Rows(HDF5Train)
			if err != nil {
				t.Fatal(err)
			}
			lay := [...]string{"compact", "contiguous", "chunked"}[r.d.lay.class]
			var filters []string
			for _, fl := range r.d.filters {
				filters = append(filters, h5FilterNames[fl.id])
			}
			if lay != fx.Layout || strings.Join(filters, ",") != strings.Join(fx.Filters, ",") ||
				(lay == "chunked" && h5IndexNames[r.d.lay.index] != fx.Index) {
				t.Errorf("train is %s (index %s, filters %v), want %s (index %s, filters %v)",
					lay, h5IndexNames[r.d.lay.index], filters, fx.Layout, fx.Index, fx.Filters)
			}
			for _, name := range []string{HDF5Train, HDF5Test} {
				got, err := readHDF5Float32(f, name)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				want := readNpyFloat32(t, stem+"."+name+".npy")
				if i, j, ok := sameBits(got, want); !ok {
					t.Errorf("%s differs from numpy at row %d component %d", name, i, j)
				}
			}
			ids, err := readHDF5IDs(path)
			if err != nil {
				t.Fatal(err)
			}
			want, err := readIDs(stem + ".neighbors.npy")
			if err != nil {
				t.Fatal(err)
			}
			if len(ids) != len(want) {
				t.Fatalf("%d neighbour rows, want %d", len(ids), len(want))
			}
			for i := range ids {
				if !slices.Equal(ids[i], want[i]) {
					t.Fatalf("neighbors row %d = %v, want %v", i, ids[i], want[i])
				}
			}
			m, err := f.Metric()
			if err != nil {
				t.Fatal(err)
			}
			if string(m) != fx.Metric {
				t.Errorf("metric %q, want %q", m, fx.Metric)
			}
			checkHDF5Open(t, path, fx)
		})
	}
}

// checkHDF5Open opens a fixture as a workload would, by source hdf5 and by
// source dir: the shape, metric and ground truth are the file's, and the
// truth spot-check (as run does it) warns about exactly the query whose
// neighbours were made wrong, naming it.
func checkHDF5Open(t *testing.T, path string, fx hdf5Fixture) {
	t.Helper()
	ctx := context.Background()
	spec := workloads.DatasetSpec{Source: workloads.SourceHDF5, BaseFile: path, Queries: 1000}
	if fx.Metric == "" {
		_, _, err := Open(ctx, spec, "")
		if want := path + ": offset 0: the file has no distance attribute: set dataset.metric (L2, IP or COSINE)"; err == nil || err.Error() != want {
			t.Fatalf("open without a metric: %v, want %s", err, want)
		}
		spec.Metric = workloads.L2
	}
	ds, truth, err := Open(ctx, spec, "")
	if err != nil {
		t.Fatal(err)
	}
	want := string(spec.Metric)
	if want == "" {
		want = fx.Metric
	}
	if string(ds.Info.Metric) != want || ds.Info.Source != workloads.SourceHDF5 || ds.Info.Name != strings.TrimSuffix(fx.File, ".hdf5") {
		t.Errorf("opened %+v", ds.Info)
	}
	info, files, err := Inspect(spec, "")
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != ds.Info.Size || info.Dim != ds.Info.Dim || info.Queries != ds.Info.Queries || info.Metric != ds.Info.Metric || files.Truth != path {
		t.Errorf("Inspect %+v %+v, Open %+v", info, files, ds.Info)
	}
	warns, err := CheckTruth(ctx, ds, truth, 10, 20)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case fx.WrongQuery == nil && len(warns) != 0:
		t.Errorf("truth check warns: %v", warns)
	case fx.WrongQuery != nil && (len(warns) != 1 || !strings.Contains(warns[0], fmt.Sprintf("for query %d:", *fx.WrongQuery))):
		t.Errorf("truth check warns %v, want one warning naming query %d", warns, *fx.WrongQuery)
	}
	// source dir: the directory's one .hdf5 file.
	dir := t.TempDir()
	if err := os.Symlink(path, filepath.Join(dir, fx.File)); err != nil {
		t.Fatal(err)
	}
	dspec := workloads.DatasetSpec{Source: workloads.SourceDir, Path: dir, Metric: ds.Info.Metric, Queries: 1000}
	dds, _, err := Open(ctx, dspec, "")
	if err != nil {
		t.Fatal(err)
	}
	if dds.Info.Checksum != ds.Info.Checksum || dds.Info.Metric != ds.Info.Metric {
		t.Errorf("source dir opened %+v, source hdf5 %+v", dds.Info, ds.Info)
	}
}

// TestHDF5Tiny reads the two small files h5py wrote into testdata/hdf5
// (`hdf5_write.py --tiny`), so that the reader is tested without the
// virtualenv: libver earliest with a chunked, gzip and shuffle train and a
// variable-length distance string, and libver latest with extensible array
// and version 2 B-tree indexes. Their values follow formulas.
func TestHDF5Tiny(t *testing.T) {
	tests := []struct {
		file   string
		sb     int
		index  string
		metric workloads.Metric
	}{
		{"tiny_earliest_gzip_shuffle.hdf5", 0, "version 1 B-tree", workloads.L2},
		{"tiny_latest_extensible.hdf5", 3, "extensible array", workloads.Cosine},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", "hdf5", tt.file)
			f, err := OpenHDF5(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r, err := f.Rows(HDF5Train)
			if err != nil {
				t.Fatal(err)
			}
			if f.h.sbVer != tt.sb || h5IndexNames[r.d.lay.index] != tt.index || len(r.d.filters) != 2 {
				t.Errorf("superblock %d, train index %s, %d filters; want %d, %s, 2", f.h.sbVer, h5IndexNames[r.d.lay.index], len(r.d.filters), tt.sb, tt.index)
			}
			for _, c := range []struct {
				name      string
				rows, dim int
				value     func(i, j int) float32
			}{
				{HDF5Train, 40, 4, func(i, j int) float32 { return float32(i) + float32(j)/8 }},
				{HDF5Test, 5, 4, func(i, j int) float32 { return 2*float32(i) + float32(j)/4 }},
			} {
				got, err := readHDF5Float32(f, c.name)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != c.rows || len(got[0]) != c.dim {
					t.Fatalf("%s is %d × %d, want %d × %d", c.name, len(got), len(got[0]), c.rows, c.dim)
				}
				for i := range got {
					for j := range got[i] {
						if got[i][j] != c.value(i, j) {
							t.Fatalf("%s[%d][%d] = %g, want %g", c.name, i, j, got[i][j], c.value(i, j))
						}
					}
				}
			}
			ids, err := readHDF5IDs(path)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 5 {
				for j := range 3 {
					if ids[i][j] != int64((i+j)%40) {
						t.Fatalf("neighbors[%d][%d] = %d, want %d", i, j, ids[i][j], (i+j)%40)
					}
				}
			}
			ctx := context.Background()
			ds, truth, err := Open(ctx, workloads.DatasetSpec{Source: workloads.SourceHDF5, BaseFile: tt.file, Path: "testdata/hdf5", Queries: 3}, ".")
			if err != nil {
				t.Fatal(err)
			}
			if ds.Info.Size != 40 || ds.Info.Dim != 4 || ds.Info.Queries != 3 || ds.Info.Metric != tt.metric || len(truth) != 3 || ds.Info.Name != strings.TrimSuffix(tt.file, ".hdf5") {
				t.Errorf("opened %+v with %d truth rows", ds.Info, len(truth))
			}
			// path naming the file itself, as a fetched dataset's does.
			byPath, _, err := Open(ctx, workloads.DatasetSpec{Source: workloads.SourceHDF5, Path: path, Queries: 3}, ".")
			if err != nil {
				t.Fatal(err)
			}
			if byPath.Info != ds.Info {
				t.Errorf("path: %+v, base_file: %+v", byPath.Info, ds.Info)
			}
		})
	}
}

// TestHDF5Metric: the metric is the file's; a workload metric that
// disagrees is an error naming both (with a hint when source dir defaulted
// it to L2).
func TestHDF5Metric(t *testing.T) {
	angular := filepath.Join("testdata", "hdf5", "tiny_latest_extensible.hdf5")
	dir := t.TempDir()
	if err := os.Symlink(mustAbs(t, angular), filepath.Join(dir, "glove.hdf5")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		spec workloads.DatasetSpec
		want string
	}{
		{"from the file", workloads.DatasetSpec{Source: workloads.SourceHDF5, BaseFile: angular}, ""},
		{"the same as the file's", workloads.DatasetSpec{Source: workloads.SourceHDF5, BaseFile: angular, Metric: workloads.Cosine}, ""},
		{"another", workloads.DatasetSpec{Source: workloads.SourceHDF5, BaseFile: angular, Metric: workloads.IP},
			angular + ": offset 149: the file's distance is angular (metric COSINE) but the workload says metric IP; set dataset.metric: COSINE, or leave it out with source: hdf5"},
		{"dir default", workloads.DatasetSpec{Source: workloads.SourceDir, Path: dir, Metric: workloads.L2},
			filepath.Join(dir, "glove.hdf5") + ": offset 149: the file's distance is angular (metric COSINE) but the workload says metric L2 (L2 is the default when dataset.metric is not set); set dataset.metric: COSINE, or leave it out with source: hdf5"},
		{"dir COSINE", workloads.DatasetSpec{Source: workloads.SourceDir, Path: dir, Metric: workloads.Cosine}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.spec.Queries = 5
			ds, _, err := Open(context.Background(), tt.spec, ".")
			if tt.want != "" {
				if err == nil || err.Error() != tt.want {
					t.Fatalf("error %v\nwant %s", err, tt.want)
				}
				_, _, err = Inspect(tt.spec, ".")
				if err == nil || err.Error() != tt.want {
					t.Fatalf("Inspect error %v\nwant %s", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ds.Info.Metric != workloads.Cosine {
				t.Errorf("metric %s, want COSINE", ds.Info.Metric)
			}
		})
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
