package milvus

// Collections with sparse and text fields (bench.CollectionSpec.Fields):
// the schema, inserts and indexes, all through the SDK's own types.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets/sparse"
	"github.com/milvbench/milvbench/workloads"
	"github.com/milvus-io/milvus/client/v2/column"
	"github.com/milvus-io/milvus/client/v2/entity"
	"github.com/milvus-io/milvus/client/v2/index"
	"github.com/milvus-io/milvus/client/v2/milvusclient"
)

var _ bench.FieldInserter = (*Target)(nil)

// Metrics of the sparse fields: inner product on sparse vectors, BM25 on
// a text field's BM25 output.
const (
	metricIP   = "IP"
	metricBM25 = "BM25"
)

// isLite reports whether the server is Milvus Lite (its version string
// starts with milvus_lite, as bench.FusionStyleOf also reads it).
func (t *Target) isLite() bool { return strings.HasPrefix(t.serverVersion, "milvus_lite") }

// setFields records the collection's fields (none for a dense-only
// collection) and the dense field searched by ann requests.
func (t *Target) setFields(c bench.CollectionSpec) {
	t.fields, t.dim = slices.Clone(c.Fields), c.Dim
	t.vecField = FieldVector
	t.vectorType = "" // FLOAT_VECTOR
	if c.VectorType == workloads.VectorFloat16 || c.VectorType == workloads.VectorBFloat16 || c.VectorType == workloads.VectorBinary {
		t.vectorType = c.VectorType
	}
	if len(c.Fields) == 0 {
		return
	}
	t.vecField = ""
	for _, f := range c.Fields {
		if f.Type == workloads.FieldDense && t.vecField == "" {
			t.vecField = f.Name // the first; further dense fields carry Dim and Metric
		}
	}
}

// field returns the collection field called name.
func (t *Target) field(name string) (bench.CollectionField, bool) {
	for _, f := range t.fields {
		if f.Name == name {
			return f, true
		}
	}
	return bench.CollectionField{}, false
}

// fieldsSchema is the schema of a collection with sparse or text fields:
// the int64 id, the label fields when the dataset has labels (as in a
// dense-only collection), then each field in the workload's order — the
// dense FLOAT_VECTOR under its own name, SPARSE_FLOAT_VECTOR fields, and
// each text field as a VARCHAR with its analyzer, followed by the sparse
// field its BM25 function writes (bench.BM25Output).
func fieldsSchema(c bench.CollectionSpec, lite bool) (*entity.Schema, error) {
	schema := entity.NewSchema().WithName(c.Name).
		WithField(entity.NewField().WithName(FieldID).WithDataType(entity.FieldTypeInt64).WithIsPrimaryKey(true))
	if c.Labels != nil {
		schema.WithField(entity.NewField().WithName(FieldLabel).WithDataType(entity.FieldTypeInt64)).
			WithField(entity.NewField().WithName(FieldCategory).WithDataType(entity.FieldTypeVarChar).WithMaxLength(16))
	}
	first := true
	for _, f := range c.Fields {
		switch f.Type {
		case workloads.FieldDense:
			dim := f.Dim // a further dense field
			if first {
				dim, first = c.Dim, false
			}
			schema.WithField(entity.NewField().WithName(f.Name).WithDataType(entity.FieldTypeFloatVector).WithDim(int64(dim)))
		case workloads.FieldSparse:
			schema.WithField(entity.NewField().WithName(f.Name).WithDataType(entity.FieldTypeSparseVector))
		case workloads.FieldText:
			maxLen := f.MaxLength
			if maxLen <= 0 {
				maxLen = bench.MaxTextBytes
			}
			out := bench.BM25Output(f.Name)
			schema.WithField(entity.NewField().WithName(f.Name).WithDataType(entity.FieldTypeVarChar).WithMaxLength(int64(maxLen)).
				WithEnableAnalyzer(true).WithAnalyzerParams(analyzerParams(f, lite))).
				WithField(entity.NewField().WithName(out).WithDataType(entity.FieldTypeSparseVector)).
				WithFunction(entity.NewFunction().WithName(f.Name + "_bm25_fn").WithType(entity.FunctionTypeBM25).
					WithInputFields(f.Name).WithOutputFields(out))
		default:
			return nil, fmt.Errorf("milvus: field %s has unknown type %q", f.Name, f.Type)
		}
	}
	return schema, nil
}

