package datasets

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/workloads"
)

func TestFloat16Bits(t *testing.T) {
	tests := []struct {
		x    float32
		want uint16
	}{
		{0, 0x0000},
		{float32(math.Copysign(0, -1)), 0x8000},
		{1, 0x3c00},
		{-2, 0xc000},
		{0.1, 0x2e66},
		{65504, 0x7bff},
		{65519, 0x7bff},             // below the midpoint to 65536
		{65520, 0x7c00},             // the midpoint rounds to even: Inf
		{1 + 1.0/2048, 0x3c00},      // tie between 1 and 1+2^-10: even (1)
		{1 + 3.0/2048, 0x3c02},      // tie between 1+2^-10 and 1+2^-9: even
		{5.960464477539063e-08, 1},  // the smallest subnormal
		{2.9802322387695312e-08, 0}, // half of it: tie to even (0)
		{float32(math.Inf(1)), 0x7c00},
	}
	for _, tt := range tests {
		if got := Float16Bits(tt.x); got != tt.want {
			t.Errorf("Float16Bits(%g) = %#04x, want %#04x", tt.x, got, tt.want)
		}
	}
	// Every finite half value converts back to itself.
	for h := range uint32(1 << 16) {
		if h&0x7c00 == 0x7c00 {
			continue
		}
		if got := Float16Bits(Float16Value(uint16(h))); got != uint16(h) {
			t.Fatalf("Float16Bits(Float16Value(%#04x)) = %#04x", h, got)
		}
	}
	// Rounding picks the nearest of the two neighbouring halves.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		x := float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(30)-20)))
		h := Float16Bits(x)
		r := Float16Value(h)
		for _, nb := range []uint16{h - 1, h + 1} {
			if nb&0x7c00 == 0x7c00 {
				continue
			}
			if o := Float16Value(nb); math.Abs(float64(o-x)) < math.Abs(float64(r-x)) {
				t.Fatalf("Float16Bits(%g) = %g, but %g is nearer", x, r, o)
			}
		}
	}
}

func TestBFloat16Bits(t *testing.T) {
	tests := []struct {
		x    float32
		want float32
	}{
		{1, 1},
		{1 + 1.0/256, 1},           // tie: even
		{1 + 3.0/256, 1 + 4.0/256}, // tie: even
		{1 + 1.0/128 + 1.0/1024, 1 + 1.0/128},
		{0.1, 0.10009765625},
		{-3.3, -3.296875},
	}
	for _, tt := range tests {
		if got := BFloat16Value(BFloat16Bits(tt.x)); got != tt.want {
			t.Errorf("bfloat16(%g) = %g, want %g", tt.x, got, tt.want)
		}
	}
}

