package vecmath

// DotRows sets out[i] to the inner product of q and row ids[i] of base, a
// row-major matrix of len(q)-float rows. It is the graph-search access
// path: the rows are scattered, so the AVX2 kernel prefetches each next row
// while it computes the current one, and one call scores all the neighbours
// a search step visits. It panics if an id is out of base's range or out is
// shorter than ids.
func DotRows(q, base []float32, ids []uint32, out []float32) {
	d := checkRows(q, base, ids, out)
	if d == 0 {
		clear(out[:len(ids)])
		return
	}
	if len(ids) > 0 && rowsSIMD(d) {
		dotRowsSIMD(q, base, ids, out)
		return
	}
	for i, id := range ids {
		o := int(id) * d
		out[i] = Dot(q, base[o:o+d])
	}
}

// L2SqRows is DotRows for the squared Euclidean distance.
func L2SqRows(q, base []float32, ids []uint32, out []float32) {
	d := checkRows(q, base, ids, out)
	if d == 0 {
		clear(out[:len(ids)])
		return
	}
	if len(ids) > 0 && rowsSIMD(d) {
		l2SqRowsSIMD(q, base, ids, out)
		return
	}
	for i, id := range ids {
		o := int(id) * d
		out[i] = L2Sq(q, base[o:o+d])
	}
}

// checkRows bounds-checks the row ids (the assembly kernels do not) and
// returns the row length.
func checkRows(q, base []float32, ids []uint32, out []float32) int {
	_ = out[:len(ids)]
	d := len(q)
	if d == 0 {
		return 0
	}
	rows := uint32(min(len(base)/d, 1<<32-1))
	var top uint32
	for _, id := range ids {
		top = max(top, id)
	}
	if len(ids) > 0 && top >= rows {
		panic("vecmath: row id out of range")
	}
	return d
}
