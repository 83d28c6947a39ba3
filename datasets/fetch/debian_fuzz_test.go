package fetch

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzDebian feeds arbitrary bytes to the InRelease parser and the
// Packages extractor: neither may panic, an error is one line, and the
// extractor writes exactly one valid UTF-8 line without control
// characters per document it counts.
func FuzzDebian(f *testing.F) {
	for _, p := range []string{"testdata/debian/InRelease", "testdata/debian/Packages"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("Package: a\n\nDescription: b\n"))
	f.Add([]byte("SHA256:\n x 1 a\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := ParseRelease(b); err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("error spans lines: %q", err)
		}
		var out bytes.Buffer
		n, err := ExtractDescriptions(bytes.NewReader(b), &out)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		lines := strings.Split(out.String(), "\n")
		if len(lines) != n+1 || lines[n] != "" {
			t.Fatalf("%d documents but %d lines", n, len(lines)-1)
		}
		for _, l := range lines[:n] {
			if l == "" || !utf8.ValidString(l) || strings.IndexFunc(l, unicode.IsControl) >= 0 || strings.TrimSpace(l) != l {
				t.Fatalf("document %q", l)
			}
		}
	})
}
