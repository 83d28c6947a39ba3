// Package embedded is the in-process default target: the harness's own vector
// indexes with Milvus's index types and parameter names, so a workload runs
// without any server.
package embedded

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/internal/vecmath"
	"github.com/milvbench/milvbench/workloads"
)

// Version of the embedded engine, recorded in results.
const Version = "0.1.0"

// index is one built index over the target's store. search returns internal
// row numbers, closest first; add indexes rows appended to the store since.
type index interface {
	search(q []float32, k int, p workloads.Params, allow *bitset) []cand
	add(from int)
	memoryBytes() int64
}

// builders maps each supported index type to its constructor. Adding an index
// type means adding an entry here and nothing outside this package.
var builders = map[string]func(s *store, p workloads.Params) (index, error){
	"FLAT":     func(s *store, _ workloads.Params) (index, error) { return &flat{s: s}, nil },
	"HNSW":     func(s *store, p workloads.Params) (index, error) { return newHNSW(s, p), nil },
	"HNSW_SQ":  newHNSWSQ,
	"IVF_FLAT": func(s *store, p workloads.Params) (index, error) { return newIVF(s, p, ivfFlat{}), nil },
	"IVF_SQ8":  func(s *store, p workloads.Params) (index, error) { return newIVF(s, p, &ivfSQ8{}), nil },
	"IVF_PQ":   func(s *store, p workloads.Params) (index, error) { return newIVF(s, p, newIVFPQ(s.dim, p)), nil },
	// Binary vectors (binary.go).
	"BIN_FLAT":     newBinFlat,
	"BIN_IVF_FLAT": newBinIVF,
}

// typedIndexes are the index types the embedded target builds over
// FLOAT16, BFLOAT16 and INT8 vectors (HNSW_SQ not over INT8).
var typedIndexes = []string{"FLAT", "HNSW", "HNSW_SQ"}

// batchSearcher is implemented by indexes that answer a batch of queries
// faster together than one by one.
type batchSearcher interface {
	searchBatch(qs [][]float32, k int, p workloads.Params, allow *bitset) [][]cand
}

// Target is the embedded target. Searches run concurrently under a read lock;
// inserts and builds take the write lock.
type Target struct {
	mu     sync.RWMutex
	name   string
	metric workloads.Metric
	s      *store
	ids    []int64
	idx    index
	loaded bool
	// filters caches, per filter key, the rows it allows (*filterRows);
	// writes update the cached sets in place under the write lock. A
	// sync.Map keeps the search path free of a shared lock.
	filters *sync.Map
	// payload holds the rows' scalar fields (by id) that expression
	// filters are evaluated over.
	payload *datasets.Payload
	// tenancy, when set, keeps the rows behind tenants (see tenancy.go).
	tenancy *tenancy
	// live marks the rows not deleted; nil until the first delete or
	// upsert. rowOf maps ids to their current row, built then too.
	live  *bitset
	rowOf map[int64]uint32
	// mf holds the sparse and text fields of a collection created with
	// CollectionSpec.Fields (nil: today's one dense field), fidx their
	// SPARSE_INVERTED_INDEXes by field name (fields.go).
	mf   *multiField
	fidx map[string]*sparseIndex
}

// filterRows is a cached filter: its predicate and the rows it passes.
type filterRows struct {
	allow func(int64) bool
	rows  *bitset
}

var _ bench.Writer = (*Target)(nil)

// New returns an empty embedded target.
func New() *Target { return &Target{} }

// Describe implements bench.Target.
func (t *Target) Describe(context.Context) (bench.TargetInfo, error) {
	return bench.TargetInfo{
		Kind:    "embedded",
		Version: Version,
		Details: map[string]string{"gomaxprocs": fmt.Sprint(runtime.GOMAXPROCS(0))},
	}, nil
}

// CheckIndex implements bench.Target.
func (t *Target) CheckIndex(cfg workloads.IndexConfig) error {
	if cfg.Type == workloads.IndexSparseInverted {
		_, err := sparseAlgo(cfg.Build)
		return err
	}
	if _, ok := builders[cfg.Type]; !ok {
		return fmt.Errorf("embedded target: index type %s is not supported (supported: %s); use target kind milvus for it", cfg.Type, supported())
	}
	return nil
}

func supported() string {
	var out string
	for _, t := range workloads.IndexTypes() {
		if _, ok := builders[t]; ok {
			if out != "" {
				out += ", "
			}
			out += t
		}
	}
	return out + ", " + workloads.IndexSparseInverted + " (sparse and text fields)"
}

