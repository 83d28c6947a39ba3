package workloads

import (
	"strings"
	"testing"
)

// binaryMalformed are the testdata/bad files of binary vectors, with their
// exact errors (TestMalformed runs them).
var binaryMalformed = map[string]string{
	"binary_dim_not_bytes.yaml":       `testdata/bad/binary_dim_not_bytes.yaml:2: dataset.dim: 100 is not a multiple of 8: vector_type binary packs 8 bits to a byte and dim counts the bits (e.g. 96 or 104)`,
	"binary_float_metric.yaml":        `testdata/bad/binary_float_metric.yaml:2: dataset.metric: L2 does not apply to vector_type binary (allowed: HAMMING, JACCARD)`,
	"hamming_on_float.yaml":           `testdata/bad/hamming_on_float.yaml:2: dataset.metric: HAMMING compares binary vectors only: set dataset.vector_type: binary (float vectors take L2, IP or COSINE)`,
	"binary_float_index.yaml":         `testdata/bad/binary_float_index.yaml:4: indexes[0].type: HNSW does not index binary vectors (allowed over vector_type binary: BIN_FLAT, BIN_IVF_FLAT)`,
	"bin_index_on_float.yaml":         `testdata/bad/bin_index_on_float.yaml:4: indexes[0].type: BIN_IVF_FLAT indexes binary vectors only: set dataset.vector_type: binary with metric HAMMING or JACCARD (over float vectors use IVF_FLAT)`,
	"bin_ivf_nprobe_above_nlist.yaml": `testdata/bad/bin_ivf_nprobe_above_nlist.yaml:6: indexes[0].search.nprobe: 32 is out of range (Milvus allows 1 ≤ nprobe ≤ nlist (16))`,
	"bin_flat_params.yaml":            `testdata/bad/bin_flat_params.yaml:5: indexes[0].build.nlist: BIN_FLAT has no build parameter "nlist" (allowed: none)`,
	"index_vector_type_binary.yaml":   `testdata/bad/index_vector_type_binary.yaml:5: indexes[0].vector_type: binary needs packed-bit data: set dataset.vector_type: binary instead`,
}

// TestBinaryWorkloads checks the binary combinations that parse (with the
// metric defaulting to HAMMING and BIN_IVF_FLAT's parameters swept like
// IVF_FLAT's) and the misuses refused in one line.
func TestBinaryWorkloads(t *testing.T) {
	tests := []struct {
		name, target, dataset, index, search string
		want                                 string // a build's String, or the error
		points                               int
	}{
		{name: "hamming default", dataset: "{size: 1000, dim: 64, vector_type: binary}", index: "{type: BIN_FLAT}", want: "BIN_FLAT", points: 1},
		{name: "jaccard ivf sweep", dataset: "{size: 1000, dim: 256, vector_type: binary, metric: JACCARD}",
			index: "{type: BIN_IVF_FLAT, build: {nlist: [16, 32]}, search: {nprobe: [1, 4, 16]}}", want: "BIN_IVF_FLAT(nlist=16)", points: 3},
		{name: "milvus", target: "target: {kind: milvus, uri: http://localhost:19530}\n", dataset: "{size: 1000, dim: 128, vector_type: binary, metric: JACCARD}",
			index: "{type: BIN_IVF_FLAT}", want: "BIN_IVF_FLAT(nlist=128)", points: 1},
		{name: "filtered", dataset: "{size: 1000, dim: 128, vector_type: binary, labels: int}", index: "{type: BIN_FLAT}", search: "search: {selectivity: [1, 0.1]}\n", want: "BIN_FLAT", points: 2},
		{name: "fvecs", dataset: "{source: fvecs, base_file: a.fvecs, query_file: q.fvecs, vector_type: binary}", index: "{type: BIN_FLAT}",
			want: "w.yaml:2: dataset.source: fvecs does not hold packed bits: vector_type binary reads npy (uint8, dim/8 columns), parquet, hdf5 or generates them (synthetic)"},
		{name: "range", dataset: "{size: 1000, dim: 128, vector_type: binary}", index: "{type: BIN_FLAT}", search: "search: {kind: [ann, range], range: {radius: [10, 20]}}\n",
			want: "BIN_FLAT", points: 3},
		{name: "group", dataset: "{size: 1000, dim: 128, vector_type: binary, payload: [{name: doc, type: int64, values: 10}]}", index: "{type: BIN_FLAT}", search: "search: {kind: group, group: {field: doc}}\n",
			want: "search.kind[0]: group does not apply to vector_type binary (binary vectors are searched by kind ann or range)"},
		{name: "jaccard on float ivf", dataset: "{size: 1000, dim: 128, metric: JACCARD}", index: "{type: IVF_FLAT}",
			want: "dataset.metric: JACCARD compares binary vectors only"},
		{name: "binary bytes not bits", dataset: "{size: 1000, dim: 12, vector_type: binary, metric: JACCARD}", index: "{type: BIN_FLAT}",
			want: "dataset.dim: 12 is not a multiple of 8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "name: b\n" + tt.target + "dataset: " + tt.dataset + "\nindexes: [" + tt.index + "]\n" + tt.search + "load: {duration: 200ms}\n"
			spec, err := Parse("w.yaml", []byte(src), noEnv)
			if tt.points == 0 {
				if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("err = %v, want one line containing %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if spec.Dataset.Type() != VectorBinary || !BinaryMetric(spec.Dataset.Metric) {
				t.Errorf("vector type %s metric %s", spec.Dataset.Type(), spec.Dataset.Metric)
			}
			p := NewPlan(spec)
			if got := p.Builds[0].Index.String(); got != tt.want {
				t.Errorf("build %q, want %q", got, tt.want)
			}
			if got := len(p.Builds[0].Points); got != tt.points {
				t.Errorf("%d points, want %d", got, tt.points)
			}
		})
	}
}

