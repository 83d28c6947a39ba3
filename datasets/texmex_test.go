package datasets

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestTexmexRoundTrip(t *testing.T) {
	dir := t.TempDir()
	vecs := [][]float32{{1, 2, 3}, {-1.5, 0, 7e-8}, {4, 5, 6}}
	rows := [][]int32{{1, -2}, {3, 4}}
	bytes := [][]uint8{{0, 255, 7}}
	tests := []struct {
		name  string
		write func(string) error
		read  func(string) (any, error)
		want  any
	}{
		{"fvecs", func(p string) error { return WriteFvecs(p, vecs) }, func(p string) (any, error) { return ReadFvecs(p) }, vecs},
		{"ivecs", func(p string) error { return WriteIvecs(p, rows) }, func(p string) (any, error) { return ReadIvecs(p) }, rows},
		{"bvecs", func(p string) error { return WriteBvecs(p, bytes) }, func(p string) (any, error) {
			r, err := OpenVecs(p, Bvecs)
			if err != nil {
				return nil, err
			}
			defer r.Close()
			v := make([]float32, r.Dim())
			if err := r.ReadFloat32(v); err != nil {
				return nil, err
			}
			return [][]float32{v}, nil
		}, [][]float32{{0, 255, 7}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, "x."+tc.name)
			if err := tc.write(p); err != nil {
				t.Fatal(err)
			}
			got, err := tc.read(p)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v want %v", got, tc.want)
			}
		})
	}
}

func TestTexmexErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.fvecs")
	if err := WriteFvecs(good, [][]float32{{1, 2}, {3, 4}}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(good)
	nan := filepath.Join(dir, "nan.fvecs")
	if err := WriteFvecs(nan, [][]float32{{1, 2}, {3, float32(math.NaN())}}); err != nil {
		t.Fatal(err)
	}
	trunc := filepath.Join(dir, "trunc.fvecs")
	os.WriteFile(trunc, raw[:len(raw)-3], 0o644)
	ragged := filepath.Join(dir, "ragged.fvecs")
	if err := WriteFvecs(ragged, [][]float32{{1, 2, 3}, {4}, {5, 6, 7}, {8}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, want string
	}{
		{nan, "nan.fvecs: offset 20: row 1 component 1 is NaN"},
		{trunc, "trunc.fvecs: offset 12: truncated fvecs record"},
		{ragged, "ragged.fvecs: offset 16: row 1 has dimension 1, want 3"},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			_, err := ReadFvecs(tc.path)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
