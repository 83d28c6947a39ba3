package report_test

import (
	"fmt"

	"github.com/milvbench/milvbench/report"
)

// ExampleReadResults reads the results.json of a small run (FLAT, HNSW and
// IVF_FLAT sweeps on 5,000 vectors, embedded engine) and picks, among the
// trials that reach recall 0.95, the one with the highest throughput.
func ExampleReadResults() {
	res, err := report.ReadResults("testdata/results.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: %d trials on %s\n", res.Workload.Name, len(res.Trials), res.Dataset.Name)

	best := -1
	for i, t := range res.Trials {
		if t.Recall >= 0.95 && (best < 0 || t.QPS > res.Trials[best].QPS) {
			best = i
		}
	}
	t := res.Trials[best]
	fmt.Println("fastest at recall ≥ 0.95:", report.TrialName(t))
	fmt.Printf("index %s, recall %.3f, %.0f QPS, p99 %.3f ms over %d requests\n",
		t.Index.Type, t.Recall, t.QPS, t.LatencyMS.P99, t.Requests)
	// Output:
	// fixture: 18 trials on synthetic-clustered-5000x32-L2-s7
	// fastest at recall ≥ 0.95: index=IVF_FLAT/nlist=64/nprobe=8/topk=10/nq=1/c=1
	// index IVF_FLAT, recall 0.996, 121641 QPS, p99 0.045 ms over 36494 requests
}
