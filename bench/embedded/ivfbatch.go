package embedded

import (
	"math"

	"github.com/milvbench/milvbench/internal/vecmath"
	"github.com/milvbench/milvbench/workloads"
)

// The batched coarse probe: a request of several queries scores them
// against the centroids with the packed-panel kernel (16 queries × 6
// centroids per register block, vecmath.DotsPanel), as faiss does with a
// matrix product, instead of one centroid scan per query. The
// blocked sums round differently from the per-query kernel, so they only
// shortlist: every list within a proven rounding margin of the nprobe-th
// estimate is rescored with the per-query kernel, and the nprobe lists are
// chosen from those exact values, the same lists and distances a
// one-query search probes.

// ivfProbeBatch is the request size from which searchBatch probes with the
// blocked kernel, and ivfProbeMinDim the smallest dimension: one request of
// 1,000 queries, nlist 1024, nprobe 8, -cpu 1, queries per CPU-second
// one-by-one probe vs blocked (alternating runs): MiniLM 384-d IVF_FLAT
// 10.7-10.9k vs 12.8-15.1k, IVF_PQ 16.5-17.2k vs 23.1-24.9k; synthetic
// 128-d IVF_FLAT 18.9-19.6k vs 21.5-21.8k, IVF_PQ 14.1-15.2k vs 16.9-19.4k;
// GloVe 50-d IVF_FLAT 13.7-15.9k vs 11.8-13.8k (slower: a short centroid
// scan costs little, padding to 56 floats and the shortlist pass cost more).
// Those figures are from the 4×3 kernel; on the packed-panel kernel (no
// padding) GloVe IVF_PQ with the batched probe showed no gain either
// (BenchmarkBatchReal, alternating, on a host at load 12: 36.5k vs 37.7k
// at nprobe 8, 15.0k vs 17.3k at nprobe 32), so 50-d stays one by one.
const (
	ivfProbeBatch  = 8
	ivfProbeMinDim = 64
)

// ivfTile is how many centroids one blocked pass scores (a multiple of 6,
// the kernel's row step).
const ivfTile = 96

// padded holds the centroids for the blocked kernel: zero rows up to a
// multiple of 6, with their squared norms; built by train, so concurrent
// searches only read it.
type padded struct {
	rows  int
	cent  []float32
	norms []float32
	maxN  float64
}

func (ix *ivf) padCentroids() *padded {
	d := ix.s.dim
	p := &padded{rows: (ix.nlist + 5) / 6 * 6}
	p.cent = make([]float32, p.rows*d)
	p.norms = make([]float32, ix.nlist)
	for i := range ix.nlist {
		c := ix.cent[i*d : (i+1)*d]
		copy(p.cent[i*d:], c)
		p.norms[i] = vecmath.Dot(c, c)
		p.maxN = max(p.maxN, float64(p.norms[i]))
	}
	return p
}

// searchBatch answers a request of several queries; from ivfProbeBatch
// queries on it probes them with the blocked kernel.
func (ix *ivf) searchBatch(qs [][]float32, k int, p workloads.Params, allow *bitset) [][]cand {
	if !ix.ready || len(qs) < ivfProbeBatch || ix.s.dim < ivfProbeMinDim {
		res := make([][]cand, len(qs))
		for i, q := range qs {
			res[i] = ix.search(q, k, p, allow)
		}
		return res
	}
	return ix.searchBlocked(qs, k, p, allow)
}

// searchBlocked is searchBatch's blocked probe, for any trained index.
func (ix *ivf) searchBlocked(qs [][]float32, k int, p workloads.Params, allow *bitset) [][]cand {
	res := make([][]cand, len(qs))
	nprobe := min(max(p.Int("nprobe", 8), 1), ix.nlist)
	pc := ix.pad
	d := ix.s.dim
	const w = vecmath.PanelWidth
	const chunk = 2 * w // queries per pass; whole panels
	panels := make([]float32, chunk*d)
	// dots[p] holds panel p's products, centroid-major (row j at j·w).
	dots := make([]float32, chunk*pc.rows)
	row := make([]float32, ix.nlist)
	exact := make([]float32, 2)
	var short []int32
	for c0 := 0; c0 < len(qs); c0 += chunk {
		n := min(chunk, len(qs)-c0)
		np := (n + w - 1) / w
		for p := range np {
			vecmath.PackPanel(panels[p*w*d:(p+1)*w*d], qs[c0+p*w:c0+min(n, (p+1)*w)], d)
		}
		for t0 := 0; t0 < pc.rows; t0 += ivfTile {
			tn := min(ivfTile, pc.rows-t0)
			for p := range np {
				vecmath.DotsPanel(panels[p*w*d:(p+1)*w*d], d, pc.cent[t0*d:], d, tn, dots[(p*pc.rows+t0)*w:], w)
			}
		}
		for i := range n {
			q := qs[c0+i]
			pd := dots[(i/w)*pc.rows*w+i%w:]
			for j := range row {
				row[j] = pd[j*w]
			}
			qn := vecmath.Dot(q, q)
			// Estimates of the internal distance, and the bound on how far
			// they can be from the per-query kernel's values.
			for j, dot := range row {
				if ix.s.l2 {
					row[j] = qn + pc.norms[j] - 2*dot
				} else {
					row[j] = -dot
				}
			}
			r := math.Sqrt(float64(qn)) + math.Sqrt(pc.maxN)
			margin := float32(8*float64(d+8)*r*r/(1<<24)) + 1e-30
			thr := nthSmallest(row, nprobe) + 2*margin
			short = short[:0]
			for j, e := range row {
				if e <= thr {
					short = append(short, int32(j))
				}
			}
			h := make(maxHeap, 0, nprobe+1)
			for _, j := range short {
				h.offer(cand{ix.exactCoarse(q, int(j), exact), uint32(j)}, nprobe)
			}
			res[c0+i] = ix.scanProbes(q, h.sorted(), k, allow)
		}
	}
	return res
}

// exactCoarse is the distance from q to centroid j exactly as probe's
// kernel call over all centroids computes it: that call scores rows in
// pairs (0,1), (2,3), ..., and a last odd row alone, so j is rescored with
// its pair partner.
func (ix *ivf) exactCoarse(q []float32, j int, out []float32) float32 {
	d := ix.s.dim
	lo := j &^ 1
	hi := min(lo+2, ix.nlist)
	if ix.nlist%2 == 1 && j == ix.nlist-1 {
		lo = j
	}
	ix.s.distRows(q, ix.cent[lo*d:hi*d], out[:hi-lo])
	return out[j-lo]
}

// nthSmallest returns the n-th smallest value of xs (1-based), leaving xs
// as it was.
func nthSmallest(xs []float32, n int) float32 {
	h := make(maxHeap, 0, n+1)
	h.offerBlock(xs, 0, n, nil)
	if len(h) == 0 {
		return float32(math.Inf(1))
	}
	return h[0].d
}
