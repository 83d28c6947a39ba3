// Package embedded is the in-process default target: the harness's own vector
// indexes with Milvus's index types and parameter names, so a workload runs
// without any server.
package embedded

import (
	"context"
	"fmt"
	"runtime"
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
var builders = map[string]func(s *store, p workloads.Params) index{
	"FLAT":     func(s *store, _ workloads.Params) index { return &flat{s: s} },
	"HNSW":     func(s *store, p workloads.Params) index { return newHNSW(s, p) },
	"IVF_FLAT": func(s *store, p workloads.Params) index { return newIVF(s, p, ivfFlat{}) },
	"IVF_SQ8":  func(s *store, p workloads.Params) index { return newIVF(s, p, &ivfSQ8{}) },
	"IVF_PQ":   func(s *store, p workloads.Params) index { return newIVF(s, p, newIVFPQ(s.dim, p)) },
}

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
	// filters caches, per filter key, the rows it allows (*bitset); Insert
	// replaces it. A sync.Map keeps the search path free of a shared lock.
	filters *sync.Map
}

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
	return out
}

// Create implements bench.Target.
func (t *Target) Create(_ context.Context, c bench.CollectionSpec) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.s != nil {
		return fmt.Errorf("embedded target: collection %s already exists", t.name)
	}
	t.name, t.metric, t.s = c.Name, c.Metric, newStore(c.Dim, c.Metric)
	t.filters = new(sync.Map)
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
	if t.s == nil {
		return fmt.Errorf("embedded target: insert before create")
	}
	if len(ids) != len(vecs) {
		return fmt.Errorf("embedded target: %d ids for %d vectors", len(ids), len(vecs))
	}
	from := t.s.len()
	for i, v := range vecs {
		if len(v) != t.s.dim {
			return fmt.Errorf("embedded target: vector %d has dim %d, collection has %d", ids[i], len(v), t.s.dim)
		}
	}
	for _, v := range vecs {
		t.s.data = append(t.s.data, v...)
		if t.metric == workloads.Cosine {
			vecmath.Normalize(t.s.data[len(t.s.data)-t.s.dim:])
		}
	}
	t.ids = append(t.ids, ids...)
	t.filters = new(sync.Map)
	if t.idx != nil {
		t.idx.add(from)
	}
	return nil
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
	idx := builders[cfg.Type](t.s, cfg.Build)
	idx.add(0)
	t.idx = idx
	return nil
}

// Load implements bench.Target.
func (t *Target) Load(context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.idx == nil {
		return fmt.Errorf("embedded target: load before build")
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
	qs := make([][]float32, len(req.Vectors))
	for qi, q := range req.Vectors {
		if len(q) != t.s.dim {
			return bench.SearchResult{}, fmt.Errorf("embedded target: query has dim %d, collection has %d", len(q), t.s.dim)
		}
		if t.metric == workloads.Cosine {
			q = append([]float32(nil), q...)
			vecmath.Normalize(q)
		}
		qs[qi] = q
	}
	allow := t.allowed(req.Filter)
	var found [][]cand
	if b, ok := t.idx.(batchSearcher); ok && len(qs) > 1 {
		found = b.searchBatch(qs, req.TopK, req.Params, allow)
	} else {
		found = make([][]cand, len(qs))
		for qi, q := range qs {
			found[qi] = t.idx.search(q, req.TopK, req.Params, allow)
		}
	}
	out := bench.SearchResult{IDs: make([][]int64, len(qs))}
	for qi, f := range found {
		ids := make([]int64, len(f))
		for j, c := range f {
			ids[j] = t.ids[c.id]
		}
		out.IDs[qi] = ids
	}
	return out, nil
}

// IndexMemoryBytes implements bench.MemoryReporter.
func (t *Target) IndexMemoryBytes() int64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.idx == nil {
		return 0
	}
	return t.idx.memoryBytes()
}

// Release implements bench.Target.
func (t *Target) Release(context.Context) error {
	t.mu.Lock()
	t.loaded = false
	t.mu.Unlock()
	return nil
}

// DropIndex implements bench.Target.
func (t *Target) DropIndex(context.Context) error {
	t.mu.Lock()
	t.idx, t.loaded = nil, false
	t.mu.Unlock()
	return nil
}

// Drop implements bench.Target.
func (t *Target) Drop(context.Context) error {
	t.mu.Lock()
	t.s, t.ids, t.idx, t.loaded = nil, nil, nil, false
	t.mu.Unlock()
	return nil
}

// Close implements bench.Target.
func (t *Target) Close() error { return nil }

// allowed returns the rows f passes, computed once per filter and kept
// until the next insert; nil (every row) without a filter.
func (t *Target) allowed(f *datasets.Filter) *bitset {
	if f == nil {
		return nil
	}
	// Search holds the read lock, so t.filters is not replaced meanwhile;
	// two searches may both compute a new filter's rows, and one result wins.
	m := t.filters
	if b, ok := m.Load(f.Key); ok {
		return b.(*bitset)
	}
	b, _ := m.LoadOrStore(f.Key, allowedRows(t.ids, f))
	return b.(*bitset)
}