// analyzerParams are a text field's analyzer_params. Both analyzer names
// milvbench knows (standard: the server's; lite-standard: Milvus Lite's
// own) are Milvus's built-in {"type": "standard"} on the wire: each server
// has one standard analyzer, and the name only says which one the ground
// truth follows. Stop words are written as Milvus documents them for the
// built-in analyzer, "stop_words" beside "type"
// (tantivy-binding/src/analyzer/analyzer.rs, build_template). Milvus Lite
// 3.2 reads stop words only from a stop filter
// (milvus_lite/analyzer/factory.py, _extract_stop_words) and would drop
// them silently, so to Lite they go as
// "filter": [{"type": "stop", "stop_words": [...]}], still with type
// standard.
func analyzerParams(f bench.CollectionField, lite bool) map[string]any {
	p := map[string]any{"type": "standard"}
	if len(f.StopWords) == 0 {
		return p
	}
	if lite {
		p["filter"] = []any{map[string]any{"type": "stop", "stop_words": f.StopWords}}
	} else {
		p["stop_words"] = f.StopWords
	}
	return p
}

// noteAnalyzers logs a text field whose analyzer name says the ground
// truth tokenizes as another server does than the one measured: the
// server analyzes with its own standard analyzer either way, and the two
// split text with underscores, combining marks, U+0130 or a final capital
// sigma differently (datasets/sparse).
func (t *Target) noteAnalyzers(fields []bench.CollectionField) {
	for _, f := range fields {
		if f.Type != workloads.FieldText {
			continue
		}
		switch {
		case t.isLite() && f.Analyzer != sparse.AnalyzerLiteStandard:
			t.logf("milvus: text field %s: ground truth follows the Milvus server's standard analyzer, but Milvus Lite analyzes with its own (analyzer %s matches it)", f.Name, sparse.AnalyzerLiteStandard)
		case !t.isLite() && f.Analyzer == sparse.AnalyzerLiteStandard:
			t.logf("milvus: text field %s: ground truth follows Milvus Lite's standard analyzer, but the server analyzes with Milvus's (analyzer %s matches it)", f.Name, sparse.AnalyzerStandard)
		}
	}
}

// InsertFields implements bench.FieldInserter: one column-based insert of
// the ids, the dense vectors (when the collection has a dense field), the
// labels, and each sparse (entity sparse embeddings) or text (VarChar)
// column. A text field's BM25 output is never sent: the server computes it.
func (t *Target) InsertFields(ctx context.Context, ids []int64, dense [][]float32, cols []bench.Column) error {
	if t.readOnly {
		return errReadOnly(t.coll, "insert")
	}
	if !t.created {
		return fmt.Errorf("milvus: insert into %q refused: the collection was not created by this run", t.coll)
	}
	if len(t.fields) == 0 {
		return fmt.Errorf("milvus: collection %q has no sparse or text fields; insert its vectors with Insert", t.coll)
	}
	opt, err := t.fieldRows(ids, dense, cols)
	if err != nil {
		return err
	}
	return t.setup(ctx, fmt.Sprintf("insert %d rows into %s", len(ids), t.coll), t.cfg.RequestTimeout, func(ctx context.Context) error {
		_, err := t.client().Insert(ctx, opt)
		return err
	})
}

