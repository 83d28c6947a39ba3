package expr

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Kind is the type of a Value.
type Kind uint8

// The kinds of a row's field values.
const (
	KindNull        Kind = iota // a null field (nullable column with no value)
	KindInt                     // int8 … int64 column
	KindFloat                   // float or double column
	KindBool                    // bool column
	KindString                  // varchar column
	KindIntArray                // ARRAY of an integer type
	KindStringArray             // ARRAY of varchar
	KindJSON                    // JSON column, as decoded by encoding/json
)

func (k Kind) String() string {
	switch k {
	case KindNull:
		return "null"
	case KindInt:
		return "int64"
	case KindFloat:
		return "double"
	case KindBool:
		return "bool"
	case KindString:
		return "varchar"
	case KindIntArray:
		return "array<int64>"
	case KindStringArray:
		return "array<varchar>"
	case KindJSON:
		return "json"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is one field of a row. The zero Value is null. Build values with
// Null, Int, Float, Bool, String, IntArray, StringArray and JSON; a Value
// does not copy the slices or JSON it is given, and evaluation never
// modifies them.
type Value struct {
	kind Kind
	i    int64
	f    float64
	s    string
	ia   []int64
	sa   []string
	j    any
}

// Null is a null field.
func Null() Value { return Value{} }

// Int is an integer field.
func Int(v int64) Value { return Value{kind: KindInt, i: v} }

// Float is a float or double field. For a FLOAT (float32) column pass the
// stored float32 widened, float64(float32(x)), as the server compares that.
func Float(v float64) Value { return Value{kind: KindFloat, f: v} }

// Bool is a bool field.
func Bool(v bool) Value {
	if v {
		return Value{kind: KindBool, i: 1}
	}
	return Value{kind: KindBool}
}

// String is a varchar field.
func String(v string) Value { return Value{kind: KindString, s: v} }

// IntArray is an ARRAY field of integers; nil is an empty array, not null.
func IntArray(v []int64) Value { return Value{kind: KindIntArray, ia: v} }

// StringArray is an ARRAY field of varchar; nil is an empty array, not null.
func StringArray(v []string) Value { return Value{kind: KindStringArray, sa: v} }

// JSON is a JSON field holding v as encoding/json decodes it: nil,
// bool, float64 or json.Number (int64, int and int32 are accepted too),
// string, []any, map[string]any. A JSON field that is null is Null(), not
// JSON(nil).
func JSON(v any) Value { return Value{kind: KindJSON, j: v} }

// Kind is the value's kind.
func (v Value) Kind() Kind { return v.kind }

// Any is the value as a Go value: nil, int64, float64, bool, string,
// []int64, []string, or a JSON value as encoding/json decodes it.
func (v Value) Any() any {
	switch v.kind {
	case KindInt:
		return v.i
	case KindFloat:
		return v.f
	case KindBool:
		return v.i != 0
	case KindString:
		return v.s
	case KindIntArray:
		return v.ia
	case KindStringArray:
		return v.sa
	case KindJSON:
		return v.j
	}
	return nil
}

// IsNull reports whether the value is null.
func (v Value) IsNull() bool { return v.kind == KindNull }

func (v Value) String() string {
	switch v.kind {
	case KindNull:
		return "null"
	case KindInt:
		return strconv.FormatInt(v.i, 10)
	case KindFloat:
		return strconv.FormatFloat(v.f, 'g', -1, 64)
	case KindBool:
		return strconv.FormatBool(v.i != 0)
	case KindString:
		return strconv.Quote(v.s)
	case KindIntArray:
		return fmt.Sprint(v.ia)
	case KindStringArray:
		return fmt.Sprintf("%q", v.sa)
	default:
		b, err := json.Marshal(v.j)
		if err != nil {
			return fmt.Sprintf("json(%v)", v.j)
		}
		return string(b)
	}
}

// Row gives the values of a row's fields by name; ok is false when the row
// has no field of that name (an evaluation error, as Milvus rejects a
// filter on a field the collection lacks).
type Row interface {
	Field(name string) (v Value, ok bool)
}

// Fields is a Row held in a map.
type Fields map[string]Value

// Field implements Row.
func (f Fields) Field(name string) (Value, bool) {
	v, ok := f[name]
	return v, ok
}

// dyn is a dynamically typed value as Milvus Lite's row-wise evaluator sees
// it (Python semantics): nil, bool, int64, float64, string, []dyn or
// map[string]any. Numbers compare across int, float and bool.
type dyn = any

// toDyn turns a field value into its dynamic form.
func (v Value) toDyn() dyn {
	switch v.kind {
	case KindInt:
		return v.i
	case KindFloat:
		return v.f
	case KindBool:
		return v.i != 0
	case KindString:
		return v.s
	case KindIntArray:
		out := make([]any, len(v.ia))
		for i, x := range v.ia {
			out[i] = x
		}
		return out
	case KindStringArray:
		out := make([]any, len(v.sa))
		for i, x := range v.sa {
			out[i] = x
		}
		return out
	case KindJSON:
		return normJSON(v.j)
	}
	return nil
}

// normJSON maps the numeric types encoding/json (and callers) produce to
// int64 or float64, as Python's json module would see the same text:
// an integral json.Number is an int, anything with a fraction or exponent
// a float. Containers are normalised lazily by the path walker.
func normJSON(x any) any {
	switch t := x.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return i
		}
		f, err := t.Float64()
		if err != nil {
			return string(t)
		}
		return f
	case int:
		return int64(t)
	case int32:
		return int64(t)
	case float32:
		return float64(t)
	}
	return x
}

