package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/report"
)

// TestQuantizedExample runs example:quantized shrunk to 4000 rows and
// short trials, end to end on the embedded target: four builds, refine
// recovers recall SQ8 codes lose, memory orders as the codes do, and
// report.md tables memory per million vectors beside recall and QPS.
// A float16 variant records its vector type in results and report.
func TestQuantizedExample(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the example (about 10 s)")
	}
	src, err := os.ReadFile("../../workloads/examples/quantized.yaml")
	if err != nil {
		t.Fatal(err)
	}
	small := strings.NewReplacer("size: 50000", "size: 4000", "queries: 1000", "queries: 100",
		"efConstruction: 100", "efConstruction: 40", "warmup: 1s", "warmup: 100ms", "duration: 3s", "duration: 300ms").Replace(string(src))
	float16 := strings.NewReplacer("metric: L2", "metric: L2\n  vector_type: float16",
		"refine: true, refine_type: FP32", "refine: true, refine_type: FP16").Replace(small)
	for _, tt := range []struct{ name, yaml, vt string }{{"float", small, "float"}, {"float16", float16, "float16"}} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			wl := filepath.Join(dir, "q.yaml")
			if err := os.WriteFile(wl, []byte(tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out")
			if _, stderr, err := execute("run", wl, "--out", out, "--quiet"); err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			res, err := report.ReadResults(filepath.Join(out, "results.json"))
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Dataset.VectorType; (tt.vt == "float" && got != "") || (tt.vt != "float" && got != tt.vt) {
				t.Errorf("results dataset.vector_type = %q for %s", got, tt.vt)
			}
			recall, mem := map[string]float64{}, map[string]int64{}
			for _, tr := range res.Trials {
				if tr.Search.Params.Int("ef", 0) == 80 {
					recall[tr.Index.String()] = tr.Recall
				}
				mem[tr.Index.String()] = tr.IndexBytes
			}
			if len(mem) != 5 || len(res.Trials) != 15 {
				t.Fatalf("%d index configs, %d trials; want 5 and 15", len(mem), len(res.Trials))
			}
			var hnsw, hnsw16, sq8, sq8r, fp16 string
			for k := range mem {
				switch {
				case strings.HasPrefix(k, "HNSW(") && strings.Contains(k, "vector_type=float16"):
					hnsw16 = k
				case strings.HasPrefix(k, "HNSW("):
					hnsw = k
				case strings.Contains(k, "refine=true"):
					sq8r = k
				case strings.Contains(k, "SQ8"):
					sq8 = k
				default:
					fp16 = k
				}
			}
			if recall[sq8r] < recall[sq8] || recall[sq8r] < 0.95 {
				t.Errorf("recall at ef=80: SQ8 refined %.3f, SQ8 %.3f: want refine ≥ SQ8 and ≥ 0.95", recall[sq8r], recall[sq8])
			}
			if !(mem[sq8] < mem[fp16] && mem[fp16] <= mem[hnsw]) {
				t.Errorf("memory: SQ8 %d, FP16 %d, HNSW %d bytes: want SQ8 < FP16 ≤ HNSW", mem[sq8], mem[fp16], mem[hnsw])
			}
			// HNSW over float16 storage: FP16 codes' size (float data), or
			// the same as HNSW (a float16 dataset: the entry's type is the
			// dataset's); its recall is against float16 ground truth.
			if mem[hnsw16] != mem[fp16] || recall[hnsw16] < 0.95 {
				t.Errorf("HNSW over float16: %d bytes (FP16 codes %d), recall at ef=80 %.3f", mem[hnsw16], mem[fp16], recall[hnsw16])
			}
			md, err := os.ReadFile(filepath.Join(out, "report.md"))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"## Memory per million vectors", "Vectors stored as " + tt.vt + " (", "| " + sq8r + " | ef=80,refine_k=2 |"} {
				if !strings.Contains(string(md), want) {
					t.Errorf("report.md lacks %q", want)
				}
			}
		})
	}
}
