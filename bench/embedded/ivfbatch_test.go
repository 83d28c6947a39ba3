package embedded

import (
	"fmt"
	"slices"
	"testing"

	"github.com/milvbench/milvbench/internal/vecmath"
	"github.com/milvbench/milvbench/workloads"
)

// TestIVFBatchProbe checks that the blocked probe of a batch request picks
// the same lists with the same distances as one query at a time, so both
// return the same rows (also below ivfProbeMinDim, where requests do not
// use it, to cover padding to a multiple of 8 and odd nlist).
func TestIVFBatchProbe(t *testing.T) {
	for _, tc := range []struct {
		dim, nlist, nprobe, pqM int
		typ                     string
		metric                  workloads.Metric
	}{
		{16, 33, 1, 0, "IVF_FLAT", workloads.L2},
		{50, 64, 8, 0, "IVF_FLAT", workloads.IP},
		{50, 64, 8, 5, "IVF_PQ", workloads.IP},
		{128, 100, 5, 8, "IVF_PQ", workloads.L2},
		{40, 31, 31, 0, "IVF_SQ8", workloads.Cosine},
		{24, 64, 3, 0, "IVF_SQ8", workloads.L2},
	} {
		t.Run(fmt.Sprintf("%s_d%d_%s_nlist%d_nprobe%d", tc.typ, tc.dim, tc.metric, tc.nlist, tc.nprobe), func(t *testing.T) {
			base := clustered(31, 2000, tc.dim, 40)
			queries := clustered(32, 70, tc.dim, 40)
			build := workloads.Params{"nlist": int64(tc.nlist)}
			if tc.pqM > 0 {
				build["m"] = int64(tc.pqM)
			}
			tg := newLoaded(t, workloads.IndexConfig{Type: tc.typ, Build: build}, tc.metric, base)
			ix := tg.idx.(*ivf)
			qs := make([][]float32, len(queries))
			for i, q := range queries {
				qs[i] = append([]float32(nil), q...)
				if tc.metric == workloads.Cosine {
					vecmath.Normalize(qs[i])
				}
			}
			p := workloads.Params{"nprobe": int64(tc.nprobe)}
			batch := ix.searchBlocked(qs, 10, p, nil)
			for i, q := range qs {
				one := ix.search(q, 10, p, nil)
				if !slices.Equal(batch[i], one) {
					t.Errorf("query %d: batch %v, one by one %v", i, batch[i], one)
				}
			}
		})
	}
}
