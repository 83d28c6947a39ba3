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
// vectors of dimension dim occupies once loaded; see IndexMemoryOf.
func IndexMemory(cfg workloads.IndexConfig, rows int64, dim int) (float64, string) {
	return IndexMemoryOf(cfg, rows, dim, workloads.VectorFloat)
}

// IndexMemoryOf estimates the memory an index of cfg over rows vectors of
// dimension dim stored as vector type vt (float, float16, bfloat16, int8,
// binary: dim bits)
// occupies once loaded, from Milvus's sizing formulas, and returns the
// formula in words. raw = rows·dim·b, b the type's bytes per component (4
// float, 2 float16 and bfloat16, 1 int8); codes whose size does not depend
// on the type are written in rows·dim. An index entry's own vector type
// (cfg.VectorType) takes the place of vt.
//
//   - FLAT: raw (the vectors themselves).
//   - IVF_FLAT: raw + nlist·dim·4 (the vectors, grouped by list, plus the
//     float32 centroids).
//   - IVF_SQ8: rows·dim + nlist·dim·4 (one byte per component).
//   - IVF_PQ: rows·m·nbits/8 (the codes) + 2^nbits·dim·4 (m codebooks of
//     2^nbits sub-vectors of dim/m floats) + nlist·dim·4 (centroids).
//   - HNSW: raw + rows·8M. The vectors, plus the graph: every node has
//     up to 2M neighbours on layer 0, each a 4-byte id (for float vectors
//     raw·(1 + 2M/dim), Milvus's guide); the upper layers hold a fraction
//     1/(M−1) of that again (a node reaches layer l with probability
//     M^−l), which the formula, like Milvus's guide, leaves out.
//   - HNSW_SQ: rows·dim·s + rows·8M + rows·dim·r: the codes (s bytes a
//     component: 1 SQ8, 2 FP16 and BF16, 0.75 SQ6, 0.5 SQ4U), the graph as
//     HNSW's, and with refine the refine copy (r: 4 FP32, the default, 2
//     FP16 and BF16, 1 SQ8, 0.75 SQ6); no raw vectors.
//   - DISKANN: rows·dim in memory (PQ codes for navigation, taken as a
//     quarter of float32 vectors; the graph and the full vectors stay on
//     disk).
//   - SCANN: rows·dim (its quantized codes, taken as IVF_SQ8's: an
//     assumption) + raw when with_raw_data (Milvus's default) + nlist·dim·4.
//   - AUTOINDEX: as HNSW with M=30, the default Zilliz Cloud and Milvus
//     pick for float vectors (an assumption: the server chooses).
//   - BIN_FLAT: rows·dim/8 (binary vectors, dim bits packed 8 a byte).
//   - BIN_IVF_FLAT: rows·dim/8 + nlist·dim/8 (the packed vectors grouped
//     by list, plus binary centroids); like IVF_FLAT's, the formula
//     leaves out the lists' ids (8 bytes a row in faiss, 4 in the embedded
//     target: a quarter of a 128-bit vector's 16 bytes, 6% of 512 bits').
//   - HNSW_PQ, HNSW_PRQ: rows·m·nbits·nrq/8 codes + the graph as HNSW's;
//     IVF_RABITQ: rows·dim/8 one-bit codes + centroids; each with a
//     refine copy as HNSW_SQ's (assumed: no server here builds them).
//
// With mmap.enabled the same bytes are memory-mapped files: the figure is
// what the page cache holds when every page is hot, not a floor.
func IndexMemoryOf(cfg workloads.IndexConfig, rows int64, dim int, vt string) (float64, string) {
	mem, f := indexMemoryOf(cfg, rows, dim, vt)
	if on, _ := cfg.Build[workloads.MmapKey].(bool); on {
		f += " (mmap.enabled: memory-mapped, resident only when its pages are hot)"
	}
	return mem, f
}

