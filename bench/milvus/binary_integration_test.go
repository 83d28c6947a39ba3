package milvus_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestBinaryOnMilvus runs binary vectors on the server: a BINARY_VECTOR
// field of 128 bits, BIN_FLAT and BIN_IVF_FLAT under HAMMING and JACCARD,
// every answer scored against the harness's popcount ground truth (ties as
// sets). BIN_FLAT must be exact; BIN_IVF_FLAT's recall must not fall as
// nprobe rises and must be exact when it probes every list. A server that
// refuses binary fields must be Milvus Lite (3.2: "field 'vec' uses Milvus
// type BinaryVector which MilvusLite does not support"), in one line at
// create; the test then skips with that line.
func TestBinaryOnMilvus(t *testing.T) {
	uri := serverURI(t)
	for _, m := range []string{"HAMMING", "JACCARD"} {
		t.Run(m, func(t *testing.T) {
			name := "it_binary_" + strings.ToLower(m)
			src := fmt.Sprintf(`name: %s
dataset: {size: 4000, dim: 128, queries: 50, vector_type: binary, metric: %s, clusters: 16}
indexes:
  - type: BIN_FLAT
  - type: BIN_IVF_FLAT
    build: {nlist: 32}
    search: {nprobe: [1, 4, 32]}
search: {topk: 10}
load: {duration: 300ms}
`, name, m)
			r, tgt := specRunner(t, uri, src, t.TempDir())
			defer tgt.Close()
			res, err := r.Run(context.Background())
			if err != nil {
				// Milvus Lite 3.x has no BINARY_VECTOR fields and says so
				// in one line at create, before any row is sent; a server
				// that has them must run the workload.
				msg := err.Error()
				if os.Getenv("MILVBENCH_SERVER_KIND") != "lite" || strings.Contains(msg, "\n") || !strings.Contains(msg, "BinaryVector") || !strings.Contains(msg, "create collection") {
					t.Fatalf("err = %v", err)
				}
				t.Skipf("Milvus Lite refuses binary vector fields: %v", err)
			}
			if len(res.Trials) != 4 {
				t.Fatalf("%d trials, want 4", len(res.Trials))
			}
			prev := 0.0
			for _, tr := range res.Trials {
				t.Logf("%s %s %v: recall %.4f, %d errors, qps %.0f, memory %d", m, tr.Index, tr.Search.Params, tr.Recall, tr.Errors.Total, tr.QPS, tr.IndexBytes)
				if tr.Errors.Total != 0 {
					t.Errorf("%s: %d errors, last %q", tr.Index, tr.Errors.Total, tr.Errors.Last)
				}
				if tr.Index.Type == "BIN_FLAT" {
					if tr.Recall != 1 {
						t.Errorf("BIN_FLAT recall %.4f, want 1", tr.Recall)
					}
					continue
				}
				nprobe := tr.Search.Params.Int("nprobe", 0)
				if tr.Recall < prev-0.01 {
					t.Errorf("BIN_IVF_FLAT nprobe %d: recall %.4f fell from %.4f", nprobe, tr.Recall, prev)
				}
				if nprobe == 32 && tr.Recall != 1 {
					t.Errorf("BIN_IVF_FLAT probing all 32 lists: recall %.4f, want 1", tr.Recall)
				}
				prev = tr.Recall
			}
		})
	}
}
