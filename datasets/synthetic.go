package datasets

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/milvbench/milvbench/workloads"
)

// Synthetic generates vectors from a seed. Row i depends only on (seed, i), so
// any batch size and any order of reading give the same vectors, and nothing
// but the current batch is held in memory.
type Synthetic struct {
	size, dim    int
	seed         uint64
	distribution string
	centers      [][]float32 // clustered only
	cum          []float64   // skewed only: cumulative cluster weights
	spread       float32
	normalise    bool
	int8Scale    float32 // > 0: vector_type int8, rows are rounded to whole numbers
	binary       bool    // vector_type binary: rows of 0/1 bits
}

// binaryFlip is the chance that a clustered binary row's bit differs from
// its cluster centre's: rows of one cluster are about 2·0.3·0.7·dim =
// 0.42·dim bits apart, rows of two clusters about dim/2 (at 256 bits 108
// ± 8 against 128 ± 8), so a query's neighbours are its cluster's, and an
// IVF list boundary through a cluster costs recall as on real data (with
// 0.1 every cluster sat whole in one list and BIN_IVF_FLAT at nprobe 1 was
// exact).
const binaryFlip = 0.3

// Stream ids separate the base rows from the queries and the centres.
const (
	streamBase    = 1
	streamQueries = 2
	streamCenters = 3
)

// NewSynthetic returns the synthetic dataset described by spec, with its
// queries generated and its checksum computed.
func NewSynthetic(ctx context.Context, spec workloads.DatasetSpec) (*Dataset, error) {
	if spec.Size < 1 || spec.Dim < 1 || spec.Queries < 1 {
		return nil, fmt.Errorf("dataset: size, dim and queries must be positive (got %d, %d, %d)", spec.Size, spec.Dim, spec.Queries)
	}
	g := &Synthetic{
		size: spec.Size, dim: spec.Dim, seed: uint64(spec.Seed),
		distribution: spec.Distribution,
		normalise:    spec.Metric == workloads.IP || spec.Metric == workloads.Cosine,
	}
	if spec.VectorType == workloads.VectorBinary {
		g.binary, g.normalise = true, false
	}
	if spec.VectorType == workloads.VectorInt8 {
		// About four standard deviations of a component map to 127.
		g.int8Scale = 28
		if g.normalise {
			g.int8Scale = 127 * float32(math.Sqrt(float64(spec.Dim))) / 4
		}
	}
	if spec.Distribution == workloads.DistClustered || spec.Distribution == workloads.DistSkewed {
		if spec.Clusters < 1 {
			return nil, fmt.Errorf("dataset: clustered distribution needs clusters ≥ 1")
		}
		rng := g.rng(streamCenters, 0)
		g.centers = make([][]float32, spec.Clusters)
		for c := range g.centers {
			g.centers[c] = gaussian(rng, spec.Dim, 1)
			if g.binary { // random bits: the signs of a Gaussian
				for j, x := range g.centers[c] {
					g.centers[c][j] = float32(max(0, math.Copysign(1, float64(x))))
				}
			}
		}
		// Within-cluster spread relative to the distance between centres
		// (≈ √(2·dim)); the value makes neighbours within a cluster close
		// but not trivially separable, like real embeddings.
		g.spread = 0.5
		if spec.Distribution == workloads.DistSkewed {
			// Zipf cluster sizes: cluster c draws a share ∝ 1/(c+1).
			g.cum = make([]float64, spec.Clusters)
			total := 0.0
			for c := range g.cum {
				total += 1 / float64(c+1)
				g.cum[c] = total
			}
		}
	}
	queries := make([][]float32, spec.Queries)
	for i := range queries {
		queries[i] = g.row(streamQueries, uint64(i))
	}
	ds := &Dataset{
		Info: Info{
			Name:         fmt.Sprintf("synthetic-%s-%dx%d-%s-s%d", spec.Distribution, spec.Size, spec.Dim, spec.Metric, spec.Seed),
			Source:       "synthetic",
			Distribution: spec.Distribution,
			Size:         spec.Size,
			Dim:          spec.Dim,
			Metric:       spec.Metric,
			Queries:      spec.Queries,
			Seed:         spec.Seed,
			Clusters:     len(g.centers),
		},
		Base:    g,
		Queries: queries,
	}
	if vt := spec.Type(); vt != workloads.VectorFloat {
		ds.Info.Name += "-" + vt
		if err := ds.storeAs(vt, ds.Info.Name, ds.Info.Name); err != nil {
			return nil, err
		}
	}
	sum, err := Checksum(ctx, ds)
	if err != nil {
		return nil, err
	}
	ds.Info.Checksum = sum
	return ds, nil
}

