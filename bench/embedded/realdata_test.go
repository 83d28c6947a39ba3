package embedded

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/internal/vecmath"
)

// The real 384-d set: all-MiniLM-L6-v2 embeddings of Debian package
// descriptions, kept beside the repository in ../shared (SOURCE.txt there
// says how it was made). A fresh clone has no ../shared; tests that need it
// skip then.
const miniLMRel = "../shared/data/debdesc-minilm/embeddings_f16.npy"

// repoRoot walks up from the package directory to the folder with go.mod.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = up
	}
}

// miniLMPath returns the MiniLM embeddings file, or skips the test when it
// is absent ($MILVBENCH_MINILM overrides the path).
func miniLMPath(t testing.TB) string {
	t.Helper()
	p := os.Getenv("MILVBENCH_MINILM")
	if p == "" {
		p = filepath.Join(repoRoot(t), miniLMRel)
	}
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real MiniLM set not found (%v): it lives in ../shared beside the repository, which a fresh clone lacks", err)
	}
	return p
}

var (
	npyShapeRe = regexp.MustCompile(`'shape'\s*:\s*\((\d+),\s*(\d+)\)`)
	npyDescrRe = regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`)
)

// readNpyF16 reads the first n rows (all when n ≤ 0) of a 2-D little-endian
// float16 .npy file as float32 rows back to back, and returns the row length.
func readNpyF16(path string, n int) ([]float32, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var pre [10]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil || string(pre[:6]) != "\x93NUMPY" || pre[6] != 1 {
		return nil, 0, fmt.Errorf("%s: not a version 1 .npy file", path)
	}
	hdr := make([]byte, binary.LittleEndian.Uint16(pre[8:]))
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, 0, fmt.Errorf("%s: truncated header", path)
	}
	d, s := npyDescrRe.FindStringSubmatch(string(hdr)), npyShapeRe.FindStringSubmatch(string(hdr))
	if d == nil || d[1] != "<f2" || s == nil || !strings.Contains(string(hdr), "'fortran_order': False") {
		return nil, 0, fmt.Errorf("%s: want a C-order 2-D '<f2' array, header %q", path, hdr)
	}
	rows, _ := strconv.Atoi(s[1])
	dim, _ := strconv.Atoi(s[2])
	if n <= 0 || n > rows {
		n = rows
	}
	raw := make([]byte, 2*dim)
	out := make([]float32, n*dim)
	for i := range n {
		if _, err := io.ReadFull(r, raw); err != nil {
			return nil, 0, fmt.Errorf("%s: row %d: %w", path, i, err)
		}
		for j := range dim {
			out[i*dim+j] = f16(binary.LittleEndian.Uint16(raw[2*j:]))
		}
	}
	return out, dim, nil
}

// f16 converts an IEEE 754 half-precision value to float32.
func f16(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf, NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: renormalise
		e := uint32(127 - 15 + 1)
		for frac&0x400 == 0 {
			frac <<= 1
			e--
		}
		return math.Float32frombits(sign | e<<23 | (frac&0x3ff)<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}

func TestF16(t *testing.T) {
	for _, tc := range []struct {
		h    uint16
		want float32
	}{
		{0x0000, 0}, {0x3c00, 1}, {0xc000, -2}, {0x3555, 0.33325195}, {0x7bff, 65504},
		{0x0001, 5.9604645e-08}, {0x0400, 6.1035156e-05}, {0x03ff, 6.097555e-05},
	} {
		if got := f16(tc.h); got != tc.want {
			t.Errorf("f16(%#04x) = %g, want %g", tc.h, got, tc.want)
		}
	}
	if got := f16(0x7c00); !math.IsInf(float64(got), 1) {
		t.Errorf("f16(0x7c00) = %g, want +Inf", got)
	}
}

// realSet is a base and query split of a real embedding file, unit norm
// (cosine as inner product), with exact top-k by brute force.
type realSet struct {
	dim     int
	base    []float32 // rows back to back
	queries []float32
	truth   [][]cand // exact top-k per query, closest first
}

func (r *realSet) nBase() int  { return len(r.base) / r.dim }
func (r *realSet) nQuery() int { return len(r.queries) / r.dim }
func (r *realSet) query(i int) []float32 {
	return r.queries[i*r.dim : (i+1)*r.dim]
}

// loadMiniLM splits the MiniLM file: nQuery query rows spread evenly over
// the file (rows are sorted by package name, so the queries cover the whole
// corpus), and the first nBase of the other rows as the base.
func loadMiniLM(t testing.TB, nBase, nQuery, k int) *realSet {
	t.Helper()
	all, dim, err := readNpyF16(miniLMPath(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	rows := len(all) / dim
	if nBase+nQuery > rows {
		t.Fatalf("want %d base and %d query rows, the file has %d", nBase, nQuery, rows)
	}
	step := rows / nQuery
	rs := &realSet{dim: dim, base: make([]float32, 0, nBase*dim), queries: make([]float32, 0, nQuery*dim)}
	for i := range rows {
		v := all[i*dim : (i+1)*dim]
		vecmath.Normalize(v)
		switch {
		case i%step == step/2 && len(rs.queries) < nQuery*dim:
			rs.queries = append(rs.queries, v...)
		case len(rs.base) < nBase*dim:
			rs.base = append(rs.base, v...)
		}
	}
	f := &flat{s: &store{dim: dim, data: rs.base}}
	rs.truth = make([][]cand, nQuery)
	for i := range nQuery {
		rs.truth[i] = f.search(rs.query(i), k, nil, nil)
	}
	return rs
}

// recallAt is recall@k of found against the exact top-k, counting a found
// row whose distance ties the k-th exact one as a hit (duplicates in real
// data make the exact ids ambiguous).
func (r *realSet) recallAt(qi int, found []uint32, k int) float64 {
	truth := r.truth[qi][:k]
	kth := truth[k-1].d
	s := &store{dim: r.dim, data: r.base}
	hit := 0
	for _, id := range found[:min(k, len(found))] {
		if s.dist(r.query(qi), id) <= kth+1e-6 {
			hit++
		}
	}
	return float64(hit) / float64(k)
}
