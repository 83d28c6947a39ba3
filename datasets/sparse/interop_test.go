package sparse

// Independent checks of the exact ground truths through the project venv
// (scripts/interop): sparse inner product against a numpy dense matrix
// product, BM25 against a Python implementation of the formula with its
// own tokenizer, and the lite-standard analyzer against Milvus Lite's own.
// Each check is also shown to fail: deliberately wrong formulas on the
// Python side and corrupted answers on the Go side must be detected.

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/internal/testenv"
)

// agree reports the first way gt (depth k) departs from reference scores
// (one row per query, one score per base row) with candidate rows cands
// (per query; nil means the rows scoring above 0). It checks that every
// listed neighbour is a candidate whose reference score equals its own,
// that the k-th score equals the reference's k-th, that no candidate
// scoring clearly above it is missing, and that the list is as long as
// the reference allows.
func agree(gt *datasets.GroundTruth, scores [][]float64, cands [][]int, k int) error {
	if len(gt.IDs) != len(scores) {
		return fmt.Errorf("%d queries, reference has %d", len(gt.IDs), len(scores))
	}
	tol := func(s float64) float64 { return 1e-5 * max(1, math.Abs(s)) }
	for qi, row := range scores {
		var cand []int
		if cands != nil {
			cand = cands[qi]
		} else {
			for j, s := range row {
				if s > 0 {
					cand = append(cand, j)
				}
			}
		}
		isCand := make(map[int64]bool, len(cand))
		for _, j := range cand {
			isCand[int64(j)] = true
		}
		ref := slices.Clone(cand)
		slices.SortStableFunc(ref, func(a, b int) int {
			switch {
			case row[a] > row[b]:
				return -1
			case row[a] < row[b]:
				return 1
			}
			return 0
		})
		ids, ds := gt.IDs[qi], gt.Dists[qi]
		want := min(k, len(ref))
		if len(ids) < want {
			return fmt.Errorf("query %d: %d neighbours, the reference has %d candidates at depth %d", qi, len(ids), len(ref), k)
		}
		in := map[int64]bool{}
		for i, id := range ids {
			if !isCand[id] {
				return fmt.Errorf("query %d: neighbour %d (row %d) shares no term or dimension with the query in the reference", qi, i, id)
			}
			if got, r := -float64(ds[i]), row[id]; math.Abs(got-r) > tol(r) {
				return fmt.Errorf("query %d: row %d scores %v, the reference %v", qi, id, got, r)
			}
			in[id] = true
		}
		if want == 0 {
			continue
		}
		gk, rk := -float64(ds[want-1]), row[ref[want-1]]
		if math.Abs(gk-rk) > tol(rk) {
			return fmt.Errorf("query %d: k-th score %v, the reference's %v", qi, gk, rk)
		}
		for _, j := range ref {
			if row[j] > gk+tol(gk) && !in[int64(j)] {
				return fmt.Errorf("query %d: row %d scores %v above the k-th %v but is missing", qi, j, row[j], gk)
			}
		}
	}
	return nil
}

// corruptions are deliberately wrong answers agree must reject.
var corruptions = []struct {
	name string
	fn   func(gt *datasets.GroundTruth)
}{
	{"a neighbour replaced by a lower row", func(gt *datasets.GroundTruth) {
		gt.IDs[0][0] = gt.IDs[0][len(gt.IDs[0])-1] + 1
	}},
	{"the k-th neighbour dropped", func(gt *datasets.GroundTruth) {
		gt.IDs[1], gt.Dists[1] = gt.IDs[1][:len(gt.IDs[1])-1], gt.Dists[1][:len(gt.Dists[1])-1]
	}},
	{"scores scaled by 1.01", func(gt *datasets.GroundTruth) {
		for i := range gt.Dists[2] {
			gt.Dists[2][i] *= 1.01
		}
	}},
}

func cloneGT(gt *datasets.GroundTruth) *datasets.GroundTruth {
	c := &datasets.GroundTruth{K: gt.K}
	for i := range gt.IDs {
		c.IDs = append(c.IDs, slices.Clone(gt.IDs[i]))
		c.Dists = append(c.Dists, slices.Clone(gt.Dists[i]))
	}
	return c
}

