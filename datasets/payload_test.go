package datasets

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/expr"
	"github.com/milvbench/milvbench/workloads"
	"github.com/parquet-go/parquet-go"
)

func fptr(v float64) *float64 { return &v }

// payloadSpec is a small clustered set with one field of every type.
func payloadSpec(size, queries int) workloads.DatasetSpec {
	return workloads.DatasetSpec{
		Source: workloads.SourceSynthetic, Distribution: workloads.DistClustered, Clusters: 20,
		Size: size, Dim: 16, Metric: workloads.L2, Queries: queries, Seed: 3,
		Payload: []workloads.PayloadField{
			{Name: "cat", Type: workloads.PayloadVarchar, Values: 8, Distribution: workloads.PayloadZipf, Correlation: workloads.CorrCorrelated},
			{Name: "far", Type: workloads.PayloadInt64, Values: 8, Correlation: workloads.CorrAnti},
			{Name: "ind", Type: workloads.PayloadVarchar, Values: 8},
			{Name: "price", Type: workloads.PayloadDouble, Min: fptr(0), Max: fptr(100), Correlation: workloads.CorrCorrelated, Nulls: 0.1},
			{Name: "n", Type: workloads.PayloadInt64, Min: fptr(-50), Max: fptr(50)},
			{Name: "ok", Type: workloads.PayloadBool},
			{Name: "tags", Type: workloads.PayloadArrayInt64, Values: 20, Length: 4, Distribution: workloads.PayloadZipf},
			{Name: "labels", Type: workloads.PayloadArrayVarchar, Values: 10, Length: 3},
			{Name: "meta", Type: workloads.PayloadJSON, Values: 5, Nulls: 0.2},
		},
	}
}

