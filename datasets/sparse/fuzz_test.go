package sparse

// Fuzz targets for the CSR and text readers: any input gives data or a
// one-line error, never a panic, and no reader allocates for a declared
// count more than the file holds. `go test` runs the seeds (the malformed
// tables and small valid files); `make fuzz-short` mutates them.

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkAlloc fails if fn allocated more than a reader may for an input of
// size bytes: fixed buffers (1 MiB) plus 64 bytes per input byte (a
// 4-byte index becomes a uint32 plus slice headers per row).
func checkAlloc(t *testing.T, size int, fn func()) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	if got, limit := after.TotalAlloc-before.TotalAlloc, uint64(16<<20+64*size); got > limit {
		t.Fatalf("a %d-byte input made the reader allocate %d bytes (limit %d)", size, got, limit)
	}
}

func assertOneLine(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), "\n") {
		t.Fatalf("error spans lines: %q", err)
	}
}

func writeInput(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func FuzzCSR(f *testing.F) {
	for _, c := range malformedCSR() {
		f.Add(c.data)
	}
	f.Add(csrBytes(3, 10, 4, []int64{0, 2, 2, 4}, []int32{1, 9, 3, 0}, []float32{1, 2, 3, 4}))
	f.Add(csrBytes(0, 0, 0, []int64{0}, nil, nil))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := writeInput(t, dir, "in.csr", data)
		checkAlloc(t, len(data), func() {
			assertOneLine(t, readCSRAll(t.Context(), p))
			rows, dims, err := ReadCSR(p, 0)
			assertOneLine(t, err)
			if err != nil {
				return
			}
			for i, r := range rows {
				if err := r.Check(); err != nil {
					t.Fatalf("row %d read but breaks the rules: %v", i, err)
				}
				if n := r.Len(); n > 0 && int64(r.Indices[n-1]) >= dims {
					t.Fatalf("row %d: index %d ≥ cols %d", i, r.Indices[n-1], dims)
				}
			}
			// What reads must survive a round trip unchanged.
			q := filepath.Join(t.TempDir(), "again.csr")
			if err := WriteCSR(q, dims, rows); err != nil {
				t.Fatal(err)
			}
			again, _, err := ReadCSR(q, 0)
			if err != nil || !reflect.DeepEqual(normalize(again), normalize(rows)) {
				t.Fatalf("round trip: %v", err)
			}
		})
	})
}

// normalize makes empty and nil slices compare equal.
func normalize(rows []Vector) []Vector {
	out := make([]Vector, len(rows))
	for i, r := range rows {
		if len(r.Indices) > 0 {
			out[i] = r
		}
	}
	return out
}

func FuzzText(f *testing.F) {
	for _, c := range malformedTexts {
		f.Add([]byte(c.data))
	}
	f.Add([]byte("The QUICK brown_fox\r\n\nΟΔΟΣ İx cafe\u0301 हिंदी\n"))
	f.Add([]byte("{\"text\": \"a b\"}\n{\"text\": \"B c\"}\n"))
	dir := f.TempDir()
	analyzers := []*Analyzer{mustAnalyzer(f, AnalyzerStandard), mustAnalyzer(f, AnalyzerLiteStandard)}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := writeInput(t, dir, "in.txt", data)
		checkAlloc(t, len(data), func() {
			_, err := ReadTexts(p, TextJSONL, "text", 0)
			assertOneLine(t, err)
			docs, err := ReadTexts(p, TextLines, "", 0)
			assertOneLine(t, err)
			if err != nil || len(docs) == 0 || len(docs) > 64 {
				return
			}
			for _, a := range analyzers {
				for _, d := range docs {
					for _, tok := range a.Tokens(d, nil) {
						if tok == "" || !utf8.ValidString(tok) {
							t.Fatalf("%s: token %q of %q", a.Name(), tok, d)
						}
					}
				}
				// The streamed BM25 equals the formula written out.
				p := BM25Params{K1: 1.2, B: 0.75, Analyzer: a}
				got, _, err := ExactBM25(t.Context(), Texts(docs), docs[:1], p, Options{K: 5, Workers: 2, batch: 3})
				if err != nil {
					t.Fatal(err)
				}
				if want := bruteBM25(docs, docs[:1], a, 1.2, 0.75, 5); !reflect.DeepEqual(got, want) {
					t.Fatalf("%s: ExactBM25 %v %v, formula %v %v", a.Name(), got.IDs, got.Dists, want.IDs, want.Dists)
				}
			}
		})
	})
}
