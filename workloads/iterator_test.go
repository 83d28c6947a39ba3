package workloads

import (
	"strings"
	"testing"
)

// TestIteratorPlan: kind iterator sweeps its batch sizes on the dense
// field's builds, one query per request, topk the limit, beside ann.
func TestIteratorPlan(t *testing.T) {
	const head = `name: it
dataset: {size: 30000, dim: 8, queries: 20, metric: L2}
indexes: [{type: HNSW, search: {ef: [64, 128]}}]
`
	for _, tc := range []struct {
		name, search string
		want         []string // kind and iterator per point
	}{
		{"iterator alone", "search: {kind: iterator, iterator: {batch_size: [100, 1000], limit: 20000}}",
			[]string{"iterator batch_size=100,limit=20000", "iterator batch_size=1000,limit=20000",
				"iterator batch_size=100,limit=20000", "iterator batch_size=1000,limit=20000"}},
		{"ann and iterator, two topk", "search: {kind: [ann, iterator], topk: [10, 20], iterator: {batch_size: 50, limit: 500}}",
			[]string{"ann ", "iterator batch_size=50,limit=500", "ann ", "iterator batch_size=50,limit=500",
				"ann ", "ann "}}, // topk 10 at ef 64 and 128, then topk 20: iterator points once
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec, err := Parse("it.yaml", []byte(head+tc.search+"\n"), noEnv)
			if err != nil {
				t.Fatal(err)
			}
			pts := NewPlan(spec).Builds[0].Points
			var got []string
			for _, pt := range pts {
				got = append(got, pt.SearchKind()+" "+pt.Iterator.String())
				if pt.Iterator != nil && (pt.NQ != 1 || pt.TopK != pt.Iterator.Limit) {
					t.Errorf("iterator point nq %d topk %d, want 1 and the limit %d", pt.NQ, pt.TopK, pt.Iterator.Limit)
				}
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("points\n%s\nwant\n%s", strings.Join(got, "|"), strings.Join(tc.want, "|"))
			}
		})
	}
}

// TestIteratorErrors: bad iterator input is one line naming the file,
// the line and the field, and what is allowed. (The embedded target
// searches HNSW at max(ef, depth): an ef below batch_size is fine there.)
func TestIteratorErrors(t *testing.T) {
	for _, tc := range []struct {
		name, search, want string
	}{
		{"missing", "search: {kind: iterator}\n", "it.yaml:4: search.iterator: is missing: kind iterator needs batch_size"},
		{"without kind", "search:\n  iterator: {batch_size: 10, limit: 10}\n", "search.iterator: applies to kind iterator only (search.kind is ann)"},
		{"batch 0", "search:\n  kind: iterator\n  iterator: {batch_size: [10, 0], limit: 100}\n", "search.iterator.batch_size[1]: 0 is out of range (Milvus allows 1..16384 per batch)"},
		{"batch too big", "search:\n  kind: iterator\n  iterator: {batch_size: 16385, limit: 100}\n", "search.iterator.batch_size[0]: 16385 is out of range"},
		{"limit 0", "search:\n  kind: iterator\n  iterator: {batch_size: 10, limit: 0}\n", "search.iterator.limit: 0 is out of range: at least 1"},
		{"limit above size", "search:\n  kind: iterator\n  iterator: {batch_size: 10, limit: 2001}\n", "it.yaml:6: search.iterator.limit: 2001 is more than the 2000 rows of dataset.size"},
		{"limit missing", "search:\n  kind: iterator\n  iterator: {batch_size: 10}\n", "limit"},
		{"limit not a number", "search:\n  kind: iterator\n  iterator: {batch_size: 10, limit: lots}\n", "search.iterator.limit"},
		{"with a filter", "search:\n  kind: iterator\n  selectivity: 0.5\n  iterator: {batch_size: 10, limit: 100}\n", "filters apply to kind ann alone"},
		{"mixed load", "search:\n  kind: iterator\n  iterator: {batch_size: 10, limit: 100}\nload: {model: mixed, insert_rate: 100}\n",
			"load.model: mixed measures dense collections only; kind iterator runs under closed, open or capacity"},
		{"ef below batch on Milvus", "target: {kind: milvus, uri: \"http://127.0.0.1:1\"}\nsearch:\n  kind: iterator\n  iterator: {batch_size: [100, 500], limit: 1000}\n",
			"search.ef[1]: 256 is below search.iterator.batch_size 500: on Milvus both SDKs' iterators need ef >= batch_size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			y := "name: it\ndataset: {size: 2000, dim: 8, queries: 20, metric: IP}\nindexes: [{type: FLAT}, {type: HNSW, search: {ef: [512, 256]}}]\n" + tc.search
			_, err := Parse("it.yaml", []byte(y), noEnv)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v, want one line containing %q", err, tc.want)
			}
		})
	}
}
