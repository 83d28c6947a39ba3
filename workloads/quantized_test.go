package workloads

import (
	"fmt"
	"strings"
	"testing"
)

// quantizedMalformed are the testdata/bad files of vector types and
// HNSW_SQ, with their exact errors (TestMalformed runs them).
var quantizedMalformed = map[string]string{
	"sq_unknown_type.yaml":               `testdata/bad/sq_unknown_type.yaml:5: indexes[0].build.sq_type: SQ9 is not allowed (allowed: SQ8, SQ4U, SQ6, FP16, BF16)`,
	"sq_milvus_only.yaml":                `testdata/bad/sq_milvus_only.yaml:6: indexes[0].build.sq_type: SQ4U is built by Milvus only; the embedded target builds SQ8, FP16, BF16 (use target kind milvus)`,
	"sq_refine_less_precise.yaml":        `testdata/bad/sq_refine_less_precise.yaml:8: indexes[0].build.refine_type: SQ8 is not more precise than sq_type FP16 (Milvus needs a refine_type more precise than sq_type; order SQ4U < SQ6 < SQ8 < BF16 < FP16 < FP32)`,
	"sq_refine_type_without_refine.yaml": `testdata/bad/sq_refine_type_without_refine.yaml:6: indexes[0].build.refine_type: applies only with refine: true`,
	"sq_refine_k_below_one.yaml":         `testdata/bad/sq_refine_k_below_one.yaml:7: indexes[0].search.refine_k: 0.5 is out of range (Milvus allows 1 ≤ refine_k ≤ 3.4028234663852886e+38)`,
	"sq_int8.yaml":                       `testdata/bad/sq_int8.yaml:4: indexes[0].type: HNSW_SQ over int8 vectors: Milvus indexes INT8_VECTOR with HNSW (use HNSW or FLAT)`,
	"sq_fp16_data_fp32_refine.yaml":      `testdata/bad/sq_fp16_data_fp32_refine.yaml:6: indexes[0].build.refine: true without refine_type refines with FP32, which Milvus refuses over float16 vectors (set refine_type: FP16, lossless for them)`,
	"typed_ivf_embedded.yaml":            `testdata/bad/typed_ivf_embedded.yaml:4: indexes[0].type: IVF_FLAT over bfloat16 vectors is not built by the embedded target (it builds FLAT, HNSW, HNSW_SQ over them)`,
	"index_vector_type_int8.yaml":        `testdata/bad/index_vector_type_int8.yaml:5: indexes[0].vector_type: int8 needs whole-number data: set dataset.vector_type: int8 instead`,
	"index_vector_type_typed_data.yaml":  `testdata/bad/index_vector_type_typed_data.yaml:5: indexes[0].vector_type: bfloat16 over dataset.vector_type float16: an index entry's own vector_type needs float data`,
	"vector_type_unknown.yaml":           `testdata/bad/vector_type_unknown.yaml:2: dataset.vector_type: "float64" is not allowed (allowed: float, float16, bfloat16, int8, binary)`,
}

// TestQuantizedValid checks the HNSW_SQ and vector-type combinations that
// are allowed parse, with Milvus's defaults filled in.
func TestQuantizedValid(t *testing.T) {
	tests := []struct{ name, dataset, index, want string }{
		{"sq8", "{size: 1000, dim: 8}", "{type: HNSW_SQ}", "HNSW_SQ(M=30,efConstruction=360)"},
		{"sq8 refine fp32", "{size: 1000, dim: 8}", "{type: HNSW_SQ, build: {sq_type: SQ8, refine: true}, search: {refine_k: [1, 2.5]}}", "refine=true"},
		{"sq8 refine fp16", "{size: 1000, dim: 8}", "{type: HNSW_SQ, build: {sq_type: SQ8, refine: true, refine_type: FP16}}", "refine_type=FP16"},
		{"bf16 refine fp16", "{size: 1000, dim: 8}", "{type: HNSW_SQ, build: {sq_type: BF16, refine: true, refine_type: FP16}}", "sq_type=BF16"},
		{"fp16 data, fp16 refine", "{size: 1000, dim: 8, vector_type: float16}", "{type: HNSW_SQ, build: {refine: true, refine_type: FP16}}", "refine_type=FP16"},
		{"int8 HNSW", "{size: 1000, dim: 8, vector_type: int8}", "{type: HNSW}", "M=30"},
		{"float16 FLAT", "{size: 1000, dim: 8, vector_type: float16}", "{type: FLAT}", ""},
		{"milvus SQ4U", "{size: 1000, dim: 8}", "{type: HNSW_SQ, build: {sq_type: SQ4U}}", "sq_type=SQ4U"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := ""
			if strings.HasPrefix(tt.name, "milvus") {
				target = "target: {kind: milvus, uri: http://localhost:19530}\n"
			}
			src := "name: q\n" + target + "dataset: " + tt.dataset + "\nindexes: [" + tt.index + "]\nload: {duration: 200ms}\n"
			spec, err := Parse("w.yaml", []byte(src), noEnv)
			if err != nil {
				t.Fatal(err)
			}
			p := NewPlan(spec)
			got := p.Builds[0].Index.String()
			if !strings.Contains(got, tt.want) {
				t.Errorf("build %q, want it to contain %q", got, tt.want)
			}
		})
	}
}

// TestIndexVectorTypeCosine checks an index entry's own vector type is
// refused under COSINE (the converted copy would not be the type's values).
func TestIndexVectorTypeCosine(t *testing.T) {
	src := "name: q\ndataset: {size: 1000, dim: 8, metric: COSINE}\nindexes:\n  - type: HNSW\n    vector_type: float16\n"
	_, err := Parse("w.yaml", []byte(src), noEnv)
	want := "w.yaml:5: indexes[0].vector_type: an index entry's own vector_type applies to metrics L2 and IP; for COSINE set dataset.vector_type"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
}