func openPayload(t testing.TB, spec workloads.DatasetSpec) *Dataset {
	t.Helper()
	ds, _, err := Open(context.Background(), spec, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if ds.Payload == nil || ds.Payload.Rows() != spec.Size {
		t.Fatalf("payload: %+v", ds.Payload)
	}
	return ds
}

func filterPoints() []workloads.FilterPoint {
	q := func(field string) map[string]workloads.ParamSource {
		return map[string]workloads.ParamSource{"v": {Query: field}}
	}
	return []workloads.FilterPoint{
		{Name: "near", Expr: `cat == {v}`, PerQuery: q("cat")},
		{Name: "far", Expr: `far == {v}`, PerQuery: q("far")},
		{Name: "in", Expr: `ind in {v}`, PerQuery: q("ind")},
		{Name: "range", Expr: `price < {p} and n >= {lo}`, Fixed: map[string]workloads.Value{"lo": int64(-10)},
			PerQuery: map[string]workloads.ParamSource{"p": {Uniform: []float64{5, 60}}}},
		{Name: "tags", Expr: `array_contains(tags, {t}) or not ok`, PerQuery: map[string]workloads.ParamSource{"t": {Choice: []workloads.Value{int64(0), int64(1), int64(7)}}}},
		{Name: "labels", Expr: `array_contains_any(labels, ["t1", "t3"]) and price is not null`},
		{Name: "json", Expr: `meta["brand"] == {v} or meta["score"] > 90`, PerQuery: q("meta")},
		{Name: "none", Expr: `n > 1000`},
	}
}

// TestFilteredTruthEqualsBruteForce checks each query's filter against a
// plain evaluation of the expression over every row, and the filtered
// ground truth against ExactTopK restricted to those rows, query by query.
func TestFilteredTruthEqualsBruteForce(t *testing.T) {
	ds := openPayload(t, payloadSpec(3000, 60))
	ctx := context.Background()
	for _, fp := range filterPoints() {
		t.Run(fp.Name, func(t *testing.T) {
			filters, shares, err := ds.Payload.QueryFilters(fp, len(ds.Queries), 3)
			if err != nil {
				t.Fatal(err)
			}
			gt, _, err := FilteredTruth(ctx, ds, 10, filters, GTCache{})
			if err != nil {
				t.Fatal(err)
			}
			distinct := map[string]bool{}
			for q, f := range filters {
				distinct[f.Key] = true
				pass := map[int64]bool{}
				for i := range ds.Payload.Rows() {
					ok, err := f.Bound.Eval(ds.Payload.Row(i))
					if err != nil {
						t.Fatal(err)
					}
					if ok {
						pass[int64(i)] = true
					}
					if ok != f.Allow(int64(i)) {
						t.Fatalf("query %d row %d: Allow %v, evaluation %v", q, i, f.Allow(int64(i)), ok)
					}
				}
				if len(pass) != f.Passing || math.Abs(shares[q]-float64(len(pass))/3000) > 1e-12 {
					t.Fatalf("query %d: %d passing, filter says %d (share %g)", q, len(pass), f.Passing, shares[q])
				}
				want, err := ExactTopK(ctx, ds.Base, ds.Queries[q:q+1], ds.Info.Metric, GTOptions{K: 10, Filter: func(id int64) bool { return pass[id] }, Workers: 1})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(gt.IDs[q], want.IDs[0]) {
					t.Fatalf("query %d (%s): filtered truth %v, brute force %v", q, f.Expr, gt.IDs[q], want.IDs[0])
				}
				for _, id := range gt.IDs[q] {
					if !pass[id] {
						t.Fatalf("query %d: truth holds row %d, which the filter rejects", q, id)
					}
				}
			}
			t.Logf("%s: %d distinct filters, e.g. %s", fp.Name, len(distinct), filters[0].Expr)
			if fp.PerQuery != nil && fp.Name != "far" && len(distinct) < 2 {
				t.Errorf("values drawn per query gave one filter for all %d queries", len(filters))
			}
		})
	}
}

// TestPayloadCorrelation: at about equal shares of rows, a filter on a
// correlated field keeps rows near the query, an independent one rows at
// the usual distance and an anti-correlated one rows far away.
func TestPayloadCorrelation(t *testing.T) {
	spec := payloadSpec(6000, 80)
	spec.Payload = []workloads.PayloadField{
		{Name: "near", Type: workloads.PayloadVarchar, Values: 8, Correlation: workloads.CorrCorrelated},
		{Name: "ind", Type: workloads.PayloadVarchar, Values: 8, Correlation: workloads.CorrIndependent},
		{Name: "far", Type: workloads.PayloadVarchar, Values: 8, Correlation: workloads.CorrAnti},
	}
	ds := openPayload(t, spec)
	var base [][]float32
	if err := ds.Base.Scan(context.Background(), 1000, func(_ int64, vecs [][]float32) error {
		for _, v := range vecs {
			base = append(base, slices.Clone(v))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	dist := Distance(ds.Info.Metric)
	mean := map[string]float64{}
	share := map[string]float64{}
	for _, name := range []string{"near", "ind", "far"} {
		fp := workloads.FilterPoint{Name: name, Expr: name + ` == {v}`, PerQuery: map[string]workloads.ParamSource{"v": {Query: name}}}
		filters, shares, err := ds.Payload.QueryFilters(fp, len(ds.Queries), 1)
		if err != nil {
			t.Fatal(err)
		}
		for q, f := range filters {
			sum, n := 0.0, 0
			for i, v := range base {
				if f.Allow(int64(i)) {
					sum += float64(dist(ds.Queries[q], v))
					n++
				}
			}
			mean[name] += sum / float64(max(n, 1)) / float64(len(filters))
			share[name] += shares[q] / float64(len(filters))
		}
	}
	t.Logf("mean distance to passing rows %v, mean share %v", mean, share)
	if !(mean["near"] < 0.8*mean["ind"] && mean["ind"] < 0.95*mean["far"]) {
		t.Errorf("mean distance to the passing rows: correlated %.3g, independent %.3g, anti-correlated %.3g; want increasing", mean["near"], mean["ind"], mean["far"])
	}
	for name, s := range share {
		if math.Abs(s-1.0/8) > 0.04 {
			t.Errorf("%s passes %.3f of rows on average, want about 1/8", name, s)
		}
	}
}

func TestPayloadDeterministic(t *testing.T) {
	spec := payloadSpec(2000, 20)
	a := openPayload(t, spec)
	prev := runtime.GOMAXPROCS(1)
	b := openPayload(t, spec)
	runtime.GOMAXPROCS(prev)
	if a.Payload.Checksum != b.Payload.Checksum {
		t.Errorf("payload differs with GOMAXPROCS: %s vs %s", a.Payload.Checksum, b.Payload.Checksum)
	}
	spec.Seed++
	if c := openPayload(t, spec); c.Payload.Checksum == a.Payload.Checksum {
		t.Error("another seed gave the same payload")
	}
}

func TestPayloadFile(t *testing.T) {
	fields := []workloads.PayloadField{
		{Name: "brand", Type: workloads.PayloadVarchar, FromFile: true},
		{Name: "price", Type: workloads.PayloadDouble, FromFile: true},
		{Name: "tags", Type: workloads.PayloadArrayInt64, FromFile: true},
		{Name: "meta", Type: workloads.PayloadJSON, FromFile: true},
	}
	dir := t.TempDir()
	jsonl := filepath.Join(dir, "p.jsonl")
	if err := os.WriteFile(jsonl, []byte(`{"brand": "a", "price": 1.5, "tags": [1, 2], "meta": {"k": 1}}
{"brand": null, "price": 2, "tags": []}

{"price": 3, "tags": [3], "meta": {"k": "x"}, "extra": true}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	type prow struct {
		Brand *string `parquet:"brand,optional"`
		Price float64 `parquet:"price"`
		Tags  []int64 `parquet:"tags,list"`
		Meta  *string `parquet:"meta,optional"`
	}
	s := func(v string) *string { return &v }
	pq := filepath.Join(dir, "p.parquet")
	if err := parquet.WriteFile(pq, []prow{{s("a"), 1.5, []int64{1, 2}, s(`{"k": 1}`)}, {nil, 2, []int64{}, nil}, {nil, 3, []int64{3}, s(`{"k": "x"}`)}}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{jsonl, pq} {
		t.Run(filepath.Ext(path), func(t *testing.T) {
			cols, err := ReadPayloadFile(path, fields, 3)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range fields {
				for _, v := range cols[f.Name] {
					got = append(got, v.String())
				}
			}
			want := `"a" null null 1.5 2 3 [1 2] [] [3] {"k":1} null {"k":"x"}`
			if strings.Join(got, " ") != want {
				t.Errorf("values\n got %s\nwant %s", strings.Join(got, " "), want)
			}
			x, _ := expr.Parse(`meta["k"] == 1 and array_contains(tags, 2)`)
			ok, err := x.Eval(expr.Fields{"meta": cols["meta"][0], "tags": cols["tags"][0]})
			if err != nil || !ok {
				t.Errorf("row 0 should pass: %v %v", ok, err)
			}
		})
	}
	for _, tc := range []struct{ name, body, want string }{
		{"wrong type", `{"brand": 1}`, `bad.jsonl:1: field "brand": want a string (the field is varchar), got 1`},
		{"not an object", "[1]\n", `bad.jsonl:1: not a JSON object`},
		{"too few rows", `{"brand": "a"}`, `has 1 rows, the base has 3`},
		{"too many rows", "{}\n{}\n{}\n{}\n", `bad.jsonl:4: more rows than the base's 3`},
		{"whole number", `{"tags": [1.5]}`, `field "tags": want a list of whole numbers`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, "bad.jsonl")
			if err := os.WriteFile(p, []byte(tc.body), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadPayloadFile(p, fields, 3)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %v, want one line with %q", err, tc.want)
			}
		})
	}
}

// FuzzPayloadJSONL: a payload file never panics the reader, and every
// error is one line.
func FuzzPayloadJSONL(f *testing.F) {
	f.Add([]byte(`{"brand": "a", "price": 1.5, "tags": [1, 2], "meta": {"k": 1}}` + "\n{}\n"))
	f.Add([]byte("{\"tags\": [1e400]}\n[]\n"))
	fields := []workloads.PayloadField{
		{Name: "brand", Type: workloads.PayloadVarchar, FromFile: true},
		{Name: "price", Type: workloads.PayloadDouble, FromFile: true},
		{Name: "n", Type: workloads.PayloadInt64, FromFile: true},
		{Name: "ok", Type: workloads.PayloadBool, FromFile: true},
		{Name: "tags", Type: workloads.PayloadArrayInt64, FromFile: true},
		{Name: "labels", Type: workloads.PayloadArrayVarchar, FromFile: true},
		{Name: "meta", Type: workloads.PayloadJSON, FromFile: true},
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "p.jsonl")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadPayloadFile(p, fields, 2)
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("error spans lines: %q", err)
		}
	})
}

