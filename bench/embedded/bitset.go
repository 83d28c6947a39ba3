package embedded

import (
	"math/bits"

	"github.com/milvbench/milvbench/datasets"
)

// bitset marks the internal rows a filtered search may return. A nil
// *bitset allows every row, so search loops call has unconditionally.
type bitset struct {
	words []uint64
	count int
}

// allowedRows evaluates f on every stored row's id.
func allowedRows(ids []int64, f *datasets.Filter) *bitset {
	b := &bitset{words: make([]uint64, (len(ids)+63)/64)}
	for i, id := range ids {
		if f.Allow(id) {
			b.words[i>>6] |= 1 << (uint(i) & 63)
		}
	}
	for _, w := range b.words {
		b.count += bits.OnesCount64(w)
	}
	return b
}

func (b *bitset) has(i uint32) bool {
	return b == nil || b.words[i>>6]&(1<<(i&63)) != 0
}
