package embedded

import (
	"context"
	"fmt"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/datasets/sparse"
	"github.com/milvbench/milvbench/workloads"
)

// Collections with sparse and text fields (CollectionSpec.Fields): the
// dense field, if any, lives in the store as in a dense-only collection;
// each sparse field's rows and each text field's documents are kept by
// row beside it, and each gets its own SPARSE_INVERTED_INDEX (sparse.go,
// bm25.go).

var _ bench.FieldInserter = (*Target)(nil)

// multiField holds a collection's sparse and text fields, and its dense
// fields after the first: each of those is a dense collection of its own
// (a Target with the same ids), built, loaded and searched through it.
type multiField struct {
	fields    []bench.CollectionField
	dense     string // the first dense field's name ("": none)
	extra     map[string]*Target
	sparse    map[string][]sparse.Vector
	texts     map[string][]string
	analyzers map[string]*sparse.Analyzer
}

// createFields checks c's fields against its Dim and prepares their
// storage; the caller holds the write lock.
func (t *Target) createFields(c bench.CollectionSpec) error {
	m := &multiField{fields: c.Fields, sparse: map[string][]sparse.Vector{}, texts: map[string][]string{}, analyzers: map[string]*sparse.Analyzer{}, extra: map[string]*Target{}}
	seen := map[string]bool{}
	for _, f := range c.Fields {
		if seen[f.Name] {
			return fmt.Errorf("embedded target: field %q is listed twice", f.Name)
		}
		seen[f.Name] = true
		switch f.Type {
		case workloads.FieldDense:
			if m.dense == "" {
				m.dense = f.Name
				continue
			}
			sub := New()
			if err := sub.Create(context.Background(), bench.CollectionSpec{Name: c.Name + "." + f.Name, Dim: f.Dim, Metric: f.Metric, Rows: c.Rows}); err != nil {
				return fmt.Errorf("embedded target: field %s: %w", f.Name, err)
			}
			m.extra[f.Name] = sub
		case workloads.FieldSparse:
			m.sparse[f.Name] = nil
		case workloads.FieldText:
			name := f.Analyzer
			if name == "" {
				name = sparse.AnalyzerStandard
			}
			a, err := sparse.NewAnalyzer(name, f.StopWords)
			if err != nil {
				return fmt.Errorf("embedded target: field %s: %w", f.Name, err)
			}
			m.texts[f.Name], m.analyzers[f.Name] = nil, a
		default:
			return fmt.Errorf("embedded target: field %s has unknown type %q", f.Name, f.Type)
		}
	}
	if (m.dense != "") != (c.Dim > 0) {
		return fmt.Errorf("embedded target: dim %d does not fit the fields (dense field: %q)", c.Dim, m.dense)
	}
	for name := range m.sparse {
		m.sparse[name] = make([]sparse.Vector, 0, c.Rows)
	}
	for name := range m.texts {
		m.texts[name] = make([]string, 0, c.Rows)
	}
	t.mf = m
	return nil
}

// hasDense reports whether the collection has a dense field.
func (t *Target) hasDense() bool { return t.mf == nil || t.mf.dense != "" }

