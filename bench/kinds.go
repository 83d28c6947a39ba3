package bench

import (
	"context"
	"fmt"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/datasets/sparse"
	"github.com/milvbench/milvbench/workloads"
)

// FieldValues are the rows and queries of one sparse or text field of the
// collection, in memory: row i is the row with id i (the dense dataset's
// row i), query j goes with the dense dataset's query j.
type FieldValues struct {
	Name string
	// Type is workloads.FieldSparse or workloads.FieldText.
	Type string
	// Sparse rows and queries, and the dimension space (a sparse field).
	Sparse        []sparse.Vector
	SparseQueries []sparse.Vector
	Dims          int64
	// Texts and their queries (a text field), and the field's analyzer.
	Texts       []string
	TextQueries []string
	Analyzer    *sparse.Analyzer
	// A further dense field's vectors and queries, dimension and metric;
	// Vectors is its dataset (ground truth streams its base).
	Dense        [][]float32
	DenseQueries [][]float32
	Dim          int
	Metric       workloads.Metric
	Vectors      *datasets.Dataset
	// Checksum identifies the rows and queries (ground-truth cache keys).
	Checksum string
}

// Rows is the number of rows the field holds.
func (f *FieldValues) Rows() int {
	switch f.Type {
	case workloads.FieldText:
		return len(f.Texts)
	case workloads.FieldDense:
		return len(f.Dense)
	}
	return len(f.Sparse)
}

// Queries is the number of queries the field holds.
func (f *FieldValues) Queries() int {
	switch f.Type {
	case workloads.FieldText:
		return len(f.TextQueries)
	case workloads.FieldDense:
		return len(f.DenseQueries)
	}
	return len(f.SparseQueries)
}

// CollectionField is one field of a collection to create, beside the id.
type CollectionField struct {
	Name string
	// Type is workloads.FieldDense, FieldSparse or FieldText. A text
	// field is a VARCHAR with a BM25 function writing the sparse field
	// Name+"_bm25" (BM25Output), which is the one indexed and searched.
	Type string
	// Analyzer and StopWords configure a text field's BM25 analyzer.
	Analyzer  string
	StopWords []string
	// MaxLength bounds a text field's values in bytes (VARCHAR max_length).
	MaxLength int
	// Dim and Metric describe a further dense field (the first dense
	// field's are CollectionSpec.Dim and Metric, and its values come with
	// the dense vectors of Insert and InsertFields).
	Dim    int
	Metric workloads.Metric
}

// BM25Output names the sparse field a text field's BM25 function writes.
func BM25Output(textField string) string { return textField + "_bm25" }

// Column is one field's values for a batch of rows, beside the first
// dense field's.
type Column struct {
	Field  string
	Sparse []sparse.Vector // a sparse field
	Texts  []string        // a text field
	Dense  [][]float32     // a further dense field
}

// SubQueries are the queries of one hybrid sub-request, by its kind.
type SubQueries struct {
	Vectors [][]float32
	Sparse  []sparse.Vector
	Texts   []string
}

// fieldQueries builds the payload of requests of the kinds beyond ann
// (sparse, bm25, hybrid) from the fields' queries.
type fieldQueries struct {
	pt     workloads.SearchPoint
	dense  [][]float32
	fields map[string]*FieldValues
}

// newFieldQueries returns the payload builder of pt, or nil for an ann
// point on the first dense field (its requests carry the dataset's
// queries).
func (r *Runner) newFieldQueries(pt workloads.SearchPoint) *fieldQueries {
	if pt.SearchKind() == workloads.KindANN && r.furtherDense(pt.Field) == nil {
		return nil
	}
	fq := &fieldQueries{pt: pt, dense: r.Data.Queries, fields: map[string]*FieldValues{}}
	for _, f := range r.Fields {
		fq.fields[f.Name] = f
	}
	return fq
}