// TestFilteredTruthCheckFailsOnWrongNulls shows the brute-force check can
// fail: an evaluator that treats a comparison on null as false (so that
// `not (price <= 50)` keeps null rows, where Milvus Lite's three-valued
// logic drops them) gives another ground truth for some query.
func TestFilteredTruthCheckFailsOnWrongNulls(t *testing.T) {
	ds := openPayload(t, payloadSpec(3000, 60))
	ctx := context.Background()
	fp := workloads.FilterPoint{Name: "not", Expr: `not (price <= 50)`}
	filters, _, err := ds.Payload.QueryFilters(fp, len(ds.Queries), 3)
	if err != nil {
		t.Fatal(err)
	}
	gt, _, err := FilteredTruth(ctx, ds, 10, filters, GTCache{})
	if err != nil {
		t.Fatal(err)
	}
	le, _ := expr.Parse(`price <= 50`)
	wrong := func(id int64) bool { // null: "price <= 50" false, so not → true
		ok, err := le.Eval(ds.Payload.Row(int(id)))
		return err == nil && !ok
	}
	nullsKept := 0
	for i := range ds.Payload.Rows() {
		if wrong(int64(i)) && !filters[0].Allow(int64(i)) {
			nullsKept++
		}
	}
	bad, err := ExactTopK(ctx, ds.Base, ds.Queries, ds.Info.Metric, GTOptions{K: 10, Filter: wrong, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	differ := 0
	for q := range ds.Queries {
		if !slices.Equal(gt.IDs[q], bad.IDs[q]) {
			differ++
		}
	}
	t.Logf("the wrong semantics keeps %d null rows; %d of %d queries get another top-10", nullsKept, differ, len(ds.Queries))
	if nullsKept == 0 || differ == 0 {
		t.Errorf("the wrong null semantics went unnoticed: %d null rows kept, %d queries differ", nullsKept, differ)
	}
}
