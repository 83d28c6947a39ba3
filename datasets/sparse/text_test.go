package sparse

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/datasets"
)

func mustAnalyzer(t testing.TB, name string, stop ...string) *Analyzer {
	t.Helper()
	a, err := NewAnalyzer(name, stop)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAnalyzers(t *testing.T) {
	tests := []struct {
		text         string
		milvus, lite []string
	}{
		{"The 2 QUICK Brown-Foxes dog's 32.3", []string{"the", "2", "quick", "brown", "foxes", "dog", "s", "32", "3"}, nil},
		{"---abc123---DEF_456---", []string{"abc123", "def", "456"}, []string{"abc123", "def_456"}},
		{"éclair Straße Ελληνικά русский 日本語", []string{"éclair", "straße", "ελληνικά", "русский", "日本語"}, nil},
		// Capital sigma: Python's lower() makes a word-final one ς; tantivy does not.
		{"ΟΔΟΣ ΣΑΣ", []string{"οδοσ", "σασ"}, []string{"οδος", "σας"}},
		// U+0130 lowercases to i + U+0307 (a mark, not \w): Milvus
		// splits before lowercasing and keeps one token, Lite lowercases
		// first and splits at the mark.
		{"İx", []string{"i\u0307x"}, []string{"i", "x"}},
		// A decomposed é: U+0301 is a mark, not a word character for
		// either rule.
		{"cafe\u0301 ok", []string{"cafe", "ok"}, []string{"cafe", "ok"}},
		// Devanagari vowel sign (Mc, Other_Alphabetic): Rust keeps it in
		// the word, Python's \w does not.
		{"हिंदी", []string{"हिंदी"}, []string{"ह", "द"}},
		{"", nil, nil},
		{"²³ Ⅻ", []string{"²³", "ⅻ"}, nil},
	}
	milvus, lite := mustAnalyzer(t, AnalyzerStandard), mustAnalyzer(t, AnalyzerLiteStandard)
	for _, tt := range tests {
		if tt.lite == nil {
			tt.lite = tt.milvus
		}
		if got := milvus.Tokens(tt.text, nil); !slices.Equal(got, tt.milvus) {
			t.Errorf("standard(%q) = %q, want %q", tt.text, got, tt.milvus)
		}
		if got := lite.Tokens(tt.text, nil); !slices.Equal(got, tt.lite) {
			t.Errorf("lite-standard(%q) = %q, want %q", tt.text, got, tt.lite)
		}
	}
	stop := mustAnalyzer(t, AnalyzerStandard, "the", "of")
	if got := stop.Tokens("The end OF it", nil); !slices.Equal(got, []string{"end", "it"}) {
		t.Errorf("stop words: %q", got)
	}
	if _, err := NewAnalyzer("english", nil); errString(err) != `analyzer "english" is unknown (allowed: standard, lite-standard)` {
		t.Errorf("unknown analyzer: %v", err)
	}
}

// bruteBM25 is the formula written out directly, document by document.
func bruteBM25(docs, queries []string, a *Analyzer, k1, b float64, k int) *datasets.GroundTruth {
	toks := make([][]string, len(docs))
	var total float64
	df := map[string]float64{}
	for i, d := range docs {
		toks[i] = a.Tokens(d, nil)
		total += float64(len(toks[i]))
		seen := map[string]bool{}
		for _, t := range toks[i] {
			if !seen[t] {
				seen[t] = true
				df[t]++
			}
		}
	}
	n := float64(len(docs))
	avgdl := total / n
	if avgdl == 0 {
		avgdl = 1
	}
	gt := &datasets.GroundTruth{K: k}
	for _, q := range queries {
		var terms []string
		qtf := map[string]float64{}
		for _, t := range a.Tokens(q, nil) {
			if qtf[t] == 0 {
				terms = append(terms, t)
			}
			qtf[t]++
		}
		h := topK{k: k}
		for i, dt := range toks {
			tf := map[string]float64{}
			for _, t := range dt {
				tf[t]++
			}
			var s float64
			hit := false
			for _, t := range terms {
				if tf[t] == 0 {
					continue
				}
				hit = true
				idf := math.Log((n-df[t]+0.5)/(df[t]+0.5) + 1.0)
				s += idf * (tf[t] * (k1 + 1.0) / (tf[t] + k1*(1.0-b+b*float64(len(dt))/avgdl))) * qtf[t]
			}
			if hit {
				h.offer(-float32(s), int64(i))
			}
		}
		ids, ds := h.result()
		gt.IDs, gt.Dists = append(gt.IDs, ids), append(gt.Dists, ds)
	}
	return gt
}

func TestExactBM25MatchesFormula(t *testing.T) {
	spec := DefaultTextSpec(600, 30, 3)
	spec.Vocab = 2000
	corpus, queries, err := NewSyntheticText(spec)
	if err != nil {
		t.Fatal(err)
	}
	docs := make([]string, corpus.Size())
	for i := range docs {
		docs[i] = corpus.Doc(i)
	}
	queries = append(queries, "", "zzzzzz", docs[3]+" "+docs[3])
	docs = append(docs, "", "...") // empty documents count in N and avgdl
	for _, c := range []struct {
		analyzer string
		k1, b    float64
		k        int
	}{{AnalyzerStandard, 1.2, 0.75, 10}, {AnalyzerLiteStandard, 1.5, 0.75, 100}, {AnalyzerStandard, 0, 0, 5}, {AnalyzerStandard, 2, 1, 1}} {
		a := mustAnalyzer(t, c.analyzer)
		want := bruteBM25(docs, queries, a, c.k1, c.b, c.k)
		for _, o := range []Options{{K: c.k, Workers: 1}, {K: c.k, Workers: 3, batch: 50}} {
			got, st, err := ExactBM25(t.Context(), Texts(docs), queries, BM25Params{K1: c.k1, B: c.b, Analyzer: a}, o)
			if err != nil {
				t.Fatal(err)
			}
			if st.N != int64(len(docs)) {
				t.Fatalf("N = %d, want %d", st.N, len(docs))
			}
			if !reflect.DeepEqual(got, want) {
				for qi := range want.IDs {
					if !slices.Equal(got.IDs[qi], want.IDs[qi]) || !slices.Equal(got.Dists[qi], want.Dists[qi]) {
						t.Fatalf("%+v %+v: query %d: got %v %v, want %v %v", c, o, qi, got.IDs[qi], got.Dists[qi], want.IDs[qi], want.Dists[qi])
					}
				}
			}
		}
	}
}

func TestExactBM25Hand(t *testing.T) {
	// N=3, avgdl=2; "a": df 2 → idf ln(1+1.5/2.5); with k1=1, b=0 a
	// document's term contributes idf·2tf/(tf+1).
	docs := Texts{"a b", "a a b", "c"}
	gt, st, err := ExactBM25(t.Context(), docs, []string{"A a"}, BM25Params{K1: 1, B: 0, Analyzer: mustAnalyzer(t, AnalyzerStandard)}, Options{K: 5})
	if err != nil {
		t.Fatal(err)
	}
	if st != (BM25Stats{N: 3, Tokens: 6, AvgDL: 2}) {
		t.Fatalf("stats %+v", st)
	}
	idf := math.Log(1.5/2.5 + 1)
	want := []float32{-float32(idf * 4.0 / 3 * 2), -float32(idf * 1 * 2)} // query tf 2 doubles each
	if !slices.Equal(gt.IDs[0], []int64{1, 0}) || !slices.Equal(gt.Dists[0], want) {
		t.Fatalf("got %v %v, want [1 0] %v", gt.IDs[0], gt.Dists[0], want)
	}
	if _, _, err := ExactBM25(t.Context(), docs, nil, BM25Params{K1: 1, B: 2, Analyzer: mustAnalyzer(t, AnalyzerStandard)}, Options{K: 5}); errString(err) != "bm25: b must be in 0..1, got 2" {
		t.Fatalf("b=2: %v", err)
	}
}

func TestGTKeyAndCache(t *testing.T) {
	std, lite := mustAnalyzer(t, AnalyzerStandard), mustAnalyzer(t, AnalyzerLiteStandard)
	base := BM25Params{K1: 1.2, B: 0.75, Analyzer: std}
	keys := map[string]string{}
	for name, key := range map[string]string{
		"base":     GTKey("sha256:x", KindBM25, 10, base),
		"k":        GTKey("sha256:x", KindBM25, 11, base),
		"checksum": GTKey("sha256:y", KindBM25, 10, base),
		"k1":       GTKey("sha256:x", KindBM25, 10, BM25Params{K1: 1.2000001, B: 0.75, Analyzer: std}),
		"b":        GTKey("sha256:x", KindBM25, 10, BM25Params{K1: 1.2, B: 0.7, Analyzer: std}),
		"analyzer": GTKey("sha256:x", KindBM25, 10, BM25Params{K1: 1.2, B: 0.75, Analyzer: lite}),
		"stop":     GTKey("sha256:x", KindBM25, 10, BM25Params{K1: 1.2, B: 0.75, Analyzer: mustAnalyzer(t, AnalyzerStandard, "a")}),
		"kind":     GTKey("sha256:x", KindSparseIP, 10, base),
	} {
		if other, dup := keys[key]; dup {
			t.Fatalf("%s and %s share a key", name, other)
		}
		keys[key] = name
	}
	if GTKey("sha256:x", KindSparseIP, 10, base) != GTKey("sha256:x", KindSparseIP, 10, BM25Params{}) {
		t.Fatal("BM25 parameters change a sparse-IP key")
	}

	docs := Texts{"a b", "b c", "c d"}
	sum, err := ChecksumTexts(t.Context(), docs, []string{"b"})
	if err != nil {
		t.Fatal(err)
	}
	cache := datasets.GTCache{Dir: t.TempDir()}
	first, hit, err := CachedBM25(t.Context(), docs, []string{"b"}, base, sum, Options{K: 2}, cache)
	if err != nil || hit {
		t.Fatalf("first: hit %v, %v", hit, err)
	}
	again, hit, err := CachedBM25(t.Context(), docs, []string{"b"}, base, sum, Options{K: 2}, cache)
	if err != nil || !hit || !reflect.DeepEqual(first, again) {
		t.Fatalf("second: hit %v, %v, equal %v", hit, err, reflect.DeepEqual(first, again))
	}
	if _, hit, _ := CachedBM25(t.Context(), docs, []string{"b"}, BM25Params{K1: 1.5, B: 0.75, Analyzer: std}, sum, Options{K: 2}, cache); hit {
		t.Fatal("another k1 was served from the cache")
	}
}

func TestSyntheticText(t *testing.T) {
	g, qs, err := NewSyntheticText(DefaultTextSpec(500, 50, 9))
	if err != nil {
		t.Fatal(err)
	}
	a := mustAnalyzer(t, AnalyzerStandard)
	var lens []int
	err = g.Scan(t.Context(), 77, func(first int64, docs []string) error {
		for i, d := range docs {
			if d != g.Doc(int(first)+i) {
				t.Fatalf("document %d depends on the batch", first+int64(i))
			}
			lens = append(lens, len(a.Tokens(d, nil)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(lens)
	if med := lens[len(lens)/2]; med < 45 || med > 75 {
		t.Fatalf("median document length %d terms, want about 60", med)
	}
	for i, q := range qs {
		if n := len(a.Tokens(q, nil)); n < 2 || n > 8 {
			t.Fatalf("query %d %q has %d terms, want 2..8", i, q, n)
		}
	}
	got, err := QueriesFrom(t.Context(), Texts{"", "Alpha beta", "", "", "gamma"}, a, 3, 1, 2, 2)
	if err != nil || len(got) != 2 {
		t.Fatalf("QueriesFrom: %q, %v (want 2: empty documents pass their turn on)", got, err)
	}
}

func TestTextFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pq := filepath.Join(dir, "t.parquet")
	if err := WriteParquetTexts(pq, "text", []string{"one", "", "three é"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, format, field string
		limit                     int
		want                      []string
	}{
		{"lines", write("a.txt", "one\r\n\ntwo words\nlast"), TextLines, "", 0, []string{"one", "", "two words", "last"}},
		{"lines final newline", write("b.txt", "x\ny\n"), TextLines, "", 0, []string{"x", "y"}},
		{"lines limit", write("c.txt", "x\ny\nz\n"), TextLines, "", 2, []string{"x", "y"}},
		{"jsonl", write("d.jsonl", "{\"text\": \"a\\u00e9\", \"id\": 1}\n\n  \n{\"text\":\"\"}\n"), TextJSONL, "text", 0, []string{"aé", ""}},
		{"parquet", pq, TextParquet, "text", 0, []string{"one", "", "three é"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadTexts(tt.path, tt.format, tt.field, tt.limit)
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// malformedTexts is every text-file rule broken once, with the exact
// error after the path: TestMalformedTexts and the seeds of FuzzText.
var malformedTexts = []struct {
	name, format, field, data, want string
}{
	{"invalid utf8", TextLines, "", "ok\nab\xffc\n", "line 2: byte 3: not valid UTF-8 (text must be UTF-8)"},
	{"not an object", TextJSONL, "text", "{\"text\":\"a\"}\n[1,2]\n", "line 2: not a JSON object (one object per line)"},
	{"broken json", TextJSONL, "text", "{\"text\":\"a\"\n", "line 1: not a JSON object (one object per line)"},
	{"missing field", TextJSONL, "text", "{\"body\":\"a\"}\n", "line 1: no field \"text\" (each object needs the text in a string field \"text\")"},
	{"field not string", TextJSONL, "text", "{\"text\":3}\n", "line 1: field \"text\" is not a string"},
	{"jsonl invalid utf8", TextJSONL, "text", "{\"text\":\"\xc3\"}\n", "line 1: byte 10: not valid UTF-8 (text must be UTF-8)"},
}

func TestMalformedTexts(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range malformedTexts {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_"))
			if err := os.WriteFile(p, []byte(tt.data), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := ReadTexts(p, tt.format, tt.field, 0)
			if want := p + ": " + tt.want; errString(err) != want {
				t.Fatalf("got  %q\nwant %q", errString(err), want)
			}
		})
	}
	for _, c := range []struct{ format, field, want string }{
		{"csv", "", `text format "csv" is unknown (allowed: lines, jsonl, parquet)`},
		{TextLines, "text", `format lines takes no field (got "text")`},
		{TextJSONL, "", "format jsonl needs the field holding the text"},
	} {
		if _, err := OpenText("f", c.format, c.field, 0); errString(err) != "f: "+c.want {
			t.Errorf("OpenText(%s, %q) = %v, want %q", c.format, c.field, err, c.want)
		}
	}
	pq := filepath.Join(dir, "t.parquet")
	if err := WriteParquetTexts(pq, "body", []string{"x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadTexts(pq, TextParquet, "text", 0); errString(err) != pq+`: no column "text" (have id, body)` && errString(err) != pq+`: no column "text" (have body, id)` {
		t.Fatalf("missing parquet column: %v", err)
	}
	if _, err := ReadTexts(pq, TextParquet, "id", 0); errString(err) != pq+`: row 0: column "id" holds INT64, want a string` {
		t.Fatalf("non-string column: %v", err)
	}
}

func TestSparseParquet(t *testing.T) {
	dir := t.TempDir()
	rows := []Vector{vec(0, 1, 7, 2), {}, vec(3, 0.5)}
	p := filepath.Join(dir, "train.parquet")
	if err := WriteParquet(p, 0, rows); err != nil {
		t.Fatal(err)
	}
	b, err := OpenParquet([]string{p}, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if b.Size() != 3 || b.Dims() != 8 {
		t.Fatalf("size %d dims %d", b.Size(), b.Dims())
	}
	var got []Vector
	if err := b.Scan(t.Context(), 2, func(_ int64, r []Vector) error {
		for _, v := range r {
			got = append(got, v.Clone())
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		if !slices.Equal(got[i].Indices, rows[i].Indices) || !slices.Equal(got[i].Values, rows[i].Values) {
			t.Fatalf("row %d = %v, want %v", i, got[i], rows[i])
		}
	}
	q := filepath.Join(dir, "test.parquet")
	if err := WriteParquet(q, 5, rows[:1]); err != nil {
		t.Fatal(err)
	}
	ids, qs, err := ReadParquet(q, 0)
	if err != nil || !slices.Equal(ids, []int64{5}) || len(qs) != 1 {
		t.Fatalf("ReadParquet: %v %v %v", ids, qs, err)
	}
	if _, err := OpenParquet([]string{q}, 0, 0); errString(err) != q+": row 0: id must be the int64 0 (ids run 0..N-1 in file order)" {
		t.Fatalf("ids not from 0: %v", err)
	}
}
