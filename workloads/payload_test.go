package workloads

import (
	"strings"
	"testing"
)

const payloadBase = `name: p
target: {kind: embedded}
dataset:
  size: 1000
  dim: 8
  payload:
    - {name: cat, type: varchar, values: 4, correlation: correlated}
    - {name: price, type: double, min: 0, max: 10}
    - {name: tags, type: array_int64, values: 5, length: 2}
indexes:
  - type: FLAT
search:
  filters:
    - name: own
      expr: 'cat == {c}'
      params: {c: {query: cat}}
    - name: cheap
      expr: 'price < {p} and array_contains(tags, {t})'
      params: {p: [1, 5], t: {choice: [1, 2]}}
`

func TestPayloadWorkload(t *testing.T) {
	spec, err := Parse("w.yaml", []byte(payloadBase), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range spec.FilterPoints() {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, ","); got != "own,cheap p=1,cheap p=5" {
		t.Errorf("filter points %q", got)
	}
	plan := NewPlan(spec)
	if plan.Trials() != 3 {
		t.Errorf("%d trials, want one per filter", plan.Trials())
	}
	for _, pt := range plan.Builds[0].Points {
		if pt.Filter == "" {
			t.Errorf("point without its filter: %+v", pt)
		}
	}
}

// TestPayloadErrors: every mistake is one line naming the file, the line
// and the field.
func TestPayloadErrors(t *testing.T) {
	for _, tc := range []struct {
		name, from, to, want string
	}{
		{"malformed expression", `'cat == {c}'`, `'cat == == {c}'`, `w.yaml:15: search.filters[0].expr: column 8: expected a field, literal`},
		{"placeholder without value", `params: {c: {query: cat}}`, `params: {}`, `w.yaml:16: search.filters[0].params: placeholder {c} has no value`},
		{"value without placeholder", `params: {c: {query: cat}}`, `params: {c: {query: cat}, d: 1}`, `search.filters[0].params.d: the expression has no placeholder {d}`},
		{"missing field", `'cat == {c}'`, `'brand == {c}'`, `w.yaml:15: search.filters[0].expr: field "brand": not in the collection (payload fields: cat, price, tags)`},
		{"wrong kind", `'cat == {c}'`, `'price like "a%"'`, `search.filters[0].expr:`},
		{"query of a missing field", `{c: {query: cat}}`, `{c: {query: dog}}`, `search.filters[0].params.c.query: "dog" is not a payload field`},
		{"list for a scalar", `p: [1, 5]`, `p: [[1, 2]]`, `search.filters[1].params.p: column 9: placeholder {p}: expected a scalar`},
		{"two sources", `{c: {query: cat}}`, `{c: {query: cat, uniform: [1, 2]}}`, `give exactly one of query`},
		{"uniform bounds", `t: {choice: [1, 2]}`, `t: {uniform: [3, 1]}`, `search.filters[1].params.t.uniform: lo must be below hi`},
		{"unknown type", `type: double`, `type: float`, `w.yaml:8: dataset.payload[1].type: "float" is not allowed`},
		{"values missing", `{name: cat, type: varchar, values: 4, correlation: correlated}`, `{name: cat, type: varchar}`, `dataset.payload[0].values: 0 is out of range: a varchar field needs the number of distinct values`},
		{"array correlation", `length: 2}`, `length: 2, correlation: correlated}`, `dataset.payload[2].correlation: correlated applies to scalar fields`},
		{"min above max", `min: 0, max: 10`, `min: 10, max: 0`, `dataset.payload[1].min: give both min and max, min < max`},
		{"duplicate field", `{name: price,`, `{name: cat,`, `dataset.payload[1].name: "cat" is already a field`},
		{"nulls", `values: 5, length: 2}`, `values: 5, length: 2, nulls: 1.5}`, `dataset.payload[2].nulls: 1.5 is out of range`},
		{"per-query with nq", "filters:", "nq: [1, 10]\n  filters:", `search.nq[1]: 10: filter "own" draws its values per query`},
		{"scalar index on embedded", `min: 0, max: 10}`, `min: 0, max: 10, index: STL_SORT}`, `dataset.payload[1].index[0]: scalar indexes are built by Milvus targets`},
		{"hints on embedded", "params: {c: {query: cat}}", "params: {c: {query: cat}}\n      hints: [iterative_filter]", `search.filters[0].hints: are Milvus search strategies`},
		{"bad hint", "params: {c: {query: cat}}", "params: {c: {query: cat}}\n      hints: [sometimes]", `"sometimes" is not allowed (allowed: none, iterative_filter)`},
		{"with selectivity", "filters:", "selectivity: [0.5]\n  filters:", `search.selectivity[0]: 0.5: use search.filters or search.selectivity`},
		{"mixed load", "search:", "load: {model: mixed, concurrency: [1], insert_rate: [10]}\nsearch:", `search.filters: load.model mixed measures without expression filters`},
		{"filter name", "name: own", "name: my own", `search.filters[0].name: "my own" is not allowed`},
		{"payload file missing", `{name: cat, type: varchar, values: 4, correlation: correlated}`, `{name: cat, type: varchar, from_file: true}`, `dataset.payload[0].from_file: needs dataset.payload_file`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(payloadBase, tc.from, tc.to, 1)
			if src == payloadBase {
				t.Fatalf("%q not in the base workload", tc.from)
			}
			_, err := Parse("w.yaml", []byte(src), noEnv)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error\n got %v\nwant one line containing %q", err, tc.want)
			}
		})
	}
}

