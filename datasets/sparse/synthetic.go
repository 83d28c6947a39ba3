package sparse

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// SyntheticSpec describes seeded sparse vectors shaped like learned sparse
// embeddings (SPLADE-style): a few dimensions common to most rows and a long
// tail of rare ones, a hundred-odd non-zeros per document, a few dozen per
// query, positive weights. Every field is an input; none has a hidden
// default (DefaultSyntheticSpec gives typical values).
type SyntheticSpec struct {
	Size    int   // base rows, ≥ 1
	Queries int   // query rows, ≥ 0
	Dims    int64 // dimension space (vocabulary), 2..2^31
	Seed    int64
	// ZipfS is the Zipf exponent (> 1) of the dimension distribution:
	// dimension d is drawn with probability ∝ (d+1)^-ZipfS.
	ZipfS float64
	// DocNNZ is the median non-zeros per base row; their count is
	// lognormal with shape DocSigma, clamped to 1..Dims/2.
	DocNNZ   float64
	DocSigma float64
	// QueryNNZMin..QueryNNZMax is the uniform range of non-zeros per query.
	QueryNNZMin, QueryNNZMax int
}

// DefaultSyntheticSpec returns typical shape parameters (vocabulary 30,000,
// Zipf 1.1, documents lognormal around 120 non-zeros with σ 0.5, queries
// 20–40) for size rows, queries queries and seed.
func DefaultSyntheticSpec(size, queries int, seed int64) SyntheticSpec {
	return SyntheticSpec{Size: size, Queries: queries, Dims: 30000, Seed: seed, ZipfS: 1.1,
		DocNNZ: 120, DocSigma: 0.5, QueryNNZMin: 20, QueryNNZMax: 40}
}

// Check reports the first field out of range.
func (s SyntheticSpec) Check() error {
	switch {
	case s.Size < 1 || s.Queries < 0:
		return fmt.Errorf("sparse synthetic: size must be ≥ 1 and queries ≥ 0, got %d and %d", s.Size, s.Queries)
	case s.Dims < 2 || s.Dims > 1<<31:
		return fmt.Errorf("sparse synthetic: dims must be in 2..2^31, got %d", s.Dims)
	case !(s.ZipfS > 1) || math.IsInf(s.ZipfS, 0):
		return fmt.Errorf("sparse synthetic: zipf exponent must be > 1, got %v", s.ZipfS)
	case !(s.DocNNZ >= 1) || math.IsInf(s.DocNNZ, 0) || !(s.DocSigma >= 0) || math.IsInf(s.DocSigma, 0):
		return fmt.Errorf("sparse synthetic: document non-zeros must be ≥ 1 with σ ≥ 0, got %v and %v", s.DocNNZ, s.DocSigma)
	case s.QueryNNZMin < 1 || s.QueryNNZMax < s.QueryNNZMin:
		return fmt.Errorf("sparse synthetic: query non-zeros must satisfy 1 ≤ min ≤ max, got %d..%d", s.QueryNNZMin, s.QueryNNZMax)
	}
	return nil
}

// Synthetic is a seeded sparse Base: row i depends only on (seed, i), so
// any batch size gives the same rows and only the current batch is held.
type Synthetic struct {
	spec SyntheticSpec
}

const (
	streamSparseBase  = 11
	streamSparseQuery = 12
)

// NewSynthetic returns the base spec describes and its queries.
func NewSynthetic(spec SyntheticSpec) (*Synthetic, []Vector, error) {
	if err := spec.Check(); err != nil {
		return nil, nil, err
	}
	g := &Synthetic{spec: spec}
	qs := make([]Vector, spec.Queries)
	for i := range qs {
		rng := seeded(spec.Seed, streamSparseQuery, uint64(i))
		n := spec.QueryNNZMin + rng.IntN(spec.QueryNNZMax-spec.QueryNNZMin+1)
		qs[i] = g.draw(rng, n, Vector{})
	}
	return g, qs, nil
}

func seeded(seed int64, stream, row uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed)^(stream<<56), row*0x9E3779B97F4A7C15+stream))
}

// draw fills dst (reusing its memory) with n distinct Zipf-drawn
// dimensions (fewer if the draws keep repeating) and positive weights.
func (g *Synthetic) draw(rng *rand.Rand, n int, dst Vector) Vector {
	n = min(n, int(g.spec.Dims/2))
	z := rand.NewZipf(rng, g.spec.ZipfS, 1, uint64(g.spec.Dims-1))
	idx := dst.Indices[:0]
	seen := make(map[uint32]struct{}, n)
	for tries := 0; len(idx) < n && tries < 20*n; tries++ {
		d := uint32(z.Uint64())
		if _, ok := seen[d]; ok {
			continue
		}
		seen[d] = struct{}{}
		idx = append(idx, d)
	}
	slices.Sort(idx)
	val := dst.Values[:0]
	for range idx {
		// Lognormal weights around 0.5, as learned sparse weights are.
		val = append(val, float32(0.5*math.Exp(0.6*rng.NormFloat64())))
	}
	return Vector{Indices: idx, Values: val}
}

// Size implements Base.
func (g *Synthetic) Size() int { return g.spec.Size }

// Dims implements Base.
func (g *Synthetic) Dims() int64 { return g.spec.Dims }

// Row returns base row i (a new vector).
func (g *Synthetic) Row(i int) Vector { return g.row(i, Vector{}) }

// row generates base row i into dst's memory.
func (g *Synthetic) row(i int, dst Vector) Vector {
	rng := seeded(g.spec.Seed, streamSparseBase, uint64(i))
	n := int(math.Round(g.spec.DocNNZ * math.Exp(g.spec.DocSigma*rng.NormFloat64())))
	return g.draw(rng, max(n, 1), dst)
}

// Scan implements Base.
func (g *Synthetic) Scan(ctx context.Context, batch int, fn func(first int64, rows []Vector) error) error {
	if batch < 1 {
		return fmt.Errorf("sparse: batch must be ≥ 1, got %d", batch)
	}
	rows := make([]Vector, batch)
	for first := 0; first < g.spec.Size; first += batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(batch, g.spec.Size-first)
		for r := range n {
			rows[r] = g.row(first+r, rows[r])
		}
		if err := fn(int64(first), rows[:n]); err != nil {
			return err
		}
	}
	return nil
}
