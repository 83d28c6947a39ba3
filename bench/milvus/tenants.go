package milvus

import (
	"context"
	"fmt"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
)

// The collections layout: one collection per tenant, named
// <collection>_t<tenant>, each created, marked as milvbench's, filled,
// indexed, loaded, released and dropped by a sub-target that shares this
// target's connections. The run's own collection name is not created.

// tenantTarget is a target for tenant's collection.
func (t *Target) tenantTarget(tenant int64) *Target {
	sub := &Target{cfg: t.cfg, clients: t.clients, serverVersion: t.serverVersion, consistency: t.consistency,
		tlsOpt: t.tlsOpt, vecField: FieldVector, coll: fmt.Sprintf("%s_t%d", t.coll, tenant), scalar: t.scalar, vectorType: t.vectorType}
	return sub
}

// collectionsLayout reports whether the collection is one per tenant.
func (t *Target) collectionsLayout() bool {
	return t.tenantLayout() == workloads.LayoutCollections
}

// createTenantCollections makes every tenant's collection.
func (t *Target) createTenantCollections(ctx context.Context, c bench.CollectionSpec) error {
	t.tenantColls = make([]*Target, t.tenancy.Tenants)
	for i := range t.tenantColls {
		sub := t.tenantTarget(int64(i))
		spec := c
		spec.Name, spec.Tenancy, spec.Layout = sub.coll, nil, ""
		if err := sub.Create(ctx, spec); err != nil {
			return fmt.Errorf("tenant %d: %w", i, err)
		}
		t.tenantColls[i] = sub
	}
	t.created = true
	t.logf("milvus: created %d collections, one per tenant (%s_t0 …)", len(t.tenantColls), t.coll)
	return nil
}

// insertTenants inserts rows into their tenants' collections.
func (t *Target) insertTenants(ctx context.Context, ids []int64, vecs [][]float32) error {
	return t.byTenantRows(ids, vecs, func(tenant int64, gi []int64, gv [][]float32) error {
		return t.tenantColls[tenant].Insert(ctx, gi, gv)
	})
}

// eachTenant applies fn to every tenant's collection, in tenant order.
func (t *Target) eachTenant(fn func(*Target) error) error {
	for i, sub := range t.tenantColls {
		if sub == nil {
			continue
		}
		if err := fn(sub); err != nil {
			return fmt.Errorf("tenant %d: %w", i, err)
		}
	}
	return nil
}

// searchTenant sends req, without its tenant filter, to the collection of
// its tenant.
func (t *Target) searchTenant(ctx context.Context, req bench.SearchRequest) (bench.SearchResult, error) {
	f := req.Filter
	if f == nil || !f.Tenanted || f.Tenant < 0 || int(f.Tenant) >= len(t.tenantColls) {
		return bench.SearchResult{}, fmt.Errorf("milvus: a request to a collection-per-tenant layout names no known tenant")
	}
	req.Filter = nil
	return t.tenantColls[f.Tenant].Search(ctx, req)
}
