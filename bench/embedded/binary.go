package embedded

import (
	"github.com/milvbench/milvbench/internal/vecmath"
	"github.com/milvbench/milvbench/workloads"
)

// BIN_FLAT and BIN_IVF_FLAT index binary vectors (vector_type binary),
// which the collection's store holds as 0/1 float32 components: each index
// packs the rows it covers into 64-bit words as it adds them and compares
// words by popcount (vecmath.Hamming, vecmath.Jaccard: the functions the
// ground truth uses, so distances and ties are the same). The memory they
// report is the packed words, what a server holds for a binary field
// (dim/8 bytes a row when dim is a multiple of 64), plus their structures.

// binCodes are the store's rows packed, w words a row.
type binCodes struct {
	src     *store
	w       int
	words   []uint64
	jaccard bool
}

func newBinCodes(s *store) *binCodes {
	return &binCodes{src: s, w: vecmath.BitWords(s.dim), jaccard: s.metric == workloads.Jaccard}
}

func (c *binCodes) len() int { return len(c.words) / c.w }

// sync packs the rows the store gained since the last call.
func (c *binCodes) sync() {
	for i := c.len(); i < c.src.len(); i++ {
		c.words = append(c.words, make([]uint64, c.w)...)
		vecmath.PackBits(c.words[i*c.w:], c.src.row(uint32(i)))
	}
}

func (c *binCodes) row(i int) []uint64 { return c.words[i*c.w : (i+1)*c.w : (i+1)*c.w] }

// pack packs a query.
func (c *binCodes) pack(q []float32) []uint64 {
	p := make([]uint64, c.w)
	vecmath.PackBits(p, q)
	return p
}

// dist is the metric's distance between packed vectors a and b.
func (c *binCodes) dist(a, b []uint64) float32 {
	if c.jaccard {
		return vecmath.Jaccard(a, b)
	}
	return float32(vecmath.Hamming(a, b))
}

// binFlat is BIN_FLAT: every query scans every packed row.
type binFlat struct{ c *binCodes }

func newBinFlat(s *store, _ workloads.Params) (index, error) {
	return &binFlat{c: newBinCodes(s)}, nil
}

func (f *binFlat) add(int) { f.c.sync() }

func (f *binFlat) search(q []float32, k int, _ workloads.Params, allow *bitset) []cand {
	pq := f.c.pack(q)
	h := make(maxHeap, 0, k+1)
	for i := range f.c.len() {
		if allow.has(uint32(i)) {
			h.offer(cand{f.c.dist(pq, f.c.row(i)), uint32(i)}, k)
		}
	}
	return h.sorted()
}

func (f *binFlat) memoryBytes() int64 { return int64(len(f.c.words)) * 8 }

// binIVF is BIN_IVF_FLAT: nlist binary centroids, each row in the list of
// its nearest centroid under the metric, and a search scanning the nprobe
// lists whose centroids are nearest to the query. The centroids are
// trained as faiss's IndexBinaryIVF trains its quantizer: float k-means
// (Lloyd, squared L2) on the bits as numbers (faiss maps them to ±1, an
// affine map of 0/1 that leaves the assignments unchanged), each centroid
// then binarised (faiss: sign > 0; here: mean above ½).
type binIVF struct {
	c     *binCodes
	nlist int
	cent  []uint64 // nlist packed centroids
	lists []binList
	ready bool
}

type binList struct {
	ids   []uint32
	words []uint64
}

func newBinIVF(s *store, p workloads.Params) (index, error) {
	nlist := max(p.Int("nlist", 128), 1)
	return &binIVF{c: newBinCodes(s), nlist: nlist, lists: make([]binList, nlist)}, nil
}

func (ix *binIVF) train() {
	s := ix.c.src
	d := s.dim
	sample := sampleRows(s, max(ix.nlist*ivfTrainPerList, ivfTrainMin))
	cent := kmeans(sample, d, ix.nlist, ivfTrainIters, kmeansSeed)
	for j, x := range cent {
		cent[j] = 0 // a mean of exactly ½ too: faiss's 2x−1 = 0 is not > 0
		if x > 0.5 {
			cent[j] = 1
		}
	}
	ix.cent = make([]uint64, ix.nlist*ix.c.w)
	for l := range ix.nlist {
		vecmath.PackBits(ix.cent[l*ix.c.w:(l+1)*ix.c.w], cent[l*d:(l+1)*d])
	}
	ix.ready = true
}

// nearest returns the n lists whose centroids are nearest to q.
func (ix *binIVF) nearest(q []uint64, n int) []cand {
	h := make(maxHeap, 0, n+1)
	w := ix.c.w
	for l := range ix.nlist {
		h.offer(cand{ix.c.dist(q, ix.cent[l*w:(l+1)*w]), uint32(l)}, n)
	}
	return h.sorted()
}

// add trains on the first call with data, then packs rows [from, n) of
// the store and appends each to its nearest list (the lists hold the only
// packed copy).
func (ix *binIVF) add(from int) {
	s, w := ix.c.src, ix.c.w
	n := s.len()
	if from >= n {
		return
	}
	if !ix.ready {
		ix.train()
	}
	rows := make([]uint64, (n-from)*w)
	assign := make([]int32, n-from)
	parallelRange(len(assign), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			r := rows[i*w : (i+1)*w]
			vecmath.PackBits(r, s.row(uint32(from+i)))
			assign[i] = int32(ix.nearest(r, 1)[0].id)
		}
	})
	for i, l := range assign {
		list := &ix.lists[l]
		list.ids = append(list.ids, uint32(from+i))
		list.words = append(list.words, rows[i*w:(i+1)*w]...)
	}
}

func (ix *binIVF) search(q []float32, k int, p workloads.Params, allow *bitset) []cand {
	if !ix.ready {
		return nil
	}
	nprobe := min(max(p.Int("nprobe", 8), 1), ix.nlist)
	pq := ix.c.pack(q)
	w := ix.c.w
	h := make(maxHeap, 0, k+1)
	for _, pr := range ix.nearest(pq, nprobe) {
		l := &ix.lists[pr.id]
		for i, id := range l.ids {
			if allow.has(id) {
				h.offer(cand{ix.c.dist(pq, l.words[i*w:(i+1)*w]), id}, k)
			}
		}
	}
	return h.sorted()
}

// memoryBytes counts the lists' packed rows and ids and the centroids.
func (ix *binIVF) memoryBytes() int64 {
	b := int64(len(ix.cent)) * 8
	for i := range ix.lists {
		b += int64(len(ix.lists[i].ids))*4 + int64(len(ix.lists[i].words))*8
	}
	return b
}