func (g *Synthetic) rng(stream, row uint64) *rand.Rand {
	return rand.New(rand.NewPCG(g.seed^(stream<<56), row*0x9E3779B97F4A7C15+stream))
}

func gaussian(rng *rand.Rand, dim int, sigma float32) []float32 {
	v := make([]float32, dim)
	for j := range v {
		v[j] = float32(rng.NormFloat64()) * sigma
	}
	return v
}

// row generates row i of a stream into a new slice.
func (g *Synthetic) row(stream, i uint64) []float32 {
	v := make([]float32, g.dim)
	g.fill(stream, i, v)
	return v
}

func (g *Synthetic) fill(stream, i uint64, v []float32) {
	rng := g.rng(stream, i)
	if g.binary {
		g.fillBits(rng, v)
		return
	}
	if g.centers == nil {
		for j := range v {
			v[j] = float32(rng.NormFloat64())
		}
	} else {
		c := g.centers[g.cluster(rng)]
		for j := range v {
			v[j] = c[j] + float32(rng.NormFloat64())*g.spread
		}
	}
	if g.normalise {
		var n float64
		for _, x := range v {
			n += float64(x) * float64(x)
		}
		if n > 0 {
			inv := float32(1 / math.Sqrt(n))
			for j := range v {
				v[j] *= inv
			}
		}
	}
	if g.int8Scale > 0 {
		for j, x := range v {
			v[j] = float32(max(-128, min(127, math.Round(float64(x*g.int8Scale)))))
		}
	}
}

// fillBits fills v with a binary row: uniform random bits (gaussian), or
// a cluster centre's bits each flipped with chance binaryFlip.
func (g *Synthetic) fillBits(rng *rand.Rand, v []float32) {
	if g.centers == nil {
		for j := range v {
			v[j] = float32(rng.IntN(2))
		}
		return
	}
	c := g.centers[g.cluster(rng)]
	for j := range v {
		v[j] = c[j]
		if rng.Float64() < binaryFlip {
			v[j] = 1 - c[j]
		}
	}
}

// cluster draws a row's cluster: uniform, or Zipf-weighted when skewed.
func (g *Synthetic) cluster(rng *rand.Rand) int {
	if g.cum == nil {
		return rng.IntN(len(g.centers))
	}
	u := rng.Float64() * g.cum[len(g.cum)-1]
	return min(sort.SearchFloat64s(g.cum, u), len(g.cum)-1)
}

// Size implements Base.
func (g *Synthetic) Size() int { return g.size }

// Dim implements Base.
func (g *Synthetic) Dim() int { return g.dim }

// Scan implements Base.
func (g *Synthetic) Scan(ctx context.Context, batch int, fn func(first int64, vecs [][]float32) error) error {
	if batch < 1 {
		return fmt.Errorf("dataset: batch must be ≥ 1, got %d", batch)
	}
	buf := make([]float32, batch*g.dim)
	rows := make([][]float32, batch)
	for first := 0; first < g.size; first += batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(batch, g.size-first)
		for r := 0; r < n; r++ {
			rows[r] = buf[r*g.dim : (r+1)*g.dim : (r+1)*g.dim]
			g.fill(streamBase, uint64(first+r), rows[r])
		}
		if err := fn(int64(first), rows[:n]); err != nil {
			return err
		}
	}
	return nil
}

// Checksum hashes the base vectors and queries (little-endian float32 bits),
// so results can name exactly which data produced them.
func Checksum(ctx context.Context, ds *Dataset) (string, error) {
	h := sha256.New()
	var b []byte
	put := func(v []float32) {
		b = b[:0]
		for _, x := range v {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
		}
		h.Write(b)
	}
	if ds.Info.VectorType == workloads.VectorBinary {
		// 0/1 rows hash alike as bits or as floats: the type keeps a
		// binary set apart from float rows of the same values.
		h.Write([]byte("vector_type binary\x00"))
	}
	err := ds.Base.Scan(ctx, 4096, func(_ int64, vecs [][]float32) error {
		for _, v := range vecs {
			put(v)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	for _, q := range ds.Queries {
		put(q)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))[:16], nil
}
