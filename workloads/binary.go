package workloads

import (
	"fmt"
	"slices"
	"strings"
)

// Binary vectors (dataset.vector_type: binary) are Milvus BINARY_VECTOR
// fields: dim bits packed 8 to a byte, compared by HAMMING or JACCARD and
// indexed by BIN_FLAT or BIN_IVF_FLAT. The harness carries each bit as a
// 0 or 1 float32 component (datasets/binary.go), so dim is the number of
// bits and must be a multiple of 8.

// BinaryMetrics are the metrics of binary vectors.
func BinaryMetrics() []Metric { return []Metric{Hamming, Jaccard} }

// BinaryMetric reports whether m compares binary vectors.
func BinaryMetric(m Metric) bool { return m == Hamming || m == Jaccard }

// BinaryIndexes are the index types of binary vectors.
func BinaryIndexes() []string { return []string{"BIN_FLAT", "BIN_IVF_FLAT"} }

// VectorRawBytes is the size of components vector components stored as
// type t: a bit each for binary, VectorBytes(t) each otherwise.
func VectorRawBytes(t string, components int64) int64 {
	if t == VectorBinary {
		return components / 8
	}
	return components * int64(VectorBytes(t))
}

// validateBinary checks the pairing of vector_type binary with its
// metrics, dimension and what the harness runs over binary vectors: a
// collection of the one dense field searched by kind ann or range (the
// range bounds are checked with the other metrics', validateRange).
func validateBinary(s *Spec, e func(field, format string, args ...any) error) error {
	ds := s.Dataset
	binary := ds.Type() == VectorBinary
	names := func(ms []Metric) string {
		out := make([]string, len(ms))
		for i, m := range ms {
			out[i] = string(m)
		}
		return strings.Join(out, ", ")
	}
	switch {
	case !binary && BinaryMetric(ds.Metric):
		return e("dataset.metric", "%s compares binary vectors only: set dataset.vector_type: binary (float vectors take L2, IP or COSINE)", ds.Metric)
	case !binary:
		return nil
	case ds.Metric != "" && !BinaryMetric(ds.Metric):
		return e("dataset.metric", "%s does not apply to vector_type binary (allowed: %s)", ds.Metric, names(BinaryMetrics()))
	case ds.Dim != 0 && ds.Dim%8 != 0:
		lo, hi := ds.Dim/8*8, ds.Dim/8*8+8
		if lo == 0 {
			return e("dataset.dim", "%d is not a multiple of 8: vector_type binary packs 8 bits to a byte and dim counts the bits (e.g. %d)", ds.Dim, hi)
		}
		return e("dataset.dim", "%d is not a multiple of 8: vector_type binary packs 8 bits to a byte and dim counts the bits (e.g. %d or %d)", ds.Dim, lo, hi)
	case ds.Source == SourceFvecs || ds.Source == SourceBvecs:
		return e("dataset.source", "%s does not hold packed bits: vector_type binary reads npy (uint8, dim/8 columns), parquet, hdf5 or generates them (synthetic)", ds.Source)
	case s.MultiField():
		return e("dataset.vector_type", "binary applies to a collection of the one dense field (no fields: section)")
	}
	for i, k := range s.SearchKinds() {
		if k != KindANN && k != KindRange {
			return e(fmt.Sprintf("search.kind[%d]", i), "%s does not apply to vector_type binary (binary vectors are searched by kind ann or range)", k)
		}
	}
	return nil
}

// checkBinaryIndex checks an index type against the data's vector type:
// BIN_* indexes take binary vectors and binary vectors take BIN_* indexes.
func checkBinaryIndex(typ, vt string) (field, msg string) {
	bin := slices.Contains(BinaryIndexes(), typ)
	switch {
	case vt == VectorBinary && !bin:
		return "type", fmt.Sprintf("%s does not index binary vectors (allowed over vector_type binary: %s)", typ, strings.Join(BinaryIndexes(), ", "))
	case vt != VectorBinary && bin:
		return "type", fmt.Sprintf("%s indexes binary vectors only: set dataset.vector_type: binary with metric HAMMING or JACCARD (over %s vectors use %s)", typ, vt, strings.TrimPrefix(typ, "BIN_"))
	}
	return "", ""
}