// TestVectorRawBytes: binary stores a bit per component, the others their
// type's bytes.
func TestVectorRawBytes(t *testing.T) {
	for _, tt := range []struct {
		vt   string
		n    int64
		want int64
	}{{VectorBinary, 1024, 128}, {VectorFloat, 10, 40}, {VectorFloat16, 10, 20}, {VectorInt8, 10, 10}} {
		if got := VectorRawBytes(tt.vt, tt.n); got != tt.want {
			t.Errorf("%s × %d = %d bytes, want %d", tt.vt, tt.n, got, tt.want)
		}
	}
}

// TestBinaryRange: kind range over binary vectors takes HAMMING and
// JACCARD bounds in L2's direction (range_filter <= distance < radius),
// HAMMING's as whole numbers (the server truncates them); each misuse is
// one line naming the field.
func TestBinaryRange(t *testing.T) {
	for _, tc := range []struct {
		name, metric, rng string
		want              string // "": valid; else the error
		points            []string
	}{
		{name: "hamming ball", metric: "HAMMING", rng: "{radius: [20, 30]}", points: []string{"radius=20", "radius=30"}},
		{name: "hamming ring", metric: "HAMMING", rng: "{radius: 30, range_filter: [0, 10]}", points: []string{"radius=30,range_filter=0", "radius=30,range_filter=10"}},
		{name: "jaccard ring", metric: "JACCARD", rng: "{radius: 0.7, range_filter: 0.4}", points: []string{"radius=0.7,range_filter=0.4"}},
		{name: "jaccard all rows", metric: "JACCARD", rng: "{radius: 1.5}", points: []string{"radius=1.5"}},
		{name: "hamming range_filter above radius", metric: "HAMMING", rng: "{radius: 10, range_filter: 12}",
			want: "w.yaml:6: search.range.range_filter[0]: 12 is not below radius 10: for HAMMING, radius is the outer bound (distance < radius) and range_filter the inner (distance >= range_filter)"},
		{name: "jaccard as a score", metric: "JACCARD", rng: "{radius: 0.2, range_filter: 0.8}",
			want: "w.yaml:6: search.range.range_filter[0]: 0.8 is not below radius 0.2: for JACCARD, radius is the outer bound"},
		{name: "jaccard negative range_filter", metric: "JACCARD", rng: "{radius: 0.5, range_filter: -0.1}",
			want: "search.range.range_filter[0]: -0.1 is negative: a JACCARD distance is at least 0"},
		{name: "hamming zero radius", metric: "HAMMING", rng: "{radius: 0}",
			want: "search.range.radius[0]: 0: the HAMMING radius must be above 0 (rows at distance < radius are in range)"},
		{name: "hamming fractional radius", metric: "HAMMING", rng: "{radius: [10, 12.5]}",
			want: "search.range.radius[1]: 12.5 is not a whole number: HAMMING distances count bits, and Milvus truncates a HAMMING radius to an integer (radius 12.5 keeps distances below 12)"},
		{name: "hamming fractional range_filter", metric: "HAMMING", rng: "{radius: 10, range_filter: 2.5}",
			want: "search.range.range_filter[0]: 2.5 is not a whole number: HAMMING distances count bits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "name: br\ndataset: {size: 1000, dim: 128, vector_type: binary, metric: " + tc.metric + "}\nindexes: [{type: BIN_FLAT}]\nsearch:\n  kind: range\n  range: " + tc.rng + "\n"
			spec, err := Parse("w.yaml", []byte(src), noEnv)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("err = %v, want one line containing %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, pt := range NewPlan(spec).Builds[0].Points {
				got = append(got, pt.Range.String())
			}
			if strings.Join(got, " ") != strings.Join(tc.points, " ") {
				t.Errorf("points %v, want %v", got, tc.points)
			}
		})
	}
}

// TestInRangeBinary: HAMMING and JACCARD bounds are L2's (range_filter
// inclusive, radius exclusive) and compared in float32 as the server
// does: the JACCARD distance 7/10 computed in float32 lies below the
// float64 0.7 but equals the float32 radius 0.7, so it is out of range.
func TestInRangeBinary(t *testing.T) {
	rf := func(f float64) *float64 { return &f }
	seven := float64(float32(7) / float32(10))
	for _, tc := range []struct {
		m    Metric
		r    RangePoint
		d    float64
		want bool
	}{
		{Hamming, RangePoint{Radius: 10}, 9, true},
		{Hamming, RangePoint{Radius: 10}, 10, false},
		{Hamming, RangePoint{Radius: 10, RangeFilter: rf(3)}, 3, true},
		{Hamming, RangePoint{Radius: 10, RangeFilter: rf(3)}, 2, false},
		{Hamming, RangePoint{Radius: 10}, 0, true},
		{Jaccard, RangePoint{Radius: 0.7}, seven, false},
		{Jaccard, RangePoint{Radius: 0.7}, float64(float32(2) / float32(3)), true},
		{Jaccard, RangePoint{Radius: 1, RangeFilter: rf(0.7)}, seven, true},
		{Jaccard, RangePoint{Radius: 1}, 1, false},
		{Jaccard, RangePoint{Radius: 1.5}, 1, true},
		{L2, RangePoint{Radius: 0.7}, seven, true}, // L2 keeps its float64 comparison
	} {
		if got := tc.r.InRange(tc.m, tc.d); got != tc.want {
			t.Errorf("%s %s distance %v: in range %v, want %v", tc.m, tc.r.String(), tc.d, got, tc.want)
		}
	}
	if seven >= 0.7 {
		t.Fatalf("float32 7/10 = %v is not below 0.7: the boundary case checks nothing", seven)
	}
}
