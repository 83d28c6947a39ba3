package embedded

import (
	"fmt"
	"time"

	"github.com/milvbench/milvbench/bench"
)

// searchIterator answers an iterator request as pymilvus's v1 iterator
// does against a server, but natively over the index: each batch is a
// top-k search of the index at a growing depth keeping only the rows at
// or beyond the last batch's bound (its farthest distance), less the rows
// already returned at that bound, and takes the nearest batch_size of
// them. The depth starts at the results so far plus the batch and
// doubles until the batch is full or the depth covers the collection (or
// the index answers fewer rows than asked: an IVF index out of probed
// lists ends the iteration). An index searched at depth k' uses
// max(ef, k') (HNSW) or its nprobe, as any top-k' search, so FLAT
// iterates exactly in distance order and other indexes lose what their
// deep searches lose; a row an index finds only after the bound passed it
// is never returned (recall counts it missing), and no row is returned
// twice. The caller holds the read lock.
func (t *Target) searchIterator(req bench.SearchRequest, allow *bitset) (bench.SearchResult, error) {
	if err := t.checkDenseField(req.Field); err != nil {
		return bench.SearchResult{}, err
	}
	it := req.Iterator
	if it == nil || it.BatchSize < 1 || it.Limit < 1 {
		return bench.SearchResult{}, fmt.Errorf("embedded target: an iterator request needs a batch size and a limit of at least 1")
	}
	if len(req.Vectors) != 1 {
		return bench.SearchResult{}, fmt.Errorf("embedded target: an iterator iterates over one query, not %d", len(req.Vectors))
	}
	start := time.Now()
	rows := t.s.len()
	st := &bench.IterStats{Path: bench.IterEmbedded}
	var out []int64
	var bound float32
	atBound := map[uint32]bool{} // rows returned at the bound
	var prev float32
	for len(out) < it.Limit && rows > 0 {
		want := min(it.BatchSize, it.Limit-len(out))
		var batch []cand
		for depth := min(len(out)+want, rows); ; depth = min(2*depth, rows) {
			found, err := t.searchDense(req.Vectors, depth, req.Params, allow)
			if err != nil {
				return bench.SearchResult{}, err
			}
			st.Requests++
			batch = batch[:0]
			for _, c := range found[0] {
				if len(out) > 0 && (c.d < bound || (c.d == bound && atBound[c.id])) {
					continue
				}
				batch = append(batch, c)
				if len(batch) == want {
					break
				}
			}
			if len(batch) == want || depth >= rows || len(found[0]) < depth {
				break
			}
		}
		if len(batch) == 0 {
			break
		}
		for _, c := range batch {
			if len(out) > 0 && c.d < prev {
				st.OrderViolations++
			}
			prev = c.d
			out = append(out, t.ids[c.id])
		}
		last := batch[len(batch)-1].d
		if last != bound || len(out) == len(batch) {
			clear(atBound)
		}
		bound = last
		for _, c := range batch {
			if c.d == bound {
				atBound[c.id] = true
			}
		}
		st.Batches++
		st.LastBatch = time.Since(start)
		if st.Batches == 1 {
			st.FirstBatch = st.LastBatch
		}
	}
	return bench.SearchResult{IDs: [][]int64{out}, Iter: st}, nil
}
