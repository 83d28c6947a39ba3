package expr_test

// The evaluator against a real server: a small collection with nullable
// scalar fields, ARRAY fields, a JSON field with missing keys and mixed
// types, and varchar values with quotes and backslashes; for every
// expression of the corpus the ids query(filter) returns must equal the ids
// Eval passes. `make test` (scripts/with-milvus.sh lite) provides the
// server; without MILVUS_URI the test skips.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/milvbench/milvbench/expr"
	"github.com/milvbench/milvbench/internal/testenv"
	"github.com/milvus-io/milvus/client/v2/column"
	"github.com/milvus-io/milvus/client/v2/entity"
	"github.com/milvus-io/milvus/client/v2/index"
	"github.com/milvus-io/milvus/client/v2/milvusclient"
)

// corpusCase is one expression; lite, when set, is the equivalent text sent
// instead because Milvus Lite cannot parse the Milvus form (chained
// ranges). Expressions with placeholders are sent inlined, and as templates
// with filter_params to a server that accepts them (Lite does not).
type corpusCase struct {
	expr   string
	params expr.Params
	lite   string
}

func corpus() []corpusCase {
	return []corpusCase{
		// int64, nullable
		{expr: `n > 50`},
		{expr: `n <= 10 or n >= 90`},
		{expr: `n != 7`},
		{expr: `not (n == 7)`},
		{expr: `n in [1, 2, 3, 50, 99]`},
		{expr: `n not in [1, 2, 3]`},
		{expr: `not (n in [1, 2, 3])`},
		{expr: `n in []`},
		{expr: `n not in []`},
		{expr: `n is null`},
		{expr: `n is not null and n < 20`},
		{expr: `n > 10 || flag && !(price < 20)`},
		{expr: `NOT (n IN [1,2,]) AND name LIKE "a%"`},
		// double, nullable; chained ranges
		{expr: `price < 12.5`},
		{expr: `price >= -3`},
		{expr: `10 < price < 100`, lite: `10 < price and price < 100`},
		{expr: `100 >= n > 20`, lite: `n <= 100 and n > 20`},
		{expr: `(n < 10 or flag) and not (price > 50)`},
		// bool, nullable
		{expr: `flag`},
		{expr: `not flag`},
		{expr: `flag == false`},
		{expr: `flag == true and n < 50`},
		// varchar with quotes, backslashes, wildcards, newlines
		{expr: `name == "it's"`},
		{expr: `name == 'it\'s'`},
		{expr: `name == 'say "hi"'`},
		{expr: `name == "back\\slash"`},
		{expr: `name == "line\nbreak"`},
		{expr: `name like "ab%"`},
		{expr: `name like "%b\\%%"`},
		{expr: `name like "%\\\\%"`},
		{expr: `name like "_b%"`},
		{expr: `name like "%z"`},
		{expr: `name like "%a%" and array_contains(tags, 3)`},
		{expr: `name like "%k" or array_length(tags) > 3`},
		{expr: `name > "m"`},
		{expr: `name is null or name == ""`},
		{expr: `name not in ["abc", "zed"]`},
		// ARRAY fields: null, empty
		{expr: `array_contains(tags, 3)`},
		{expr: `not array_contains(tags, 3)`},
		{expr: `array_contains_all(tags, [1, 2])`},
		{expr: `array_contains_any(tags, [7, 8, 9])`},
		{expr: `array_contains_all(tags, [])`},
		{expr: `array_length(tags) == 0`},
		{expr: `array_length(tags) > 2`},
		{expr: `tags is null`},
		{expr: `tags is not null and array_length(tags) == 0`},
		{expr: `tags[0] == 1`},
		{expr: `array_contains(labels, "red")`},
		{expr: `array_contains_any(labels, ["blue", "green"])`},
		{expr: `n not in [5, 6] and array_contains(tags, 1)`},
		// JSON: missing keys, JSON nulls, mixed types, nested paths
		{expr: `meta["brand"] == "acme"`},
		{expr: `meta["brand"] != "acme"`},
		{expr: `meta["brand"] is null`},
		{expr: `meta["brand"] is not null`},
		{expr: `meta["x"] > 5`},
		{expr: `meta["x"] == 1`},
		{expr: `not (meta["x"] < 3)`},
		{expr: `meta["x"] == "7"`},
		{expr: `meta["x"] == true`},
		{expr: `meta["arr"][0] == 2`},
		{expr: `meta["obj"]["k"] >= 10`},
		{expr: `array_contains(meta["arr"], 4)`},
		{expr: `not array_contains_any(meta["arr"], [1, 2])`},
		{expr: `meta is null`},
		{expr: `meta["brand"] like "ac%"`},
		{expr: `not (meta["brand"] like "ac%")`},
		// more edges: int/float mixing, empty patterns, negations over nulls
		{expr: `n in [1.0, 5.0, 7.5]`},
		{expr: `price == 5`},
		{expr: `price in [5, 10.5]`},
		{expr: `flag != true`},
		{expr: `not (flag == true)`},
		{expr: `name like "%"`},
		{expr: `name like ""`},
		{expr: `not (name like "%a%")`},
		{expr: `name like "%\\_%"`},
		{expr: `array_length(labels) == 1`},
		{expr: `labels[0] == "red"`},
		{expr: `labels[1] is null`},
		{expr: `meta["x"] >= 2.5`},
		{expr: `meta["x"] != 1`},
		{expr: `meta["brand"] == 5`},
		{expr: `meta["arr"][1] is null`},
		{expr: `array_length(meta) == 0`},
		{expr: `not (meta["obj"]["k"] < 5) or meta["obj"] is null`},
		{expr: `n > 90 or not (n > 10 and array_contains(tags, 4))`},
		// placeholders, sent inlined (Lite has no expression templates)
		{expr: `n < {p}`, params: expr.Params{"p": 40}},
		{expr: `n in {ids}`, params: expr.Params{"ids": []int{3, 4, 5, 60, 61}}},
		{expr: `array_contains(tags, {t})`, params: expr.Params{"t": int64(2)}},
		{expr: `meta["brand"] == {b}`, params: expr.Params{"b": "acme"}},
		{expr: `{lo} <= price <= {hi}`, params: expr.Params{"lo": 5, "hi": 50.5}, lite: `price >= 5 and price <= 50.5`},
		{expr: `name in {names}`, params: expr.Params{"names": []string{"it's", `say "hi"`, `back\slash`, "line\nbreak"}}},
		{expr: `array_contains_any(labels, {ls}) and flag == {f}`, params: expr.Params{"ls": []string{"red"}, "f": true}},
	}
}