// num is a Python-style number view of a dynamic value: bools are 0 and 1.
func num(x dyn) (i int64, f float64, isFloat, ok bool) {
	switch t := x.(type) {
	case int64:
		return t, 0, false, true
	case float64:
		return 0, t, true, true
	case bool:
		if t {
			return 1, 0, false, true
		}
		return 0, 0, false, true
	}
	return 0, 0, false, false
}

// cmpNum compares two numbers exactly (an int64 and a float64 compare as
// the real numbers they denote, as in Python): -1, 0, 1, or 2 when a NaN
// makes them unordered.
func cmpNum(ai int64, af float64, aF bool, bi int64, bf float64, bF bool) int {
	switch {
	case !aF && !bF:
		return cmp3(ai, bi)
	case aF && bF:
		if math.IsNaN(af) || math.IsNaN(bf) {
			return 2
		}
		return cmp3(af, bf)
	case aF:
		return -cmpIntFloat(bi, af)
	default:
		return cmpIntFloat(ai, bf)
	}
}

// cmpIntFloat compares an int64 with a float64 exactly.
func cmpIntFloat(i int64, f float64) int {
	if math.IsNaN(f) {
		return 2
	}
	if f >= 0x1p63 { // beyond every int64
		return -1
	}
	if f < -0x1p63 {
		return 1
	}
	t := math.Trunc(f)
	ti := int64(t)
	if c := cmp3(i, ti); c != 0 {
		return c
	}
	// i == trunc(f): the fraction decides.
	switch {
	case f > t:
		return -1
	case f < t:
		return 1
	}
	return 0
}

func cmp3[T int64 | float64 | string](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// pyEqual is Python's == over dynamic values.
func pyEqual(a, b dyn) bool {
	if ai, af, aF, ok := num(a); ok {
		bi, bf, bF, ok := num(b)
		return ok && cmpNum(ai, af, aF, bi, bf, bF) == 0
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !pyEqual(normJSON(x[i]), normJSON(y[i])) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !pyEqual(normJSON(xv), normJSON(yv)) {
				return false
			}
		}
		return true
	}
	return false
}

// pyOrder is Python's ordering of two scalars: -1, 0, 1, or ok false when
// Python raises TypeError (which Lite turns into unknown) or a NaN makes
// them unordered.
func pyOrder(a, b dyn) (int, bool) {
	if ai, af, aF, ok := num(a); ok {
		if bi, bf, bF, ok := num(b); ok {
			c := cmpNum(ai, af, aF, bi, bf, bF)
			return c, c != 2
		}
		return 0, false
	}
	if x, ok := a.(string); ok {
		if y, ok := b.(string); ok {
			return cmp3(x, y), true
		}
	}
	return 0, false
}