func indexMemoryOf(cfg workloads.IndexConfig, rows int64, dim int, vt string) (float64, string) {
	if cfg.VectorType != "" {
		vt = cfg.VectorType // an index entry built over its own vector type
	}
	n, d := float64(rows), float64(dim)
	b := float64(workloads.VectorBytes(vt))
	raw := n * d * b
	typed := vt != "" && vt != workloads.VectorFloat
	// w picks the words: float vectors keep the formulas' float32 forms
	// (raw/4 is rows·dim).
	w := func(float, other string) string {
		if typed {
			return other
		}
		return float
	}
	rawW := fmt.Sprintf("raw = rows·dim·%g (%s)", b, vt)
	codes := n * d
	nlist := float64(cfg.Build.Int("nlist", 128))
	centroids := nlist * d * 4
	M := float64(cfg.Build.Int("M", 30))
	graph := n * 8 * M
	switch cfg.Type {
	case "BIN_FLAT":
		return n * d / 8, "rows·dim/8 (packed bits)"
	case "BIN_IVF_FLAT":
		return n*d/8 + nlist*d/8, "rows·dim/8 (packed bits) + nlist·dim/8 (binary centroids)"
	case "FLAT":
		return raw, w("raw = rows·dim·4", rawW)
	case "IVF_FLAT":
		return raw + centroids, w("raw", rawW) + " + nlist·dim·4"
	case "IVF_SQ8":
		return codes + centroids, w("raw/4", "rows·dim") + " + nlist·dim·4"
	case "IVF_PQ":
		m := float64(cfg.Build.Int("m", max(dim/8, 1)))
		nbits := float64(cfg.Build.Int("nbits", 8))
		// faiss (so knowhere) and the embedded engine keep, for L2, a
		// precomputed table per list, sub-quantiser and code: counted
		// whatever the metric (this formula does not know it), so it
		// over-estimates an inner-product index by that much.
		tables := nlist * m * math.Exp2(nbits) * 4
		return n*m*nbits/8 + math.Exp2(nbits)*d*4 + centroids + tables, "rows·m·nbits/8 + 2^nbits·dim·4 + nlist·dim·4 + nlist·m·2^nbits·4 (L2's precomputed tables)"
	case "HNSW":
		return raw + graph, w(fmt.Sprintf("raw·(1 + 2M/dim), M=%g", M), fmt.Sprintf("%s + rows·8M, M=%g", rawW, M))
	case "HNSW_SQ":
		sq := cfg.Build.String("sq_type", "SQ8")
		mem := n*d*sqBytes[sq] + graph
		f := fmt.Sprintf("rows·dim·%g (%s codes) + rows·8M, M=%g", sqBytes[sq], sq, M)
		if on, _ := cfg.Build["refine"].(bool); on {
			rt := cfg.Build.String("refine_type", "FP32")
			mem += n * d * sqBytes[rt]
			f += fmt.Sprintf(" + rows·dim·%g (%s refine)", sqBytes[rt], rt)
		}
		return mem, f
	case "HNSW_PQ", "HNSW_PRQ", "IVF_RABITQ":
		// Codes per row: m·nbits bits (PQ), nrq times that (PRQ), one bit
		// per component (RaBitQ); graph links (HNSW) or centroids (IVF);
		// a refine copy at its type's size.
		var mem float64
		var f string
		switch cfg.Type {
		case "IVF_RABITQ":
			mem, f = n*d/8+centroids, "rows·dim/8 (1-bit codes) + nlist·dim·4"
		default:
			m := float64(cfg.Build.Int("m", 32))
			nbits := float64(cfg.Build.Int("nbits", 8))
			nrq := 1.0
			if cfg.Type == "HNSW_PRQ" {
				nrq = float64(cfg.Build.Int("nrq", 2))
			}
			mem = n*m*nbits*nrq/8 + graph
			f = fmt.Sprintf("rows·m·nbits·nrq/8 (codes; m=%g, nbits=%g, nrq=%g) + rows·8M, M=%g", m, nbits, nrq, M)
		}
		if on, _ := cfg.Build["refine"].(bool); on {
			rt := cfg.Build.String("refine_type", "FP32")
			mem += n * d * sqBytes[rt]
			f += fmt.Sprintf(" + rows·dim·%g (%s refine)", sqBytes[rt], rt)
		}
		return mem, f + " (assumed: Milvus only, not checked against a server here)"
	case "DISKANN":
		return codes, w("raw/4", "rows·dim") + " (in memory; the rest on disk)"
	case "SCANN":
		mem, f := codes+centroids, w("raw/4", "rows·dim")+" + nlist·dim·4"
		if v, ok := cfg.Build["with_raw_data"].(bool); !ok || v {
			mem, f = mem+raw, w("raw/4 + raw (with_raw_data) + nlist·dim·4", "rows·dim + raw (with_raw_data) + nlist·dim·4, "+rawW)
		}
		return mem, f
	case "AUTOINDEX":
		return raw + n*8*30, w("as HNSW with M=30: raw·(1 + 60/dim)", "as HNSW with M=30: "+rawW+" + rows·240") + " (assumed: the server picks the index)"
	}
	return raw, w("raw", rawW) + " (no formula for " + cfg.Type + ")"
}

// sqBytes is the size of one component in each HNSW_SQ code and refine type.
var sqBytes = map[string]float64{"SQ4U": 0.5, "SQ6": 0.75, "SQ8": 1, "FP16": 2, "BF16": 2, "FP32": 4, "FLAT": 4}
