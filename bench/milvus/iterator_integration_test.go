package milvus_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/bench/milvus"
	"github.com/milvbench/milvbench/internal/testenv"
	"github.com/milvbench/milvbench/workloads"
)

// TestIteratorOnMilvus: the search iterator on the server (Milvus Lite,
// and 2.3 standalone) over FLAT: the whole iteration is the exact
// top-limit (recall 1) with no duplicate and no order violation, once past
// Milvus's 16,384 top-k (limit 17,000 over 20,000 rows), and for L2, IP and
// COSINE on a small base. The path the target took (v2 server-side when
// the server answers the v2 probe, else v1 client-side) is logged and
// must be one of them. HNSW (ef at least the batch, as both SDKs need)
// must return no duplicate, in order, and (but on Lite, whose range
// search over HNSW ends the iteration early) 0.9 of the exact answer.
func TestIteratorOnMilvus(t *testing.T) {
	uri := serverURI(t)
	lite := strings.HasPrefix(serverVersion(t, fieldsTargetPlain(t)), "milvus_lite")
	for _, tc := range []struct {
		metric        workloads.Metric
		size, queries int
		batches       string
		limit         int
		index         string
	}{
		{workloads.L2, 20000, 4, "[5000]", 17000, "{type: FLAT}"},
		{workloads.IP, 3000, 6, "[100, 1000]", 2500, "{type: FLAT}"},
		{workloads.Cosine, 3000, 6, "[250]", 2000, "{type: FLAT}"},
		{workloads.L2, 3000, 6, "[200]", 2500, "{type: HNSW, build: {M: 16, efConstruction: 64}, search: {ef: 256}}"},
	} {
		t.Run(fmt.Sprintf("%s limit=%d %s", tc.metric, tc.limit, tc.index[7:11]), func(t *testing.T) {
			src := fmt.Sprintf(`name: it_iter_%s_%d_%s
dataset:
  size: %d
  dim: 16
  queries: %d
  seed: 11
  metric: %s
indexes: [%s]
search:
  kind: iterator
  iterator: {batch_size: %s, limit: %d}
load: {concurrency: 1, warmup: 0s, duration: 1s}
`, tc.metric, tc.limit, tc.index[7:11], tc.size, tc.queries, tc.metric, tc.index, tc.batches, tc.limit)
			trials := runSpec(t, uri, src, t.TempDir())
			if len(trials) == 0 {
				t.Fatal("no trials")
			}
			for _, tr := range trials {
				it, q := tr.Search.Iterator, tr.Iterator
				if it == nil || q == nil || tr.RecallN == 0 {
					t.Fatalf("trial %+v", tr)
				}
				t.Logf("%s %s: path %s, recall %.4f over %d queries, %d iterations, batches %+v, searches %+v, returned %+v, first batch p50 %.1f ms, last batch p50 %.1f ms p99 %.1f ms",
					tc.metric, it, q.Paths, tr.Recall, tr.RecallN, q.Iterations, q.Batches, q.Requests, q.Returned, q.FirstBatchMS.P50, q.LastBatchMS.P50, q.LastBatchMS.P99)
				if q.Paths != "v1-client" && q.Paths != "v2-server" {
					t.Errorf("%s: path %q", it, q.Paths)
				}
				if tr.Index.Type == "HNSW" {
					// Lite's range search over HNSW finds nothing in the
					// rings past the first few hundred rows, so its
					// iterations (and pymilvus's, TestIteratorMatchesPymilvus)
					// end early: recall about 0.2 there.
					if q.Duplicates != 0 || q.OrderViolations != 0 || q.Returned.Max <= it.BatchSize || (!lite && tr.Recall < 0.9) {
						t.Errorf("%s: HNSW recall %v, %d duplicates, %d order violations, returned %+v", it, tr.Recall, q.Duplicates, q.OrderViolations, q.Returned)
					}
					continue
				}
				if tr.Recall != 1 || q.Duplicates != 0 || q.OrderViolations != 0 || q.Returned.Max != it.Limit {
					t.Errorf("%s: recall %v, %d duplicates, %d order violations, returned %+v; want the exact top-%d",
						it, tr.Recall, q.Duplicates, q.OrderViolations, q.Returned, it.Limit)
				}
			}
		})
	}
}

// TestIteratorMatchesPymilvus: on the same collection, the target's
// iteration returns the very ids, in the same order and the same number
// of batches, as pymilvus's own MilvusClient.search_iterator, which picks
// v2 or v1 by itself — FLAT, and HNSW where Lite's range search cuts the
// iteration short. So the v1 client-side iterator is pymilvus's, not an
// approximation of it.
func TestIteratorMatchesPymilvus(t *testing.T) {
	uri := serverURI(t)
	testenv.Python(t)
	const src = `name: it_iter_pymilvus
dataset: {size: 3000, dim: 16, queries: 4, seed: 11, metric: L2}
indexes:
  - type: FLAT
  - type: HNSW
    build: {M: 16, efConstruction: 64}
    search: {ef: 256}
search:
  kind: iterator
  iterator: {batch_size: 200, limit: 2500}
`
	r, tgt := specRunner(t, uri, src, t.TempDir())
	defer tgt.Close()
	ctx := context.Background()
	s, err := r.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if _, err := s.Close(ctx); err != nil {
			t.Error(err)
		}
	}()
	for _, b := range r.Plan.Builds {
		t.Run(b.Index.Type, func(t *testing.T) {
			if err := s.Build(ctx, b.Index); err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := s.Unbuild(ctx); err != nil {
					t.Error(err)
				}
			}()
			pt := b.Points[0]
			var got [][]int64
			var batches []int
			path := ""
			for _, q := range r.Data.Queries {
				res, err := tgt.Search(ctx, bench.SearchRequest{Vectors: [][]float32{q}, Params: pt.Params, Kind: workloads.KindIterator, Iterator: pt.Iterator})
				if err != nil {
					t.Fatal(err)
				}
				got, batches, path = append(got, res.IDs[0]), append(batches, res.Iter.Batches), res.Iter.Path
			}
			params := map[string]any{}
			for k, v := range pt.Params {
				params[k] = v
			}
			in, err := json.Marshal(map[string]any{"uri": uri, "collection": r.Collection, "anns_field": milvus.FieldVector, "metric": "L2",
				"params": params, "queries": r.Data.Queries, "batch_size": pt.Iterator.BatchSize, "limit": pt.Iterator.Limit})
			if err != nil {
				t.Fatal(err)
			}
			var ref struct {
				Kind    string    `json:"kind"`
				IDs     [][]int64 `json:"ids"`
				Batches []int     `json:"batches"`
			}
			if err := testenv.RunScript(t, bytes.NewReader(in), &ref, "pymilvus_iterator.py"); err != nil {
				t.Fatal(err)
			}
			for qi := range got {
				t.Logf("query %d: target (%s) %d ids in %d batches, pymilvus (%s) %d ids in %d batches", qi, path, len(got[qi]), batches[qi], ref.Kind, len(ref.IDs[qi]), ref.Batches[qi])
				if !slices.Equal(got[qi], ref.IDs[qi]) || batches[qi] != ref.Batches[qi] {
					n := 0
					for n < min(len(got[qi]), len(ref.IDs[qi])) && got[qi][n] == ref.IDs[qi][n] {
						n++
					}
					t.Errorf("query %d: the iterations part at result %d", qi, n)
				}
			}
			if want := map[string]string{bench.IterV1: "SearchIterator", bench.IterV2: "SearchIteratorV2"}[path]; ref.Kind != want {
				t.Errorf("the target took %s, pymilvus %s", path, ref.Kind)
			}
		})
	}
}
