package sparse

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// TextSpec describes a seeded text corpus: words drawn from a Zipf
// vocabulary, document lengths lognormal, queries of a few words drawn
// from one document each. Every field is an input (DefaultTextSpec gives
// typical values).
type TextSpec struct {
	Docs    int // ≥ 1
	Queries int // ≥ 0
	Seed    int64
	// Vocab is the number of distinct words (≥ 2); word r (0-based rank)
	// is drawn with probability ∝ (r+1)^-ZipfS (ZipfS > 1).
	Vocab int
	ZipfS float64
	// DocLen is the median document length in words; lengths are
	// lognormal with shape DocSigma, at least 1.
	DocLen   float64
	DocSigma float64
	// QueryMin..QueryMax (1 ≤ min ≤ max) is the uniform range of words per
	// query, each drawn (with replacement) from one random document.
	QueryMin, QueryMax int
}

// DefaultTextSpec: a 30,000-word vocabulary with Zipf exponent 1.07,
// documents around 60 words (σ 0.6), queries of 2–8 words.
func DefaultTextSpec(docs, queries int, seed int64) TextSpec {
	return TextSpec{Docs: docs, Queries: queries, Seed: seed, Vocab: 30000, ZipfS: 1.07,
		DocLen: 60, DocSigma: 0.6, QueryMin: 2, QueryMax: 8}
}

// Check reports the first field out of range.
func (s TextSpec) Check() error {
	switch {
	case s.Docs < 1 || s.Queries < 0:
		return fmt.Errorf("text synthetic: docs must be ≥ 1 and queries ≥ 0, got %d and %d", s.Docs, s.Queries)
	case s.Vocab < 2:
		return fmt.Errorf("text synthetic: vocab must be ≥ 2, got %d", s.Vocab)
	case !(s.ZipfS > 1) || math.IsInf(s.ZipfS, 0):
		return fmt.Errorf("text synthetic: zipf exponent must be > 1, got %v", s.ZipfS)
	case !(s.DocLen >= 1) || math.IsInf(s.DocLen, 0) || !(s.DocSigma >= 0) || math.IsInf(s.DocSigma, 0):
		return fmt.Errorf("text synthetic: document length must be ≥ 1 with σ ≥ 0, got %v and %v", s.DocLen, s.DocSigma)
	case s.QueryMin < 1 || s.QueryMax < s.QueryMin:
		return fmt.Errorf("text synthetic: query words must satisfy 1 ≤ min ≤ max, got %d..%d", s.QueryMin, s.QueryMax)
	}
	return nil
}

// SyntheticText is a seeded Corpus: document i depends only on (seed, i).
// Documents are sentences of lowercase pseudo-words (the first capitalised,
// commas, full stops and the odd hyphenated compound between), so an
// analyzer has case and punctuation to remove.
type SyntheticText struct{ spec TextSpec }

const (
	streamTextDoc   = 21
	streamTextQuery = 22
)

// NewSyntheticText returns the corpus spec describes and its queries.
func NewSyntheticText(spec TextSpec) (*SyntheticText, []string, error) {
	if err := spec.Check(); err != nil {
		return nil, nil, err
	}
	g := &SyntheticText{spec: spec}
	qs := make([]string, spec.Queries)
	for i := range qs {
		rng := seeded(spec.Seed, streamTextQuery, uint64(i))
		words := g.words(rng.IntN(spec.Docs))
		n := spec.QueryMin + rng.IntN(spec.QueryMax-spec.QueryMin+1)
		q := make([]string, n)
		for j := range q {
			q[j] = word(words[rng.IntN(len(words))])
		}
		qs[i] = strings.Join(q, " ")
	}
	return g, qs, nil
}

// word is the pseudo-word of rank r: bijective base 26 ("a".."z", "aa", ...),
// so frequent words are short, as in natural language.
func word(r int) string {
	var b []byte
	for n := r + 1; n > 0; n = (n - 1) / 26 {
		b = append(b, byte('a'+(n-1)%26))
	}
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// words draws document i's word ranks.
func (g *SyntheticText) words(i int) []int {
	rng := seeded(g.spec.Seed, streamTextDoc, uint64(i))
	n := max(1, int(math.Round(g.spec.DocLen*math.Exp(g.spec.DocSigma*rng.NormFloat64()))))
	z := rand.NewZipf(rng, g.spec.ZipfS, 1, uint64(g.spec.Vocab-1))
	out := make([]int, n)
	for j := range out {
		out[j] = int(z.Uint64())
	}
	return out
}

// Doc returns document i.
func (g *SyntheticText) Doc(i int) string {
	ws := g.words(i)
	var b strings.Builder
	start := true
	for j, r := range ws {
		w := word(r)
		if start {
			w = strings.ToUpper(w[:1]) + w[1:]
			start = false
		}
		b.WriteString(w)
		switch {
		case j == len(ws)-1 || j%11 == 10:
			b.WriteString(". ")
			start = true
		case j%5 == 4:
			b.WriteString(", ")
		case j%17 == 16:
			b.WriteByte('-') // compounds: whitespace words are not terms
		default:
			b.WriteByte(' ')
		}
	}
	return strings.TrimSuffix(b.String(), " ")
}

// Size implements Corpus.
func (g *SyntheticText) Size() int { return g.spec.Docs }

// Scan implements Corpus.
func (g *SyntheticText) Scan(ctx context.Context, batch int, fn func(first int64, docs []string) error) error {
	if batch < 1 {
		return fmt.Errorf("sparse: batch must be ≥ 1, got %d", batch)
	}
	docs := make([]string, batch)
	for first := 0; first < g.spec.Docs; first += batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(batch, g.spec.Docs-first)
		for i := range n {
			docs[i] = g.Doc(first + i)
		}
		if err := fn(int64(first), docs[:n]); err != nil {
			return err
		}
	}
	return nil
}

// QueriesFrom draws n query texts from a corpus, for corpora that come
// without queries: documents evenly spaced through the corpus (a document
// with no terms passes its turn to the next), and from each minTerms..
// maxTerms of its analyzed terms drawn with replacement (seeded), joined by
// spaces. Fewer than n come back only when the corpus has too few
// documents with terms.
func QueriesFrom(ctx context.Context, c Corpus, a *Analyzer, n int, seed int64, minTerms, maxTerms int) ([]string, error) {
	if n < 0 || minTerms < 1 || maxTerms < minTerms {
		return nil, fmt.Errorf("queries from corpus: need n ≥ 0 and 1 ≤ min ≤ max terms, got %d, %d..%d", n, minTerms, maxTerms)
	}
	size := c.Size()
	n = min(n, size)
	var out []string
	next := 0 // index of the next pick
	owed := 0 // picks carried past empty documents
	var toks []string
	err := c.Scan(ctx, 1024, func(first int64, docs []string) error {
		for i, d := range docs {
			id := int(first) + i
			for next < n && next*size/n <= id {
				owed++
				next++
			}
			if owed == 0 {
				continue
			}
			toks = a.Tokens(d, toks[:0])
			if len(toks) == 0 {
				continue
			}
			rng := seeded(seed, streamTextQuery, uint64(len(out)))
			k := minTerms + rng.IntN(maxTerms-minTerms+1)
			q := make([]string, k)
			for j := range q {
				q[j] = toks[rng.IntN(len(toks))]
			}
			out = append(out, strings.Join(q, " "))
			owed--
		}
		return nil
	})
	return out, err
}
