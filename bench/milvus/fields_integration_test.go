package milvus_test

// Sparse, BM25 and hybrid search against a real Milvus-protocol server
// (Milvus Lite in `make test`): the schema the target creates, its inserts,
// indexes and requests, and the server's answers against exact ground
// truth.

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/bench/milvus"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/datasets/sparse"
	"github.com/milvbench/milvbench/workloads"
	"github.com/milvus-io/milvus/client/v2/entity"
	"github.com/milvus-io/milvus/client/v2/milvusclient"
)

// fieldsBase is a collection of 2,000 rows with a dense vector, synthetic
// text (Lite's own standard analyzer, so the ground truth tokenizes as
// the server does) and synthetic sparse vectors; the sparse and text
// indexes are the exhaustive ones Milvus Lite builds (TAAT_NAIVE, drop
// ratios 0).
const fieldsBase = `dataset: {size: 2000, dim: 16, queries: 50, metric: L2, seed: 11}
fields:
  - {name: vector, type: dense}
  - name: text
    type: text
    analyzer: lite-standard
    data: {source: synthetic}
    index: {type: SPARSE_INVERTED_INDEX, build: {inverted_index_algo: TAAT_NAIVE}}
  - name: sp
    type: sparse
    data: {source: synthetic}
    index: {type: SPARSE_INVERTED_INDEX, build: {inverted_index_algo: TAAT_NAIVE}}
load: {warmup: 1s, duration: 500ms}
`

// fieldKinds are the workloads the exact-answer test measures, by name:
// each kind's search on the fields of fieldsBase.
var fieldKinds = []struct{ name, src string }{
	{"sparse", `indexes: [{type: SPARSE_INVERTED_INDEX, field: sp, build: {inverted_index_algo: TAAT_NAIVE, drop_ratio_build: 0}, search: {drop_ratio_search: 0}}]
search: {kind: sparse, topk: 10}
`},
	{"bm25", `indexes: [{type: SPARSE_INVERTED_INDEX, field: text, build: {inverted_index_algo: TAAT_NAIVE, bm25_k1: [1.2, 1.5], bm25_b: 0.75}, search: {drop_ratio_search: 0}}]
search: {kind: bm25, topk: 10}
`},
	{"hybrid rrf", `indexes: [{type: FLAT}]
search:
  kind: hybrid
  topk: 10
  hybrid: {requests: [{field: vector, limit: 20}, {field: text, limit: 20}, {field: sp, limit: 20}], ranker: rrf, k: [60, 10]}
`},
	{"hybrid weighted", `indexes: [{type: FLAT}]
search:
  kind: hybrid
  topk: 10
  hybrid: {requests: [{field: vector, limit: 20}, {field: text, limit: 20}, {field: sp, limit: 20}], ranker: weighted, weights: [[0.5, 0.3, 0.2], [0.1, 0.6, 0.3]]}
`},
	{"hybrid weighted norm_score", `indexes: [{type: FLAT}]
search:
  kind: hybrid
  topk: 10
  hybrid: {requests: [{field: vector, limit: 20}, {field: text, limit: 20}, {field: sp, limit: 20}], ranker: weighted, weights: [[0.5, 0.3, 0.2]], norm_score: true}
`},
}

// fieldsRun is one workload's data and exact answers.
type fieldsRun struct {
	spec   *workloads.Spec
	plan   *workloads.Plan
	ds     *datasets.Dataset
	fields []*bench.FieldValues
	truths map[string]*datasets.GroundTruth
}

// openFields parses name's workload (fieldsBase plus src), reads its data
// and computes the exact answer of every point under the fusion style.
func openFields(t *testing.T, name, src, style string) *fieldsRun {
	t.Helper()
	return openFieldsOn(t, fieldsBase, name, src, style)
}