// rejected are expressions Milvus Lite refuses; Parse or Check must refuse
// them too.
func rejected() []string {
	return []string{
		`n == "1"`,
		`flag == 1`,
		`name like 5`,
		`n < `,
		`1 < n > 5`,
		`name in [1, 2]`,
		`array_contains(n, 1)`,
	}
}

// kinds is the collection's schema as Check takes it.
func kinds() map[string]expr.Kind {
	return map[string]expr.Kind{"id": expr.KindInt, "n": expr.KindInt, "price": expr.KindFloat, "flag": expr.KindBool,
		"name": expr.KindString, "tags": expr.KindIntArray, "labels": expr.KindStringArray, "meta": expr.KindJSON}
}

type row struct {
	id     int64
	n      *int64
	price  *float64
	flag   *bool
	name   *string
	tags   []int64 // nil: null
	labels []string
	meta   []byte // nil: null
}

func ptr[T any](v T) *T { return &v }

// rows builds the seeded test rows; every field is null in some rows.
func rows() []row {
	rng := rand.New(rand.NewPCG(19, 2026))
	names := []string{"abc", "ab", "xb%y", "a_b", "it's", `say "hi"`, `back\slash`, "", "zed", "émile", "line\nbreak", "ba", "100%", "a%b", `c:\dir`, "mz", "bk", "abk"}
	var out []row
	for i := range 200 {
		r := row{id: int64(i + 1)}
		if rng.IntN(8) > 0 {
			r.n = ptr(int64(rng.IntN(100)))
		}
		if rng.IntN(8) > 0 {
			r.price = ptr(float64(rng.IntN(2000)-100) / 10)
		}
		if rng.IntN(6) > 0 {
			r.flag = ptr(rng.IntN(2) == 0)
		}
		if rng.IntN(8) > 0 {
			r.name = ptr(names[rng.IntN(len(names))])
		}
		if rng.IntN(7) > 0 {
			r.tags = []int64{}
			for range rng.IntN(5) {
				r.tags = append(r.tags, int64(rng.IntN(10)))
			}
		}
		if rng.IntN(7) > 0 {
			r.labels = []string{}
			for range rng.IntN(3) {
				r.labels = append(r.labels, []string{"red", "green", "blue", "Red"}[rng.IntN(4)])
			}
		}
		if rng.IntN(10) > 0 {
			m := map[string]any{}
			switch rng.IntN(6) {
			case 0, 1:
				m["brand"] = "acme"
			case 2:
				m["brand"] = "acme2"
			case 3:
				m["brand"] = nil
			case 4:
				m["brand"] = 5
			}
			switch rng.IntN(9) {
			case 0, 1:
				m["x"] = rng.IntN(11)
			case 2:
				m["x"] = float64(rng.IntN(10)) + 0.5
			case 3:
				m["x"] = []string{"7", "x"}[rng.IntN(2)]
			case 4:
				m["x"] = rng.IntN(2) == 0
			case 5:
				m["x"] = nil
			case 6:
				m["x"] = []int{1, 2}
			}
			switch rng.IntN(5) {
			case 0:
				m["arr"] = []int{}
			case 1, 2:
				a := []int{}
				for range 1 + rng.IntN(3) {
					a = append(a, rng.IntN(6))
				}
				m["arr"] = a
			case 3:
				m["arr"] = "notalist"
			}
			switch rng.IntN(4) {
			case 0:
				m["obj"] = map[string]any{"k": rng.IntN(21)}
			case 1:
				m["obj"] = map[string]any{"k": "s"}
			case 2:
				m["obj"] = map[string]any{}
			}
			b, err := json.Marshal(m)
			if err != nil {
				panic(err)
			}
			r.meta = b
		}
		switch i % 40 { // exact values for == and in on a double
		case 0:
			r.price = ptr(5.0)
		case 1:
			r.price = ptr(10.5)
		}
		out = append(out, r)
	}
	return out
}

