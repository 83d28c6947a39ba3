package workloads

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// Tenancy layouts (tenancy.layout): where a tenant's rows live.
const (
	// LayoutPartitionKey: one collection whose tenant field is the
	// partition key, hashed into num_partitions partitions; a request
	// filters on its tenant.
	LayoutPartitionKey = "partition_key"
	// LayoutPartitions: one partition per tenant; a request names its
	// tenant's partition and carries no filter.
	LayoutPartitions = "partitions"
	// LayoutCollections: one collection per tenant (embedded target).
	LayoutCollections = "collections"
)

// Tenant routing (tenancy.route): which tenant a request is for.
const (
	RouteUniform = "uniform" // every tenant equally often
	RouteSize    = "size"    // in proportion to the tenant's rows
)

// TenantField is the payload field holding a row's tenant (int64).
const TenantField = "tenant"

// Server limits validate knows (Milvus defaults).
const (
	// MaxPartitions is Milvus's rootCoord.maxPartitionNum default: the
	// partitions one collection may have.
	MaxPartitions = 1024
	// MaxCollections is Milvus's rootCoord.maxCollectionNum default.
	MaxCollections = 65536
	MaxTenants     = 1_000_000
)

// TenancySpec is the tenancy section: N tenants of uniform or Zipf sizes
// behind a layout, requests routed to one tenant each.
type TenancySpec struct {
	Tenants int     `json:"tenants"`
	Sizes   string  `json:"sizes"` // uniform | zipf
	ZipfS   float64 `json:"zipf_s,omitempty"`
	Route   string  `json:"route"` // uniform | size
	// Layouts are swept: each builds its own collection(s) and measures
	// every index of the plan.
	Layouts       []string `json:"layout"`
	NumPartitions int      `json:"num_partitions,omitempty"`
}

func (d *decoder) tenancy(dst **TenancySpec) fieldFunc {
	return func(n *yaml.Node, p string) error {
		t := &TenancySpec{}
		err := d.mapping(n, p, map[string]fieldFunc{
			"tenants": d.integer(&t.Tenants),
			"sizes":   d.oneOf(&t.Sizes, PayloadUniform, PayloadZipf),
			"zipf_s":  d.float(&t.ZipfS),
			"route":   d.oneOf(&t.Route, RouteUniform, RouteSize),
			"layout": listOf(d, &t.Layouts, func(n *yaml.Node, p string) (string, error) {
				var l string
				err := d.oneOf(&l, LayoutPartitionKey, LayoutPartitions, LayoutCollections)(n, p)
				return l, err
			}),
			"num_partitions": d.integer(&t.NumPartitions),
		}, "tenants")
		*dst = t
		return err
	}
}

func applyTenancyDefaults(s *Spec) {
	t := s.Tenancy
	if t == nil {
		return
	}
	if t.Sizes == "" {
		t.Sizes = PayloadZipf
	}
	if t.Route == "" {
		t.Route = RouteSize
	}
	if len(t.Layouts) == 0 {
		t.Layouts = []string{LayoutPartitionKey}
	}
	if t.NumPartitions == 0 && containsLayout(t.Layouts, LayoutPartitionKey) {
		t.NumPartitions = 16 // Milvus's default for a partition key
	}
	ds := &s.Dataset
	for _, f := range ds.Payload {
		if f.Tenancy {
			return // defaults applied before
		}
	}
	ds.Payload = append(ds.Payload, t.TenantPayload())
}

func containsLayout(ls []string, l string) bool {
	for _, x := range ls {
		if x == l {
			return true
		}
	}
	return false
}

// TenantPayload is the payload field tenancy adds: each row's tenant.
func (t *TenancySpec) TenantPayload() PayloadField {
	return PayloadField{Name: TenantField, Type: PayloadInt64, Values: t.Tenants, Distribution: t.Sizes, ZipfS: t.ZipfS, Tenancy: true}
}

