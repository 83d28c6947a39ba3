package sparse

import (
	"context"
	"fmt"
	"math"
	"sync"

	"github.com/milvbench/milvbench/datasets"
)

// BM25Params are the inputs that change a BM25 ranking besides the data:
// every one is explicit (Milvus's bm25_k1 and bm25_b defaults, 1.2 and
// 0.75 on the server and 1.5 and 0.75 in Milvus Lite, are the caller's to
// pass).
type BM25Params struct {
	K1, B    float64
	Analyzer *Analyzer
}

// Check reports a parameter out of range: k1 ≥ 0, 0 ≤ b ≤ 1, an analyzer.
func (p BM25Params) Check() error {
	switch {
	case !(p.K1 >= 0) || math.IsInf(p.K1, 0):
		return fmt.Errorf("bm25: k1 must be a finite number ≥ 0, got %v", p.K1)
	case !(p.B >= 0 && p.B <= 1):
		return fmt.Errorf("bm25: b must be in 0..1, got %v", p.B)
	case p.Analyzer == nil:
		return fmt.Errorf("bm25: no analyzer")
	}
	return nil
}

// BM25Stats are the corpus statistics a BM25 ground truth used.
type BM25Stats struct {
	N      int64   // documents, empty ones included
	Tokens int64   // terms after analysis, over all documents
	AvgDL  float64 // Tokens / N (1 when that is 0, as Milvus Lite does)
}

// bm25Block is the number of documents ExactBM25 asks the corpus for at a time.
const bm25Block = 4096

// ExactBM25 computes the exact BM25 top-k of every query text over the
// whole corpus, as Milvus Lite 3.2.2 scores it
// (milvus_lite/index/sparse_inverted.py, SparseInvertedIndex.search, with
// queries prepared by engine/collection.py _prepare_sparse_queries):
//
//	score(q, d) = Σ_t IDF(t) · tf(t,d)·(k1+1) / (tf(t,d) + k1·(1 − b + b·|d|/avgdl)) · qtf(t)
//	IDF(t)      = ln((N − df(t) + 0.5) / (df(t) + 0.5) + 1)
//
// over the distinct terms t of the analyzed query, in order of first
// occurrence, where qtf(t) is how often t occurs in the query (Lite's
// query vector is the query's term counts, and it multiplies them in);
// tf(t,d) counts t in document d after analysis; |d| is d's number of terms
// after analysis (stop words removed); N counts every document, empty ones
// included; df(t) is the number of documents containing t; avgdl is the
// mean |d| over all N documents (1 if that is 0). Terms are compared as
// strings (Lite hashes them to 32 bits with FNV-1a, so two colliding terms
// would merge there; the ground truth does not reproduce collisions).
// Arithmetic is float64, the score rounded to float32 (Lite's NumPy 2
// arithmetic rounds to float32 as it goes, so its scores can differ in the
// last places). Only documents containing a query term are candidates;
// distances are negated scores, closest first, ties broken by id and kept
// at the K-th score, as datasets.GroundTruth defines.
//
// Milvus Lite keeps these statistics per segment (its collection.py notes
// this as a TODO), so its scores equal these only while the collection's
// rows sit in one segment or the memtable.
//
// Two passes over the corpus: the first counts N, the terms and each query
// term's df; the second scores. Memory: one batch of documents, per query
// term a slot (its string, df, IDF and the queries using it), per worker
// a term-count array over those slots and a heap of K candidates (16 bytes
// each, plus ties) per query; the corpus size does not enter.
func ExactBM25(ctx context.Context, corpus Corpus, queries []string, p BM25Params, opt Options) (*datasets.GroundTruth, BM25Stats, error) {
	if err := opt.check(); err != nil {
		return nil, BM25Stats{}, err
	}
	if err := p.Check(); err != nil {
		return nil, BM25Stats{}, err
	}
	s := newBM25Scan(queries, p, opt)
	batch := opt.batchOr(bm25Block)
	if err := corpus.Scan(ctx, batch, func(_ int64, docs []string) error {
		s.parallel(docs, func(w *bm25Worker, _ int, doc string) { s.count(w, doc) })
		return ctx.Err()
	}); err != nil {
		return nil, BM25Stats{}, err
	}
	st := s.finishCounts()
	if err := corpus.Scan(ctx, batch, func(first int64, docs []string) error {
		s.parallel(docs, func(w *bm25Worker, i int, doc string) { s.score(w, first+int64(i), doc) })
		return ctx.Err()
	}); err != nil {
		return nil, BM25Stats{}, err
	}
	gt := &datasets.GroundTruth{K: opt.K, IDs: make([][]int64, len(queries)), Dists: make([][]float32, len(queries))}
	for qi := range queries {
		h := &s.workers[0].heaps[qi]
		for _, w := range s.workers[1:] {
			h.merge(&w.heaps[qi])
		}
		gt.IDs[qi], gt.Dists[qi] = h.result()
	}
	return gt, st, nil
}

// queryTerm is one distinct term of a query: its slot and count.
type queryTerm struct {
	slot int32
	qtf  float64
}