// InsertFields implements bench.FieldInserter: the rows ids with their
// dense vectors (nil without a dense field) and one column per sparse or
// text field. Sparse rows are copied (the columns are only valid during
// the call). Indexes built before are brought up to date: the dense one
// adds the rows, sparse and text ones are rebuilt (a BM25 index's corpus
// statistics change with every document).
func (t *Target) InsertFields(_ context.Context, ids []int64, dense [][]float32, cols []bench.Column) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.s == nil {
		return fmt.Errorf("embedded target: insert before create")
	}
	m := t.mf
	if m == nil {
		return fmt.Errorf("embedded target: collection %s has no sparse or text fields; use Insert", t.name)
	}
	if m.dense != "" {
		if err := t.checkRows(ids, dense); err != nil {
			return err
		}
	} else if len(dense) > 0 {
		return fmt.Errorf("embedded target: collection %s has no dense field, got %d dense vectors", t.name, len(dense))
	}
	got := map[string]*bench.Column{}
	for i := range cols {
		c := &cols[i]
		_, isSparse := m.sparse[c.Field]
		_, isText := m.texts[c.Field]
		_, isDense := m.extra[c.Field]
		switch {
		case isDense && len(c.Dense) != len(ids):
			return fmt.Errorf("embedded target: column %q has %d vectors for %d rows", c.Field, len(c.Dense), len(ids))
		case isDense && got[c.Field] == nil:
			got[c.Field] = c
			continue
		case !isSparse && !isText:
			return fmt.Errorf("embedded target: column %q is not a field of collection %s", c.Field, t.name)
		case got[c.Field] != nil:
			return fmt.Errorf("embedded target: column %q given twice", c.Field)
		case isSparse && len(c.Sparse) != len(ids), isText && len(c.Texts) != len(ids):
			return fmt.Errorf("embedded target: column %q has %d values for %d rows", c.Field, max(len(c.Sparse), len(c.Texts)), len(ids))
		}
		if isSparse {
			for j, v := range c.Sparse {
				if err := v.Check(); err != nil {
					return fmt.Errorf("embedded target: field %s, row %d: %v", c.Field, ids[j], err)
				}
			}
		}
		got[c.Field] = c
	}
	for _, f := range m.fields {
		if f.Name != m.dense && got[f.Name] == nil {
			return fmt.Errorf("embedded target: no column for field %s", f.Name)
		}
	}
	for name, sub := range m.extra { // checked first: a wrong dim changes nothing
		if err := sub.checkInsert(ids, got[name].Dense); err != nil {
			return fmt.Errorf("embedded target: field %s: %w", name, err)
		}
	}
	for name, sub := range m.extra {
		if err := sub.Insert(context.Background(), ids, got[name].Dense); err != nil {
			return fmt.Errorf("embedded target: field %s: %w", name, err)
		}
	}
	from := len(t.ids)
	if m.dense != "" {
		t.appendRows(ids, dense)
	} else {
		t.appendRows(ids, nil)
	}
	for name, c := range got {
		if _, ok := m.extra[name]; ok {
			continue
		}
		if _, ok := m.sparse[name]; ok {
			for _, v := range c.Sparse {
				m.sparse[name] = append(m.sparse[name], v.Clone())
			}
		} else {
			m.texts[name] = append(m.texts[name], c.Texts...)
		}
	}
	if t.idx != nil {
		t.idx.add(from)
	}
	for name, x := range t.fidx {
		nx, err := t.newFieldIndex(name, x.cfg)
		if err != nil {
			return err
		}
		t.fidx[name] = nx
	}
	return nil
}

// fieldOf resolves the sparse or text field a request or index names:
// name itself, a text field's BM25 output, or — name empty — the only
// field of kind's type. The caller holds a lock.
func (t *Target) fieldOf(name, kind string) (bench.CollectionField, error) {
	if t.mf == nil {
		return bench.CollectionField{}, fmt.Errorf("embedded target: collection %s has no sparse or text fields", t.name)
	}
	var match []bench.CollectionField
	for _, f := range t.mf.fields {
		switch {
		case name != "" && (f.Name == name || (f.Type == workloads.FieldText && bench.BM25Output(f.Name) == name)):
			return f, nil
		case name == "" && f.Type != workloads.FieldDense && (kind == "" || workloads.KindOf(f.Type) == kind):
			match = append(match, f)
		}
	}
	if name != "" {
		return bench.CollectionField{}, fmt.Errorf("embedded target: collection %s has no field %q", t.name, name)
	}
	if len(match) != 1 {
		return bench.CollectionField{}, fmt.Errorf("embedded target: name the field: collection %s has %d fields a %s request could search", t.name, len(match), kind)
	}
	return match[0], nil
}

// newFieldIndex builds cfg on the sparse or text field name. The caller
// holds the write lock.
func (t *Target) newFieldIndex(name string, cfg workloads.IndexConfig) (*sparseIndex, error) {
	if texts, ok := t.mf.texts[name]; ok {
		return newBM25Index(texts, t.mf.analyzers[name], cfg)
	}
	return newSparseIndex(t.mf.sparse[name], cfg)
}

// buildFieldIndex builds a SPARSE_INVERTED_INDEX on cfg.Field. The caller
// holds the write lock.
func (t *Target) buildFieldIndex(cfg workloads.IndexConfig) error {
	f, err := t.fieldOf(cfg.Field, "")
	if err != nil {
		return err
	}
	if f.Type == workloads.FieldDense {
		return fmt.Errorf("embedded target: %s indexes sparse and text fields; field %s is dense", cfg.Type, f.Name)
	}
	x, err := t.newFieldIndex(f.Name, cfg)
	if err != nil {
		return err
	}
	if t.fidx == nil {
		t.fidx = map[string]*sparseIndex{}
	}
	t.fidx[f.Name] = x
	return nil
}

