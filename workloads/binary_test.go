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
		{name: "range", dataset: "{size: 1000, dim: 128, vector_type: binary}", index: "{type: BIN_FLAT}", search: "search: {kind: range, range: {radius: [10]}}\n",
			want: "search.kind[0]: range does not apply to vector_type binary (binary vectors are searched by kind ann)"},
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
