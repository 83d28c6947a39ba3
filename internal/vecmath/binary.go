package vecmath

import "math/bits"

// Binary vectors: dim bits carried as 0/1 float32 components (datasets
// documents why) and compared packed, 64 bits a word, by population count.
// Component j is bit j%64 of word j/64; the order of the bits within the
// words does not change HAMMING or JACCARD, so it need not match the bytes
// a server stores (numpy's packbits order, most significant bit first).

// BitWords is the number of uint64 words a vector of dim bits packs into.
func BitWords(dim int) int { return (dim + 63) / 64 }

// PackBits sets dst (BitWords(len(v)) words) to v's bits: a nonzero
// component is a set bit. Unused bits of the last word are zero.
func PackBits(dst []uint64, v []float32) {
	clear(dst[:BitWords(len(v))])
	for j, x := range v {
		if x != 0 {
			dst[j>>6] |= 1 << (uint(j) & 63)
		}
	}
}

// Hamming is the number of bits in which a and b differ.
func Hamming(a, b []uint64) int {
	n := 0
	b = b[:len(a)]
	for i, x := range a {
		n += bits.OnesCount64(x ^ b[i])
	}
	return n
}

// Jaccard is the Jaccard distance of bit sets a and b, 1 − |a∧b|/|a∨b|,
// computed as Milvus's faiss does (jaccard-inl.h): (|a∨b| − |a∧b|)/|a∨b|
// in float32, and 1 when both are empty (0/0).
func Jaccard(a, b []uint64) float32 {
	and, or := 0, 0
	b = b[:len(a)]
	for i, x := range a {
		and += bits.OnesCount64(x & b[i])
		or += bits.OnesCount64(x | b[i])
	}
	if or == 0 {
		return 1
	}
	return float32(or-and) / float32(or)
}
