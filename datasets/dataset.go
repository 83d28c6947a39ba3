// Package datasets provides the vectors a run measures with: synthetic
// sources and fvecs/bvecs/ivecs, npy and parquet files, streamed to a target
// in batches; seeded labels and filters for filtered search; and exact
// ground truth for the queries, cached on disk by the data's checksum.
package datasets

import (
	"context"
	"fmt"

	"github.com/milvbench/milvbench/internal/vecmath"
	"github.com/milvbench/milvbench/workloads"
)

// Info identifies a dataset in results.
type Info struct {
	Name         string           `json:"name"`
	Source       string           `json:"source"`
	Distribution string           `json:"distribution,omitempty"`
	Size         int              `json:"size"`
	Dim          int              `json:"dim"`
	Metric       workloads.Metric `json:"metric"`
	Queries      int              `json:"queries"`
	Seed         int64            `json:"seed,omitempty"`
	Clusters     int              `json:"clusters,omitempty"`
	Checksum     string           `json:"checksum"`
	// VectorType is the type the vectors are stored as, and ground truth
	// computed on (float16, bfloat16, int8); absent for float.
	VectorType string `json:"vector_type,omitempty"`
}

// Base streams the base vectors in row order.
type Base interface {
	// Size is the number of rows; Dim the vector dimension.
	Size() int
	Dim() int
	// Scan calls fn with consecutive batches of at most batch rows; first is
	// the row number (and id) of the batch's first vector. The batch is only
	// valid during the call.
	Scan(ctx context.Context, batch int, fn func(first int64, vecs [][]float32) error) error
}

// Dataset is a base set (streamed), its queries (in memory) and identity.
type Dataset struct {
	Info    Info
	Base    Base
	Queries [][]float32
	// Labels, when set, gives every row seeded scalar labels for filtered
	// search (see LabelsFor).
	Labels *Labels
	// IDs, when set, are the rows' ids (an existing collection's primary
	// keys, see OpenKeyed): row i has id IDs[i]; otherwise a row's id is its
	// number. Ground truth is in ids.
	IDs []int64
	// Payload, when set, holds every row's scalar fields and each query's
	// own values of them (dataset.payload), for search.filters.
	Payload *Payload
	// QueryRows, when set, is each query's row in the base (queries sampled
	// from it): a query's own row is not among its true neighbours.
	QueryRows []int
}

// LabelsFor returns the labels a workload's dataset section asks for, or nil.
func LabelsFor(spec workloads.DatasetSpec) *Labels {
	if spec.Labels == "" {
		return nil
	}
	return &Labels{Seed: uint64(spec.Seed), Categories: max(spec.Categories, 2), Kind: spec.Labels}
}

// Filter returns the filter passing the given share of rows on the
// dataset's labels; nil for selectivity 1 (no filter).
func (ds *Dataset) Filter(selectivity float64) (*Filter, error) {
	if selectivity >= 1 {
		return nil, nil
	}
	if ds.Labels == nil {
		return nil, fmt.Errorf("dataset %s has no labels to filter on (set dataset.labels)", ds.Info.Name)
	}
	f, err := ds.Labels.SelectivityFilter(ds.Labels.Kind, selectivity)
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// Distance returns the metric's distance between a and b, smaller is closer:
// squared L2 for L2, negative inner product for IP, negative cosine for
// COSINE; for HAMMING and JACCARD over rows of bits (binary.go) the number
// of differing bits and the Jaccard distance. Vectors for COSINE must
// already be normalised (see Prepare).
func Distance(m workloads.Metric) func(a, b []float32) float32 {
	if workloads.BinaryMetric(m) {
		return binaryDistance(m)
	}
	if m == workloads.L2 {
		return vecmath.L2Sq
	}
	return func(a, b []float32) float32 { return -vecmath.Dot(a, b) }
}

// Prepare returns v ready for Distance under m: a normalised copy for COSINE,
// v itself otherwise.
func Prepare(m workloads.Metric, v []float32) []float32 {
	if m != workloads.Cosine {
		return v
	}
	c := append([]float32(nil), v...)
	vecmath.Normalize(c)
	return c
}

// Score converts an internal distance back to the number Milvus reports:
// squared L2 for L2, inner product for IP, cosine similarity for COSINE,
// the distance itself for HAMMING and JACCARD.
func Score(m workloads.Metric, d float32) float32 {
	if m == workloads.L2 || workloads.BinaryMetric(m) {
		return d
	}
	return -d
}