// TenantFilter is the filter every tenancy request carries: its tenant,
// drawn per query by the route.
func (t *TenancySpec) TenantFilter() FilterPoint {
	src := ParamSource{Query: TenantField} // drawn with the sizes' weights
	if t.Route == RouteUniform {
		src = ParamSource{Uniform: []float64{0, float64(t.Tenants - 1)}, UniformInt: true}
	}
	return FilterPoint{Name: TenantField, Expr: TenantField + " == {t}", PerQuery: map[string]ParamSource{"t": src}, Tenant: true}
}

func validateTenancy(s *Spec, e func(field, format string, args ...any) error) error {
	t := s.Tenancy
	if t == nil {
		return nil
	}
	if t.Tenants < 2 || t.Tenants > MaxTenants {
		return e("tenancy.tenants", "%d is out of range (2..%d)", t.Tenants, MaxTenants)
	}
	if s.Dataset.Size > 0 && t.Tenants > s.Dataset.Size {
		return e("tenancy.tenants", "%d tenants for %d rows: every tenant needs rows", t.Tenants, s.Dataset.Size)
	}
	if t.ZipfS != 0 && t.Sizes != PayloadZipf {
		return e("tenancy.zipf_s", "only applies to sizes: zipf")
	}
	if t.ZipfS < 0 || t.ZipfS > 4 {
		return e("tenancy.zipf_s", "%g is out of range (0 < zipf_s ≤ 4; default 1.1)", t.ZipfS)
	}
	seen := map[string]bool{}
	for i, l := range t.Layouts {
		f := fmt.Sprintf("tenancy.layout[%d]", i)
		if seen[l] {
			return e(f, "%s appears twice", l)
		}
		seen[l] = true
		switch l {
		case LayoutPartitions:
			if t.Tenants > MaxPartitions {
				return e(f, "partitions: %d tenants, one partition each, but Milvus allows %d partitions per collection (rootCoord.maxPartitionNum); use partition_key", t.Tenants, MaxPartitions)
			}
		case LayoutCollections:
			if t.Tenants > MaxCollections {
				return e(f, "collections: %d tenants, but Milvus allows %d collections (rootCoord.maxCollectionNum)", t.Tenants, MaxCollections)
			}
		}
	}
	if t.NumPartitions != 0 && !seen[LayoutPartitionKey] {
		return e("tenancy.num_partitions", "only applies to layout partition_key")
	}
	if seen[LayoutPartitionKey] && (t.NumPartitions < 1 || t.NumPartitions > MaxPartitions) {
		return e("tenancy.num_partitions", "%d is out of range (1..%d, Milvus's rootCoord.maxPartitionNum)", t.NumPartitions, MaxPartitions)
	}
	for _, f := range s.Dataset.Payload {
		if f.Name == TenantField && !f.Tenancy {
			return e("tenancy", "adds the payload field %q; dataset.payload has one already", TenantField)
		}
	}
	if len(s.Search.Filters) > 0 {
		return e("tenancy", "requests carry their tenant's filter; search.filters cannot be combined with tenancy yet")
	}
	if len(s.Fields) > 0 || s.SearchKind() != KindANN || len(s.SearchKinds()) > 1 {
		return e("tenancy", "applies to kind ann on the one dense field")
	}
	for j, sel := range s.Search.Selectivity {
		if sel < 1 {
			return e(fmt.Sprintf("search.selectivity[%d]", j), "%g: tenancy requests filter on their tenant; use one or the other", sel)
		}
	}
	for j, nq := range s.Search.NQ {
		if nq > 1 {
			return e(fmt.Sprintf("search.nq[%d]", j), "%d: a tenancy request is for one tenant; use nq: 1", nq)
		}
	}
	if m := s.Load.Model; m == LoadMixed || m == LoadIngest {
		return e("tenancy", "load.model %s is not measured with tenancy; use closed, open or capacity", m)
	}
	if s.Dataset.Source == SourceCollection {
		return e("tenancy", "an attached collection is measured as it is")
	}
	return nil
}
