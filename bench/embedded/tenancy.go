package embedded

import (
	"context"
	"fmt"
	"sync"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
)

// tenancy is a collection's tenancy layout: its rows stay in the parent's
// store, and each build makes one sub-collection per part — a partition
// of the partition key (tenants hashed into num_partitions), a tenant's
// partition, or a tenant's collection — each with its own index, as
// Milvus builds an index per segment of a partition.
type tenancy struct {
	spec   *workloads.TenancySpec
	layout string
	field  int // the payload column of each row's tenant
	parts  map[int64]*Target
}

func newTenancy(c bench.CollectionSpec) (*tenancy, error) {
	if c.Tenancy == nil {
		return nil, nil
	}
	if c.Payload == nil {
		return nil, fmt.Errorf("embedded target: tenancy without a payload holding the tenants")
	}
	tn := &tenancy{spec: c.Tenancy, layout: c.Layout, field: -1}
	for i, f := range c.Payload.Fields {
		if f.Name == workloads.TenantField {
			tn.field = i
		}
	}
	if tn.field < 0 {
		return nil, fmt.Errorf("embedded target: the payload has no %s field", workloads.TenantField)
	}
	switch c.Layout {
	case workloads.LayoutPartitionKey, workloads.LayoutPartitions, workloads.LayoutCollections:
	default:
		return nil, fmt.Errorf("embedded target: unknown tenancy layout %q", c.Layout)
	}
	return tn, nil
}

// part is the sub-collection tenant's rows are in.
func (tn *tenancy) part(tenant int64) int64 {
	if tn.layout != workloads.LayoutPartitionKey {
		return tenant
	}
	// A fixed 64-bit mix (splitmix64's finaliser) of the key, modulo the
	// partitions: tenants spread over partitions as a hash does (Milvus
	// hashes with murmur3; the spread, not the function, matters here).
	x := uint64(tenant)
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return int64(x % uint64(tn.spec.NumPartitions))
}

// buildParts makes the sub-collections from the parent's rows and builds
// cfg on each, in parallel over cores. The caller holds the write lock.
func (t *Target) buildParts(cfg workloads.IndexConfig) error {
	tn := t.tenancy
	dim := t.s.dim
	rowsOf := map[int64][]int{}
	col := t.payload.Column(tn.field)
	for i, id := range t.ids {
		if t.live != nil && !t.live.has(uint32(i)) {
			continue
		}
		tenant, ok := col[id].Any().(int64)
		if !ok {
			return fmt.Errorf("embedded target: row %d has no tenant", id)
		}
		p := tn.part(tenant)
		rowsOf[p] = append(rowsOf[p], i)
	}
	parts := make(map[int64]*Target, len(rowsOf))
	for p, rows := range rowsOf {
		sub := New()
		spec := bench.CollectionSpec{Name: fmt.Sprintf("%s.%s%d", t.name, tn.layout, p), Dim: dim, Metric: t.metric, Rows: len(rows), Payload: t.payload, VectorType: t.s.vt}
		if err := sub.Create(context.Background(), spec); err != nil {
			return err
		}
		ids := make([]int64, len(rows))
		vecs := make([][]float32, len(rows))
		for j, i := range rows {
			ids[j], vecs[j] = t.ids[i], t.s.data[i*dim:(i+1)*dim]
		}
		if err := sub.Insert(context.Background(), ids, vecs); err != nil {
			return err
		}
		parts[p] = sub
	}
	// Build the parts a few at a time: each build is itself parallel.
	var wg sync.WaitGroup
	errs := make(chan error, len(parts))
	sem := make(chan struct{}, 2)
	for _, sub := range parts {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := sub.BuildIndex(context.Background(), cfg); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	tn.parts = parts
	return nil
}

// searchTenant sends req to its tenant's sub-collection: with its filter
// on the tenant under a partition key (the partition holds other
// tenants), without under partitions and collections (the part is the
// tenant's alone). A tenant without rows gets empty answers.
func (t *Target) searchTenant(req bench.SearchRequest) (bench.SearchResult, error) {
	f := req.Filter
	if f == nil || !f.Tenanted {
		return bench.SearchResult{}, fmt.Errorf("embedded target: a request to a tenancy collection names no tenant")
	}
	sub := t.tenancy.parts[t.tenancy.part(f.Tenant)]
	if sub == nil {
		return bench.SearchResult{IDs: make([][]int64, len(req.Vectors))}, nil
	}
	if t.tenancy.layout != workloads.LayoutPartitionKey {
		req.Filter = nil
	}
	return sub.Search(context.Background(), req)
}

// eachPart applies fn to every sub-collection.
func (t *Target) eachPart(fn func(*Target) error) error {
	if t.tenancy == nil {
		return nil
	}
	for _, sub := range t.tenancy.parts {
		if err := fn(sub); err != nil {
			return err
		}
	}
	return nil
}