// fields is the row as the evaluator sees it.
func (r row) fields() expr.Fields {
	f := expr.Fields{"id": expr.Int(r.id), "n": expr.Null(), "price": expr.Null(), "flag": expr.Null(),
		"name": expr.Null(), "tags": expr.Null(), "labels": expr.Null(), "meta": expr.Null()}
	if r.n != nil {
		f["n"] = expr.Int(*r.n)
	}
	if r.price != nil {
		f["price"] = expr.Float(*r.price)
	}
	if r.flag != nil {
		f["flag"] = expr.Bool(*r.flag)
	}
	if r.name != nil {
		f["name"] = expr.String(*r.name)
	}
	if r.tags != nil {
		f["tags"] = expr.IntArray(r.tags)
	}
	if r.labels != nil {
		f["labels"] = expr.StringArray(r.labels)
	}
	if r.meta != nil {
		d := json.NewDecoder(bytes.NewReader(r.meta))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			panic(err)
		}
		f["meta"] = expr.JSON(v)
	}
	return f
}

// nullable builds a nullable column from the rows' values (compact: values
// only for the rows where valid).
func nullable[T any, C column.Column](rs []row, get func(row) (T, bool), mk func(string, []T, []bool, ...column.ColumnOption[T]) (C, error), name string) column.Column {
	var vals []T
	valid := make([]bool, len(rs))
	for i, r := range rs {
		if v, ok := get(r); ok {
			vals = append(vals, v)
			valid[i] = true
		}
	}
	c, err := mk(name, vals, valid)
	if err != nil {
		panic(err)
	}
	return c
}

