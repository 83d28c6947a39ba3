package datasets

import (
	"context"
	"fmt"
	"math"

	"github.com/milvbench/milvbench/workloads"
)

// Vectors stored as FLOAT16, BFLOAT16 or INT8 are what the server compares,
// so ground truth, the checksum and every target see the values after the
// conversion the server applies: rounded to the nearest float16 or bfloat16
// (ties to even), or, for int8, the source's values, which must already be
// whole numbers from -128 to 127.

// Float16Bits returns x rounded to the nearest IEEE 754 half-precision
// value (ties to even), as its bits; beyond ±65504 it is ±Inf.
func Float16Bits(x float32) uint16 {
	b := math.Float32bits(x)
	sign := uint16(b>>16) & 0x8000
	e32 := int(b>>23) & 0xff
	mant := b & 0x7fffff
	if e32 == 0xff {
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	}
	exp := e32 - 127 + 15
	if exp >= 31 {
		return sign | 0x7c00
	}
	if exp <= 0 {
		if exp < -10 {
			return sign
		}
		mant |= 0x800000
		shift := uint(14 - exp)
		half := uint32(1) << (shift - 1)
		rem := mant & (1<<shift - 1)
		m := mant >> shift
		if rem > half || (rem == half && m&1 == 1) {
			m++
		}
		return sign | uint16(m)
	}
	m := mant >> 13
	rem := mant & 0x1fff
	h := sign | uint16(exp)<<10 | uint16(m)
	if rem > 0x1000 || (rem == 0x1000 && m&1 == 1) {
		h++ // a carry into the exponent is still the right value
	}
	return h
}

// Float16Value returns the float32 value of half-precision bits h.
func Float16Value(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch exp {
	case 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case 0:
		v := float32(mant) / (1 << 24)
		if sign != 0 {
			return -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp-15+127)<<23 | mant<<13)
}

// BFloat16Bits returns x rounded to the nearest bfloat16 (the top 16 bits
// of a float32, ties to even), as its bits.
func BFloat16Bits(x float32) uint16 {
	b := math.Float32bits(x)
	if b&0x7f800000 == 0x7f800000 && b&0x7fffff != 0 {
		return uint16(b>>16) | 0x40 // NaN stays NaN
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}

// BFloat16Value returns the float32 value of bfloat16 bits h.
func BFloat16Value(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// StoreAs converts v in place to the values a server storing vector type
// vt holds, or says why it cannot (a float16 overflow, an int8 component
// that is not a whole number from -128 to 127).
func StoreAs(vt string, v []float32) error {
	switch vt {
	case workloads.VectorFloat16:
		for j, x := range v {
			r := Float16Value(Float16Bits(x))
			if math.IsInf(float64(r), 0) {
				return fmt.Errorf("component %d is %g, beyond float16's range ±65504", j, x)
			}
			v[j] = r
		}
	case workloads.VectorBFloat16:
		for j, x := range v {
			r := BFloat16Value(BFloat16Bits(x))
			if math.IsInf(float64(r), 0) {
				return fmt.Errorf("component %d is %g, beyond bfloat16's range", j, x)
			}
			v[j] = r
		}
	case workloads.VectorBinary:
		return checkBits(v)
	case workloads.VectorInt8:
		for j, x := range v {
			if x != float32(math.Trunc(float64(x))) || x < -128 || x > 127 {
				return fmt.Errorf("component %d is %g: vector_type int8 needs whole numbers from -128 to 127 (an int8 or uint8 npy file, bvecs, or integer-valued floats)", j, x)
			}
		}
	}
	return nil
}

// typedBase serves a base's rows as stored under a vector type: each batch
// is copied and converted, so the source's own buffers stay untouched.
type typedBase struct {
	Base
	vt   string
	what string // the file (or set) named in errors
}

// Scan implements Base.
func (b typedBase) Scan(ctx context.Context, batch int, fn func(first int64, vecs [][]float32) error) error {
	var buf []float32
	var rows [][]float32
	return b.Base.Scan(ctx, batch, func(first int64, vecs [][]float32) error {
		d := b.Dim()
		if cap(buf) < len(vecs)*d || len(rows) < len(vecs) {
			buf, rows = make([]float32, len(vecs)*d), make([][]float32, len(vecs))
		}
		for i, v := range vecs {
			rows[i] = buf[i*d : (i+1)*d : (i+1)*d]
			copy(rows[i], v)
			if err := StoreAs(b.vt, rows[i]); err != nil {
				return fmt.Errorf("%s: row %d %v", b.what, first+int64(i), err)
			}
		}
		return fn(first, rows[:len(vecs)])
	})
}

// storeAs makes ds serve its base and queries as a server storing them as
// vector type vt holds them (nothing for float), naming base and queries
// (files or the set) in errors, and records the type in ds.Info. Call it
// before the checksum, which then covers the stored values.
func (ds *Dataset) storeAs(vt, base, queries string) error {
	if vt == "" || vt == workloads.VectorFloat {
		return nil
	}
	ds.Base = typedBase{Base: ds.Base, vt: vt, what: base}
	for i, q := range ds.Queries {
		c := append([]float32(nil), q...)
		if err := StoreAs(vt, c); err != nil {
			return fmt.Errorf("%s: query %d %v", queries, i, err)
		}
		ds.Queries[i] = c
	}
	ds.Info.VectorType = vt
	return nil
}

// As returns ds as a server storing its vectors as type vt holds them (a
// new Dataset sharing ds's source and labels), with the checksum of the
// stored values; ds itself is unchanged. ds must be float.
func (ds *Dataset) As(ctx context.Context, vt string) (*Dataset, error) {
	if ds.Info.VectorType != "" {
		return nil, fmt.Errorf("dataset %s is already stored as %s", ds.Info.Name, ds.Info.VectorType)
	}
	c := *ds
	c.Queries = append([][]float32(nil), ds.Queries...)
	if err := c.storeAs(vt, ds.Info.Name, ds.Info.Name); err != nil {
		return nil, err
	}
	if c.Info.VectorType == "" {
		return &c, nil
	}
	c.Info.Name += "-" + vt
	sum, err := Checksum(ctx, &c)
	if err != nil {
		return nil, err
	}
	c.Info.Checksum = sum
	return &c, nil
}