// Create implements bench.Target.
func (t *Target) Create(_ context.Context, c bench.CollectionSpec) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.s != nil {
		return fmt.Errorf("embedded target: collection %s already exists", t.name)
	}
	t.mf, t.fidx = nil, nil
	if len(c.Fields) > 0 {
		t.name = c.Name
		if err := t.createFields(c); err != nil {
			return err
		}
	}
	t.name, t.metric, t.s = c.Name, c.Metric, newStore(c.Dim, c.Metric)
	t.s.vt = c.VectorType
	t.filters = new(sync.Map)
	t.payload = c.Payload
	tn, err := newTenancy(c)
	if err != nil {
		return err
	}
	t.tenancy = tn
	// One allocation for the whole base: growing by append would hold up
	// to three copies of it at once while reallocating.
	t.s.data = make([]float32, 0, c.Rows*c.Dim)
	t.ids = make([]int64, 0, c.Rows)
	return nil
}

// Insert implements bench.Target. Rows inserted after a build are added to
// the index at once (HNSW links them in, IVF assigns them to their nearest list; FLAT scans them).
func (t *Target) Insert(_ context.Context, ids []int64, vecs [][]float32) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.checkRows(ids, vecs); err != nil {
		return err
	}
	if t.mf != nil {
		return fmt.Errorf("embedded target: collection %s has sparse or text fields; insert its rows with InsertFields", t.name)
	}
	from := t.s.len()
	t.appendRows(ids, vecs)
	if t.idx != nil {
		t.idx.add(from)
	}
	return nil
}

// appendRows stores new rows and extends the row sets that cover them.
// The caller holds the write lock and has checked the dimensions.
func (t *Target) appendRows(ids []int64, vecs [][]float32) {
	for _, v := range vecs {
		t.s.data = append(t.s.data, v...)
		if t.s.typed() {
			_ = datasets.StoreAs(t.s.vt, t.s.data[len(t.s.data)-t.s.dim:]) // checkRows has checked it converts
		}
		if t.metric == workloads.Cosine {
			vecmath.Normalize(t.s.data[len(t.s.data)-t.s.dim:])
		}
	}
	from := len(t.ids)
	t.ids = append(t.ids, ids...)
	if t.rowOf != nil {
		for i, id := range ids {
			t.rowOf[id] = uint32(from + i)
		}
	}
	if t.live != nil {
		t.live.extend(t.ids, nil)
	}
	t.filters.Range(func(_, v any) bool {
		v.(*filterRows).rows.extend(t.ids, v.(*filterRows).allow)
		return true
	})
}

// Write implements bench.Writer: insert appends rows; delete marks rows
// deleted (searches skip them); upsert deletes the id's current row, if
// any, and appends the new one. Indexes add new rows at once, so every
// write is visible to the next search.
func (t *Target) Write(ctx context.Context, op string, ids []int64, vecs [][]float32) error {
	switch op {
	case bench.OpInsert:
		return t.Insert(ctx, ids, vecs)
	case bench.OpDelete:
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.s == nil {
			return fmt.Errorf("embedded target: delete before create")
		}
		t.remove(ids)
		return t.eachExtra(func(sub *Target) error { return sub.Write(ctx, op, ids, nil) })
	case bench.OpUpsert:
		t.mu.Lock()
		defer t.mu.Unlock()
		if err := t.checkRows(ids, vecs); err != nil {
			return err
		}
		if t.mf != nil {
			return fmt.Errorf("embedded target: collection %s has sparse or text fields; upsert is not supported there", t.name)
		}
		t.remove(ids)
		from := t.s.len()
		t.appendRows(ids, vecs)
		if t.idx != nil {
			t.idx.add(from)
		}
		return nil
	}
	return fmt.Errorf("embedded target: unknown write %q", op)
}

// checkRows checks an insert's shape; the caller holds the write lock.
func (t *Target) checkRows(ids []int64, vecs [][]float32) error {
	if t.s == nil {
		return fmt.Errorf("embedded target: insert before create")
	}
	if len(ids) != len(vecs) {
		return fmt.Errorf("embedded target: %d ids for %d vectors", len(ids), len(vecs))
	}
	var scratch []float32
	for i, v := range vecs {
		if len(v) != t.s.dim {
			return fmt.Errorf("embedded target: vector %d has dim %d, collection has %d", ids[i], len(v), t.s.dim)
		}
		if t.s.typed() {
			scratch = append(scratch[:0], v...)
			if err := datasets.StoreAs(t.s.vt, scratch); err != nil {
				return fmt.Errorf("embedded target: vector %d: %v", ids[i], err)
			}
		}
	}
	return nil
}

