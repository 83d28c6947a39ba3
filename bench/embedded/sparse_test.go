package embedded

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/datasets/sparse"
	"github.com/milvbench/milvbench/workloads"
)

// sparseData is a synthetic sparse field: rows, queries, dims.
func sparseData(t testing.TB, rows, queries int, seed int64) ([]sparse.Vector, []sparse.Vector, int64) {
	t.Helper()
	if raceBuild { // the race detector makes the scans several times slower
		rows = rows / 2
	}
	spec := sparse.DefaultSyntheticSpec(rows, queries, seed)
	spec.Dims, spec.DocNNZ, spec.QueryNNZMin, spec.QueryNNZMax = 5000, 60, 10, 30
	g, qs, err := sparse.NewSynthetic(spec)
	if err != nil {
		t.Fatal(err)
	}
	var base []sparse.Vector
	if err := g.Scan(context.Background(), 1024, func(_ int64, b []sparse.Vector) error {
		for _, v := range b {
			base = append(base, v.Clone())
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return base, qs, g.Dims()
}

// textData is a synthetic text field: documents and queries.
func textData(t testing.TB, docs, queries int, seed int64) ([]string, []string) {
	t.Helper()
	if raceBuild {
		docs = docs / 2
	}
	spec := sparse.DefaultTextSpec(docs, queries, seed)
	spec.Vocab = 5000
	g, qs, err := sparse.NewSyntheticText(spec)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	if err := g.Scan(context.Background(), 1024, func(_ int64, d []string) error {
		out = append(out, d...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out, qs
}

// fieldTarget is a loaded embedded target over a collection with the
// given fields (dense vectors may be nil), each sparse or text field
// indexed by its cfg in cfgs (the dense one by FLAT).
func fieldTarget(t testing.TB, dense [][]float32, sp []sparse.Vector, texts []string, analyzer string, stop []string, cfgs ...workloads.IndexConfig) *Target {
	t.Helper()
	ctx := context.Background()
	var fields []bench.CollectionField
	n, dim := len(sp), 0
	if dense != nil {
		fields = append(fields, bench.CollectionField{Name: "vector", Type: workloads.FieldDense})
		n, dim = len(dense), len(dense[0])
	}
	if texts != nil {
		fields = append(fields, bench.CollectionField{Name: "text", Type: workloads.FieldText, Analyzer: analyzer, StopWords: stop})
		n = len(texts)
	}
	if sp != nil {
		fields = append(fields, bench.CollectionField{Name: "sp", Type: workloads.FieldSparse})
	}
	tg := New()
	if err := tg.Create(ctx, bench.CollectionSpec{Name: "t", Dim: dim, Metric: workloads.IP, Rows: n, Fields: fields}); err != nil {
		t.Fatal(err)
	}
	const batch = 700 // several inserts, one not a multiple of the rows
	for first := 0; first < n; first += batch {
		end := min(first+batch, n)
		ids := make([]int64, end-first)
		for i := range ids {
			ids[i] = int64(first + i)
		}
		var cols []bench.Column
		if texts != nil {
			cols = append(cols, bench.Column{Field: "text", Texts: texts[first:end]})
		}
		if sp != nil {
			cols = append(cols, bench.Column{Field: "sp", Sparse: sp[first:end]})
		}
		var dv [][]float32
		if dense != nil {
			dv = dense[first:end]
		}
		if err := tg.InsertFields(ctx, ids, dv, cols); err != nil {
			t.Fatal(err)
		}
	}
	if dense != nil {
		if err := tg.BuildIndex(ctx, workloads.IndexConfig{Type: "FLAT", Field: "vector"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, cfg := range cfgs {
		if err := tg.BuildIndex(ctx, cfg); err != nil {
			t.Fatal(err)
		}
	}
	if err := tg.Load(ctx); err != nil {
		t.Fatal(err)
	}
	return tg
}

func sparseCfg(field, algo string, dropBuild float64, extra workloads.Params) workloads.IndexConfig {
	b := workloads.Params{"inverted_index_algo": algo, "drop_ratio_build": dropBuild}
	for k, v := range extra {
		b[k] = v
	}
	return workloads.IndexConfig{Type: workloads.IndexSparseInverted, Field: field, Build: b}
}

// run searches every query of a field directly (so the work is known) and
// returns the hits and the postings scored.
func (tg *Target) runField(field string, sp []sparse.Vector, texts []string, k int, drop float64) ([][]scored, int64) {
	tg.mu.RLock()
	defer tg.mu.RUnlock()
	x := tg.fidx[field]
	n := max(len(sp), len(texts))
	out := make([][]scored, n)
	var work int64
	for i := range n {
		var q []qterm
		if texts != nil {
			q = x.bm25Query(texts[i], drop)
		} else {
			q = x.sparseQuery(sp[i], drop)
		}
		var w int64
		out[i], w = x.search(q, k, nil)
		work += w
	}
	return out, work
}

// checkExact checks that got is gt's top-k: the same scores, bit for
// bit, in the same order, and recall 1 (ids tied at the k-th score count).
func checkExact(t *testing.T, gt *datasets.GroundTruth, got [][]scored, k int) {
	t.Helper()
	bad := 0
	for qi, hs := range got {
		rel := gt.IDs[qi]
		want := min(k, len(rel))
		if len(hs) != want {
			t.Errorf("query %d: %d hits, want %d", qi, len(hs), want)
			continue
		}
		ids := make([]int64, len(hs))
		for j, h := range hs {
			ids[j] = int64(h.row)
			if h.s != -gt.Dists[qi][j] && bad < 5 {
				bad++
				t.Errorf("query %d, rank %d: score %v, exact %v", qi, j, h.s, -gt.Dists[qi][j])
			}
		}
		if r := bench.Recall(gt, qi, k, ids); r != 1 {
			t.Errorf("query %d: recall %.3f, want 1", qi, r)
		}
	}
}

func sameHits(a, b [][]scored) bool {
	return slices.EqualFunc(a, b, func(x, y []scored) bool { return slices.Equal(x, y) })
}

func meanRecall(gt *datasets.GroundTruth, got [][]scored, k int) float64 {
	var sum float64
	for qi, hs := range got {
		ids := make([]int64, len(hs))
		for j, h := range hs {
			ids[j] = int64(h.row)
		}
		sum += bench.Recall(gt, qi, k, ids)
	}
	return sum / float64(len(got))
}

var algos = workloads.SparseAlgorithms()

// TestSparseIndexExact: at drop ratios 0 every algorithm returns exactly
// ExactIP's top-k (scores bit for bit), the DAAT ones scoring fewer
// postings than TAAT.
func TestSparseIndexExact(t *testing.T) {
	base, qs, dims := sparseData(t, 4000, 40, 7)
	// One query with a negative weight and one with a dimension no row has.
	qs = append(qs, sparse.Vector{Indices: []uint32{0, 1, 2, 3}, Values: []float32{0.5, -0.7, 0.2, 1.1}},
		sparse.Vector{Indices: []uint32{4999}, Values: []float32{1}})
	ctx := context.Background()
	targets := map[string]*Target{}
	for _, algo := range algos {
		targets[algo] = fieldTarget(t, nil, base, nil, "", nil, sparseCfg("sp", algo, 0, nil))
	}
	for _, k := range []int{1, 10, 100} {
		gt, err := sparse.ExactIP(ctx, sparse.Vectors{Rows: base, DimsLen: dims}, qs, sparse.Options{K: k})
		if err != nil {
			t.Fatal(err)
		}
		var ref [][]scored
		var refWork int64
		for _, algo := range algos {
			t.Run(fmt.Sprintf("k%d/%s", k, algo), func(t *testing.T) {
				got, work := targets[algo].runField("sp", qs, nil, k, 0)
				checkExact(t, gt, got, k)
				if ref == nil {
					ref, refWork = got, work
				} else if !sameHits(ref, got) {
					t.Errorf("%s answers differ from %s", algo, algos[0])
				}
				t.Logf("%s k=%d: %d postings scored", algo, k, work)
				if algo == "TAAT_NAIVE" && work < refWork {
					t.Errorf("TAAT scored %d postings, fewer than %s's %d", work, algos[0], refWork)
				}
			})
		}
	}
}

// TestBM25IndexExact: at drop ratios 0 every algorithm returns exactly
// ExactBM25's top-k, for both analyzers, stop words and several k1, b.
func TestBM25IndexExact(t *testing.T) {
	docs, qs := textData(t, 3000, 40, 11)
	docs = append(docs, "", "The_Quick brown FOX, the fox!", "İstanbul ΟΔΟΣ straße")
	qs = append(qs, "fox the quick", "the", "ΟΔΟΣ", "nothing-matches-zzzzq")
	ctx := context.Background()
	cases := []struct {
		analyzer string
		stop     []string
		k1, b    float64
	}{
		{sparse.AnalyzerStandard, nil, workloads.DefaultBM25K1, workloads.DefaultBM25B},
		{sparse.AnalyzerLiteStandard, nil, 1.5, 0.75},
		{sparse.AnalyzerStandard, []string{"the", "a"}, 2, 0},
		{sparse.AnalyzerStandard, nil, 0.5, 1},
	}
	for _, tc := range cases {
		a, err := sparse.NewAnalyzer(tc.analyzer, tc.stop)
		if err != nil {
			t.Fatal(err)
		}
		const k = 10
		gt, _, err := sparse.ExactBM25(ctx, sparse.Texts(docs), qs, sparse.BM25Params{K1: tc.k1, B: tc.b, Analyzer: a}, sparse.Options{K: k})
		if err != nil {
			t.Fatal(err)
		}
		var ref [][]scored
		for _, algo := range algos {
			t.Run(fmt.Sprintf("%s/stop%d/k1=%g/b=%g/%s", tc.analyzer, len(tc.stop), tc.k1, tc.b, algo), func(t *testing.T) {
				cfg := sparseCfg("text", algo, 0, workloads.Params{"bm25_k1": tc.k1, "bm25_b": tc.b})
				tg := fieldTarget(t, nil, nil, docs, tc.analyzer, tc.stop, cfg)
				got, work := tg.runField("text", nil, qs, k, 0)
				checkExact(t, gt, got, k)
				if ref == nil {
					ref = got
				} else if !sameHits(ref, got) {
					t.Errorf("%s answers differ from %s", algo, algos[0])
				}
				t.Logf("%s: %d postings scored", algo, work)
			})
		}
	}
}

// TestDropRatioSearch: a larger drop_ratio_search searches fewer
// postings (TAAT scores every posting of the kept terms, so its work
// falls monotonically) and loses recall, never gaining more than noise;
// every algorithm still gives the same answers at each ratio.
func TestDropRatioSearch(t *testing.T) {
	base, qs, dims := sparseData(t, 4000, 60, 3)
	docs, tqs := textData(t, 4000, 60, 5)
	ctx := context.Background()
	const k = 10
	gtIP, err := sparse.ExactIP(ctx, sparse.Vectors{Rows: base, DimsLen: dims}, qs, sparse.Options{K: k})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := sparse.NewAnalyzer(sparse.AnalyzerStandard, nil)
	gtBM, _, err := sparse.ExactBM25(ctx, sparse.Texts(docs), tqs, sparse.BM25Params{K1: workloads.DefaultBM25K1, B: workloads.DefaultBM25B, Analyzer: a}, sparse.Options{K: k})
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"sp", "text"} {
		t.Run(field, func(t *testing.T) {
			targets := map[string]*Target{}
			for _, algo := range algos {
				if field == "sp" {
					targets[algo] = fieldTarget(t, nil, base, nil, "", nil, sparseCfg(field, algo, 0, nil))
				} else {
					targets[algo] = fieldTarget(t, nil, nil, docs, "", nil, sparseCfg(field, algo, 0, nil))
				}
			}
			gt, sq, tq := gtIP, qs, []string(nil)
			if field == "text" {
				gt, sq, tq = gtBM, nil, tqs
			}
			prevRecall, prevWork := 2.0, int64(math.MaxInt64)
			for _, drop := range []float64{0, 0.2, 0.4, 0.6, 0.8} {
				var ref [][]scored
				works := map[string]int64{}
				for _, algo := range algos {
					got, work := targets[algo].runField(field, sq, tq, k, drop)
					works[algo] = work
					if ref == nil {
						ref = got
					} else if !sameHits(ref, got) {
						t.Errorf("drop %g: %s answers differ from %s", drop, algo, algos[0])
					}
				}
				r := meanRecall(gt, ref, k)
				t.Logf("drop_ratio_search %.1f: recall %.3f, postings scored %v", drop, r, works)
				if drop == 0 && r != 1 {
					t.Errorf("drop 0: recall %.3f, want 1", r)
				}
				if r > prevRecall+0.02 {
					t.Errorf("drop %g: recall %.3f rose from %.3f", drop, r, prevRecall)
				}
				if w := works["TAAT_NAIVE"]; w > prevWork {
					t.Errorf("drop %g: TAAT scored %d postings, more than %d at a lower ratio", drop, w, prevWork)
				}
				prevRecall, prevWork = r, works["TAAT_NAIVE"]
			}
			if prevRecall >= 1 || prevRecall <= 0 {
				t.Errorf("drop 0.8: recall %.3f, want in (0, 1)", prevRecall)
			}
		})
	}
}

// TestDropRatioBuild: drop_ratio_build leaves the smallest values (one
// quantile over the whole collection) out of the lists: a smaller index,
// lower recall, the same answers from every algorithm.
func TestDropRatioBuild(t *testing.T) {
	base, qs, dims := sparseData(t, 3000, 40, 9)
	const k = 10
	gt, err := sparse.ExactIP(context.Background(), sparse.Vectors{Rows: base, DimsLen: dims}, qs, sparse.Options{K: k})
	if err != nil {
		t.Fatal(err)
	}
	var nnz int
	for _, v := range base {
		nnz += v.Len()
	}
	prevMem := int64(math.MaxInt64)
	for _, drop := range []float64{0, 0.3, 0.6} {
		var ref [][]scored
		var mem int64
		var kept int
		for _, algo := range algos {
			tg := fieldTarget(t, nil, base, nil, "", nil, sparseCfg("sp", algo, drop, nil))
			got, _ := tg.runField("sp", qs, nil, k, 0)
			if ref == nil {
				ref, mem, kept = got, tg.IndexMemoryBytes(), len(tg.fidx["sp"].row)
			} else if !sameHits(ref, got) {
				t.Errorf("drop_ratio_build %g: %s answers differ", drop, algo)
			}
		}
		r := meanRecall(gt, ref, k)
		t.Logf("drop_ratio_build %.1f: %d of %d values indexed, %d bytes, recall %.3f", drop, kept, nnz, mem, r)
		if want := nnz - int(float32(drop)*float32(nnz)); drop > 0 && (kept > want+nnz/50 || kept < want-nnz/50) {
			t.Errorf("drop_ratio_build %g: %d values indexed, want about %d", drop, kept, want)
		}
		if mem >= prevMem {
			t.Errorf("drop_ratio_build %g: index of %d bytes, not smaller than %d", drop, mem, prevMem)
		}
		if (drop == 0) != (r == 1) {
			t.Errorf("drop_ratio_build %g: recall %.3f", drop, r)
		}
		prevMem = mem
	}
}

func TestDropThreshold(t *testing.T) {
	for _, tc := range []struct {
		vals  []float32
		ratio float64
		want  float32
	}{
		{[]float32{3, 1, 2, 4}, 0, 0},
		{[]float32{3, 1, 2, 4}, 0.2, 0},  // ⌊0.8⌋ = 0: nothing dropped
		{[]float32{3, 1, 2, 4}, 0.25, 2}, // drop values < 2
		{[]float32{3, 1, 2, 4}, 0.6, 3},  // ⌊2.4⌋ = 2
		{[]float32{1, 1, 1, 1}, 0.9, 1},  // ties: nothing below
		{nil, 0.5, 0},
	} {
		if got := dropThreshold(slices.Clone(tc.vals), tc.ratio); got != tc.want {
			t.Errorf("dropThreshold(%v, %g) = %v, want %v", tc.vals, tc.ratio, got, tc.want)
		}
	}
}

// TestFieldErrors: the requests and indexes a multi-field collection
// refuses.
func TestFieldErrors(t *testing.T) {
	base, qs, _ := sparseData(t, 200, 2, 1)
	ctx := context.Background()
	tg := fieldTarget(t, nil, base, nil, "", nil, sparseCfg("sp", "DAAT_WAND", 0, nil))
	for name, err := range map[string]error{
		"insert":        tg.Insert(ctx, []int64{1}, [][]float32{{1}}),
		"dense index":   tg.BuildIndex(ctx, workloads.IndexConfig{Type: "FLAT"}),
		"unknown field": tg.BuildIndex(ctx, sparseCfg("nope", "TAAT_NAIVE", 0, nil)),
		"unknown algo":  tg.CheckIndex(sparseCfg("sp", "BLOCK_MAX_WAND", 0, nil)),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	if _, err := tg.Search(ctx, bench.SearchRequest{Kind: workloads.KindBM25, Field: "sp", Texts: []string{"x"}, TopK: 1}); err == nil {
		t.Error("bm25 on a sparse field: no error")
	}
	if _, err := tg.Search(ctx, bench.SearchRequest{Vectors: [][]float32{{1}}, TopK: 1}); err == nil {
		t.Error("ann without a dense field: no error")
	}
	res, err := tg.Search(ctx, bench.SearchRequest{Kind: workloads.KindSparse, Sparse: qs, TopK: 3})
	if err != nil || len(res.IDs) != 2 || len(res.IDs[0]) != 3 {
		t.Errorf("sparse search: %v, %v", res.IDs, err)
	}
	if err := tg.DropIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if err := tg.Load(ctx); err == nil {
		t.Error("load without the sparse field's index: no error")
	}
}

// TestMaxScoreBulkExact: queries of 20 terms and more take MaxScore's
// window path; with weights spread over orders of magnitude (sparse) and
// long full-text queries mixing rare and common words, the low-bound
// terms turn non-essential and are probed per row — the answers stay
// ExactIP's and ExactBM25's.
func TestMaxScoreBulkExact(t *testing.T) {
	ctx := context.Background()
	const k = 5
	// More rows than a window (bulkWindow), so later windows start with
	// a full heap and non-essential lists.
	base, qs, dims := sparseData(t, 3*bulkWindow, 30, 21)
	var long []sparse.Vector
	for qi, q := range qs {
		if q.Len() < 10 {
			continue
		}
		v := q.Clone()
		for j := range v.Values { // a few heavy weights, many light ones
			v.Values[j] = float32(math.Pow(float64(v.Values[j]), 4)) * float32(1+(qi+j)%7)
		}
		// Pad to ≥ bulkTerms with light weights on dimensions rows use.
		for d := uint32(0); v.Len() < bulkTerms+5 && d < 200; d++ {
			if _, ok := slices.BinarySearch(v.Indices, d); !ok {
				at, _ := slices.BinarySearch(v.Indices, d)
				v.Indices = slices.Insert(v.Indices, at, d)
				v.Values = slices.Insert(v.Values, at, float32(0.001))
			}
		}
		long = append(long, v)
	}
	gtIP, err := sparse.ExactIP(ctx, sparse.Vectors{Rows: base, DimsLen: dims}, long, sparse.Options{K: k})
	if err != nil {
		t.Fatal(err)
	}
	spec := sparse.DefaultTextSpec(3*bulkWindow, 30, 23)
	if raceBuild {
		spec.Docs /= 2
	}
	spec.Vocab, spec.DocLen, spec.QueryMin, spec.QueryMax = 5000, 200, 3*bulkTerms, 4*bulkTerms
	g, tqs, err := sparse.NewSyntheticText(spec)
	if err != nil {
		t.Fatal(err)
	}
	var docs []string
	if err := g.Scan(ctx, 4096, func(_ int64, d []string) error {
		docs = append(docs, d...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	a, _ := sparse.NewAnalyzer(sparse.AnalyzerStandard, nil)
	gtBM, _, err := sparse.ExactBM25(ctx, sparse.Texts(docs), tqs, sparse.BM25Params{K1: workloads.DefaultBM25K1, B: workloads.DefaultBM25B, Analyzer: a}, sparse.Options{K: k})
	if err != nil {
		t.Fatal(err)
	}
	for _, algo := range algos {
		t.Run(algo, func(t *testing.T) {
			tg := fieldTarget(t, nil, base, nil, "", nil, sparseCfg("sp", algo, 0, nil))
			got, work := tg.runField("sp", long, nil, k, 0)
			checkExact(t, gtIP, got, k)
			tb := fieldTarget(t, nil, nil, docs, "", nil, sparseCfg("text", algo, 0, nil))
			gotBM, workBM := tb.runField("text", nil, tqs, k, 0)
			checkExact(t, gtBM, gotBM, k)
			t.Logf("%s: %d sparse and %d BM25 postings scored", algo, work, workBM)
		})
	}
}
