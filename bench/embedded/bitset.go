package embedded

import (
	"math/bits"
)

// bitset marks the internal rows a filtered search may return. A nil
// *bitset allows every row, so search loops call has unconditionally.
// Searches only read it; the target changes it under its write lock.
type bitset struct {
	words []uint64
	count int
	n     int // rows covered
}

// allowedRows evaluates allow on every stored row's id; rows live rejects
// (deleted ones) stay clear.
func allowedRows(ids []int64, allow func(int64) bool, live *bitset) *bitset {
	b := &bitset{}
	b.extend(ids, allow)
	if live != nil {
		for i, w := range live.words {
			b.words[i] &= w
		}
		b.recount()
	}
	return b
}

// extend covers the rows from b.n up to len(ids), setting those allow
// passes (nil: all).
func (b *bitset) extend(ids []int64, allow func(int64) bool) {
	if need := (len(ids) + 63) / 64; need > len(b.words) {
		b.words = append(b.words, make([]uint64, need-len(b.words))...)
	}
	for i := b.n; i < len(ids); i++ {
		if allow == nil || allow(ids[i]) {
			b.words[i>>6] |= 1 << (uint(i) & 63)
			b.count++
		}
	}
	b.n = len(ids)
}

// clear removes row i.
func (b *bitset) clear(i uint32) {
	if w := &b.words[i>>6]; *w&(1<<(i&63)) != 0 {
		*w &^= 1 << (i & 63)
		b.count--
	}
}

func (b *bitset) recount() {
	b.count = 0
	for _, w := range b.words {
		b.count += bits.OnesCount64(w)
	}
}

func (b *bitset) has(i uint32) bool {
	return b == nil || b.words[i>>6]&(1<<(i&63)) != 0
}
