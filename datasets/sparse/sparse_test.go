package sparse

import (
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/datasets"
)

func vec(pairs ...float64) Vector {
	var v Vector
	for i := 0; i < len(pairs); i += 2 {
		v.Indices = append(v.Indices, uint32(pairs[i]))
		v.Values = append(v.Values, float32(pairs[i+1]))
	}
	return v
}

func TestDotAndCheck(t *testing.T) {
	tests := []struct {
		name    string
		a, b    Vector
		dot     float32
		wantErr string // of a.Check()
	}{
		{"disjoint", vec(1, 2, 3, 4), vec(2, 5, 4, 1), 0, ""},
		{"shared", vec(1, 2, 3, 4, 9, 1), vec(3, 0.5, 9, 2), 4, ""},
		{"empty", Vector{}, vec(1, 1), 0, ""},
		{"unsorted", vec(3, 1, 1, 1), vec(), 0, "index 1 follows 3 (indices must increase strictly)"},
		{"duplicate", vec(3, 1, 3, 1), vec(), 0, "index 3 follows 3 (indices must increase strictly)"},
		{"nan", vec(3, math.NaN()), vec(), 0, "value of dimension 3 is NaN (values must be finite)"},
		{"lengths", Vector{Indices: []uint32{1}}, vec(), 0, "1 indices but 0 values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.a.Check()
			if got := errString(err); got != tt.wantErr {
				t.Fatalf("Check() = %q, want %q", got, tt.wantErr)
			}
			if err == nil {
				if got := Dot(tt.a, tt.b); got != tt.dot {
					t.Fatalf("Dot = %v, want %v", got, tt.dot)
				}
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// bruteIP is the reference: every row sharing a dimension, scored by Dot.
func bruteIP(t *testing.T, base Base, queries []Vector, k int) *datasets.GroundTruth {
	t.Helper()
	var rows []Vector
	err := base.Scan(t.Context(), 1000, func(_ int64, b []Vector) error {
		for _, r := range b {
			rows = append(rows, r.Clone())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	gt := &datasets.GroundTruth{K: k}
	for _, q := range queries {
		h := topK{k: k}
		for i, r := range rows {
			if shares(q, r) {
				h.offer(-Dot(q, r), int64(i))
			}
		}
		ids, ds := h.result()
		gt.IDs, gt.Dists = append(gt.IDs, ids), append(gt.Dists, ds)
	}
	return gt
}

func TestExactIPMatchesBruteForce(t *testing.T) {
	spec := DefaultSyntheticSpec(700, 12, 7)
	spec.Dims = 3000
	base, queries, err := NewSynthetic(spec)
	if err != nil {
		t.Fatal(err)
	}
	// Ties: a query equal to a base row, and a row duplicated.
	queries = append(queries, base.Row(5), vec(1, 1))
	for _, k := range []int{1, 10, 100} {
		want := bruteIP(t, base, queries, k)
		for _, o := range []Options{{K: k, Workers: 1}, {K: k, Workers: 3, batch: 97}, {K: k, batch: 1}} {
			got, err := ExactIP(t.Context(), base, queries, o)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("k=%d %+v: ExactIP differs from brute force", k, o)
			}
		}
	}
}

func TestExactIPTies(t *testing.T) {
	// Rows 1, 2 and 4 tie for second place; row 3 shares nothing.
	base := Vectors{DimsLen: 10, Rows: []Vector{vec(0, 3), vec(0, 1, 5, 1), vec(0, 2), vec(7, 9), vec(0, 1, 1, 1), vec(0, 0.5)}}
	got, err := ExactIP(t.Context(), base, []Vector{vec(0, 1, 1, 1)}, Options{K: 2})
	if err != nil {
		t.Fatal(err)
	}
	wantIDs := []int64{0, 2, 4}
	if !slices.Equal(got.IDs[0], wantIDs) || !slices.Equal(got.Dists[0], []float32{-3, -2, -2}) {
		t.Fatalf("got %v %v, want ids %v (k=2 plus the tie at −2)", got.IDs[0], got.Dists[0], wantIDs)
	}
	if r := got.Relevant(0, 2); len(r) != 3 {
		t.Fatalf("Relevant(0, 2) = %v, want the tie included", r)
	}
	// Row 1 scores 1 (dimension 0 only), row 3 shares nothing: a depth
	// beyond the overlapping rows returns only those.
	got, err = ExactIP(t.Context(), base, []Vector{vec(0, 1, 1, 1)}, Options{K: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.IDs[0], []int64{0, 2, 4, 1, 5}) {
		t.Fatalf("k=10: got %v, want the five overlapping rows", got.IDs[0])
	}
}

func TestExactIPInputErrors(t *testing.T) {
	base := Vectors{DimsLen: 10, Rows: []Vector{vec(0, 1)}}
	tests := []struct {
		name    string
		base    Base
		queries []Vector
		k       int
		want    string
	}{
		{"k zero", base, []Vector{vec(1, 1)}, 0, "ground truth: k must be in 1..1000, got 0"},
		{"query unsorted", base, []Vector{vec(2, 1, 1, 1)}, 1, "ground truth: query 0: index 1 follows 2 (indices must increase strictly)"},
		{"query beyond dims", base, []Vector{vec(10, 1)}, 1, "ground truth: query 0: index 10 ≥ the base's dims 10"},
		{"base beyond dims", Vectors{DimsLen: 5, Rows: []Vector{vec(7, 1)}}, []Vector{vec(1, 1)}, 1, "ground truth: base row 0: index 7 ≥ dims 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ExactIP(t.Context(), tt.base, tt.queries, Options{K: tt.k})
			if errString(err) != tt.want {
				t.Fatalf("got %q, want %q", errString(err), tt.want)
			}
		})
	}
}

func TestSyntheticShape(t *testing.T) {
	spec := DefaultSyntheticSpec(2000, 200, 1)
	base, queries, err := NewSynthetic(spec)
	if err != nil {
		t.Fatal(err)
	}
	var nnz []int
	err = base.Scan(t.Context(), 333, func(first int64, rows []Vector) error {
		for i, r := range rows {
			if err := r.Check(); err != nil {
				t.Fatalf("row %d: %v", first+int64(i), err)
			}
			if !reflect.DeepEqual(r, base.Row(int(first)+i)) {
				t.Fatalf("row %d depends on the batch", first+int64(i))
			}
			for _, x := range r.Values {
				if !(x > 0) {
					t.Fatalf("row %d: weight %v, want positive", first+int64(i), x)
				}
			}
			nnz = append(nnz, r.Len())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(nnz)
	if med := nnz[len(nnz)/2]; med < 100 || med > 140 {
		t.Fatalf("median non-zeros per row %d, want about 120", med)
	}
	for i, q := range queries {
		if q.Len() < 20 || q.Len() > 40 {
			t.Fatalf("query %d has %d non-zeros, want 20..40", i, q.Len())
		}
	}
	if _, _, err := NewSynthetic(SyntheticSpec{Size: 1, Dims: 10, ZipfS: 1}); err == nil {
		t.Fatal("zipf exponent 1 accepted")
	}
}

func TestCSRRoundTrip(t *testing.T) {
	rows := []Vector{vec(0, 1, 7, 2), {}, vec(3, -1.5), vec(1, 1, 2, 2, 9, 3)}
	p := filepath.Join(t.TempDir(), "base.csr")
	if err := WriteCSR(p, 10, rows); err != nil {
		t.Fatal(err)
	}
	for _, batch := range []int{1, 2, 100} {
		c, err := OpenCSR(p, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []Vector
		err = c.Scan(t.Context(), batch, func(_ int64, b []Vector) error {
			for _, r := range b {
				got = append(got, r.Clone())
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(rows) || c.Dims() != 10 || c.NNZ() != 6 {
			t.Fatalf("batch %d: %d rows, dims %d, nnz %d", batch, len(got), c.Dims(), c.NNZ())
		}
		for i := range rows {
			if !slices.Equal(got[i].Indices, rows[i].Indices) || !slices.Equal(got[i].Values, rows[i].Values) {
				t.Fatalf("batch %d: row %d = %v, want %v", batch, i, got[i], rows[i])
			}
		}
	}
	q, dims, err := ReadCSR(p, 2)
	if err != nil || len(q) != 2 || dims != 10 {
		t.Fatalf("ReadCSR limit 2: %d rows, dims %d, %v", len(q), dims, err)
	}
}

// csrBytes builds a CSR file from raw parts, valid or not.
func csrBytes(rows, cols, nnz int64, indptr []int64, indices []int32, data []float32) []byte {
	var b []byte
	for _, x := range append([]int64{rows, cols, nnz}, indptr...) {
		b = binary.LittleEndian.AppendUint64(b, uint64(x))
	}
	for _, x := range indices {
		b = binary.LittleEndian.AppendUint32(b, uint32(x))
	}
	for _, x := range data {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

// malformedCSR is every CSR rule broken once, with the exact error: the
// corpus of TestMalformedCSR and seeds of FuzzCSR.
func malformedCSR() []struct {
	name string
	data []byte
	want string
} {
	nan := float32(math.NaN())
	return []struct {
		name string
		data []byte
		want string
	}{
		{"short header", []byte{1, 0, 0}, "offset 0: 3 bytes, shorter than the 24-byte CSR header (int64 rows, cols, nnz)"},
		{"negative rows", csrBytes(-1, 4, 0, nil, nil, nil), "offset 0: header rows=-1 cols=4 nnz=0: sizes must be ≥ 0"},
		{"negative nnz", csrBytes(1, 4, -2, []int64{0, 0}, nil, nil), "offset 0: header rows=1 cols=4 nnz=-2: sizes must be ≥ 0"},
		{"cols beyond int32", csrBytes(0, 1<<40, 0, []int64{0}, nil, nil), "offset 8: cols=1099511627776 exceeds 2^31 (indices are int32)"},
		{"huge rows", csrBytes(1<<60, 4, 0, []int64{0}, nil, nil), "offset 0: header rows=1152921504606846976 nnz=0 needs more than the file's 32 bytes (24 + 8·(rows+1) + 8·nnz)"},
		{"truncated", csrBytes(2, 4, 3, []int64{0, 1, 3}, []int32{0, 1, 2}, []float32{1, 2})[:0x40], "offset 0: header rows=2 nnz=3 needs more than the file's 64 bytes (24 + 8·(rows+1) + 8·nnz)"},
		{"trailing bytes", append(csrBytes(1, 4, 1, []int64{0, 1}, []int32{0}, []float32{1}), 0, 0, 0, 0, 0, 0, 0, 0), "offset 0: header rows=1 nnz=1 needs 48 bytes (24 + 8·(rows+1) + 8·nnz), the file has 56"},
		{"indptr not from zero", csrBytes(1, 4, 1, []int64{1, 1}, []int32{0}, []float32{1}), "offset 24: indptr[0] = 1, want 0"},
		{"indptr overruns nnz", csrBytes(2, 4, 2, []int64{0, 3, 2}, []int32{0, 1}, []float32{1, 2}), "offset 32: indptr[1] = 3 overruns nnz = 2"},
		{"indptr decreases", csrBytes(3, 4, 2, []int64{0, 2, 1, 2}, []int32{0, 1}, []float32{1, 2}), "offset 40: indptr[2] = 1, below indptr[1] = 2 (indptr must not decrease)"},
		{"indptr short of nnz", csrBytes(2, 4, 3, []int64{0, 1, 2}, []int32{0, 1, 2}, []float32{1, 2, 3}), "offset 40: indptr[2] = 2, want nnz = 3 (the last indptr entry is the non-zero count)"},
		{"index at cols", csrBytes(1, 4, 2, []int64{0, 2}, []int32{1, 4}, []float32{1, 2}), "offset 44: indices[1] = 4, want 0 ≤ index < cols = 4"},
		{"negative index", csrBytes(1, 4, 1, []int64{0, 1}, []int32{-3}, []float32{1}), "offset 40: indices[0] = -3, want 0 ≤ index < cols = 4"},
		{"index twice", csrBytes(1, 4, 2, []int64{0, 2}, []int32{2, 2}, []float32{1, 2}), "offset 40: row 0: dimension 2 is listed twice"},
		{"nan value", csrBytes(1, 4, 2, []int64{0, 2}, []int32{0, 1}, []float32{1, nan}), "offset 52: data[1] = NaN, want a finite value"},
	}
}

func TestMalformedCSR(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range malformedCSR() {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".csr")
			if err := os.WriteFile(p, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			err := readCSRAll(t.Context(), p)
			if want := p + ": " + tt.want; errString(err) != want {
				t.Fatalf("got  %q\nwant %q", errString(err), want)
			}
		})
	}
	// Unsorted indices within a row are sorted, not rejected.
	p := filepath.Join(dir, "unsorted.csr")
	if err := os.WriteFile(p, csrBytes(1, 4, 3, []int64{0, 3}, []int32{3, 0, 1}, []float32{3, 0.5, 1}), 0o600); err != nil {
		t.Fatal(err)
	}
	rows, _, err := ReadCSR(p, 0)
	if err != nil || !reflect.DeepEqual(rows[0], vec(0, 0.5, 1, 1, 3, 3)) {
		t.Fatalf("unsorted row read as %v, %v", rows, err)
	}
}

// readCSRAll opens and scans a CSR file, as a run would.
func readCSRAll(ctx context.Context, path string) error {
	c, err := OpenCSR(path, 0)
	if err != nil {
		return err
	}
	return c.Scan(ctx, 3, func(int64, []Vector) error { return nil })
}