// checkDenseField checks that a dense index or request on field fits the
// collection. The caller holds a lock.
func (t *Target) checkDenseField(field string) error {
	if t.mf == nil {
		return nil
	}
	if t.mf.dense == "" {
		return fmt.Errorf("embedded target: collection %s has no dense field", t.name)
	}
	if field != "" && field != t.mf.dense {
		return fmt.Errorf("embedded target: field %q is not the dense field (%s) of collection %s", field, t.mf.dense, t.name)
	}
	return nil
}

// searchField runs one single-field sparse or bm25 request's queries
// (sp or texts) on field with params, returning each query's hits, best
// first, with their scores (inner product or BM25). The caller holds the
// read lock.
func (t *Target) searchField(field, kind string, sp []sparse.Vector, texts []string, k int, params workloads.Params, allow *bitset) ([][]bench.Hit, error) {
	f, err := t.fieldOf(field, kind)
	if err != nil {
		return nil, err
	}
	if want := workloads.KindOf(f.Type); want != kind {
		return nil, fmt.Errorf("embedded target: field %s is %s; a %s request searches a %s field", f.Name, f.Type, kind, workloads.FieldTypeOf(kind))
	}
	x := t.fidx[f.Name]
	if x == nil {
		return nil, fmt.Errorf("embedded target: field %s has no index", f.Name)
	}
	drop := params.Float("drop_ratio_search", 0)
	if !(drop >= 0 && drop < 1) {
		return nil, fmt.Errorf("embedded target: drop_ratio_search %v is out of range [0, 1)", drop)
	}
	n := len(sp)
	if kind == workloads.KindBM25 {
		n = len(texts)
	}
	out := make([][]bench.Hit, n)
	for qi := range n {
		var q []qterm
		if kind == workloads.KindBM25 {
			q = x.bm25Query(texts[qi], drop)
		} else {
			if err := sp[qi].Check(); err != nil {
				return nil, fmt.Errorf("embedded target: query %d: %v", qi, err)
			}
			q = x.sparseQuery(sp[qi], drop)
		}
		found, _ := x.search(q, k, allow)
		hits := make([]bench.Hit, len(found))
		for j, c := range found {
			hits[j] = bench.Hit{ID: t.ids[c.row], Score: c.s}
		}
		out[qi] = hits
	}
	return out, nil
}

// searchDenseHits runs dense queries and returns hits scored as Milvus
// reports them (squared L2, inner product or cosine). The caller holds
// the read lock.
func (t *Target) searchDenseHits(vecs [][]float32, k int, params workloads.Params, allow *bitset) ([][]bench.Hit, error) {
	found, err := t.searchDense(vecs, k, params, allow)
	if err != nil {
		return nil, err
	}
	out := make([][]bench.Hit, len(found))
	for qi, f := range found {
		hits := make([]bench.Hit, len(f))
		for j, c := range f {
			hits[j] = bench.Hit{ID: t.ids[c.id], Score: datasets.Score(t.metric, c.d)}
		}
		out[qi] = hits
	}
	return out, nil
}