// TestVectorTypeGroundTruth checks that a synthetic set stored as each type
// serves the converted values, has its own checksum and cache key, and that
// its ground truth is the exact top-k over the converted vectors.
func TestVectorTypeGroundTruth(t *testing.T) {
	ctx := context.Background()
	spec := workloads.DatasetSpec{Source: "synthetic", Size: 600, Dim: 16, Metric: workloads.L2, Queries: 20, Seed: 3, Distribution: workloads.DistClustered, Clusters: 4}
	plain, err := NewSynthetic(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	for _, vt := range workloads.VectorTypes() {
		t.Run(vt, func(t *testing.T) {
			s := spec
			s.VectorType = vt
			ds, err := NewSynthetic(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]string{true: "", false: vt}[vt == workloads.VectorFloat]; ds.Info.VectorType != want {
				t.Errorf("Info.VectorType = %q, want %q", ds.Info.VectorType, want)
			}
			rows := readRows(t, ds.Base)
			for i, v := range append(rows, ds.Queries...) {
				c := append([]float32(nil), v...)
				if err := StoreAs(vt, c); err != nil {
					t.Fatalf("row %d: %v", i, err)
				}
				for j := range c {
					if c[j] != v[j] {
						t.Fatalf("row %d component %d = %g, not a %s value (%g)", i, j, v[j], vt, c[j])
					}
				}
			}
			if vt == workloads.VectorFloat16 || vt == workloads.VectorBFloat16 {
				// The stored values are the float set's, rounded.
				want := readRows(t, plain.Base)
				StoreAs(vt, want[0])
				if want[0][0] != rows[0][0] || want[0][1] != rows[0][1] {
					t.Errorf("row 0 starts %v, want the float set's rounded: %v", rows[0][:2], want[0][:2])
				}
			}
			if vt == workloads.VectorInt8 {
				spread := float32(0)
				for _, x := range rows[0] {
					spread = max(spread, float32(math.Abs(float64(x))))
				}
				if spread < 16 {
					t.Errorf("int8 row 0 spans only ±%g of ±127", spread)
				}
			}
			cache := GTCache{Dir: t.TempDir()}
			gt, _, err := GroundTruthFor(ctx, ds, GTOptions{K: 5}, "", cache)
			if err != nil {
				t.Fatal(err)
			}
			dist := Distance(ds.Info.Metric)
			for qi, q := range ds.Queries {
				best, bd := -1, float32(math.Inf(1))
				for i, r := range rows {
					if d := dist(q, r); d < bd {
						best, bd = i, d
					}
				}
				if gt.Dists[qi][0] != bd {
					t.Fatalf("query %d: nearest distance %g, want %g (row %d) over the %s values", qi, gt.Dists[qi][0], bd, best, vt)
				}
			}
			keys[vt] = ds.Info.Checksum + " " + gtKeyOf(ds)
		})
	}
	seen := map[string]string{}
	for vt, k := range keys {
		if o, ok := seen[k]; ok {
			t.Errorf("%s and %s share checksum and cache key %s", vt, o, k)
		}
		seen[k] = vt
	}
}

// gtKeyOf is the cache file GroundTruthFor uses for ds at k=5.
func gtKeyOf(ds *Dataset) string {
	dir, _ := os.MkdirTemp("", "gtkey")
	defer os.RemoveAll(dir)
	GroundTruthFor(context.Background(), ds, GTOptions{K: 5}, "", GTCache{Dir: dir})
	m, _ := filepath.Glob(filepath.Join(dir, "*.gt"))
	if len(m) != 1 {
		return ""
	}
	return filepath.Base(m[0])
}

func readRows(t *testing.T, b Base) [][]float32 {
	t.Helper()
	var out [][]float32
	if err := b.Scan(context.Background(), 64, func(_ int64, vecs [][]float32) error {
		for _, v := range vecs {
			out = append(out, append([]float32(nil), v...))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestVectorTypeFiles reads each file kind under each vector type: int8
// and uint8 npy and bvecs files as whole numbers, float16 npy files, and a
// float file with fractions refused for int8 in one line naming the file.
func TestVectorTypeFiles(t *testing.T) {
	dir := t.TempDir()
	f32 := [][]float32{{0.25, 1, -2}, {3, 4, 5}, {1, 1, 1}}
	whole := [][]float32{{-128, 1, 127}, {3, 4, 5}, {1, 1, 1}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(WriteNpy(filepath.Join(dir, "frac.npy"), f32))
	must(WriteNpy(filepath.Join(dir, "whole.npy"), whole))
	must(WriteNpy(filepath.Join(dir, "i8.npy"), [][]int8{{-128, 1, 127}, {3, 4, 5}, {1, 1, 1}}))
	must(WriteNpy(filepath.Join(dir, "u8.npy"), [][]uint8{{0, 1, 127}, {3, 4, 5}, {1, 1, 1}}))
	must(WriteNpy(filepath.Join(dir, "u8big.npy"), [][]uint8{{0, 1, 200}, {3, 4, 5}}))
	must(WriteBvecs(filepath.Join(dir, "b.bvecs"), [][]uint8{{0, 1, 127}, {3, 4, 5}}))
	must(WriteBvecs(filepath.Join(dir, "big.bvecs"), [][]uint8{{0, 1, 255}, {3, 4, 5}}))
	must(writeNpyF16(filepath.Join(dir, "h.npy"), [][]float32{{0.1, 1, -2}, {3, 4, 65504}}))
	tests := []struct {
		source, base, vt string
		want0            []float32
		err              string
	}{
		{"npy", "frac.npy", "float", []float32{0.25, 1, -2}, ""},
		{"npy", "frac.npy", "float16", []float32{0.25, 1, -2}, ""},
		{"npy", "frac.npy", "int8", nil, "frac.npy: query 0 component 0 is 0.25: vector_type int8 needs whole numbers from -128 to 127"},
		{"npy", "whole.npy", "int8", []float32{-128, 1, 127}, ""},
		{"npy", "i8.npy", "int8", []float32{-128, 1, 127}, ""},
		{"npy", "u8.npy", "int8", []float32{0, 1, 127}, ""},
		{"npy", "u8big.npy", "int8", nil, "u8big.npy: query 0 component 2 is 200: vector_type int8"},
		{"bvecs", "b.bvecs", "int8", []float32{0, 1, 127}, ""},
		{"bvecs", "big.bvecs", "int8", nil, "big.bvecs: query 0 component 2 is 255"},
		{"npy", "h.npy", "float16", []float32{Float16Value(0x2e66), 1, -2}, ""},
		{"npy", "h.npy", "bfloat16", []float32{BFloat16Value(BFloat16Bits(Float16Value(0x2e66))), 1, -2}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.base+"/"+tt.vt, func(t *testing.T) {
			spec := workloads.DatasetSpec{Source: tt.source, BaseFile: tt.base, QueryFile: tt.base, Metric: workloads.L2, VectorType: tt.vt}
			ds, _, err := Open(context.Background(), spec, dir)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("err = %v, want one line containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rows := readRows(t, ds.Base)
			for j, w := range tt.want0 {
				if rows[0][j] != w || ds.Queries[0][j] != w {
					t.Fatalf("row 0 = %v, query 0 = %v, want %v", rows[0], ds.Queries[0], tt.want0)
				}
			}
		})
	}
}

func writeNpyF16(path string, rows [][]float32) error {
	h := "{'descr': '<f2', 'fortran_order': False, 'shape': (" + strconv.Itoa(len(rows)) + ", " + strconv.Itoa(len(rows[0])) + "), }"
	h += strings.Repeat(" ", 64-(10+len(h)+1)%64) + "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(h)), byte(len(h)>>8))
	b = append(b, h...)
	for _, r := range rows {
		for _, x := range r {
			v := Float16Bits(x)
			b = append(b, byte(v), byte(v>>8))
		}
	}
	return os.WriteFile(path, b, 0o644)
}

// TestVectorTypeBaseError checks a base row that cannot be stored as int8
// fails the open (the checksum reads every row) naming file and row.
func TestVectorTypeBaseError(t *testing.T) {
	dir := t.TempDir()
	if err := WriteNpy(filepath.Join(dir, "b.npy"), [][]float32{{1, 2}, {3, 4.5}}); err != nil {
		t.Fatal(err)
	}
	if err := WriteNpy(filepath.Join(dir, "q.npy"), [][]float32{{1, 2}}); err != nil {
		t.Fatal(err)
	}
	spec := workloads.DatasetSpec{Source: "npy", BaseFile: "b.npy", QueryFile: "q.npy", Metric: workloads.L2, VectorType: workloads.VectorInt8}
	_, _, err := Open(context.Background(), spec, dir)
	if want := "b.npy: row 1 component 1 is 4.5: vector_type int8"; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want it to contain %q", err, want)
	}
}

// TestDatasetAs checks a float set viewed as float16 matches the set
// opened as float16 (values, checksum), and leaves the float set as it was.
func TestDatasetAs(t *testing.T) {
	ctx := context.Background()
	spec := workloads.DatasetSpec{Source: "synthetic", Size: 300, Dim: 8, Metric: workloads.L2, Queries: 5, Seed: 4, Distribution: workloads.DistGaussian}
	plain, err := NewSynthetic(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	sum, q0 := plain.Info.Checksum, append([]float32(nil), plain.Queries[0]...)
	as, err := plain.As(ctx, workloads.VectorFloat16)
	if err != nil {
		t.Fatal(err)
	}
	spec.VectorType = workloads.VectorFloat16
	opened, err := NewSynthetic(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if as.Info.Checksum != opened.Info.Checksum || as.Info.VectorType != "float16" || as.Info.Name != opened.Info.Name {
		t.Errorf("As: %+v, opened as float16: %+v", as.Info, opened.Info)
	}
	if plain.Info.Checksum != sum || plain.Queries[0][0] != q0[0] || plain.Info.VectorType != "" {
		t.Errorf("As changed the float set: %+v", plain.Info)
	}
	if _, err := as.As(ctx, workloads.VectorBFloat16); err == nil {
		t.Error("As of a float16 set: no error")
	}
}