// TestVectorTypeMilvus checks which vector types a Milvus workload may
// name: float16 and bfloat16 on a collection of one dense field, not int8.
func TestVectorTypeMilvus(t *testing.T) {
	for _, tt := range []struct{ vt, err string }{
		{"float16", ""},
		{"bfloat16", ""},
		{"int8", "w.yaml:4: indexes[0].type: HNSW over int8 vectors: the milvus target creates FLOAT_VECTOR, and FLOAT16 or BFLOAT16 in a collection of one dense field, only so far (use target kind embedded)"},
	} {
		src := "name: q\ntarget: {kind: milvus, uri: http://localhost:19530}\ndataset: {size: 1000, dim: 8, vector_type: " + tt.vt + "}\nindexes: [{type: HNSW}]\n"
		_, err := Parse("w.yaml", []byte(src), noEnv)
		if (tt.err == "") != (err == nil) || (err != nil && err.Error() != tt.err) {
			t.Errorf("%s: err = %v, want %q", tt.vt, err, tt.err)
		}
	}
}

// TestMilvusQuantizedIndexes: HNSW_PQ, HNSW_PRQ and IVF_RABITQ take
// Milvus's parameter names and ranges, one line per mistake.
func TestMilvusQuantizedIndexes(t *testing.T) {
	base := `name: q
target: {kind: milvus, uri: "http://localhost:19530"}
dataset: {size: 1000, dim: 96}
indexes:
  - type: %s
    build: {%s}
    search: {%s}
`
	for _, tc := range []struct{ typ, build, search, want string }{
		{"HNSW_PQ", "M: 16, m: 32, nbits: 8, refine: true, refine_type: SQ8", "ef: [32, 64], refine_k: 2", ""},
		{"HNSW_PRQ", "m: 12, nrq: 4, nbits: 4", "ef: 40", ""},
		{"IVF_RABITQ", "nlist: 256, refine: true, refine_type: FP16", "nprobe: 16, rbq_bits_query: [0, 4, 8], refine_k: 3", ""},
		{"HNSW_PQ", "m: 7", "ef: 32", "w.yaml:6: indexes[0].build: m=7 must divide the vector dimension 96 (allowed m: 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 96)"},
		{"HNSW_PRQ", "m: 8, nrq: 17", "ef: 32", "indexes[0].build.nrq: 17 is out of range"},
		{"HNSW_PQ", "m: 8, nbits: 25", "ef: 32", "indexes[0].build.nbits: 25 is out of range"},
		{"IVF_RABITQ", "nlist: 64", "nprobe: 8, rbq_bits_query: 9", "indexes[0].search.rbq_bits_query: 9 is out of range"},
		{"IVF_RABITQ", "nlist: 64, refine_type: SQ8", "nprobe: 8", "indexes[0].build.refine_type: applies only with refine: true"},
		{"HNSW_PQ", "m: 8, refine: true", "ef: 32, refine_k: 0.5", "indexes[0].search.refine_k: 0.5 is out of range"},
		{"IVF_RABITQ", "nlist: 64, refine: true, refine_type: SQ3", "nprobe: 8", "indexes[0].build.refine_type: SQ3 is not allowed (allowed: FP32, SQ6, SQ8, FP16, BF16)"},
		{"SCANN", "nlist: 64, with_raw_data: true", "nprobe: 8, reorder_k: [10, 100]", ""},
		{"SCANN", "nlist: 64, with_raw_data: 1", "nprobe: 8", "indexes[0].build.with_raw_data"},
		{"SCANN", "nlist: 64", "nprobe: 8, reorder_k: 5", "indexes[0].search.reorder_k: 5 is out of range"},
		{"DISKANN", "", "search_list: [10, 100]", ""},
		{"DISKANN", "", "search_list: 3", "indexes[0].search.search_list: 3 is out of range"},
		{"AUTOINDEX", "build_level: [0, 1, 2]", "level: [1, 5]", ""},
		{"AUTOINDEX", "build_level: 3", "level: 1", "indexes[0].build.build_level: 3 is out of range"},
		{"AUTOINDEX", "", "level: 11", "indexes[0].search.level: 11 is out of range"},
	} {
		t.Run(tc.typ+" "+tc.build+" "+tc.search, func(t *testing.T) {
			_, err := Parse("w.yaml", []byte(fmt.Sprintf(base, tc.typ, tc.build, tc.search)), noEnv)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n")):
				t.Errorf("error %v, want one line with %q", err, tc.want)
			}
		})
	}
}

func TestMmapSweep(t *testing.T) {
	src := `name: m
target: {kind: milvus, uri: "http://localhost:19530"}
dataset: {size: 1000, dim: 16}
indexes:
  - type: HNSW
    build: {M: 16, mmap.enabled: [false, true]}
`
	spec, err := Parse("w.yaml", []byte(src), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range NewPlan(spec).Builds {
		got = append(got, fmt.Sprint(b.Index.Build[MmapKey]))
	}
	if strings.Join(got, " ") != "false true" {
		t.Errorf("builds by mmap.enabled %v", got)
	}
	for _, tc := range []struct{ from, to, want string }{
		{"kind: milvus, uri: \"http://localhost:19530\"", "kind: embedded", "w.yaml:6: indexes[0].build.mmap.enabled: is a Milvus index property"},
		{"[false, true]", "[yes]", "indexes[0].build.mmap.enabled: must be true or false, got yes"},
	} {
		_, err := Parse("w.yaml", []byte(strings.Replace(src, tc.from, tc.to, 1)), noEnv)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
}