func TestSparseGTMatchesNumpy(t *testing.T) {
	testenv.Python(t)
	spec := DefaultSyntheticSpec(1200, 30, 5)
	spec.Dims, spec.DocNNZ = 2000, 60
	base, queries, err := NewSynthetic(spec)
	if err != nil {
		t.Fatal(err)
	}
	var rows []Vector
	if err := base.Scan(t.Context(), 500, func(_ int64, b []Vector) error {
		for _, r := range b {
			rows = append(rows, r.Clone())
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bp, qp := filepath.Join(dir, "base.csr"), filepath.Join(dir, "queries.csr")
	if err := WriteCSR(bp, spec.Dims, rows); err != nil {
		t.Fatal(err)
	}
	if err := WriteCSR(qp, spec.Dims, queries); err != nil {
		t.Fatal(err)
	}
	fileBase, err := OpenCSR(bp, 0)
	if err != nil {
		t.Fatal(err)
	}
	const k = 10
	gt, err := ExactIP(t.Context(), fileBase, queries, Options{K: k})
	if err != nil {
		t.Fatal(err)
	}
	type ref struct {
		Scores  [][]float64 `json:"scores"`
		Overlap [][]int     `json:"overlap"`
	}
	run := func(variant string) ref {
		var r ref
		if err := testenv.RunScript(t, nil, &r, "sparse_gt.py", bp, qp, variant); err != nil {
			t.Fatal(err)
		}
		return r
	}
	exact := run("exact")
	if err := agree(gt, exact.Scores, exact.Overlap, k); err != nil {
		t.Fatalf("ExactIP disagrees with numpy: %v", err)
	}
	// The check can fail: a wrong formula on the numpy side, and wrong
	// answers on the Go side, must each be caught.
	binary := run("binary")
	if err := agree(gt, binary.Scores, binary.Overlap, k); err == nil {
		t.Fatal("numpy with every weight 1 agrees with ExactIP: the check cannot tell formulas apart")
	} else {
		t.Logf("binary weights, detected: %v", err)
	}
	for _, c := range corruptions {
		bad := cloneGT(gt)
		c.fn(bad)
		if err := agree(bad, exact.Scores, exact.Overlap, k); err == nil {
			t.Errorf("%s: not detected", c.name)
		}
	}
}

// writeLines writes one text per line.
func writeLines(t *testing.T, path string, texts []string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for _, s := range texts {
		if strings.ContainsAny(s, "\n\r") {
			t.Fatalf("text %q spans lines", s)
		}
		w.WriteString(s + "\n")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

type bm25Ref struct {
	N      int         `json:"n"`
	AvgDL  float64     `json:"avgdl"`
	Scores [][]float64 `json:"scores"`
}

// checkBM25 compares ExactBM25 on docs with bm25_gt.py, then shows the
// comparison failing for wrong parameters and formulas — all but the
// variants in same, which coincide with the formula on this corpus.
func checkBM25(t *testing.T, docs, queries []string, same ...string) {
	dir := t.TempDir()
	dp, qp := filepath.Join(dir, "docs.txt"), filepath.Join(dir, "queries.txt")
	writeLines(t, dp, docs)
	writeLines(t, qp, queries)
	const k = 10
	for _, an := range []string{AnalyzerLiteStandard, AnalyzerStandard} {
		a := mustAnalyzer(t, an)
		gt, st, err := ExactBM25(t.Context(), Texts(docs), queries, BM25Params{K1: 1.2, B: 0.75, Analyzer: a}, Options{K: k})
		if err != nil {
			t.Fatal(err)
		}
		py := func(k1, b, variant string) bm25Ref {
			var r bm25Ref
			if err := testenv.RunScript(t, nil, &r, "bm25_gt.py", dp, qp, an, k1, b, variant); err != nil {
				t.Fatal(err)
			}
			return r
		}
		exact := py("1.2", "0.75", "exact")
		if exact.N != int(st.N) || math.Abs(exact.AvgDL-st.AvgDL) > 1e-12 {
			t.Fatalf("%s: Python N %d avgdl %v, Go %d %v", an, exact.N, exact.AvgDL, st.N, st.AvgDL)
		}
		if err := agree(gt, exact.Scores, nil, k); err != nil {
			t.Fatalf("%s: ExactBM25 disagrees with Python: %v", an, err)
		}
		// The check can fail: each of these must disagree.
		for _, w := range []struct{ name, k1, b, variant string }{
			{"k1 1.5 in Python, 1.2 in Go", "1.5", "0.75", "exact"},
			{"b 0.5 in Python, 0.75 in Go", "1.2", "0.5", "exact"},
			{"IDF without the +1", "1.2", "0.75", "idf-no-plus1"},
			{"query term counts ignored", "1.2", "0.75", "query-set"},
			{"avgdl over raw words", "1.2", "0.75", "avgdl-raw"},
			{"avgdl over non-empty documents", "1.2", "0.75", "avgdl-nonempty"},
			{"tf unsaturated", "1.2", "0.75", "tf-raw"},
		} {
			if slices.Contains(same, w.variant) {
				continue
			}
			if err := agree(gt, py(w.k1, w.b, w.variant).Scores, nil, k); err == nil {
				t.Errorf("%s: %s agrees: the check cannot tell it apart", an, w.name)
			} else {
				t.Logf("%s: %s, detected: %v", an, w.name, err)
			}
		}
		for _, c := range corruptions {
			bad := cloneGT(gt)
			c.fn(bad)
			if err := agree(bad, exact.Scores, nil, k); err == nil {
				t.Errorf("%s: %s: not detected", an, c.name)
			}
		}
	}
}

func TestBM25GTMatchesPythonSynthetic(t *testing.T) {
	testenv.Python(t)
	spec := DefaultTextSpec(600, 30, 11)
	spec.Vocab = 3000
	g, queries, err := NewSyntheticText(spec)
	if err != nil {
		t.Fatal(err)
	}
	docs := make([]string, g.Size())
	for i := range docs {
		docs[i] = g.Doc(i)
	}
	// Empty documents count in N and avgdl; underscores split only for
	// the Milvus rule.
	for range 40 {
		docs = append(docs, "")
	}
	docs = append(docs, "snake_case Words_here")
	queries = append(queries, "snake_case words", queries[0]+" "+queries[0])
	checkBM25(t, docs, queries)
}

// debdesc is the shared real corpus: Debian package descriptions, one
// "name TAB description" per line.
func debdesc(t *testing.T) string {
	p := filepath.Join(testenv.RepoRoot(), "..", "shared", "data", "debdesc-minilm", "texts.tsv")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("no real corpus at %s (a fresh clone has no ../shared): %v", p, err)
	}
	return p
}

func TestBM25GTMatchesPythonDebianDescriptions(t *testing.T) {
	testenv.Python(t)
	p := debdesc(t)
	docs, err := ReadTexts(p, TextLines, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	queries, err := QueriesFrom(t.Context(), Texts(docs), mustAnalyzer(t, AnalyzerLiteStandard), 30, 1, 2, 8)
	if err != nil {
		t.Fatal(err)
	}
	// No line of the slice is empty, so avgdl over non-empty documents is
	// the same number there.
	checkBM25(t, docs, queries, "avgdl-nonempty")
}

func TestLiteAnalyzerMatchesMilvusLite(t *testing.T) {
	testenv.Python(t)
	p := debdesc(t)
	docs, err := ReadTexts(p, TextLines, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	// Text where the two standard rules part: underscore, U+0130, final
	// sigma, a decomposed accent, a Devanagari vowel sign.
	docs = append(docs, "snake_case ΟΔΟΣ ΣΑΣ İstanbul cafe\u0301 हिंदी")
	dir := t.TempDir()
	dp, tp := filepath.Join(dir, "docs.txt"), filepath.Join(dir, "tokens.txt")
	writeLines(t, dp, docs)
	a := mustAnalyzer(t, AnalyzerLiteStandard)
	toks := make([]string, len(docs))
	for i, d := range docs {
		toks[i] = strings.Join(a.Tokens(d, nil), "\x1f")
	}
	writeLines(t, tp, toks)
	var r struct {
		Docs       int   `json:"docs"`
		Mismatches int   `json:"mismatches"`
		First      []any `json:"first"`
	}
	if err := testenv.RunScript(t, nil, &r, "lite_tokens.py", dp, tp); err != nil {
		t.Fatal(err)
	}
	if r.Docs != len(docs) || r.Mismatches != 0 {
		t.Fatalf("%d of %d documents tokenized differently from Milvus Lite's StandardAnalyzer: %v", r.Mismatches, r.Docs, r.First)
	}
	t.Logf("%d documents tokenized as Milvus Lite does", r.Docs)
}
