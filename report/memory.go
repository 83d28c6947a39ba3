package report

import (
	"fmt"
	"strings"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/tuner"
	"github.com/milvbench/milvbench/workloads"
)

// writeMemory tables, for runs that compare vector types or quantized
// indexes (HNSW_SQ, or a dataset stored as float16, bfloat16 or int8),
// each index config and search setting: its recall and highest QPS beside
// the memory the target reported per million vectors (scaled linearly from
// the rows measured) and the sizing formula's estimate for a million.
func writeMemory(b *strings.Builder, d *doc) {
	res := d.res
	vt := res.Dataset.VectorType
	if vt == "" {
		vt = workloads.VectorFloat
	}
	quantized := vt != workloads.VectorFloat
	for _, t := range res.Trials {
		quantized = quantized || t.Index.Type == "HNSW_SQ"
	}
	if !quantized || res.Dataset.Size == 0 {
		return
	}
	type row struct {
		index, search string
		cfg           workloads.IndexConfig
		best          bench.Trial
	}
	var rows []*row
	byKey := map[string]*row{}
	for _, t := range res.Trials {
		if t.Search.Kind != "" && t.Search.Kind != workloads.KindANN {
			continue
		}
		key := t.Index.String() + "\x00" + paramsText(t.Search.Params)
		r := byKey[key]
		if r == nil {
			r = &row{index: t.Index.String(), search: paramsText(t.Search.Params), cfg: t.Index, best: t}
			byKey[key] = r
			rows = append(rows, r)
		}
		if t.QPS > r.best.QPS {
			r.best = t
		}
	}
	if len(rows) == 0 {
		return
	}
	b.WriteString("## Memory per million vectors\n\n")
	fmt.Fprintf(b, "Vectors stored as %s (an index config with vector_type: as that type). Reported: the index memory the target reported after the build, scaled linearly from %s rows to a million; estimate: the sizing formula (tuner/sizing.go) for a million %d-d vectors. Recall and QPS: the trial of each setting with the highest QPS.\n\n",
		vt, thousands(float64(res.Dataset.Size)), res.Dataset.Dim)
	b.WriteString("| index config | search params | recall | QPS (req/s) | reported (MiB per 1M) | estimate (MiB per 1M) |\n|---|---|---|---|---|---|\n")
	for _, r := range rows {
		rep := "-"
		if r.best.IndexBytes > 0 {
			rep = fmt.Sprintf("%.1f", float64(r.best.IndexBytes)*1e6/float64(res.Dataset.Size)/(1<<20))
		}
		est, _ := tuner.IndexMemoryOf(r.cfg, 1_000_000, res.Dataset.Dim, vt)
		fmt.Fprintf(b, "| %s | %s | %.4f | %.1f | %s | %.1f |\n", r.index, r.search, r.best.Recall, r.best.QPS, rep, est/(1<<20))
	}
	b.WriteString("\n")
}