// openFieldsOn is openFields on another base than fieldsBase.
func openFieldsOn(t *testing.T, base, name, src, style string) *fieldsRun {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	spec, err := workloads.Parse(filepath.Join(dir, "w.yaml"), []byte("name: it_fields\n"+base+src), noEnv)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	ds, _, err := datasets.Open(ctx, spec.Dataset, dir)
	if err != nil {
		t.Fatal(err)
	}
	spec.Dataset.Size, spec.Dataset.Dim, spec.Dataset.Queries = ds.Info.Size, ds.Info.Dim, ds.Info.Queries
	plan := workloads.NewPlan(spec)
	fields, err := bench.LoadFields(ctx, spec, dir, ds.Base.Size(), len(ds.Queries))
	if err != nil {
		t.Fatal(err)
	}
	truths, err := bench.KindTruths(ctx, ds, fields, plan, style, datasets.GTCache{}, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	return &fieldsRun{spec: spec, plan: plan, ds: ds, fields: fields, truths: truths}
}

// collectionFields is bench's CollectionSpec.Fields for the workload.
func collectionFields(spec *workloads.Spec) []bench.CollectionField {
	var out []bench.CollectionField
	for _, f := range spec.CollectionFields() {
		cf := bench.CollectionField{Name: f.Name, Type: f.Type, StopWords: f.StopWords}
		if f.Type == workloads.FieldText {
			cf.Analyzer, cf.MaxLength = f.Analyzer, bench.MaxTextBytes
		}
		out = append(out, cf)
	}
	return out
}

// fillFields creates the collection and inserts every row in batches of
// 500, then flushes once.
func fillFields(t *testing.T, tgt *milvus.Target, r *fieldsRun, name string) {
	t.Helper()
	fillFieldsFlushing(t, tgt, r, name, 0)
}

// fillFieldsFlushing is fillFields with a flush after every flushEvery
// rows too (0: only at the end), each flush sealing a segment.
func fillFieldsFlushing(t *testing.T, tgt *milvus.Target, r *fieldsRun, name string, flushEvery int) {
	t.Helper()
	ctx := context.Background()
	c := bench.CollectionSpec{Name: name, Dim: r.ds.Info.Dim, Metric: r.ds.Info.Metric, RunID: "it-" + name, Rows: r.ds.Base.Size(), Fields: collectionFields(r.spec)}
	if err := tgt.Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	err := r.ds.Base.Scan(ctx, 500, func(first int64, vecs [][]float32) error {
		ids := make([]int64, len(vecs))
		for i := range ids {
			ids[i] = first + int64(i)
		}
		cols := make([]bench.Column, len(r.fields))
		for i, f := range r.fields {
			cols[i].Field = f.Name
			if f.Type == workloads.FieldText {
				cols[i].Texts = f.Texts[first : first+int64(len(ids))]
			} else {
				cols[i].Sparse = f.Sparse[first : first+int64(len(ids))]
			}
		}
		if err := tgt.InsertFields(ctx, ids, vecs, cols); err != nil {
			return err
		}
		if flushEvery > 0 && (int(first)+len(ids))%flushEvery == 0 && int(first)+len(ids) < r.ds.Base.Size() {
			return tgt.Flush(ctx)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := tgt.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

// request is pt's search request for queries idx (as the runner builds it).
func (r *fieldsRun) request(pt workloads.SearchPoint, idx []int) bench.SearchRequest {
	req := bench.SearchRequest{TopK: pt.TopK, Params: pt.Params, Kind: pt.SearchKind(), Field: pt.Field}
	byName := map[string]*bench.FieldValues{}
	for _, f := range r.fields {
		byName[f.Name] = f
	}
	queries := func(kind, field string) (q bench.SubQueries) {
		for _, i := range idx {
			switch kind {
			case workloads.KindSparse:
				q.Sparse = append(q.Sparse, byName[field].SparseQueries[i])
			case workloads.KindBM25:
				q.Texts = append(q.Texts, byName[field].TextQueries[i])
			default:
				q.Vectors = append(q.Vectors, r.ds.Queries[i])
			}
		}
		return q
	}
	switch pt.SearchKind() {
	case workloads.KindHybrid:
		req.Hybrid = pt.Hybrid
		for _, sub := range pt.Hybrid.Requests {
			req.Subs = append(req.Subs, queries(sub.Kind, sub.Field))
		}
	default:
		q := queries(pt.SearchKind(), pt.Field)
		req.Sparse, req.Texts = q.Sparse, q.Texts
	}
	return req
}

// measureBuilds builds each of the plan's builds, sends every distinct
// point for all queries (nq 10) and returns the mean recall@topk against
// the exact answer, by point.
func (r *fieldsRun) measureBuilds(t *testing.T, tgt *milvus.Target) map[string]float64 {
	t.Helper()
	ctx := context.Background()
	out := map[string]float64{}
	for _, b := range r.plan.Builds {
		for _, cfg := range b.Indexes() {
			if err := tgt.BuildIndex(ctx, cfg); err != nil {
				t.Fatal(err)
			}
		}
		if err := tgt.Load(ctx); err != nil {
			t.Fatal(err)
		}
		for _, pt := range b.Points {
			key := bench.TruthKey(b.Indexes(), pt)
			label := fmt.Sprintf("%s %v", key, pt.Params)
			if _, done := out[label]; done {
				continue
			}
			gt := r.truths[key]
			if gt == nil {
				t.Fatalf("no ground truth for %s", key)
			}
			var sum float64
			nq := len(r.ds.Queries)
			for first := 0; first < nq; first += 10 {
				idx := make([]int, 0, 10)
				for q := first; q < min(first+10, nq); q++ {
					idx = append(idx, q)
				}
				res, err := tgt.Search(ctx, r.request(pt, idx))
				if err != nil {
					t.Fatalf("%s: %v", label, err)
				}
				for j, q := range idx {
					sum += bench.Recall(gt, q, pt.TopK, res.IDs[j])
				}
			}
			out[label] = sum / float64(nq)
		}
		if err := tgt.Release(ctx); err != nil {
			t.Fatal(err)
		}
		if err := tgt.DropIndex(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func fieldsTarget(t *testing.T) *milvus.Target {
	t.Helper()
	tgt := fieldsTargetPlain(t)
	// Sparse vectors and BM25 need Milvus 2.4+ (make test-standalone runs
	// 2.3): skipped there, with the reason.
	if err := tgt.CheckIndex(workloads.IndexConfig{Type: workloads.IndexSparseInverted}); err != nil && strings.Contains(err.Error(), "or later") {
		t.Skip(err)
	}
	return tgt
}

// fieldsTargetPlain connects to the test server (strong consistency).
func fieldsTargetPlain(t *testing.T) *milvus.Target {
	t.Helper()
	uri := serverURI(t)
	cfg, err := milvus.ConfigFrom(workloads.TargetSpec{Kind: workloads.TargetMilvus, URI: uri, Consistency: "strong",
		ConnectTimeout: workloads.Duration(10 * time.Second), RequestTimeout: workloads.Duration(60 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	tgt, err := milvus.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tgt.Close() })
	return tgt
}

// TestFieldKindsExact: with exhaustive indexes (FLAT, TAAT_NAIVE, drop
// ratios 0) and one segment (one flush of all rows), the server's top-10
// of every sparse, bm25 (k1 1.2 and 1.5) and hybrid (rrf, weighted with
// and without norm_score) point equals the exact ground truth, fused as
// the server fuses (bench.FusionStyleOf): recall 1 up to float ties.
func TestFieldKindsExact(t *testing.T) {
	tgt := fieldsTarget(t)
	ctx := context.Background()
	info, err := tgt.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	style := bench.FusionStyleOf(info)
	t.Logf("server %s, fusion style %s", info.Version, style)
	const name = "milvbench_it_fields_exact"
	var filled bool
	defer func() {
		if filled {
			_ = tgt.Drop(ctx)
		}
	}()
	all := map[string]float64{}
	for _, k := range fieldKinds {
		r := openFields(t, k.name, k.src, style)
		if !filled {
			fillFields(t, tgt, r, name)
			filled = true
		}
		for label, rec := range r.measureBuilds(t, tgt) {
			all[k.name+": "+label] = rec
		}
	}
	// Stop words reach the server's analyzer: the corpus's three most
	// frequent words ("a", "b", "c", in nearly every document and query)
	// dropped on both sides still give the exact answer.
	if err := tgt.Drop(ctx); err != nil {
		t.Fatal(err)
	}
	filled = false
	stop := strings.Replace(fieldsBase, "    analyzer: lite-standard\n", "    analyzer: lite-standard\n    stop_words: [a, b, c]\n", 1)
	if stop == fieldsBase {
		t.Fatal("no analyzer line to add stop words to")
	}
	r := openFieldsOn(t, stop, "bm25 stop words", fieldKinds[1].src, style)
	const stopName = "milvbench_it_fields_stop"
	fillFields(t, tgt, r, stopName)
	filled = true
	for label, rec := range r.measureBuilds(t, tgt) {
		all["bm25 with stop words a, b, c: "+label] = rec
	}
	labels := make([]string, 0, len(all))
	for l := range all {
		labels = append(labels, l)
	}
	slices.Sort(labels)
	for _, l := range labels {
		t.Logf("recall@10 %.4f  %s", all[l], l)
		if all[l] < 0.99 {
			t.Errorf("recall %.4f < 0.99 against the exact answer: %s", all[l], l)
		}
	}
}

// TestFieldsSchema: the collection the target creates has the id, the
// dense vector under its workload name, the sparse field, the text field
// as an analyzed VARCHAR with its BM25 function and output; an index is
// built on every vector field (the text field's on its BM25 output) and
// DropIndex removes them all; the dense-only Insert is refused.
func TestFieldsSchema(t *testing.T) {
	tgt := fieldsTarget(t)
	ctx := context.Background()
	r := openFields(t, "schema", `indexes: [{type: SPARSE_INVERTED_INDEX, field: sp, build: {inverted_index_algo: TAAT_NAIVE}}]
search: {kind: sparse, topk: 10}
`, bench.FusionMilvus)
	r.spec.Fields[1].StopWords = []string{"the"}
	const name = "milvbench_it_fields_schema"
	fillFields(t, tgt, r, name)
	defer tgt.Drop(ctx)
	c, err := milvusclient.New(ctx, &milvusclient.ClientConfig{Address: serverURI(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	coll, err := c.DescribeCollection(ctx, milvusclient.NewDescribeCollectionOption(name))
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]entity.FieldType{}
	for _, f := range coll.Schema.Fields {
		types[f.Name] = f.DataType
		if f.Name == "text" {
			if f.TypeParams["enable_analyzer"] != "true" || !strings.Contains(f.TypeParams["analyzer_params"], `"standard"`) {
				t.Errorf("text field type params %v", f.TypeParams)
			}
		}
	}
	want := map[string]entity.FieldType{
		milvus.FieldID: entity.FieldTypeInt64, "vector": entity.FieldTypeFloatVector, "text": entity.FieldTypeVarChar,
		bench.BM25Output("text"): entity.FieldTypeSparseVector, "sp": entity.FieldTypeSparseVector,
	}
	for n, typ := range want {
		if types[n] != typ {
			t.Errorf("field %s: type %v, want %v (schema %v)", n, types[n], typ, types)
		}
	}
	if len(coll.Schema.Functions) != 1 || coll.Schema.Functions[0].Type != entity.FunctionTypeBM25 ||
		!slices.Equal(coll.Schema.Functions[0].InputFieldNames, []string{"text"}) || !slices.Equal(coll.Schema.Functions[0].OutputFieldNames, []string{"text_bm25"}) {
		t.Errorf("functions %+v", coll.Schema.Functions)
	}
	if err := tgt.Insert(ctx, []int64{1}, [][]float32{make([]float32, 16)}); err == nil {
		t.Error("Insert into a collection with fields succeeded")
	}
	b := r.plan.Builds[0]
	for _, cfg := range b.Indexes() {
		if err := tgt.BuildIndex(ctx, cfg); err != nil {
			t.Fatal(err)
		}
	}
	names, err := c.ListIndexes(ctx, milvusclient.NewListIndexOption(name))
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, n := range names {
		d, err := c.DescribeIndex(ctx, milvusclient.NewDescribeIndexOption(name, n))
		if err != nil {
			t.Fatal(err)
		}
		p := d.Params()
		t.Logf("index %s: %v", n, p)
		fields = append(fields, n)
	}
	slices.Sort(fields)
	t.Logf("indexes %v", fields)
	if len(names) != 3 {
		t.Errorf("%d indexes %v, want 3 (vector, sp, text_bm25)", len(names), names)
	}
	if err := tgt.Load(ctx); err != nil {
		t.Fatal(err)
	}
	// A query made of the first document's words finds it.
	res, err := tgt.Search(ctx, bench.SearchRequest{Kind: workloads.KindBM25, Field: "text", TopK: 5, Texts: []string{r.fields[0].Texts[0]}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.IDs) != 1 || !slices.Contains(res.IDs[0], 0) {
		t.Errorf("bm25 search for document 0's text: %v", res.IDs)
	}
	res, err = tgt.Search(ctx, bench.SearchRequest{Kind: workloads.KindSparse, Field: "sp", TopK: 5, Sparse: []sparse.Vector{r.fields[1].Sparse[3]}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.IDs) != 1 || len(res.IDs[0]) == 0 {
		t.Errorf("sparse search: %v", res.IDs)
	}
	if err := tgt.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := tgt.DropIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if names, err := c.ListIndexes(ctx, milvusclient.NewListIndexOption(name)); len(names) != 0 {
		t.Errorf("indexes left after DropIndex: %v (%v)", names, err)
	}
	if strings.HasPrefix(serverVersion(t, tgt), "milvus_lite") && tgt.CheckIndex(workloads.IndexConfig{Type: workloads.IndexSparseInverted, Field: "sp", Build: workloads.Params{"inverted_index_algo": "DAAT_MAXSCORE"}}) == nil {
		t.Error("CheckIndex accepts DAAT_MAXSCORE on Milvus Lite, which refuses it")
	}
}

func serverVersion(t *testing.T, tgt *milvus.Target) string {
	info, err := tgt.Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.Version
}

// TestFieldKindsThroughRunner runs workloads with fields [vector, text,
// sp] of kinds sparse, bm25 and hybrid through bench.Runner, wired as
// milvbench run wires them (bench.LoadFields, bench.KindTruths with the
// server's fusion style): every trial answers without errors and, with
// exhaustive indexes, with recall 1 against the exact answer.
func TestFieldKindsThroughRunner(t *testing.T) {
	tgt := fieldsTarget(t)
	ctx := context.Background()
	info, err := tgt.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []struct{ name, src string }{
		{"sparse", "indexes: [{type: SPARSE_INVERTED_INDEX, field: sp, build: {inverted_index_algo: TAAT_NAIVE}}]\nsearch: {kind: sparse, topk: 10}\n"},
		{"bm25", "indexes: [{type: SPARSE_INVERTED_INDEX, field: text, build: {inverted_index_algo: TAAT_NAIVE, bm25_k1: 1.2}}]\nsearch: {kind: bm25, topk: 10, nq: [1, 5]}\n"},
		{"hybrid", fieldKinds[3].src},
	} {
		t.Run(k.name, func(t *testing.T) {
			r := openFields(t, k.name, k.src, bench.FusionStyleOf(info))
			if r.spec.HasANN() {
				t.Fatal("a field kind measured as ann")
			}
			name := "milvbench_it_runner_" + k.name
			run := &bench.Runner{Target: tgt, Plan: r.plan, Data: r.ds, Fields: r.fields, KindTruths: r.truths,
				Collection: name, RunID: "it-" + k.name, Progress: testWriter{t}}
			res, err := run.Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Trials) != r.plan.Trials() {
				t.Errorf("%d trials of %d", len(res.Trials), r.plan.Trials())
			}
			for _, tr := range res.Trials {
				t.Logf("trial %d %s %s %v: recall %.4f over %d queries, %.0f QPS", tr.ID, tr.Index, tr.Search.Kind, tr.Search.Params, tr.Recall, tr.RecallN, tr.QPS)
				if tr.Errors.Total != 0 {
					t.Errorf("trial %d: %d errors, last %q", tr.ID, tr.Errors.Total, tr.Errors.Last)
				}
				if tr.RecallN == 0 || tr.Recall < 0.99 {
					t.Errorf("trial %d: recall %.4f over %d queries, want 1", tr.ID, tr.Recall, tr.RecallN)
				}
			}
		})
	}
}

// TestLiteBM25Segments measures what Milvus Lite does with BM25 over
// several segments: it scores each segment with that segment's own N,
// df and average length (engine/collection.py _search_sparse, a TODO
// there) where Milvus and the ground truth use the corpus's, so with the
// rows in two segments its BM25 answer is no longer exact; sparse inner
// product, which uses no statistics, still is. Logged, not asserted: it
// documents a Lite limitation, not a milvbench rule (runs flush once, and
// Lite seals a segment on its own only past its 128 MiB memtable).
func TestLiteBM25Segments(t *testing.T) {
	tgt := fieldsTarget(t)
	ctx := context.Background()
	if !strings.HasPrefix(serverVersion(t, tgt), "milvus_lite") {
		t.Skip("Milvus Lite's per-segment BM25 statistics; the server is not Lite")
	}
	style := bench.FusionMilvus
	r := openFields(t, "segments", fieldKinds[1].src, style)
	fillFieldsFlushing(t, tgt, r, "milvbench_it_fields_segments", 1000)
	defer tgt.Drop(ctx)
	for label, rec := range r.measureBuilds(t, tgt) {
		t.Logf("two segments: recall@10 %.4f  %s", rec, label)
	}
	sp := openFields(t, "segments sparse", fieldKinds[0].src, style)
	for label, rec := range sp.measureBuilds(t, tgt) {
		t.Logf("two segments: recall@10 %.4f  %s", rec, label)
		if rec < 0.99 {
			t.Errorf("sparse recall %.4f over two segments, want 1 (inner product uses no corpus statistics)", rec)
		}
	}
}