// fieldRows renders rows of a collection with sparse or text fields as
// column-based insert data.
func (t *Target) fieldRows(ids []int64, dense [][]float32, cols []bench.Column) (milvusclient.InsertOption, error) {
	opt := milvusclient.NewColumnBasedInsertOption(t.coll).WithInt64Column(FieldID, ids)
	if t.vecField != "" {
		if len(dense) != len(ids) {
			return nil, fmt.Errorf("milvus: insert of %d rows with %d dense vectors (field %s)", len(ids), len(dense), t.vecField)
		}
		opt.WithFloatVectorColumn(t.vecField, t.dim, dense)
	}
	if t.labels != nil {
		labels, cats := make([]int64, len(ids)), make([]string, len(ids))
		for i, id := range ids {
			labels[i], cats[i] = t.labels.Int(id), t.labels.Category(id)
		}
		opt.WithInt64Column(FieldLabel, labels).WithVarcharColumn(FieldCategory, cats)
	}
	for _, c := range cols {
		f, ok := t.field(c.Field)
		if !ok {
			return nil, fmt.Errorf("milvus: column %s is not a field of %s", c.Field, t.coll)
		}
		switch f.Type {
		case workloads.FieldSparse:
			if len(c.Sparse) != len(ids) {
				return nil, fmt.Errorf("milvus: sparse column %s has %d rows for %d ids", c.Field, len(c.Sparse), len(ids))
			}
			embs, err := sparseEmbeddings(c.Sparse)
			if err != nil {
				return nil, fmt.Errorf("milvus: field %s: %w", c.Field, err)
			}
			opt.WithColumns(column.NewColumnSparseVectors(c.Field, embs))
		case workloads.FieldText:
			if len(c.Texts) != len(ids) {
				return nil, fmt.Errorf("milvus: text column %s has %d rows for %d ids", c.Field, len(c.Texts), len(ids))
			}
			opt.WithVarcharColumn(c.Field, c.Texts)
		case workloads.FieldDense:
			if c.Field == t.vecField || len(c.Dense) != len(ids) {
				return nil, fmt.Errorf("milvus: dense column %s: %d vectors for %d ids (the first dense field's come beside the ids)", c.Field, len(c.Dense), len(ids))
			}
			opt.WithFloatVectorColumn(c.Field, f.Dim, c.Dense)
		default:
			return nil, fmt.Errorf("milvus: field %s is %s; it does not come as a column", c.Field, f.Type)
		}
	}
	return opt, nil
}

