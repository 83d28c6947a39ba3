package workloads

import (
	"fmt"
	"slices"
	"strings"
)

// SQTypes are HNSW_SQ's sq_type values, Milvus's default (SQ8) first.
// SQ4U (Milvus 2.6.8+) and SQ6 are built by a Milvus server only.
func SQTypes() []string { return []string{"SQ8", "SQ4U", "SQ6", "FP16", "BF16"} }

// RefineTypes are HNSW_SQ's refine_type values, the default (FP32: a
// full-precision copy, when refine is true and no type is given) first.
func RefineTypes() []string { return []string{"FP32", "SQ6", "SQ8", "FP16", "BF16"} }

// EmbeddedSQTypes are the sq_type and refine_type values the embedded
// target builds (refine also FP32).
func EmbeddedSQTypes() []string { return []string{"SQ8", "FP16", "BF16"} }

// EmbeddedTypedIndexes are the index types the embedded target builds
// over float16, bfloat16 and int8 vectors.
func EmbeddedTypedIndexes() []string { return []string{"FLAT", "HNSW", "HNSW_SQ"} }

// sqPrecision orders quantiser types by precision (bits kept per
// component; BF16 keeps 8 mantissa bits, FP16 10).
var sqPrecision = map[string]int{"SQ4U": 1, "SQ6": 2, "SQ8": 3, "BF16": 4, "FP16": 5, "FP32": 6}

// checkVectorType checks one build point of an index against the
// dataset's vector type and the target: HNSW_SQ's refine rules and what
// the embedded target builds. It returns the field (relative to the index
// entry) and the message, or "" when the point is fine.
func checkVectorType(ix IndexSweep, b Params, s *Spec) (field, msg string) {
	typ, vt := ix.Type, s.Dataset.Type()
	embedded := s.Target.Kind == TargetEmbedded
	if ix.VectorType != "" && ix.VectorType != vt {
		if field, msg := checkIndexVectorType(ix, s); msg != "" {
			return field, msg
		}
		vt = ix.VectorType
	}
	if _, dense := s.DenseField(); !dense || typ == IndexSparseInverted {
		return "", ""
	}
	if field, msg := checkBinaryIndex(typ, vt); msg != "" || vt == VectorBinary {
		return field, msg
	}
	if s.Target.Kind == TargetMilvus && (vt == VectorInt8 || (vt != VectorFloat && s.MultiField())) {
		return "type", fmt.Sprintf("%s over %s vectors: the milvus target creates FLOAT_VECTOR, and FLOAT16 or BFLOAT16 in a collection of one dense field, only so far (use target kind embedded)", typ, vt)
	}
	if embedded && vt != VectorFloat && !slices.Contains(EmbeddedTypedIndexes(), typ) {
		return "type", fmt.Sprintf("%s over %s vectors is not built by the embedded target (it builds %s over them)", typ, vt, strings.Join(EmbeddedTypedIndexes(), ", "))
	}
	switch typ {
	case "HNSW_PQ", "HNSW_PRQ", "IVF_RABITQ":
		// Quantised codes refined with a refine_type copy only with refine.
		if _, hasRT := b["refine_type"]; hasRT && b["refine"] != true {
			return "build.refine_type", "applies only with refine: true"
		}
		return "", ""
	case "HNSW_SQ":
	default:
		return "", ""
	}
	if vt == VectorInt8 {
		return "type", "HNSW_SQ over int8 vectors: Milvus indexes INT8_VECTOR with HNSW (use HNSW or FLAT)"
	}
	sq := b.String("sq_type", "SQ8")
	if embedded && !slices.Contains(EmbeddedSQTypes(), sq) {
		return "build.sq_type", fmt.Sprintf("%s is built by Milvus only; the embedded target builds %s (use target kind milvus)", sq, strings.Join(EmbeddedSQTypes(), ", "))
	}
	refine, _ := b["refine"].(bool)
	rt, hasRT := b["refine_type"].(string)
	if hasRT && !refine {
		return "build.refine_type", "applies only with refine: true"
	}
	if !refine {
		return "", ""
	}
	if !hasRT {
		rt = "FP32"
	}
	if sqPrecision[rt] <= sqPrecision[sq] {
		return "build.refine_type", fmt.Sprintf("%s is not more precise than sq_type %s (Milvus needs a refine_type more precise than sq_type; order SQ4U < SQ6 < SQ8 < BF16 < FP16 < FP32)", rt, sq)
	}
	if embedded && rt == "SQ6" {
		return "build.refine_type", fmt.Sprintf("SQ6 is built by Milvus only; the embedded target refines with FP32, %s", strings.Join(EmbeddedSQTypes(), ", "))
	}
	// knowhere refuses a refine copy that is not lossless-or-smaller for
	// 16-bit data: FP16 data refine with FP16, BF16 data with BF16.
	lossless := map[string]string{VectorFloat16: "FP16", VectorBFloat16: "BF16"}[vt]
	if lossless != "" && rt != lossless && sqPrecision[rt] > sqPrecision["SQ8"] {
		if !hasRT {
			return "build.refine", fmt.Sprintf("true without refine_type refines with FP32, which Milvus refuses over %s vectors (set refine_type: %s, lossless for them)", vt, lossless)
		}
		return "build.refine_type", fmt.Sprintf("%s over %s vectors is refused by Milvus (refine them with %s, which is lossless for them)", rt, vt, lossless)
	}
	return "", ""
}

// checkIndexVectorType checks an index entry's own vector_type: the
// embedded target builds the entry over a copy of the float data stored as
// float16 or bfloat16, for a dense-only workload that only searches.
func checkIndexVectorType(ix IndexSweep, s *Spec) (field, msg string) {
	switch {
	case s.Target.Kind != TargetEmbedded:
		return "vector_type", "an index entry's own vector_type is built by the embedded target only (for Milvus, set dataset.vector_type)"
	case s.Dataset.Type() != VectorFloat:
		return "vector_type", fmt.Sprintf("%s over dataset.vector_type %s: an index entry's own vector_type needs float data", ix.VectorType, s.Dataset.Type())
	case ix.VectorType == VectorInt8:
		return "vector_type", "int8 needs whole-number data: set dataset.vector_type: int8 instead"
	case ix.VectorType == VectorBinary:
		return "vector_type", "binary needs packed-bit data: set dataset.vector_type: binary instead"
	case s.MultiField() || s.Dataset.Source == SourceCollection:
		return "vector_type", "an index entry's own vector_type applies to a workload with one dense field of its own data"
	case s.Dataset.Metric == Cosine:
		// The embedded target keeps COSINE rows normalised: a converted
		// copy of them is not the stored type's values normalised, which
		// ground truth (and a server) would compare.
		return "vector_type", "an index entry's own vector_type applies to metrics L2 and IP; for COSINE set dataset.vector_type"
	case s.Load.Model == LoadMixed || s.Load.Model == LoadIngest:
		return "vector_type", fmt.Sprintf("an index entry's own vector_type applies to load models that only search (closed, open, capacity), not %s", s.Load.Model)
	}
	return "", ""
}
