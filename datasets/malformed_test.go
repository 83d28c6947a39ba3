package datasets

import (
	"encoding/binary"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/workloads"
	"github.com/parquet-go/parquet-go"
)

// The malformed dataset corpus: files in testdata/bad (written by
// writeBadCorpus; `go test -run TestMalformedFiles -write-corpus` rewrites
// them) and the exact one-line error Open gives for each. They also seed
// the fuzz targets.

var writeCorpus = flag.Bool("write-corpus", false, "rewrite the malformed dataset files in testdata/bad")

const badDir = "testdata/bad"

// le32 appends little-endian int32s.
func le32(b []byte, vs ...int32) []byte {
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	return b
}

// vecsRecord is one TEXMEX record of float32 components.
func vecsRecord(b []byte, xs ...float32) []byte {
	b = le32(b, int32(len(xs)))
	for _, x := range xs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

// npyFile is a .npy version 1 file with the given header dict and data.
func npyFile(version byte, dict string, data []byte) []byte {
	h := dict + strings.Repeat(" ", 64-(10+len(dict)+1)%64) + "\n"
	b := append([]byte("\x93NUMPY"), version, 0)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(h)))
	return append(append(b, h...), data...)
}

func f32s(xs ...float32) []byte {
	var b []byte
	for _, x := range xs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

// writeBadCorpus writes every malformed file under dir.
func writeBadCorpus(t *testing.T, dir string) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	good4 := vecsRecord(vecsRecord(nil, 1, 2, 3, 4), 5, 6, 7, 8)
	files := map[string][]byte{
		"good.fvecs":                good4,
		"query4.fvecs":              vecsRecord(nil, 1, 0, 0, 1),
		"query2.fvecs":              vecsRecord(nil, 1, 0),
		"truncated_record.fvecs":    append(append([]byte(nil), good4...), 1, 2, 3, 4, 5, 6),
		"short_header.fvecs":        {8, 0},
		"zero_dim.fvecs":            le32(nil, 0, 0),
		"negative_dim.fvecs":        le32(nil, -3, 0, 0, 0),
		"huge_dim.fvecs":            le32(nil, 1<<24, 0),
		"mixed_dim.fvecs":           append(vecsRecord(nil, 1, 2, 3, 4), append(vecsRecord(nil, 1, 2), make([]byte, 8)...)...), // 40 bytes: whole dim-4 records by size
		"nan.fvecs":                 vecsRecord(vecsRecord(nil, 1, 2, 3, 4), 5, nan, 7, 8),
		"inf_query.fvecs":           vecsRecord(nil, inf, 0, 0, 1),
		"empty.fvecs":               {},
		"truncated.bvecs":           append(le32(nil, 4), 1, 2, 3),
		"good_truth.ivecs":          le32(nil, 2, 0, 1),
		"truncated_truth.ivecs":     le32(nil, 2, 0, 1, 2, 1),
		"bad_magic.npy":             []byte("\x93NUMPZ\x01\x00\x76\x00{}"),
		"version9.npy":              npyFile(9, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", f32s(1, 2)),
		"truncated_header.npy":      npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", nil)[:40],
		"huge_header.npy":           append([]byte("\x93NUMPY\x01\x00"), 0xff, 0xff, '{'),
		"float64.npy":               npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }", make([]byte, 16)),
		"big_endian.npy":            npyFile(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1, 2), }", make([]byte, 8)),
		"fortran.npy":               npyFile(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", f32s(1, 2, 3, 4)),
		"one_d.npy":                 npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", f32s(1, 2, 3, 4)),
		"no_descr.npy":              npyFile(1, "{'fortran_order': False, 'shape': (1, 2), }", f32s(1, 2)),
		"truncated_data.npy":        npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", f32s(1, 2, 3, 4, 5)),
		"nan.npy":                   npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", f32s(1, 2, nan, 4)),
		"shape_overflow.npy":        npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", f32s(1, 2, 3, 4)),
		"huge_dim.npy":              npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 1099511627776), }", nil),
		"good.npy":                  npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", f32s(1, 2, 3, 4)),
		"float_truth.npy":           npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", f32s(0, 1)),
		"no_layout/readme.txt":      []byte("no dataset here\n"),
		"no_test/train.parquet":     nil, // written below
		"not_parquet/train.parquet": []byte("id,emb\n0,\"[1,2]\"\n"),
		"not_parquet/test.parquet":  []byte("id,emb\n0,\"[1,2]\"\n"),
	}
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if b == nil {
			continue
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	type vec = parquetVector
	type renamed struct {
		ID     int64     `parquet:"id"`
		Vector []float32 `parquet:"vector,list"`
	}
	type intEmb struct {
		ID  int64   `parquet:"id"`
		Emb []int64 `parquet:"emb,list"`
	}
	good := []vec{{0, []float32{1, 2}}, {1, []float32{3, 4}}}
	pq := map[string]any{
		"no_test/train.parquet":          good,
		"no_emb/train.parquet":           []renamed{{0, []float32{1, 2}}},
		"no_emb/test.parquet":            []renamed{{0, []float32{1, 2}}},
		"nan_emb/train.parquet":          []vec{{0, []float32{1, 2}}, {1, []float32{nan, 4}}},
		"nan_emb/test.parquet":           good,
		"ids_out_of_order/train.parquet": []vec{{1, []float32{1, 2}}, {0, []float32{3, 4}}},
		"ids_out_of_order/test.parquet":  good,
		"int_emb/train.parquet":          []intEmb{{0, []int64{1, 2}}},
		"int_emb/test.parquet":           []intEmb{{0, []int64{1, 2}}},
		"ragged_queries/train.parquet":   good,
		"ragged_queries/test.parquet":    []vec{{0, []float32{1, 2}}, {1, []float32{1, 2, 3}}},
		"empty_emb/train.parquet":        []vec{{0, []float32{}}, {1, []float32{1, 2}}},
		"empty_emb/test.parquet":         good,
		"query_dim/train.parquet":        good,
		"query_dim/test.parquet":         []vec{{0, []float32{1, 2, 3}}},
	}
	for name, rows := range pq {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		switch r := rows.(type) {
		case []vec:
			err = parquet.Write(f, r)
		case []renamed:
			err = parquet.Write(f, r)
		case []intEmb:
			err = parquet.Write(f, r)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	writeBadHDF5(t, dir)
	// A parquet file cut short and one whose footer length is a lie.
	whole, err := os.ReadFile(filepath.Join(dir, "no_test/train.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"truncated_parquet/train.parquet": whole[:len(whole)/2],
		"truncated_parquet/test.parquet":  whole,
		"footer_length/train.parquet":     append(append([]byte("PAR1"), make([]byte, 8)...), 0xff, 0xff, 0xff, 0x7f, 'P', 'A', 'R', '1'),
		"footer_length/test.parquet":      whole,
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMalformedFiles opens every malformed dataset in testdata/bad the way
// a run does and asserts its exact one-line error.
func TestMalformedFiles(t *testing.T) {
	if *writeCorpus {
		writeBadCorpus(t, badDir)
	}
	files := func(source, base, query, truth string) workloads.DatasetSpec {
		return workloads.DatasetSpec{Source: source, Metric: workloads.L2, BaseFile: base, QueryFile: query, TruthFile: truth}
	}
	dir := func(source, path string) workloads.DatasetSpec {
		return workloads.DatasetSpec{Source: source, Metric: workloads.L2, Path: path}
	}
	hdf5 := func(base string) workloads.DatasetSpec {
		return workloads.DatasetSpec{Source: workloads.SourceHDF5, BaseFile: base}
	}
	const d = badDir + "/"
	// Inspect (what validate runs) reads headers only; it must report
	// every case a header shows with the same error.
	notInHeader := map[string]bool{"rows of two dimensions": true, "NaN in the base": true, "infinity in the queries": true,
		"npy NaN": true, "parquet NaN": true, "parquet ids": true, "parquet integer emb": true, "parquet ragged queries": true,
		"hdf5 chunk does not inflate": true}
	tests := []struct {
		name string
		spec workloads.DatasetSpec
		want string
	}{
		{"truncated record", files("fvecs", "truncated_record.fvecs", "query4.fvecs", ""),
			d + "truncated_record.fvecs: offset 40: truncated fvecs record (file size 46 is not a multiple of record size 20 for dim 4)"},
		{"short header", files("fvecs", "short_header.fvecs", "query4.fvecs", ""),
			d + "short_header.fvecs: offset 0: truncated fvecs header"},
		{"zero dimension", files("fvecs", "zero_dim.fvecs", "query4.fvecs", ""),
			d + "zero_dim.fvecs: offset 0: invalid fvecs dimension 0"},
		{"negative dimension", files("fvecs", "negative_dim.fvecs", "query4.fvecs", ""),
			d + "negative_dim.fvecs: offset 0: invalid fvecs dimension -3"},
		{"huge dimension", files("fvecs", "huge_dim.fvecs", "query4.fvecs", ""),
			d + "huge_dim.fvecs: offset 0: invalid fvecs dimension 16777216"},
		{"rows of two dimensions", files("fvecs", "mixed_dim.fvecs", "query4.fvecs", ""),
			d + "mixed_dim.fvecs: offset 20: row 1 has dimension 2, want 4"},
		{"NaN in the base", files("fvecs", "nan.fvecs", "query4.fvecs", ""),
			d + "nan.fvecs: offset 28: row 1 component 1 is NaN"},
		{"infinity in the queries", files("fvecs", "good.fvecs", "inf_query.fvecs", ""),
			d + "inf_query.fvecs: offset 4: row 0 component 0 is +Inf"},
		{"empty base", files("fvecs", "empty.fvecs", "query4.fvecs", ""),
			d + "empty.fvecs: no vectors"},
		{"missing base", files("fvecs", "missing.fvecs", "query4.fvecs", ""),
			"dataset.base_file: " + d + "missing.fvecs is not a readable file (relative paths start at the workload's directory, or dataset.path)"},
		{"missing truth", files("fvecs", "good.fvecs", "query4.fvecs", "good_truth"),
			"dataset.truth_file: " + d + "good_truth is not a readable file (relative paths start at the workload's directory, or dataset.path)"},
		{"query dimension", files("fvecs", "good.fvecs", "query2.fvecs", ""),
			d + "query2.fvecs: offset 0: queries have dimension 2 but base " + d + "good.fvecs has 4"},
		{"workload dimension", workloads.DatasetSpec{Source: "fvecs", Metric: workloads.L2, Dim: 16, BaseFile: "good.fvecs", QueryFile: "query4.fvecs"},
			d + "good.fvecs: dimension is 4 but the workload says dim: 16"},
		{"truncated bvecs", files("bvecs", "truncated.bvecs", "truncated.bvecs", ""),
			d + "truncated.bvecs: offset 0: truncated bvecs record (file size 7 is not a multiple of record size 8 for dim 4)"},
		{"truncated truth", files("fvecs", "good.fvecs", "query4.fvecs", "truncated_truth.ivecs"),
			d + "truncated_truth.ivecs: offset 12: truncated ivecs record (file size 20 is not a multiple of record size 12 for dim 2)"},
		{"npy magic", files("npy", "bad_magic.npy", "good.npy", ""),
			d + "bad_magic.npy: offset 0: not a .npy file (bad magic)"},
		{"npy version", files("npy", "version9.npy", "good.npy", ""),
			d + "version9.npy: offset 6: unsupported .npy version 9"},
		{"npy header cut", files("npy", "truncated_header.npy", "good.npy", ""),
			d + "truncated_header.npy: offset 10: truncated .npy header (118 bytes declared, the file has 30 after the preamble)"},
		{"npy header length beyond the file", files("npy", "huge_header.npy", "good.npy", ""),
			d + "huge_header.npy: offset 10: truncated .npy header (65535 bytes declared, the file has 1 after the preamble)"},
		{"npy float64", files("npy", "float64.npy", "good.npy", ""),
			d + `float64.npy: offset 10: dtype "<f8" not supported (use float32 '<f4', float16 '<f2', uint8 '|u1', int8 '|i1', int32 '<i4' or int64 '<i8')`},
		{"npy big endian", files("npy", "good.npy", "big_endian.npy", ""),
			d + `big_endian.npy: offset 10: dtype ">f4" not supported (use float32 '<f4', float16 '<f2', uint8 '|u1', int8 '|i1', int32 '<i4' or int64 '<i8')`},
		{"npy Fortran order", files("npy", "fortran.npy", "good.npy", ""),
			d + "fortran.npy: offset 10: only C-order arrays are supported (fortran_order must be False)"},
		{"npy one dimension", files("npy", "one_d.npy", "good.npy", ""),
			d + "one_d.npy: offset 10: need a 2-D array (rows, dim), shape is (4,)"},
		{"npy no descr", files("npy", "no_descr.npy", "good.npy", ""),
			d + "no_descr.npy: offset 10: .npy header has no descr"},
		{"npy data cut", files("npy", "truncated_data.npy", "good.npy", ""),
			d + "truncated_data.npy: offset 144: truncated .npy data (shape (3, 2) needs 3 rows of 8 bytes, the file holds 2)"},
		{"npy NaN", files("npy", "nan.npy", "good.npy", ""),
			d + "nan.npy: offset 136: row 1 component 0 is NaN"},
		{"npy shape overflow", files("npy", "shape_overflow.npy", "good.npy", ""),
			d + "shape_overflow.npy: offset 144: truncated .npy data (shape (4611686018427387904, 4) needs 4611686018427387904 rows of 16 bytes, the file holds 1)"},
		{"npy huge row", files("npy", "huge_dim.npy", "good.npy", ""),
			d + "huge_dim.npy: offset 128: truncated .npy data (a row of 1099511627776 × 4 bytes is more than the 0 bytes after the header)"},
		{"npy float truth", files("npy", "good.npy", "good.npy", "float_truth.npy"),
			d + "float_truth.npy: holds float32, not integer ids"},
		{"no layout", dir("dir", "no_layout"),
			d + "no_layout: no known dataset layout (VectorDBBench parquet train*.parquet + test.parquet; TEXMEX *_base.fvecs + *_query.fvecs; base.npy + queries.npy; one ann-benchmarks *.hdf5 file)"},
		{"parquet without test", dir("parquet", "no_test"),
			d + "no_test: VectorDBBench layout needs train*.parquet and test.parquet"},
		{"parquet without emb", dir("parquet", "no_emb"),
			d + `no_emb/train.parquet: no column "emb" (have id, vector.list.element)`},
		{"not parquet", dir("parquet", "not_parquet"),
			d + "not_parquet/train.parquet: offset 0: not a readable parquet file: no PAR1 magic"},
		{"parquet cut short", dir("parquet", "truncated_parquet"),
			d + "truncated_parquet/train.parquet: offset 279: not a readable parquet file: no PAR1 magic at the end (encrypted footers are not supported)"},
		{"parquet footer length", dir("parquet", "footer_length"),
			d + "footer_length/train.parquet: offset 12: not a readable parquet file: footer of 2147483647 bytes declared, the file holds 8"},
		{"parquet NaN", dir("parquet", "nan_emb"),
			d + "nan_emb/train.parquet: row 1: emb component 0 is NaN"},
		{"parquet ids", dir("parquet", "ids_out_of_order"),
			d + "ids_out_of_order/train.parquet: row 0: id must be 0 (ids run 0..N-1 in file order)"},
		{"parquet integer emb", dir("parquet", "int_emb"),
			d + "int_emb/test.parquet: row 0: emb holds INT64 values, want float or double (or bytes for vector_type binary)"},
		{"parquet ragged queries", dir("parquet", "ragged_queries"),
			d + "ragged_queries/test.parquet: row 1: emb has dimension 3, want 2"},
		{"parquet empty emb", dir("parquet", "empty_emb"),
			d + "empty_emb/train.parquet: row 0: empty emb"},
		{"hdf5 not hdf5", hdf5("not_hdf5.hdf5"),
			d + `not_hdf5.hdf5: offset 0: not an HDF5 file (no signature \211HDF\r\n\032\n at offset 0, 512, 1024, ...)`},
		{"hdf5 superblock version", hdf5("sb_version.hdf5"),
			d + "sb_version.hdf5: offset 8: superblock version 4 is not supported (versions 0 to 3 are)"},
		{"hdf5 truncated", hdf5("truncated.hdf5"),
			d + "truncated.hdf5: offset 40: the file is truncated: the superblock says it ends at 9130, it has 4096 bytes"},
		{"hdf5 superblock checksum", hdf5("sb_checksum.hdf5"),
			d + "sb_checksum.hdf5: offset 44: superblock checksum mismatch (stored 91e7d2c8, computed 000512d9): the file is corrupt"},
		{"hdf5 object header checksum", hdf5("ohdr_checksum.hdf5"),
			d + "ohdr_checksum.hdf5: offset 175: object header checksum mismatch (stored 09b043ec, computed f6b043ec): the file is corrupt"},
		{"hdf5 chunk beyond the file", hdf5("chunk_beyond.hdf5"),
			d + "chunk_beyond.hdf5: offset 6168: dataset train chunk (0, 0) at address 1099511627776 (88 bytes) lies beyond the end of the file (9130 bytes)"},
		{"hdf5 chunk does not inflate", hdf5("bad_chunk.hdf5"),
			d + "bad_chunk.hdf5: offset 8760: dataset train: chunk does not inflate: zlib: invalid header"},
		{"hdf5 no train", hdf5("no_train.hdf5"),
			d + "no_train.hdf5: offset 0: no dataset train: an ann-benchmarks file has train (base vectors), test (queries) and optionally neighbors (it has neighbors, test, trian)"},
		{"hdf5 rows beyond the file", hdf5("huge_rows.hdf5"),
			d + "huge_rows.hdf5: offset 904: dataset train: 1099511627776 × 4 elements of 4 bytes cannot be held by a file of 9130 bytes"},
		{"hdf5 compound train", hdf5("compound_train.hdf5"),
			d + "compound_train.hdf5: offset 976: dataset train holds compound (4 bytes), not numbers (float32, float64 or integers)"},
		{"hdf5 hamming", hdf5("hamming.hdf5"),
			d + "hamming.hdf5: offset 888: the file's distance is hamming (metric HAMMING), for binary vectors: set dataset.vector_type: binary (the file holds them packed, dim/8 bytes a row)"},
		{"hdf5 extensible array checksum", hdf5("ea_checksum.hdf5"),
			d + "ea_checksum.hdf5: offset 911: extensible array index block checksum mismatch (stored ea211b48, computed 5aedd5ff): the file is corrupt"},
		{"parquet query dimension", dir("parquet", "query_dim"),
			d + "query_dim/test.parquet: offset 0: queries have dimension 3 but base " + d + "query_dim/train.parquet has 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Open(t.Context(), tt.spec, badDir)
			if err == nil {
				t.Fatal("opened without error")
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tt.want)
			}
			_, _, err = Inspect(tt.spec, badDir)
			switch {
			case notInHeader[tt.name] && err != nil:
				t.Errorf("Inspect found what only a full read can: %v", err)
			case !notInHeader[tt.name] && (err == nil || err.Error() != tt.want):
				t.Errorf("Inspect error\n got: %v\nwant: %s", err, tt.want)
			}
		})
	}
}