// FuzzFilterSpec: no filters section makes the decoder or validation
// panic.
func FuzzFilterSpec(f *testing.F) {
	f.Add(`'cat == {c}'`, `{c: {query: cat}}`)
	f.Add(`'price < {p}'`, `{p: [1, 2.5]}`)
	f.Add(`'array_contains_any(tags, {t})'`, `{t: [[1, 2]]}`)
	f.Fuzz(func(t *testing.T, x, params string) {
		src := strings.Replace(strings.Replace(payloadBase, `'cat == {c}'`, x, 1), `{c: {query: cat}}`, params, 1)
		spec, err := Parse("w.yaml", []byte(src), noEnv)
		if err == nil {
			NewPlan(spec)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("error spans lines: %q", err)
		}
	})
}

const tenancyBase = `name: t
target: {kind: embedded}
dataset: {size: 5000, dim: 8}
tenancy:
  tenants: 100
  layout: [partition_key, partitions]
indexes:
  - type: FLAT
`

func TestTenancyWorkload(t *testing.T) {
	spec, err := Parse("w.yaml", []byte(tenancyBase), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	tn := spec.Tenancy
	if tn.Sizes != PayloadZipf || tn.Route != RouteSize || tn.NumPartitions != 16 {
		t.Errorf("defaults %+v", tn)
	}
	plan := NewPlan(spec)
	var layouts []string
	for _, b := range plan.Builds {
		layouts = append(layouts, b.Layout)
		for _, pt := range b.Points {
			if pt.Filter != TenantField {
				t.Errorf("point %+v does not carry the tenant filter", pt)
			}
		}
	}
	if strings.Join(layouts, ",") != "partition_key,partitions" {
		t.Errorf("builds by layout %v", layouts)
	}
	// Validating again (as loading a file dataset does) adds no second
	// tenant field.
	if err := Validate(spec); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range spec.Dataset.Payload {
		if f.Name == TenantField {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d tenant fields after validating twice", n)
	}
}

func TestTenancyErrors(t *testing.T) {
	for _, tc := range []struct{ name, from, to, want string }{
		{"too many partitions", "tenants: 100", "tenants: 2000", `w.yaml:6: tenancy.layout[1]: partitions: 2000 tenants, one partition each, but Milvus allows 1024 partitions per collection`},
		{"more tenants than rows", "tenants: 100", "tenants: 6000", `tenancy.tenants: 6000 tenants for 5000 rows`},
		{"num_partitions range", "tenants: 100", "tenants: 100\n  num_partitions: 5000", `tenancy.num_partitions: 5000 is out of range (1..1024`},
		{"num_partitions without key", "layout: [partition_key, partitions]", "layout: [partitions]\n  num_partitions: 8", `tenancy.num_partitions: only applies to layout partition_key`},
		{"too many collections", "tenants: 100", "tenants: 70000", `tenancy.layout[1]: partitions: 70000 tenants`},
		{"unknown layout", "layout: [partition_key, partitions]", "layout: [shards]", `tenancy.layout[0]: "shards" is not allowed (allowed: partition_key, partitions, collections)`},
		{"nq", "indexes:", "search: {nq: [4]}\nindexes:", `search.nq[0]: 4: a tenancy request is for one tenant; use nq: 1`},
		{"mixed", "indexes:", "load: {model: mixed, concurrency: [1], insert_rate: [10]}\nindexes:", `tenancy: load.model mixed is not measured with tenancy`},
		{"tenants missing", "  tenants: 100\n", "", `tenancy.tenants: is missing (required)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(tenancyBase, tc.from, tc.to, 1)
			if tc.name == "too many collections" {
				src = strings.Replace(strings.Replace(src, "layout: [partition_key, partitions]", "layout: [collections]", 1), "size: 5000", "size: 100000", 1)
				tc.want = `tenancy.layout[0]: collections: 70000 tenants, but Milvus allows 65536 collections (rootCoord.maxCollectionNum)`
			}
			_, err := Parse("w.yaml", []byte(src), noEnv)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error\n got %v\nwant one line containing %q", err, tc.want)
			}
		})
	}
}

func TestScalarIndexSweep(t *testing.T) {
	src := strings.Replace(strings.Replace(payloadBase, "{kind: embedded}", `{kind: milvus, uri: "http://localhost:19530"}`, 1),
		"{name: cat, type: varchar, values: 4, correlation: correlated}", "{name: cat, type: varchar, values: 4, correlation: correlated, index: [none, INVERTED, BITMAP]}", 1)
	spec, err := Parse("w.yaml", []byte(src), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range NewPlan(spec).Builds {
		got = append(got, ScalarText(b.Scalar))
	}
	if strings.Join(got, " ") != "cat:none cat:INVERTED cat:BITMAP" {
		t.Errorf("builds by scalar index %q", got)
	}
	bad := strings.Replace(src, "index: [none, INVERTED, BITMAP]", "index: [TRIE]", 1)
	if _, err := Parse("w.yaml", []byte(bad), noEnv); err != nil {
		t.Errorf("TRIE on varchar: %v", err)
	}
	bad = strings.Replace(src, "{name: price, type: double, min: 0, max: 10}", "{name: price, type: double, min: 0, max: 10, index: [BITMAP]}", 1)
	if _, err := Parse("w.yaml", []byte(bad), noEnv); err == nil || !strings.Contains(err.Error(), "dataset.payload[1].index[0]: BITMAP does not index a double field (it indexes int64, bool, varchar, array_int64, array_varchar)") {
		t.Errorf("BITMAP on double: %v", err)
	}
}
