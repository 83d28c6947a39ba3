package scaleout_test

import (
	"fmt"

	"github.com/milvbench/milvbench/scaleout"
)

// ExampleMerge merges what two generators of one scale-out run wrote
// (`milvbench run --shard 0/2` and `1/2`; a results directory, a
// results.json or a log with the shards' last lines are all read): the
// workers add up, the latency histograms are merged and the percentiles
// read from the union, and recall is over the union of the queries the
// shards answered. `milvbench merge` does the same and writes the report.
func ExampleMerge() {
	ins, err := scaleout.ReadShards([]string{"testdata/shards/shard-0.json", "testdata/shards/shard-1.json"})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := scaleout.Merge(ins)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: %d generators, complete %v\n", res.Provenance.RunID, res.Generators.Count, res.Complete)
	for _, t := range res.Trials {
		for _, s := range t.Shards {
			fmt.Printf("  shard %d: %d workers, %d requests, p99 %.3f ms\n", s.Shard, s.Concurrency, s.Requests, s.P99MS)
		}
		fmt.Printf("merged: %d workers, %d requests, p99 %.3f ms, recall %.2f over %d queries\n",
			t.Load.Concurrency, t.Requests, t.LatencyMS.P99, t.Recall, t.RecallN)
	}
	// Output:
	// example-run: 2 generators, complete true
	//   shard 0: 2 workers, 1254 requests, p99 0.120 ms
	//   shard 1: 2 workers, 2646 requests, p99 0.046 ms
	// merged: 4 workers, 3900 requests, p99 0.118 ms, recall 1.00 over 100 queries
}