// fill sets req's payload for the queries idx.
func (fq *fieldQueries) fill(req *SearchRequest, idx []int) {
	req.Kind, req.Field, req.Vectors = fq.pt.SearchKind(), fq.pt.Field, nil
	switch fq.pt.SearchKind() {
	case workloads.KindANN: // a further dense field
		req.Vectors = fq.vectors(fq.pt.Field, idx)
	case workloads.KindSparse, workloads.KindBM25:
		fq.single(fq.pt.Field, req.Kind, idx, &req.Sparse, &req.Texts)
	case workloads.KindRange, workloads.KindGroup:
		req.Vectors, req.Range, req.Group = fq.vectors(fq.pt.Field, idx), fq.pt.Range, fq.pt.Group
	case workloads.KindIterator:
		req.Vectors, req.Iterator = fq.vectors(fq.pt.Field, idx), fq.pt.Iterator
	case workloads.KindHybrid:
		req.Hybrid = fq.pt.Hybrid
		req.Subs = make([]SubQueries, len(fq.pt.Hybrid.Requests))
		for i, sub := range fq.pt.Hybrid.Requests {
			if sub.Kind == workloads.KindANN {
				req.Subs[i].Vectors = fq.vectors(sub.Field, idx)
				continue
			}
			fq.single(sub.Field, sub.Kind, idx, &req.Subs[i].Sparse, &req.Subs[i].Texts)
		}
	}
}

// vectors are the queries idx of a dense field: a further dense field's
// own, else the dataset's.
func (fq *fieldQueries) vectors(field string, idx []int) [][]float32 {
	qs := fq.dense
	if f := fq.fields[field]; f != nil && f.Type == workloads.FieldDense {
		qs = f.DenseQueries
	}
	vecs := make([][]float32, len(idx))
	for j, q := range idx {
		vecs[j] = qs[q]
	}
	return vecs
}

// furtherDense returns the values of field name when it is a dense field
// other than the first (nil otherwise).
func (r *Runner) furtherDense(name string) *FieldValues { return furtherDense(r.Fields, name) }

func (fq *fieldQueries) single(field, kind string, idx []int, sp *[]sparse.Vector, texts *[]string) {
	f := fq.fields[field]
	if kind == workloads.KindBM25 {
		*texts = make([]string, len(idx))
		for j, q := range idx {
			(*texts)[j] = f.TextQueries[q]
		}
		return
	}
	*sp = make([]sparse.Vector, len(idx))
	for j, q := range idx {
		(*sp)[j] = f.SparseQueries[q]
	}
}

// truth is the ground truth pt's recall is measured against: by filter
// selectivity for ann points, by TruthKey (under the built indexes) for
// the other kinds.
func (s *Session) truth(pt workloads.SearchPoint) Truth {
	if pt.SearchKind() == workloads.KindANN && s.r.furtherDense(pt.Field) == nil {
		if pt.Filter != "" {
			return s.r.FilterTruths[pt.Filter]
		}
		t := s.r.Truths[pt.Selectivity]
		if s.index != nil && t.Typed[s.index.VectorType] != nil {
			t.GT = t.Typed[s.index.VectorType] // built over another vector type
		}
		return t
	}
	return Truth{GT: s.r.KindTruths[TruthKey(s.built, pt)]}
}

// kindTruthKey is TruthKey for the points KindTruths answers: every one
// but ann on the first dense field ("" for those).
func (r *Runner) kindTruthKey(indexes []workloads.IndexConfig, pt workloads.SearchPoint) string {
	if pt.SearchKind() == workloads.KindANN && r.furtherDense(pt.Field) == nil {
		return ""
	}
	return TruthKey(indexes, pt)
}

// TruthKey names the exact answer of a non-ann point: what changes it
// (kind, field, a text field's BM25 k1 and b, a hybrid point's sub-request
// limits and ranker), not what only changes how well an index finds it
// (index type, drop ratios, ef).
func TruthKey(indexes []workloads.IndexConfig, pt workloads.SearchPoint) string {
	switch pt.SearchKind() {
	case workloads.KindANN:
		if pt.Field != "" {
			return "ann:" + pt.Field // used for a further dense field
		}
	case workloads.KindSparse:
		return "sparse:" + pt.Field
	case workloads.KindBM25:
		k1, b := bm25Params(indexes, pt.Field)
		return fmt.Sprintf("bm25:%s:k1=%g:b=%g", pt.Field, k1, b)
	case workloads.KindRange:
		return "range:" + pt.Range.String()
	case workloads.KindGroup:
		return fmt.Sprintf("group:%s:topk=%d", pt.Group, pt.TopK)
	case workloads.KindIterator:
		return iteratorTruthKey(pt)
	case workloads.KindHybrid:
		h := pt.Hybrid
		key := "hybrid:" + h.Ranker
		for i, sub := range h.Requests {
			key += fmt.Sprintf(":%s/%d", sub.Field, sub.Limit)
			if sub.Kind == workloads.KindBM25 {
				k1, b := bm25Params(indexes, sub.Field)
				key += fmt.Sprintf("/k1=%g/b=%g", k1, b)
			}
			if h.Ranker == workloads.RankerWeighted {
				key += fmt.Sprintf("/w=%g", h.Weights[i])
			}
		}
		if h.Ranker == workloads.RankerRRF {
			key += fmt.Sprintf(":k=%g", h.K)
		}
		if h.NormScore {
			key += ":norm"
		}
		return key
	}
	return ""
}

