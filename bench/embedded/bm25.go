package embedded

import (
	"math"
	"slices"

	"github.com/milvbench/milvbench/datasets/sparse"
	"github.com/milvbench/milvbench/workloads"
)

// bm25State is what a text field's SPARSE_INVERTED_INDEX keeps beside its
// postings (term frequencies): the analyzer, the term of each list and
// the corpus statistics over every stored document, with the formula of
// datasets/sparse ExactBM25 (which cites the Milvus Lite source it
// follows):
//
//	score(q, d) = Σ_t IDF(t) · tf(t,d)·(k1+1) / (tf(t,d) + k1·(1 − b + b·|d|/avgdl)) · qtf(t)
//	IDF(t)      = ln((N − df(t) + 0.5) / (df(t) + 0.5) + 1)
//
// N counts every document (empty ones too), df(t) the documents holding t,
// |d| a document's terms after analysis, avgdl = Σ|d| / N (1 when that is
// 0). drop_ratio_build drops small term frequencies from the lists but not
// from N, df or |d|.
type bm25State struct {
	analyzer *sparse.Analyzer
	terms    map[string]int32
	k1, b    float64
	n        int64
	avgdl    float64
	idf      []float64 // per list
	norm     []float64 // per row: k1·(1 − b + b·|d|/avgdl)
}

// newBM25Index analyzes texts with a and indexes their BM25 output under
// cfg (bm25_k1, bm25_b, drop_ratio_build, inverted_index_algo).
func newBM25Index(texts []string, a *sparse.Analyzer, cfg workloads.IndexConfig) (*sparseIndex, error) {
	algo, err := sparseAlgo(cfg.Build)
	if err != nil {
		return nil, err
	}
	bm := &bm25State{
		analyzer: a, terms: map[string]int32{},
		k1: cfg.Build.Float("bm25_k1", workloads.DefaultBM25K1),
		b:  cfg.Build.Float("bm25_b", workloads.DefaultBM25B),
		n:  int64(len(texts)),
	}
	x := &sparseIndex{cfg: cfg, algo: algo, bm: bm, bm25: true, rows: len(texts)}

	// Pass 1: each document's (term, count) pairs, its length, df.
	docStart := make([]int64, len(texts)+1)
	var docTerm []int32
	var docTF []float32
	var df []int64
	dl := make([]int64, len(texts))
	var tf []int32 // per term, the current document's count
	var touched []int32
	var toks []string
	var tokens int64
	for d, text := range texts {
		toks = a.Tokens(text, toks[:0])
		dl[d] = int64(len(toks))
		tokens += dl[d]
		touched = touched[:0]
		for _, t := range toks {
			id, ok := bm.terms[t]
			if !ok {
				id = int32(len(df))
				bm.terms[t] = id
				df = append(df, 0)
				tf = append(tf, 0)
			}
			if tf[id] == 0 {
				touched = append(touched, id)
			}
			tf[id]++
		}
		for _, id := range touched {
			docTerm = append(docTerm, id)
			docTF = append(docTF, float32(tf[id]))
			df[id]++
			tf[id] = 0
		}
		docStart[d+1] = int64(len(docTerm))
	}
	bm.avgdl = 1
	if bm.n > 0 && tokens > 0 {
		bm.avgdl = float64(tokens) / float64(bm.n)
	}
	N := float64(bm.n)
	bm.idf = make([]float64, len(df))
	for i, d := range df {
		bm.idf[i] = bm25IDF(N, float64(d))
	}
	k1, b := bm.k1, bm.b
	bm.norm = make([]float64, len(texts))
	for d := range texts {
		dlf := float64(dl[d])
		bm.norm[d] = k1 * (1.0 - b + b*dlf/bm.avgdl)
	}

	if r := cfg.Build.Float("drop_ratio_build", 0); r > 0 {
		x.threshold = dropThreshold(slices.Clone(docTF), r)
	}
	counts := make([]int64, len(df))
	for p, id := range docTerm {
		if !x.dropped(docTF[p]) {
			counts[id]++
		}
	}
	x.allocLists(counts)
	fill := slices.Clone(x.start[:len(counts)])
	for d := range texts {
		for p := docStart[d]; p < docStart[d+1]; p++ {
			v := docTF[p]
			if x.dropped(v) {
				continue
			}
			l := docTerm[p]
			q := fill[l]
			x.row[q], x.val[q] = uint32(d), v
			fill[l]++
			// hi: the largest term-frequency factor of the list, the
			// same expression contrib evaluates.
			tf := float64(v)
			x.hi[l] = max(x.hi[l], tf*(k1+1.0)/(tf+bm.norm[d]))
		}
	}
	var termBytes int64
	for t := range bm.terms {
		termBytes += int64(len(t)) + 16 + 4
	}
	x.mem = x.listBytes() + termBytes + int64(len(bm.idf))*8 + int64(len(bm.norm))*8
	return x, nil
}

// bm25IDF is ExactBM25's IDF.
func bm25IDF(N, df float64) float64 { return math.Log((N-df+0.5)/(df+0.5) + 1.0) }

// bm25Query analyzes text into its searched terms: distinct terms in
// order of first occurrence with their counts, after drop_ratio_search on
// the weights IDF·count (terms no document holds weigh by df 0 and are
// then skipped, as they match nothing).
func (x *sparseIndex) bm25Query(text string, drop float64) []qterm {
	bm := x.bm
	toks := bm.analyzer.Tokens(text, nil)
	type term struct {
		s   string
		qtf float64
	}
	var terms []term
	at := map[string]int{}
	for _, t := range toks {
		if i, ok := at[t]; ok {
			terms[i].qtf++
			continue
		}
		at[t] = len(terms)
		terms = append(terms, term{t, 1})
	}
	var th float32
	N := float64(bm.n)
	weight := func(t term) float32 {
		idf := bm25IDF(N, 0)
		if l, ok := bm.terms[t.s]; ok {
			idf = bm.idf[l]
		}
		return float32(math.Abs(idf * t.qtf))
	}
	if drop > 0 {
		abs := make([]float32, len(terms))
		for i, t := range terms {
			abs[i] = weight(t)
		}
		th = dropThreshold(abs, drop)
	}
	out := make([]qterm, 0, len(terms))
	for _, t := range terms {
		l, ok := bm.terms[t.s]
		if !ok || weight(t) < th || x.start[l] == x.start[l+1] {
			continue
		}
		out = append(out, qterm{list: l, w: t.qtf, ub: max(0, bm.idf[l]*x.hi[l]*t.qtf)})
	}
	return out
}
