package sparse

import (
	"testing"
)

// BenchmarkExactIP is the sparse accumulation hot path: 5,000 SPLADE-like
// rows (≈120 non-zeros each) against 100 queries of 20–40 non-zeros.
func BenchmarkExactIP(b *testing.B) {
	base, queries, err := NewSynthetic(DefaultSyntheticSpec(5000, 100, 1))
	if err != nil {
		b.Fatal(err)
	}
	var rows []Vector
	if err := base.Scan(b.Context(), 1000, func(_ int64, r []Vector) error {
		for _, v := range r {
			rows = append(rows, v.Clone())
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	mem := Vectors{Rows: rows, DimsLen: base.Dims()}
	b.ResetTimer()
	for b.Loop() {
		if _, err := ExactIP(b.Context(), mem, queries, Options{K: 100}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkExactBM25 is the BM25 hot path (both passes: analysis, counting,
// scoring): 2,000 synthetic documents of ≈60 words against 100 queries.
func BenchmarkExactBM25(b *testing.B) {
	g, queries, err := NewSyntheticText(DefaultTextSpec(2000, 100, 1))
	if err != nil {
		b.Fatal(err)
	}
	docs := make(Texts, g.Size())
	for i := range docs {
		docs[i] = g.Doc(i)
	}
	p := BM25Params{K1: 1.2, B: 0.75, Analyzer: mustAnalyzer(b, AnalyzerStandard)}
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := ExactBM25(b.Context(), docs, queries, p, Options{K: 100}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(docs))*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}

// BenchmarkAnalyzer is tokenization alone, ASCII and non-ASCII text.
func BenchmarkAnalyzer(b *testing.B) {
	for _, c := range []struct{ name, text string }{
		{"ascii", "The QUICK brown fox jumps over the lazy dog, state-of-the-art 3D engine_v2."},
		{"unicode", "Ελληνικά κείμενα ΟΔΟΣ και русский текст, éclair Straße 日本語 İstanbul."},
	} {
		for _, name := range analyzerNames {
			a := mustAnalyzer(b, name)
			b.Run(c.name+"/"+name, func(b *testing.B) {
				var buf []byte
				n := 0
				for b.Loop() {
					buf = a.each(c.text, buf, func([]byte) { n++ })
				}
				b.SetBytes(int64(len(c.text)))
			})
		}
	}
}
