package milvus_test

import (
	"fmt"
	"testing"

	"github.com/milvbench/milvbench/workloads"
)

// TestIteratorOnMilvus: the search iterator on the server (Milvus Lite,
// and 2.3 standalone) over FLAT: the whole iteration is the exact
// top-limit (recall 1) with no duplicate and no order violation, once past
// Milvus's 16,384 top-k (limit 17,000 over 20,000 rows), and for L2, IP and
// COSINE on a small base. The path the target took (v2 server-side when
// the server answers the v2 probe, else v1 client-side) is logged and
// must be one of them.
func TestIteratorOnMilvus(t *testing.T) {
	uri := serverURI(t)
	for _, tc := range []struct {
		metric        workloads.Metric
		size, queries int
		batches       string
		limit         int
	}{
		{workloads.L2, 20000, 4, "[5000]", 17000},
		{workloads.IP, 3000, 6, "[100, 1000]", 2500},
		{workloads.Cosine, 3000, 6, "[250]", 2000},
	} {
		t.Run(fmt.Sprintf("%s limit=%d", tc.metric, tc.limit), func(t *testing.T) {
			src := fmt.Sprintf(`name: it_iter_%s_%d
dataset:
  size: %d
  dim: 16
  queries: %d
  seed: 11
  metric: %s
indexes: [{type: FLAT}]
search:
  kind: iterator
  iterator: {batch_size: %s, limit: %d}
load: {concurrency: 1, warmup: 0s, duration: 1s}
`, tc.metric, tc.limit, tc.size, tc.queries, tc.metric, tc.batches, tc.limit)
			trials := runSpec(t, uri, src, t.TempDir())
			if len(trials) == 0 {
				t.Fatal("no trials")
			}
			for _, tr := range trials {
				it, q := tr.Search.Iterator, tr.Iterator
				if it == nil || q == nil || tr.RecallN == 0 {
					t.Fatalf("trial %+v", tr)
				}
				t.Logf("%s %s: path %s, recall %.4f over %d queries, %d iterations, batches %+v, returned %+v, first batch p50 %.1f ms, last batch p50 %.1f ms p99 %.1f ms",
					tc.metric, it, q.Paths, tr.Recall, tr.RecallN, q.Iterations, q.Batches, q.Returned, q.FirstBatchMS.P50, q.LastBatchMS.P50, q.LastBatchMS.P99)
				if q.Paths != "v1-client" && q.Paths != "v2-server" {
					t.Errorf("%s: path %q", it, q.Paths)
				}
				if tr.Recall != 1 || q.Duplicates != 0 || q.OrderViolations != 0 || q.Returned.Max != it.Limit {
					t.Errorf("%s: recall %v, %d duplicates, %d order violations, returned %+v; want the exact top-%d",
						it, tr.Recall, q.Duplicates, q.OrderViolations, q.Returned, it.Limit)
				}
			}
		})
	}
}
