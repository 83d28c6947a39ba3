package embedded

import (
	"github.com/milvbench/milvbench/workloads"
)

// ivf is the inverted-file family (IVF_FLAT, IVF_SQ8, IVF_PQ) with Milvus's
// parameters: nlist coarse centroids trained by k-means on a sample, each
// vector stored in the list of its nearest centroid, and a search scanning
// the nprobe lists whose centroids are nearest to the query. The codec decides
// how a list stores its vectors and scores them against a query.
type ivf struct {
	s     *store
	nlist int
	cent  []float32 // nlist centroids, row-major
	lists []ivfList
	codec ivfCodec
	ready bool    // trained
	pad   *padded // centroids laid out for the batched probe
}

// ivfList is one inverted list: store row numbers and their codes, in the
// same order.
type ivfList struct {
	ids   []uint32
	codes []byte    // SQ8 and PQ
	vecs  []float32 // FLAT
}

// ivfCodec encodes vectors into lists and scores lists against a query.
type ivfCodec interface {
	// train fits the codec to sample (row-major), whose rows were assigned
	// to the coarse lists in assign.
	train(ix *ivf, sample []float32, assign []int32)
	// encode appends v, assigned to list, to l.
	encode(ix *ivf, list int, v []float32, l *ivfList)
	// scanner returns the per-query scoring state for q.
	scanner(ix *ivf, q []float32) listScanner
	memoryBytes() int64
}

// listScanner scores every entry of one list against its query and offers
// them to h; coarse is the internal distance from the query to the list's
// centroid.
type listScanner interface {
	scan(list int, coarse float32, l *ivfList, h *maxHeap, k int, allow *bitset)
}

// Training sizes: faiss warns under 39 points per centroid; 64 per centroid
// (at least 10k) gives stable centroids at a fraction of the cost of all data.
const (
	ivfTrainPerList = 256
	ivfTrainMin     = 10000
	ivfTrainIters   = 10
	kmeansSeed      = 42
)

func newIVF(s *store, p workloads.Params, codec ivfCodec) *ivf {
	nlist := max(p.Int("nlist", 128), 1)
	return &ivf{s: s, nlist: nlist, codec: codec, lists: make([]ivfList, nlist)}
}

// sample returns up to n rows of the store drawn evenly (deterministically).
func sampleRows(s *store, n int) []float32 {
	total := s.len()
	if n >= total {
		return s.data[:total*s.dim]
	}
	out := make([]float32, 0, n*s.dim)
	for i := range n {
		r := int(int64(i) * int64(total) / int64(n))
		out = append(out, s.row(uint32(r))...)
	}
	return out
}

func (ix *ivf) train() {
	d := ix.s.dim
	sample := sampleRows(ix.s, max(ix.nlist*ivfTrainPerList, ivfTrainMin))
	if ix.s.l2 {
		ix.cent = kmeans(sample, d, ix.nlist, ivfTrainIters, kmeansSeed)
	} else {
		// Inner product (and COSINE, stored normalised): lists are
		// assigned by inner product, so train them by it, with unit
		// centroids, as faiss trains IndexIVF for inner product; L2
		// centroids of unnormalised rows (GloVe) differ in length, and
		// the longest draw most rows into a few long lists.
		ix.cent = sphericalKmeans(sample, d, ix.nlist, ivfTrainIters, kmeansSeed)
	}
	ix.pad = ix.padCentroids()
	assign := make([]int32, len(sample)/d)
	ix.assign(sample, assign)
	ix.codec.train(ix, sample, assign)
	ix.ready = true
}

// assign sets assign[i] to the list whose centroid is nearest to row i of
// rows under the store's metric, in parallel.
func (ix *ivf) assign(rows []float32, assign []int32) {
	d := ix.s.dim
	parallelRange(len(assign), func(lo, hi int) {
		ds := make([]float32, ix.nlist)
		for i := lo; i < hi; i++ {
			assign[i] = int32(argmin(ix.s, rows[i*d:(i+1)*d], ix.cent, ds))
		}
	})
}

// add trains on the first call with data, then appends rows [from, n) to
// their nearest lists.
func (ix *ivf) add(from int) {
	n := ix.s.len()
	if from >= n {
		return
	}
	if !ix.ready {
		ix.train()
	}
	d := ix.s.dim
	rows := ix.s.data[from*d : n*d]
	assign := make([]int32, n-from)
	ix.assign(rows, assign)
	// Encode in parallel by list so each list is written by one worker.
	byList := make([][]uint32, ix.nlist)
	for i, a := range assign {
		byList[a] = append(byList[a], uint32(from+i))
	}
	parallelRange(ix.nlist, func(lo, hi int) {
		for li := lo; li < hi; li++ {
			l := &ix.lists[li]
			for _, r := range byList[li] {
				l.ids = append(l.ids, r)
				ix.codec.encode(ix, li, ix.s.row(r), l)
			}
		}
	})
}

// probe returns the nprobe lists nearest to q with their distances.
func (ix *ivf) probe(q []float32, nprobe int) []cand {
	ds := make([]float32, ix.nlist)
	ix.s.distRows(q, ix.cent, ds)
	h := make(maxHeap, 0, nprobe+1)
	h.offerBlock(ds, 0, nprobe, nil)
	return h.sorted()
}

func (ix *ivf) search(q []float32, k int, p workloads.Params, allow *bitset) []cand {
	if !ix.ready {
		return nil
	}
	nprobe := min(max(p.Int("nprobe", 8), 1), ix.nlist)
	return ix.scanProbes(q, ix.probe(q, nprobe), k, allow)
}

// scanProbes scans the lists probes names (closest first, with q's
// distance to their centroids) and returns q's k best.
func (ix *ivf) scanProbes(q []float32, probes []cand, k int, allow *bitset) []cand {
	sc := ix.codec.scanner(ix, q)
	h := make(maxHeap, 0, k+1)
	for _, c := range probes {
		sc.scan(int(c.id), c.d, &ix.lists[c.id], &h, k, allow)
	}
	if r, ok := sc.(interface{ release() }); ok {
		r.release()
	}
	return h.sorted()
}

func (ix *ivf) memoryBytes() int64 {
	b := int64(len(ix.cent))*4 + ix.codec.memoryBytes()
	for i := range ix.lists {
		l := &ix.lists[i]
		b += int64(len(l.ids))*4 + int64(len(l.codes)) + int64(len(l.vecs))*4
	}
	return b
}

// ivfFlat stores raw vectors in the lists.
type ivfFlat struct{}

func (ivfFlat) train(*ivf, []float32, []int32) {}

func (ivfFlat) encode(_ *ivf, _ int, v []float32, l *ivfList) { l.vecs = append(l.vecs, v...) }

func (ivfFlat) memoryBytes() int64 { return 0 }

func (ivfFlat) scanner(ix *ivf, q []float32) listScanner {
	return &flatScanner{s: ix.s, q: q}
}

type flatScanner struct {
	s  *store
	q  []float32
	ds []float32
}

func (f *flatScanner) scan(_ int, _ float32, l *ivfList, h *maxHeap, k int, allow *bitset) {
	n := len(l.ids)
	if cap(f.ds) < n {
		f.ds = make([]float32, n+n/2)
	}
	ds := f.ds[:n]
	f.s.distRows(f.q, l.vecs, ds)
	for i, d := range ds {
		if !allow.has(l.ids[i]) {
			continue
		}
		if len(*h) < k {
			h.push(cand{d, l.ids[i]})
		} else if d < (*h)[0].d {
			h.replaceTop(cand{d, l.ids[i]})
		}
	}
}
