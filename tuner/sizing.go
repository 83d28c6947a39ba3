package tuner

import (
	"fmt"
	"math"

	"github.com/milvbench/milvbench/workloads"
)

// LoadHeadroom is the factor Milvus's sizing guide adds to an index's size
// for loading it into a query node.
const LoadHeadroom = 1.15

// IndexMemory estimates the memory an index of cfg over rows float32
// vectors of dimension dim occupies once loaded, from Milvus's sizing
// formulas, and returns the formula in words. raw = rows·dim·4 bytes.
//
//   - FLAT: raw (the vectors themselves).
//   - IVF_FLAT: raw + nlist·dim·4 (the vectors, grouped by list, plus the
//     float32 centroids).
//   - IVF_SQ8: raw/4 + nlist·dim·4 (one byte per component instead of four).
//   - IVF_PQ: rows·m·nbits/8 (the codes) + 2^nbits·dim·4 (m codebooks of
//     2^nbits sub-vectors of dim/m floats) + nlist·dim·4 (centroids).
//   - HNSW: raw·(1 + 2M/dim). The vectors, plus the graph: every node has
//     up to 2M neighbours on layer 0, each a 4-byte id, i.e. 8M bytes per
//     node against 4·dim bytes of vector; the upper layers hold a fraction
//     1/(M−1) of that again (a node reaches layer l with probability
//     M^−l), which the formula, like Milvus's guide, leaves out.
//   - DISKANN: raw/4 in memory (PQ codes for navigation; the graph and the
//     full vectors stay on disk).
//   - SCANN: raw/4 (its quantized codes, taken as IVF_SQ8's: an
//     assumption) + raw when with_raw_data (Milvus's default) + nlist·dim·4.
//   - AUTOINDEX: as HNSW with M=30, the default Zilliz Cloud and Milvus
//     pick for float vectors (an assumption: the server chooses).
func IndexMemory(cfg workloads.IndexConfig, rows int64, dim int) (float64, string) {
	n, d := float64(rows), float64(dim)
	raw := n * d * 4
	nlist := float64(cfg.Build.Int("nlist", 128))
	centroids := nlist * d * 4
	switch cfg.Type {
	case "FLAT":
		return raw, "raw = rows·dim·4"
	case "IVF_FLAT":
		return raw + centroids, "raw + nlist·dim·4"
	case "IVF_SQ8":
		return raw/4 + centroids, "raw/4 + nlist·dim·4"
	case "IVF_PQ":
		m := float64(cfg.Build.Int("m", max(dim/8, 1)))
		nbits := float64(cfg.Build.Int("nbits", 8))
		return n*m*nbits/8 + math.Exp2(nbits)*d*4 + centroids, "rows·m·nbits/8 + 2^nbits·dim·4 + nlist·dim·4"
	case "HNSW":
		M := float64(cfg.Build.Int("M", 30))
		return raw * (1 + 2*M/d), fmt.Sprintf("raw·(1 + 2M/dim), M=%g", M)
	case "DISKANN":
		return raw / 4, "raw/4 (in memory; the rest on disk)"
	case "SCANN":
		mem, f := raw/4+centroids, "raw/4 + nlist·dim·4"
		if v, ok := cfg.Build["with_raw_data"].(bool); !ok || v {
			mem, f = mem+raw, "raw/4 + raw (with_raw_data) + nlist·dim·4"
		}
		return mem, f
	case "AUTOINDEX":
		return raw * (1 + 2*30/d), "as HNSW with M=30: raw·(1 + 60/dim) (assumed: the server picks the index)"
	}
	return raw, "raw (no formula for " + cfg.Type + ")"
}