type bm25Scan struct {
	p      BM25Params
	slots  map[string]int32
	qterms [][]queryTerm // per query, distinct terms in first-occurrence order
	users  [][]int32     // per slot, the queries using it
	df     []int64
	idf    []float64
	n, tok int64
	avgdl  float64

	workers []*bm25Worker
}

type bm25Worker struct {
	buf     []byte
	tf      []int32 // per slot, the current document's count
	touched []int32 // slots counted in the current document
	qmark   []bool
	qlist   []int32
	heaps   []topK
	df      []int64 // first pass
	n, tok  int64
}

func newBM25Scan(queries []string, p BM25Params, opt Options) *bm25Scan {
	s := &bm25Scan{p: p, slots: map[string]int32{}, qterms: make([][]queryTerm, len(queries))}
	for qi, q := range queries {
		pos := map[int32]int{}
		for _, t := range p.Analyzer.Tokens(q, nil) {
			sl, ok := s.slots[t]
			if !ok {
				sl = int32(len(s.slots))
				s.slots[t] = sl
				s.users = append(s.users, nil)
			}
			if j, ok := pos[sl]; ok {
				s.qterms[qi][j].qtf++
				continue
			}
			pos[sl] = len(s.qterms[qi])
			s.qterms[qi] = append(s.qterms[qi], queryTerm{slot: sl, qtf: 1})
			s.users[sl] = append(s.users[sl], int32(qi))
		}
	}
	ns := len(s.slots)
	s.df = make([]int64, ns)
	for range opt.workers() {
		w := &bm25Worker{tf: make([]int32, ns), df: make([]int64, ns), qmark: make([]bool, len(queries)), heaps: make([]topK, len(queries))}
		for i := range w.heaps {
			w.heaps[i].k = opt.K
		}
		s.workers = append(s.workers, w)
	}
	return s
}

// parallel runs fn over docs, each worker taking a contiguous share.
func (s *bm25Scan) parallel(docs []string, fn func(w *bm25Worker, i int, doc string)) {
	nw := len(s.workers)
	per := (len(docs) + nw - 1) / nw
	var wg sync.WaitGroup
	for wi, w := range s.workers {
		lo, hi := wi*per, min((wi+1)*per, len(docs))
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				fn(w, i, docs[i])
			}
		}()
	}
	wg.Wait()
}

// analyze counts doc's query terms into w.tf (w.touched lists them) and
// returns its length in terms.
func (s *bm25Scan) analyze(w *bm25Worker, doc string) int64 {
	var dl int64
	w.touched = w.touched[:0]
	w.buf = s.p.Analyzer.each(doc, w.buf, func(t []byte) {
		dl++
		if sl, ok := s.slots[string(t)]; ok {
			if w.tf[sl] == 0 {
				w.touched = append(w.touched, sl)
			}
			w.tf[sl]++
		}
	})
	return dl
}

// count is the first pass over one document.
func (s *bm25Scan) count(w *bm25Worker, doc string) {
	w.n++
	w.tok += s.analyze(w, doc)
	for _, sl := range w.touched {
		w.df[sl]++
		w.tf[sl] = 0
	}
}

// finishCounts sums the workers' counts into N, avgdl and each term's IDF.
func (s *bm25Scan) finishCounts() BM25Stats {
	for _, w := range s.workers {
		s.n += w.n
		s.tok += w.tok
		for i, d := range w.df {
			s.df[i] += d
		}
	}
	s.avgdl = 1
	if s.n > 0 && s.tok > 0 {
		s.avgdl = float64(s.tok) / float64(s.n)
	}
	N := float64(s.n)
	s.idf = make([]float64, len(s.df))
	for i, d := range s.df {
		df := float64(d)
		s.idf[i] = math.Log((N-df+0.5)/(df+0.5) + 1.0)
	}
	return BM25Stats{N: s.n, Tokens: s.tok, AvgDL: s.avgdl}
}

// score is the second pass over document id: every query sharing a term
// with it gets its score offered.
func (s *bm25Scan) score(w *bm25Worker, id int64, doc string) {
	dl := float64(s.analyze(w, doc))
	k1, b := s.p.K1, s.p.B
	norm := k1 * (1.0 - b + b*dl/s.avgdl)
	w.qlist = w.qlist[:0]
	for _, sl := range w.touched {
		for _, qi := range s.users[sl] {
			if !w.qmark[qi] {
				w.qmark[qi] = true
				w.qlist = append(w.qlist, qi)
			}
		}
	}
	for _, qi := range w.qlist {
		w.qmark[qi] = false
		var sc float64
		for _, t := range s.qterms[qi] {
			tf := float64(w.tf[t.slot])
			if tf == 0 {
				continue
			}
			sc += s.idf[t.slot] * (tf * (k1 + 1.0) / (tf + norm)) * t.qtf
		}
		w.heaps[qi].offer(-float32(sc), id)
	}
	for _, sl := range w.touched {
		w.tf[sl] = 0
	}
}