// remove marks the current rows of ids deleted (unknown ids are ignored,
// as Milvus does); the caller holds the write lock.
func (t *Target) remove(ids []int64) {
	if t.rowOf == nil {
		t.rowOf = make(map[int64]uint32, len(t.ids))
		for i, id := range t.ids {
			t.rowOf[id] = uint32(i)
		}
		t.live = &bitset{}
		t.live.extend(t.ids, nil)
		// Cached filters computed without deletes: drop them.
		t.filters = new(sync.Map)
	}
	for _, id := range ids {
		row, ok := t.rowOf[id]
		if !ok {
			continue
		}
		delete(t.rowOf, id)
		t.live.clear(row)
		t.filters.Range(func(_, v any) bool {
			v.(*filterRows).rows.clear(row)
			return true
		})
	}
}

// Flush implements bench.Target; inserts are visible at once.
func (t *Target) Flush(context.Context) error { return nil }

// BuildIndex implements bench.Target.
func (t *Target) BuildIndex(_ context.Context, cfg workloads.IndexConfig) error {
	if err := t.CheckIndex(cfg); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.s == nil {
		return fmt.Errorf("embedded target: build before create")
	}
	if cfg.Type == workloads.IndexSparseInverted {
		return t.buildFieldIndex(cfg)
	}
	if sub := t.extraField(cfg.Field); sub != nil {
		sc := cfg
		sc.Field = ""
		return sub.BuildIndex(context.Background(), sc)
	}
	if err := t.checkDenseField(cfg.Field); err != nil {
		return err
	}
	if t.tenancy != nil {
		return t.buildParts(cfg)
	}
	s := t.s
	if cfg.VectorType == workloads.VectorBinary && s.vt != workloads.VectorBinary {
		return fmt.Errorf("embedded target: %s over binary vectors: the collection stores %s (set dataset.vector_type: binary)", cfg.Type, cmp.Or(s.vt, workloads.VectorFloat))
	}
	if cfg.VectorType != "" && cfg.VectorType != workloads.VectorFloat && cfg.VectorType != s.vt {
		if s.typed() {
			return fmt.Errorf("embedded target: %s over %s vectors: the collection stores %s", cfg.Type, cfg.VectorType, s.vt)
		}
		s = &store{dim: s.dim, l2: s.l2, vt: cfg.VectorType}
	}
	if bin := slices.Contains(workloads.BinaryIndexes(), cfg.Type); bin != (s.vt == workloads.VectorBinary) {
		if bin {
			return fmt.Errorf("embedded target: %s indexes binary vectors only; the collection stores %s vectors", cfg.Type, cmp.Or(s.vt, workloads.VectorFloat))
		}
		return fmt.Errorf("embedded target: %s over binary vectors is not supported (it builds %s over them)", cfg.Type, strings.Join(workloads.BinaryIndexes(), ", "))
	} else if vt := s.vt; s.typed() && !bin && !slices.Contains(typedIndexes, cfg.Type) {
		return fmt.Errorf("embedded target: %s over %s vectors is not supported (it builds %s over them)", cfg.Type, vt, strings.Join(typedIndexes, ", "))
	}
	idx, err := builders[cfg.Type](s, cfg.Build)
	if err != nil {
		return err
	}
	if s != t.s {
		idx = &typedIndex{index: idx, src: t.s, s: s}
	}
	idx.add(0)
	t.idx = idx
	return nil
}

// Load implements bench.Target.
func (t *Target) Load(context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.s == nil {
		return fmt.Errorf("embedded target: load before create")
	}
	if t.tenancy != nil {
		if t.tenancy.parts == nil {
			return fmt.Errorf("embedded target: load before build")
		}
		if err := t.eachPart(func(sub *Target) error { return sub.Load(context.Background()) }); err != nil {
			return err
		}
		t.loaded = true
		return nil
	}
	if t.idx == nil && t.hasDense() {
		return fmt.Errorf("embedded target: load before build")
	}
	if missing := t.unindexedFields(); len(missing) > 0 {
		return fmt.Errorf("embedded target: load before build: fields %v have no index", missing)
	}
	if err := t.eachExtra(func(sub *Target) error { return sub.Load(context.Background()) }); err != nil {
		return err
	}
	t.loaded = true
	return nil
}

