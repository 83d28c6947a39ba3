package report

import (
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// TestMemorySection checks the memory-per-million table: drawn for runs
// with HNSW_SQ or a vector type other than float, one row per index
// config and search setting (the fastest trial's recall and QPS), the
// reported bytes scaled to a million rows beside the formula's estimate.
func TestMemorySection(t *testing.T) {
	hnsw := workloads.IndexConfig{Type: "HNSW", Build: workloads.Params{"M": int64(16)}}
	sq := workloads.IndexConfig{Type: "HNSW_SQ", Build: workloads.Params{"M": int64(16), "sq_type": "SQ8"}}
	trial := func(ix workloads.IndexConfig, ef int64, c int, recall, qps float64, bytes int64) bench.Trial {
		return bench.Trial{Index: ix, Search: bench.SearchInfo{Params: workloads.Params{"ef": ef}}, Load: bench.LoadInfo{Concurrency: c},
			Recall: recall, QPS: qps, IndexBytes: bytes}
	}
	tests := []struct {
		name   string
		vt     string
		trials []bench.Trial
		want   []string
		absent bool
	}{
		{"float HNSW only: no section", "", []bench.Trial{trial(hnsw, 16, 1, 0.9, 100, 1<<20)}, nil, true},
		{"HNSW_SQ", "", []bench.Trial{
			trial(hnsw, 16, 1, 0.95, 100, 64<<20),
			trial(hnsw, 16, 2, 0.95, 180, 64<<20),
			trial(sq, 16, 1, 0.90, 150, 25<<20),
		}, []string{
			"Vectors stored as float (an index",
			// 64 MiB at 500k rows: 128 MiB per million; estimate 1M·(128·4 + 128) B = 610.4 MiB.
			"| HNSW(M=16) | ef=16 | 0.9500 | 180.0 | 128.0 | 610.4 |",
			"| HNSW_SQ(M=16,sq_type=SQ8) | ef=16 | 0.9000 | 150.0 | 50.0 | 244.1 |",
		}, false},
		{"float16 HNSW", "float16", []bench.Trial{trial(hnsw, 16, 1, 0.97, 90, 1<<20)}, []string{
			"Vectors stored as float16 (an index",
			"| HNSW(M=16) | ef=16 | 0.9700 | 90.0 | 2.0 | 366.2 |",
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := &bench.Result{Dataset: datasets.Info{Size: 500_000, Dim: 128, VectorType: tt.vt}, Trials: tt.trials}
			var b strings.Builder
			writeMemory(&b, &doc{res: res})
			got := b.String()
			if tt.absent {
				if got != "" {
					t.Fatalf("section drawn:\n%s", got)
				}
				return
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in:\n%s", w, got)
				}
			}
			if n := strings.Count(got, "\n| ") - 1; n != len(tt.want)-1 {
				t.Errorf("%d rows, want %d:\n%s", n, len(tt.want)-1, got)
			}
		})
	}
}