// bm25Params returns the k1 and b of the index on text field f among
// indexes (a build's).
func bm25Params(indexes []workloads.IndexConfig, f string) (k1, b float64) {
	for _, ix := range indexes {
		if ix.Field == f {
			return ix.Build.Float("bm25_k1", workloads.DefaultBM25K1), ix.Build.Float("bm25_b", workloads.DefaultBM25B)
		}
	}
	return workloads.DefaultBM25K1, workloads.DefaultBM25B
}

// fieldOf returns the field named name.
func fieldOf(fields []*FieldValues, name string) (*FieldValues, error) {
	for _, f := range fields {
		if f.Name == name {
			return f, nil
		}
	}
	return nil, fmt.Errorf("bench: no values for field %q", name)
}

// collectionFields lists the collection's fields for CollectionSpec, or
// nil for a dense-only workload.
func collectionFields(spec *workloads.Spec) []CollectionField {
	if !spec.MultiField() {
		return nil
	}
	var out []CollectionField
	for _, f := range spec.CollectionFields() {
		cf := CollectionField{Name: f.Name, Type: f.Type, StopWords: f.StopWords}
		if f.Type == workloads.FieldDense && f.Data != nil { // a further dense field
			cf.Dim, cf.Metric = f.Data.Dim, f.Data.Metric
		}
		if f.Type == workloads.FieldText {
			cf.Analyzer, cf.MaxLength = f.Analyzer, MaxTextBytes
			if cf.Analyzer == "" {
				cf.Analyzer = sparse.AnalyzerStandard
			}
		}
		out = append(out, cf)
	}
	return out
}

// MaxTextBytes is the VARCHAR max_length of text fields (Milvus's most).
const MaxTextBytes = 65535

// insertRows inserts base rows ids (consecutive) with their dense
// vectors and, in a workload with sparse or text fields, those fields'
// values through FieldInserter.
func (r *Runner) insertRows(ctx context.Context, ids []int64, vecs [][]float32) error {
	if len(r.Fields) == 0 {
		return r.Target.Insert(ctx, ids, vecs)
	}
	fi, ok := r.Target.(FieldInserter)
	if !ok {
		return fmt.Errorf("target %T cannot store sparse or text fields", r.Target)
	}
	first, n := int(ids[0]), len(ids)
	cols := make([]Column, len(r.Fields))
	for i, f := range r.Fields {
		cols[i].Field = f.Name
		switch f.Type {
		case workloads.FieldText:
			cols[i].Texts = f.Texts[first : first+n]
		case workloads.FieldDense:
			cols[i].Dense = f.Dense[first : first+n]
		default:
			cols[i].Sparse = f.Sparse[first : first+n]
		}
	}
	if r.Data.Info.Dim == 0 {
		vecs = nil
	}
	return fi.InsertFields(ctx, ids, vecs, cols)
}

// checkKindTruths checks that every sparse, bm25 and hybrid point of the
// plan has its ground truth, and that the fields hold every row and query.
func (r *Runner) checkKindTruths() error {
	for _, f := range r.Fields {
		if f.Rows() < r.Data.Base.Size() || f.Queries() < len(r.Data.Queries) {
			return fmt.Errorf("bench: field %s has %d rows and %d queries; the run needs %d and %d", f.Name, f.Rows(), f.Queries(), r.Data.Base.Size(), len(r.Data.Queries))
		}
	}
	for _, b := range r.Plan.Builds {
		for _, pt := range b.Points {
			if key := r.kindTruthKey(b.Indexes(), pt); key != "" && r.KindTruths[key] == nil {
				return fmt.Errorf("bench: no ground truth for %s", key)
			}
		}
	}
	return nil
}