// sparseEmbeddings converts sparse vectors to the SDK's embeddings. The
// SDK sorts an embedding's positions in place, so each gets its own copy
// (the vectors are shared with concurrent requests).
func sparseEmbeddings(vs []sparse.Vector) ([]entity.SparseEmbedding, error) {
	out := make([]entity.SparseEmbedding, len(vs))
	for i, v := range vs {
		e, err := entity.NewSliceSparseEmbedding(slices.Clone(v.Indices), slices.Clone(v.Values))
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

// indexTarget is where cfg's index goes in a collection with sparse or
// text fields: the field indexed (a text field's BM25 output), its metric
// and its build params, with bm25_k1 and bm25_b always sent on a text
// field (Milvus Lite's defaults differ from the server's).
func (t *Target) indexTarget(cfg workloads.IndexConfig) (field, metric string, build workloads.Params, err error) {
	name := cfg.Field
	if name == "" {
		name = t.vecField
	}
	f, ok := t.field(name)
	if !ok {
		return "", "", nil, fmt.Errorf("milvus: index %s is on %q, which is not a field of %s", cfg, name, t.coll)
	}
	build = workloads.Params{}
	for k, v := range cfg.Build {
		build[k] = v
	}
	sparseIx := cfg.Type == workloads.IndexSparseInverted
	switch f.Type {
	case workloads.FieldDense:
		if sparseIx {
			return "", "", nil, fmt.Errorf("milvus: %s indexes sparse and text fields; %s is dense", cfg.Type, name)
		}
		if name != t.vecField { // a further dense field has its own metric
			return name, string(f.Metric), build, nil
		}
		return name, string(t.metric), build, nil
	case workloads.FieldSparse:
		metric = metricIP
	case workloads.FieldText:
		metric = metricBM25
		name = bench.BM25Output(name)
		if _, ok := build["bm25_k1"]; !ok {
			build["bm25_k1"] = workloads.DefaultBM25K1
		}
		if _, ok := build["bm25_b"]; !ok {
			build["bm25_b"] = workloads.DefaultBM25B
		}
	}
	if !sparseIx {
		return "", "", nil, fmt.Errorf("milvus: field %s is %s; it takes %s, not %s", f.Name, f.Type, workloads.IndexSparseInverted, cfg.Type)
	}
	return name, metric, build, nil
}

// fieldIndex is the SDK index of cfg on a collection with sparse or text
// fields, and the field it goes on. A sparse index is a generic index
// with every parameter explicit (index_type SPARSE_INVERTED_INDEX, metric
// IP or BM25, inverted_index_algo, drop_ratio_build, bm25_k1, bm25_b):
// the SDK's index.NewSparseInvertedIndex sends metric_type, index_type
// and drop_ratio_build only. Params go as keys and as the JSON "params"
// string, like every index (indexParams).
func (t *Target) fieldIndex(cfg workloads.IndexConfig) (field string, idx index.Index, err error) {
	field, metric, build, err := t.indexTarget(cfg)
	if err != nil {
		return "", nil, err
	}
	p := indexParams(workloads.IndexConfig{Type: cfg.Type, Build: build}, workloads.Metric(metric))
	return field, index.NewGenericIndex(fieldIndexName(field), p), nil
}

// fieldIndexName names the index on field (Milvus wants one name per
// index of a collection; Milvus Lite names indexes after their fields).
func fieldIndexName(field string) string { return "milvbench_" + field }

// checkLiteSparse refuses a sparse index Milvus Lite 3.2 cannot build: it
// accepts inverted_index_algo TAAT_NAIVE and drop_ratio_build 0 only
// (engine/collection.py _validate_sparse_tuning; drop_ratio_search too).
func checkLiteSparse(cfg workloads.IndexConfig) error {
	if cfg.Type != workloads.IndexSparseInverted {
		return nil
	}
	if algo := cfg.Build.String("inverted_index_algo", "TAAT_NAIVE"); !strings.EqualFold(algo, "TAAT_NAIVE") {
		return fmt.Errorf("milvus: %s: Milvus Lite builds %s with inverted_index_algo TAAT_NAIVE only, not %s (set it in the field's index or the indexes entry, or use a Milvus server)", cfg, cfg.Type, algo)
	}
	if d := cfg.Build.Float("drop_ratio_build", 0); d != 0 {
		return fmt.Errorf("milvus: %s: Milvus Lite builds %s with drop_ratio_build 0 only, not %g (use a Milvus server to measure it)", cfg, cfg.Type, d)
	}
	return nil
}

// warmFields sends, on every connection, one single-query top-1 request
// to each sparse field and text field's BM25 output, and returns once all
// answered, so what a loaded collection still does on its first request
// is load time rather than the first trial's: Milvus Lite builds a
// segment's sparse and BM25 index on the first search that needs it
// (engine/collection.py _search_sparse), over a second on 2,000 rows,
// and the SDK's Search and HybridSearch read the collection's schema on a
// connection's first call.
func (t *Target) warmFields(ctx context.Context) error {
	var reqs []bench.SearchRequest
	for _, f := range t.fields {
		switch f.Type {
		case workloads.FieldSparse:
			reqs = append(reqs, bench.SearchRequest{Kind: workloads.KindSparse, Field: f.Name, TopK: 1,
				Sparse: []sparse.Vector{{Indices: []uint32{0}, Values: []float32{1}}}})
		case workloads.FieldText:
			reqs = append(reqs, bench.SearchRequest{Kind: workloads.KindBM25, Field: f.Name, TopK: 1, Texts: []string{"milvbench"}})
		}
	}
	for _, cl := range t.clients {
		for _, req := range reqs {
			opt, err := t.fieldSearchOption(req)
			if err != nil {
				return err
			}
			err = t.setup(ctx, "first search of "+req.Field+" on "+t.coll, max(t.cfg.RequestTimeout, 10*time.Minute), func(ctx context.Context) error {
				_, err := cl.Search(ctx, opt)
				return err
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}
