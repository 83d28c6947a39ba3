package datasets

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/milvbench/milvbench/expr"
	"github.com/milvbench/milvbench/workloads"
	"github.com/parquet-go/parquet-go"
)

// ReadPayloadFile reads the from_file payload fields of every base row
// from path: JSON Lines (.jsonl, one object per row, a missing key or null
// is a null value) or parquet (.parquet, one column per field; a JSON
// field is a string column holding JSON text). It must have exactly rows
// rows, in base order.
func ReadPayloadFile(path string, fields []workloads.PayloadField, rows int) (map[string][]expr.Value, error) {
	var want []workloads.PayloadField
	for _, f := range fields {
		if f.FromFile {
			want = append(want, f)
		}
	}
	out := map[string][]expr.Value{}
	for _, f := range want {
		out[f.Name] = make([]expr.Value, 0, rows)
	}
	var err error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".json", ".ndjson":
		err = readPayloadJSONL(path, want, rows, out)
	case ".parquet":
		err = readPayloadParquet(path, want, rows, out)
	default:
		return nil, fmt.Errorf("%s: dataset.payload_file must be .jsonl or .parquet", path)
	}
	if err != nil {
		return nil, err
	}
	for _, f := range want {
		if n := len(out[f.Name]); n != rows {
			return nil, fmt.Errorf("%s: has %d rows, the base has %d (one payload row per base vector, in order)", path, n, rows)
		}
	}
	return out, nil
}

func readPayloadJSONL(path string, want []workloads.PayloadField, rows int, out map[string][]expr.Value) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	line, n := 0, 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		if n == rows {
			return fmt.Errorf("%s:%d: more rows than the base's %d", path, line, rows)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			return fmt.Errorf("%s:%d: not a JSON object: %s", path, line, oneLine(err))
		}
		for _, pf := range want {
			v, err := payloadValue(pf, obj[pf.Name])
			if err != nil {
				return fmt.Errorf("%s:%d: field %q: %w", path, line, pf.Name, err)
			}
			out[pf.Name] = append(out[pf.Name], v)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s:%d: %w", path, line+1, err)
	}
	return nil
}

func readPayloadParquet(path string, want []workloads.PayloadField, rows int, out map[string][]expr.Value) error {
	cols := make([]string, len(want))
	for i, f := range want {
		cols[i] = f.Name
	}
	return ParquetTable(path, cols, func(row int64, vals map[string][]parquet.Value) error {
		if row >= int64(rows) {
			return fmt.Errorf("%s: row %d: more rows than the base's %d", path, row, rows)
		}
		for _, pf := range want {
			var raw any
			vs := vals[pf.Name]
			switch pf.Type {
			case workloads.PayloadArrayInt64, workloads.PayloadArrayVarchar:
				xs := make([]any, len(vs))
				for i, v := range vs {
					xs[i] = parquetAny(v)
				}
				raw = xs
			case workloads.PayloadJSON:
				if len(vs) > 0 {
					dec := json.NewDecoder(strings.NewReader(vs[0].String()))
					dec.UseNumber()
					if err := dec.Decode(&raw); err != nil {
						return fmt.Errorf("%s: row %d: field %q: not JSON text: %s", path, row, pf.Name, oneLine(err))
					}
				}
			default:
				if len(vs) > 0 {
					raw = parquetAny(vs[0])
				}
			}
			v, err := payloadValue(pf, raw)
			if err != nil {
				return fmt.Errorf("%s: row %d: field %q: %w", path, row, pf.Name, err)
			}
			out[pf.Name] = append(out[pf.Name], v)
		}
		return nil
	})
}

func parquetAny(v parquet.Value) any {
	switch v.Kind() {
	case parquet.Boolean:
		return v.Boolean()
	case parquet.Int32, parquet.Int64:
		return json.Number(fmt.Sprint(v.Int64()))
	case parquet.Float:
		return json.Number(fmt.Sprint(v.Float()))
	case parquet.Double:
		return json.Number(fmt.Sprint(v.Double()))
	}
	return v.String()
}

// payloadValue converts a decoded JSON value (numbers as json.Number) to
// the field's type.
func payloadValue(pf workloads.PayloadField, raw any) (expr.Value, error) {
	if raw == nil {
		return expr.Null(), nil
	}
	bad := func(want string) (expr.Value, error) {
		return expr.Value{}, fmt.Errorf("want %s (the field is %s), got %s", want, pf.Type, describeJSON(raw))
	}
	switch pf.Type {
	case workloads.PayloadInt64:
		n, ok := raw.(json.Number)
		if !ok {
			return bad("a whole number")
		}
		i, err := n.Int64()
		if err != nil {
			return bad("a whole number")
		}
		return expr.Int(i), nil
	case workloads.PayloadDouble:
		n, ok := raw.(json.Number)
		if !ok {
			return bad("a number")
		}
		x, err := n.Float64()
		if err != nil || math.IsInf(x, 0) {
			return bad("a finite number")
		}
		return expr.Float(x), nil
	case workloads.PayloadBool:
		b, ok := raw.(bool)
		if !ok {
			return bad("true or false")
		}
		return expr.Bool(b), nil
	case workloads.PayloadVarchar:
		s, ok := raw.(string)
		if !ok {
			return bad("a string")
		}
		return expr.String(s), nil
	case workloads.PayloadArrayInt64:
		xs, ok := raw.([]any)
		if !ok {
			return bad("a list of whole numbers")
		}
		out := make([]int64, len(xs))
		for i, x := range xs {
			n, ok := x.(json.Number)
			if !ok {
				return bad("a list of whole numbers")
			}
			v, err := n.Int64()
			if err != nil {
				return bad("a list of whole numbers")
			}
			out[i] = v
		}
		return expr.IntArray(out), nil
	case workloads.PayloadArrayVarchar:
		xs, ok := raw.([]any)
		if !ok {
			return bad("a list of strings")
		}
		out := make([]string, len(xs))
		for i, x := range xs {
			s, ok := x.(string)
			if !ok {
				return bad("a list of strings")
			}
			out[i] = s
		}
		return expr.StringArray(out), nil
	}
	return expr.JSON(raw), nil
}

func describeJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil || len(b) > 40 {
		return fmt.Sprintf("a %T", v)
	}
	return string(b)
}
