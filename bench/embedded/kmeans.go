package embedded

import (
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/milvbench/milvbench/internal/vecmath"
	"github.com/milvbench/milvbench/workloads"
)

// kmeans clusters the n = len(data)/dim vectors of data (row-major) into k
// centroids under squared L2, Lloyd's algorithm for iters rounds from k
// distinct rows drawn with seed. Assignment runs in parallel over cores. An
// emptied cluster takes over half of the largest one (its centroid nudged
// apart), as faiss does. With fewer rows than k, the extra centroids repeat
// rows. The result is deterministic for a given seed and GOMAXPROCS.
func kmeans(data []float32, dim, k, iters int, seed uint64) []float32 {
	return kmeansMetric(data, dim, k, iters, seed, false)
}

// sphericalKmeans is kmeans for inner-product lists, as faiss trains an
// IndexIVF whose metric is inner product (Clustering.spherical): rows go to
// the centroid of largest inner product and every centroid is scaled to
// unit length after each update (and at the start).
func sphericalKmeans(data []float32, dim, k, iters int, seed uint64) []float32 {
	return kmeansMetric(data, dim, k, iters, seed, true)
}

func kmeansMetric(data []float32, dim, k, iters int, seed uint64, spherical bool) []float32 {
	n := len(data) / dim
	cent := make([]float32, k*dim)
	if n == 0 {
		return cent
	}
	rng := rand.New(rand.NewPCG(seed, 0x6b6d65616e73))
	perm := rng.Perm(n)
	for c := range k {
		copy(cent[c*dim:(c+1)*dim], data[perm[c%n]*dim:])
	}
	if spherical {
		normalizeRows(cent, dim)
	}
	if n <= k {
		return cent
	}
	metric := workloads.L2
	if spherical {
		metric = workloads.IP
	}
	assign := make([]int32, n)
	counts := make([]int, k)
	sums := make([]float64, k*dim)
	for range iters {
		assignNearest(data, dim, cent, assign, metric)
		clear(counts)
		clear(sums)
		for i, c := range assign {
			counts[c]++
			row, sum := data[i*dim:(i+1)*dim], sums[int(c)*dim:(int(c)+1)*dim]
			for j, x := range row {
				sum[j] += float64(x)
			}
		}
		for c := range k {
			if counts[c] == 0 {
				continue
			}
			inv := 1 / float64(counts[c])
			for j := range dim {
				cent[c*dim+j] = float32(sums[c*dim+j] * inv)
			}
		}
		splitEmpty(cent, dim, counts, rng)
		if spherical {
			normalizeRows(cent, dim)
		}
	}
	return cent
}

// normalizeRows scales every dim-float row of m to unit length.
func normalizeRows(m []float32, dim int) {
	for i := 0; i < len(m); i += dim {
		vecmath.Normalize(m[i : i+dim])
	}
}

// splitEmpty gives every empty cluster a perturbed copy of a large cluster's
// centroid, moving that centroid the other way.
func splitEmpty(cent []float32, dim int, counts []int, rng *rand.Rand) {
	for c, cnt := range counts {
		if cnt > 0 {
			continue
		}
		big := 0
		for j, x := range counts {
			if x > counts[big] {
				big = j
			}
		}
		if counts[big] < 2 {
			return
		}
		const eps = 1.0 / 1024
		src, dst := cent[big*dim:(big+1)*dim], cent[c*dim:(c+1)*dim]
		for j := range src {
			e := eps * (rng.Float32()*2 - 1) * max(abs32(src[j]), 1e-3)
			dst[j] = src[j] + e
			src[j] -= e
		}
		counts[c] = counts[big] / 2
		counts[big] -= counts[c]
	}
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

// assignNearest sets assign[i] to the centroid nearest to row i of data
// under metric (squared L2, or largest inner product), in parallel over
// cores.
func assignNearest(data []float32, dim int, cent []float32, assign []int32, metric workloads.Metric) {
	parallelRange(len(assign), func(lo, hi int) {
		l2 := newStore(dim, metric)
		ds := make([]float32, len(cent)/dim)
		for i := lo; i < hi; i++ {
			assign[i] = int32(argmin(l2, data[i*dim:(i+1)*dim], cent, ds))
		}
	})
}

// argmin returns the row of rows nearest to q under s's metric; ds is
// scratch space of one float per row.
func argmin(s *store, q, rows, ds []float32) int {
	s.distRows(q, rows, ds)
	best := 0
	for j, d := range ds {
		if d < ds[best] {
			best = j
		}
	}
	return best
}

// parallelRange splits [0, n) into chunks handed to GOMAXPROCS workers.
func parallelRange(n int, fn func(lo, hi int)) {
	const chunk = 256
	workers := min(runtime.GOMAXPROCS(0), (n+chunk-1)/chunk)
	if workers <= 1 {
		fn(0, n)
		return
	}
	var mu sync.Mutex
	next := 0
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				lo := next
				next += chunk
				mu.Unlock()
				if lo >= n {
					return
				}
				fn(lo, min(lo+chunk, n))
			}
		}()
	}
	wg.Wait()
}