// searchHybrid runs each sub-request of req on its field with its own
// params and limit, then fuses every query's routes as the Milvus server
// does (bench.Fuse, FusionMilvus) and keeps req.TopK. The caller holds
// the read lock.
func (t *Target) searchHybrid(req bench.SearchRequest, allow *bitset) (bench.SearchResult, error) {
	h := req.Hybrid
	if h == nil || len(h.Requests) == 0 {
		return bench.SearchResult{}, fmt.Errorf("embedded target: hybrid request without sub-requests")
	}
	if len(req.Subs) != len(h.Requests) {
		return bench.SearchResult{}, fmt.Errorf("embedded target: hybrid request has %d sub-requests but %d query sets", len(h.Requests), len(req.Subs))
	}
	routes := make([][][]bench.Hit, len(h.Requests))
	metrics := make([]string, len(h.Requests))
	nq := -1
	for i, sub := range h.Requests {
		var hits [][]bench.Hit
		var err error
		switch sub.Kind {
		case workloads.KindANN, "":
			if x := t.extraField(sub.Field); x != nil {
				hits, err = x.denseHits(req.Subs[i].Vectors, sub.Limit, sub.Params)
				metrics[i] = bench.RouteMetric(sub.Kind, x.metric)
			} else if err = t.checkDenseField(sub.Field); err == nil {
				hits, err = t.searchDenseHits(req.Subs[i].Vectors, sub.Limit, sub.Params, allow)
			}
		case workloads.KindSparse, workloads.KindBM25:
			hits, err = t.searchField(sub.Field, sub.Kind, req.Subs[i].Sparse, req.Subs[i].Texts, sub.Limit, sub.Params, allow)
		default:
			err = fmt.Errorf("embedded target: hybrid sub-request %d has unknown kind %q", i, sub.Kind)
		}
		if err != nil {
			return bench.SearchResult{}, fmt.Errorf("hybrid sub-request %d (%s): %w", i, sub.Field, err)
		}
		if nq >= 0 && len(hits) != nq {
			return bench.SearchResult{}, fmt.Errorf("embedded target: hybrid sub-request %d has %d queries, the first %d", i, len(hits), nq)
		}
		nq = len(hits)
		routes[i] = hits
		if metrics[i] == "" {
			metrics[i] = bench.RouteMetric(sub.Kind, t.metric)
		}
	}
	out := bench.SearchResult{IDs: make([][]int64, nq)}
	per := make([][]bench.Hit, len(routes))
	for q := range nq {
		for i := range routes {
			per[i] = routes[i][q]
		}
		fused := bench.Fuse(per, metrics, h, bench.FusionMilvus, req.TopK)
		ids := make([]int64, len(fused))
		for j, hit := range fused {
			ids[j] = hit.ID
		}
		out.IDs[q] = ids
	}
	return out, nil
}

// searchKind answers a sparse, bm25 or hybrid request. The caller holds
// the read lock.
func (t *Target) searchKind(req bench.SearchRequest, allow *bitset) (bench.SearchResult, error) {
	if req.Kind == workloads.KindHybrid {
		return t.searchHybrid(req, allow)
	}
	hits, err := t.searchField(req.Field, req.Kind, req.Sparse, req.Texts, req.TopK, req.Params, allow)
	if err != nil {
		return bench.SearchResult{}, err
	}
	out := bench.SearchResult{IDs: make([][]int64, len(hits))}
	for qi, hs := range hits {
		ids := make([]int64, len(hs))
		for j, h := range hs {
			ids[j] = h.ID
		}
		out.IDs[qi] = ids
	}
	return out, nil
}

// unindexedFields lists the sparse and text fields without an index.
func (t *Target) unindexedFields() []string {
	if t.mf == nil {
		return nil
	}
	var out []string
	for _, f := range t.mf.fields {
		sub := t.mf.extra[f.Name]
		if (f.Type != workloads.FieldDense && t.fidx[f.Name] == nil) || (sub != nil && !sub.built()) {
			out = append(out, f.Name)
		}
	}
	return out
}

// fieldIndexBytes is the memory of the sparse and text fields' indexes
// and of the further dense fields' indexes.
func (t *Target) fieldIndexBytes() int64 {
	var n int64
	for _, x := range t.fidx {
		n += x.memoryBytes()
	}
	if t.mf != nil {
		for _, sub := range t.mf.extra {
			n += sub.IndexMemoryBytes()
		}
	}
	return n
}

// extraField returns the sub-target of a dense field after the first (nil
// for any other field). The caller holds a lock.
func (t *Target) extraField(name string) *Target {
	if t.mf == nil {
		return nil
	}
	return t.mf.extra[name]
}

// eachExtra calls fn on every further dense field's sub-target. The
// caller holds the write lock.
func (t *Target) eachExtra(fn func(sub *Target) error) error {
	if t.mf == nil {
		return nil
	}
	for name, sub := range t.mf.extra {
		if err := fn(sub); err != nil {
			return fmt.Errorf("embedded target: field %s: %w", name, err)
		}
	}
	return nil
}

// built reports whether the dense index exists.
func (t *Target) built() bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.idx != nil
}

// checkInsert checks an insert's shape under the read lock.
func (t *Target) checkInsert(ids []int64, vecs [][]float32) error {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.checkRows(ids, vecs)
}

// denseHits runs dense queries on this (sub-)target under its own read
// lock, scored as Milvus reports them.
func (t *Target) denseHits(vecs [][]float32, k int, params workloads.Params) ([][]bench.Hit, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if !t.loaded {
		return nil, fmt.Errorf("not loaded")
	}
	return t.searchDenseHits(vecs, k, params, t.live)
}
