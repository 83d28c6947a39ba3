package workloads

import (
	"strings"
	"testing"
)

// TestMultiFieldPlan: a workload with sparse and text fields expands each
// kind over the builds that sweep the field it searches, builds the other
// fields' indexes with defaults that send BM25's k1 and b, and sweeps a
// hybrid request's limits and ranker.
func TestMultiFieldPlan(t *testing.T) {
	const head = `name: mf
dataset: {size: 2000, dim: 8, queries: 20}
fields:
  - {name: vector, type: dense}
  - {name: text, type: text, data: {source: synthetic}}
`
	for _, tc := range []struct {
		name, rest string
		builds     []string // "index | fixed... | kinds and hybrid strings"
		points     []int
	}{
		{"bm25 sweep", `indexes: [{type: SPARSE_INVERTED_INDEX, build: {bm25_k1: [1.2, 1.5]}, search: {drop_ratio_search: [0, 0.3]}}]
search: {kind: bm25}`,
			[]string{"text:SPARSE_INVERTED_INDEX(bm25_b=0.75,bm25_k1=1.2,drop_ratio_build=0) | vector:FLAT",
				"text:SPARSE_INVERTED_INDEX(bm25_b=0.75,bm25_k1=1.5,drop_ratio_build=0) | vector:FLAT"},
			[]int{2, 2}},
		{"ann and hybrid", `indexes: [{type: HNSW, search: {ef: [16, 32]}}]
search:
  kind: [ann, hybrid]
  hybrid: {requests: [{field: vector, limit: [10, 20]}, {field: text}], ranker: weighted, weights: [[0.5, 0.5], [0.8, 0.2]], norm_score: true}`,
			[]string{"vector:HNSW(M=30,efConstruction=360) | text:SPARSE_INVERTED_INDEX(bm25_b=0.75,bm25_k1=1.2,drop_ratio_build=0)"},
			[]int{2 + 2*2*2}},
		{"kinds skip builds of other fields", `indexes: [{type: HNSW}, {type: SPARSE_INVERTED_INDEX, field: text}]
search: {kind: [ann, bm25]}`,
			[]string{"vector:HNSW(M=30,efConstruction=360) | text:SPARSE_INVERTED_INDEX(bm25_b=0.75,bm25_k1=1.2,drop_ratio_build=0)",
				"text:SPARSE_INVERTED_INDEX(bm25_b=0.75,bm25_k1=1.2,drop_ratio_build=0) | vector:FLAT"},
			[]int{1, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec, err := Parse("mf.yaml", []byte(head+tc.rest+"\n"), noEnv)
			if err != nil {
				t.Fatal(err)
			}
			p := NewPlan(spec)
			if len(p.Builds) != len(tc.builds) {
				t.Fatalf("%d builds, want %d", len(p.Builds), len(tc.builds))
			}
			for i, b := range p.Builds {
				got := b.Index.String()
				for _, f := range b.Fixed {
					got += " | " + f.String()
				}
				if got != tc.builds[i] {
					t.Errorf("build %d: %s\nwant %s", i, got, tc.builds[i])
				}
				if len(b.Points) != tc.points[i] {
					t.Errorf("build %d: %d points, want %d", i, len(b.Points), tc.points[i])
				}
				for _, pt := range b.Points {
					if pt.SearchKind() == KindHybrid {
						h := pt.Hybrid.String()
						if !strings.HasPrefix(h, "weighted(") || !strings.Contains(h, ",norm)") || len(pt.Hybrid.Requests) != 2 || pt.Hybrid.Requests[1].Limit != 10 {
							t.Errorf("hybrid point %s (requests %+v)", h, pt.Hybrid.Requests)
						}
					} else if pt.Field == "" {
						t.Errorf("point of kind %s without field", pt.Kind)
					}
				}
			}
		})
	}
}