func TestCorpusAgainstServer(t *testing.T) {
	uri := testenv.MilvusURI(t)
	if os.Getenv("MILVBENCH_SERVER_KIND") == "standalone" {
		t.Skip("Milvus 2.3 standalone has no nullable fields, which the corpus needs")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := milvusclient.New(ctx, &milvusclient.ClientConfig{Address: uri})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	const name = "milvbench_expr_corpus"
	_ = c.DropCollection(ctx, milvusclient.NewDropCollectionOption(name))
	f := func(n string, ty entity.FieldType) *entity.Field {
		return entity.NewField().WithName(n).WithDataType(ty).WithNullable(true)
	}
	schema := entity.NewSchema().WithName(name).
		WithField(entity.NewField().WithName("id").WithDataType(entity.FieldTypeInt64).WithIsPrimaryKey(true)).
		WithField(entity.NewField().WithName("v").WithDataType(entity.FieldTypeFloatVector).WithDim(2)).
		WithField(f("n", entity.FieldTypeInt64)).
		WithField(f("price", entity.FieldTypeDouble)).
		WithField(f("flag", entity.FieldTypeBool)).
		WithField(f("name", entity.FieldTypeVarChar).WithMaxLength(64)).
		WithField(f("tags", entity.FieldTypeArray).WithElementType(entity.FieldTypeInt64).WithMaxCapacity(8)).
		WithField(f("labels", entity.FieldTypeArray).WithElementType(entity.FieldTypeVarChar).WithMaxLength(16).WithMaxCapacity(8)).
		WithField(f("meta", entity.FieldTypeJSON))
	if err := c.CreateCollection(ctx, milvusclient.NewCreateCollectionOption(name, schema)); err != nil {
		t.Fatal(err)
	}
	defer c.DropCollection(context.Background(), milvusclient.NewDropCollectionOption(name))

	rs := rows()
	ids := make([]int64, len(rs))
	vecs := make([][]float32, len(rs))
	for i, r := range rs {
		ids[i], vecs[i] = r.id, []float32{float32(i), 1}
	}
	opt := milvusclient.NewColumnBasedInsertOption(name).WithInt64Column("id", ids).WithFloatVectorColumn("v", 2, vecs).WithColumns(
		nullable(rs, func(r row) (int64, bool) { return deref(r.n) }, column.NewNullableColumnInt64, "n"),
		nullable(rs, func(r row) (float64, bool) { return deref(r.price) }, column.NewNullableColumnDouble, "price"),
		nullable(rs, func(r row) (bool, bool) { return deref(r.flag) }, column.NewNullableColumnBool, "flag"),
		nullable(rs, func(r row) (string, bool) { return deref(r.name) }, column.NewNullableColumnVarChar, "name"),
		nullable(rs, func(r row) ([]int64, bool) { return r.tags, r.tags != nil }, column.NewNullableColumnInt64Array, "tags"),
		nullable(rs, func(r row) ([]string, bool) { return r.labels, r.labels != nil }, column.NewNullableColumnVarCharArray, "labels"),
		nullable(rs, func(r row) ([]byte, bool) { return r.meta, r.meta != nil }, column.NewNullableColumnJSONBytes, "meta"),
	)
	if _, err := c.Insert(ctx, opt); err != nil {
		t.Fatal(err)
	}
	idx, err := c.CreateIndex(ctx, milvusclient.NewCreateIndexOption(name, "v", index.NewFlatIndex(entity.L2)))
	if err == nil {
		err = idx.Await(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
	load, err := c.LoadCollection(ctx, milvusclient.NewLoadCollectionOption(name))
	if err == nil {
		err = load.Await(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
	query := func(filter string, params map[string]any) ([]int64, error) {
		opt := milvusclient.NewQueryOption(name).WithFilter(filter).WithOutputFields("id").
			WithConsistencyLevel(entity.ClStrong).WithLimit(len(rs) + 1)
		for k, v := range params {
			opt.WithTemplateParam(k, v)
		}
		res, err := c.Query(ctx, opt)
		if err != nil {
			return nil, err
		}
		col, ok := res.GetColumn("id").(*column.ColumnInt64)
		if !ok {
			return nil, fmt.Errorf("no int64 id column in the result")
		}
		got := slices.Clone(col.Data())
		slices.Sort(got)
		return got, nil
	}
	if all, err := query("id > 0", nil); err != nil || len(all) != len(rs) {
		t.Fatalf("server holds %d rows (%v), want %d", len(all), err, len(rs))
	}
	evalRows := make([]expr.Fields, len(rs))
	for i, r := range rs {
		evalRows[i] = r.fields()
	}

	corpus, kinds := corpus(), kinds()
	if len(corpus) < 40 {
		t.Fatalf("corpus has %d expressions, want at least 40", len(corpus))
	}
	agree := 0
	templates := "" // why the server rejects templates, once it has
	for _, tc := range corpus {
		e, err := expr.Parse(tc.expr)
		if err == nil {
			err = e.Check(kinds)
		}
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		bound, err := e.Bind(tc.params)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		var want []int64
		for i, r := range evalRows {
			ok, err := bound.Eval(r)
			if err != nil {
				t.Fatalf("%s: row %d: %v", tc.expr, rs[i].id, err)
			}
			if ok {
				want = append(want, rs[i].id)
			}
		}
		sent := bound.String()
		if tc.lite != "" {
			sent = tc.lite
			// The rewrite must mean the same to the evaluator.
			le, err := expr.Parse(tc.lite)
			if err != nil {
				t.Fatalf("%s: %v", tc.lite, err)
			}
			for i, r := range evalRows {
				a, _ := bound.Eval(r)
				b, _ := le.Eval(r)
				if a != b {
					t.Fatalf("%s and %s differ on row %d", tc.expr, tc.lite, rs[i].id)
				}
			}
		}
		if len(e.Placeholders()) > 0 && templates == "" {
			// A server with expression templates gets the template too.
			text, params, err := e.Template(tc.params)
			if err != nil {
				t.Fatalf("%s: %v", tc.expr, err)
			}
			got, err := query(text, params)
			switch {
			case err != nil:
				templates = firstLine(err)
				t.Logf("the server rejects expression templates (%s): placeholders are sent inlined", templates)
			case !slices.Equal(got, want):
				t.Errorf("%s as a template:\n  server only: %v\n  evaluator only: %v", tc.expr, minus(got, want), minus(want, got))
			}
		}
		got, err := query(sent, nil)
		if err != nil {
			t.Errorf("%s: server: %v", sent, firstLine(err))
			continue
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s (sent %s):\n  server only: %v\n  evaluator only: %v", tc.expr, sent, minus(got, want), minus(want, got))
			continue
		}
		agree++
		t.Logf("%-55s %3d rows", tc.expr, len(want))
	}
	t.Logf("%d of %d expressions agree with the server", agree, len(corpus))

	for _, s := range rejected() {
		_, serr := query(s, nil)
		if serr == nil {
			t.Errorf("%s: the server accepts it", s)
		}
		e, err := expr.Parse(s)
		if err == nil {
			err = e.Check(kinds)
		}
		if err == nil {
			t.Errorf("%s: Parse and Check accept what the server rejects (%v)", s, firstLine(serr))
		}
	}
}

func deref[T any](p *T) (T, bool) {
	if p == nil {
		var z T
		return z, false
	}
	return *p, true
}

func firstLine(err error) string {
	if err == nil {
		return "<nil>"
	}
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

func minus(a, b []int64) []int64 {
	var out []int64
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