// Search implements bench.Target.
func (t *Target) Search(_ context.Context, req bench.SearchRequest) (bench.SearchResult, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if !t.loaded {
		return bench.SearchResult{}, fmt.Errorf("embedded target: collection %s is not loaded", t.name)
	}
	if t.tenancy != nil {
		return t.searchTenant(req)
	}
	allow := t.allowed(req.Filter)
	switch req.Kind {
	case "", workloads.KindANN:
	case workloads.KindSparse, workloads.KindBM25, workloads.KindHybrid:
		return t.searchKind(req, allow)
	case workloads.KindRange, workloads.KindGroup:
		return t.searchRangeGroup(req, allow)
	case workloads.KindIterator:
		return t.searchIterator(req, allow)
	default:
		return bench.SearchResult{}, fmt.Errorf("embedded target: unknown search kind %q", req.Kind)
	}
	if sub := t.extraField(req.Field); sub != nil {
		if req.Filter != nil {
			return bench.SearchResult{}, fmt.Errorf("embedded target: filters apply to the first dense field only, not %s", req.Field)
		}
		sr := req
		sr.Field, sr.Kind = "", ""
		return sub.Search(context.Background(), sr)
	}
	if err := t.checkDenseField(req.Field); err != nil {
		return bench.SearchResult{}, err
	}
	found, err := t.searchDense(req.Vectors, req.TopK, req.Params, allow)
	if err != nil {
		return bench.SearchResult{}, err
	}
	out := bench.SearchResult{IDs: make([][]int64, len(found))}
	for qi, f := range found {
		ids := make([]int64, len(f))
		for j, c := range f {
			ids[j] = t.ids[c.id]
		}
		out.IDs[qi] = ids
	}
	return out, nil
}

// searchDense runs dense queries on the dense index, each result closest
// first. The caller holds the read lock.
func (t *Target) searchDense(vecs [][]float32, k int, params workloads.Params, allow *bitset) ([][]cand, error) {
	qs := make([][]float32, len(vecs))
	for qi, q := range vecs {
		if len(q) != t.s.dim {
			return nil, fmt.Errorf("embedded target: query has dim %d, collection has %d", len(q), t.s.dim)
		}
		if t.s.typed() {
			q = append([]float32(nil), q...)
			if err := datasets.StoreAs(t.s.vt, q); err != nil {
				return nil, fmt.Errorf("embedded target: query %d: %v", qi, err)
			}
		}
		if t.metric == workloads.Cosine {
			q = append([]float32(nil), q...)
			vecmath.Normalize(q)
		}
		qs[qi] = q
	}
	if b, ok := t.idx.(batchSearcher); ok && len(qs) > 1 {
		return b.searchBatch(qs, k, params, allow), nil
	}
	found := make([][]cand, len(qs))
	for qi, q := range qs {
		found[qi] = t.idx.search(q, k, params, allow)
	}
	return found, nil
}

// IndexMemoryBytes implements bench.MemoryReporter.
func (t *Target) IndexMemoryBytes() int64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	n := t.fieldIndexBytes()
	if t.idx != nil {
		n += t.idx.memoryBytes()
	}
	_ = t.eachPart(func(sub *Target) error { n += sub.IndexMemoryBytes(); return nil })
	return n
}

// Release implements bench.Target.
func (t *Target) Release(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.loaded = false
	if err := t.eachPart(func(sub *Target) error { return sub.Release(ctx) }); err != nil {
		return err
	}
	return t.eachExtra(func(sub *Target) error { return sub.Release(ctx) })
}

// DropIndex implements bench.Target.
func (t *Target) DropIndex(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.idx, t.fidx, t.loaded = nil, nil, false
	if t.tenancy != nil {
		t.tenancy.parts = nil // each build makes its sub-collections anew
	}
	return t.eachExtra(func(sub *Target) error { return sub.DropIndex(ctx) })
}

// Drop implements bench.Target.
func (t *Target) Drop(context.Context) error {
	t.mu.Lock()
	t.s, t.ids, t.idx, t.loaded = nil, nil, nil, false
	t.live, t.rowOf = nil, nil
	t.mf, t.fidx = nil, nil
	t.tenancy, t.payload = nil, nil
	t.mu.Unlock()
	return nil
}

// Close implements bench.Target.
func (t *Target) Close() error { return nil }

// allowed returns the rows f passes that are not deleted, computed once
// per filter and kept up to date by writes; nil (every row) without a
// filter or deletes.
func (t *Target) allowed(f *datasets.Filter) *bitset {
	if f == nil {
		return t.live
	}
	// Search holds the read lock, so t.filters is not replaced meanwhile;
	// two searches may both compute a new filter's rows, and one result wins.
	m := t.filters
	if v, ok := m.Load(f.Key); ok {
		return v.(*filterRows).rows
	}
	allow := f.Allow
	if f.Bound != nil && t.payload != nil {
		// An expression filter: evaluated here, over the payload stored
		// with the rows, not taken from the harness's ground truth.
		p, x := t.payload, f.Bound
		allow = func(id int64) bool {
			if id < 0 || int(id) >= p.Rows() {
				return false
			}
			ok, err := x.Eval(p.Row(int(id)))
			return err == nil && ok
		}
	}
	v, _ := m.LoadOrStore(f.Key, &filterRows{allow: allow, rows: allowedRows(t.ids, allow, t.live)})
	return v.(*filterRows).rows
}
