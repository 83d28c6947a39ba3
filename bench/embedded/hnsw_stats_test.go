package embedded

// layerStats describes one layer of a built graph, for the logs of the
// real-data build test.
type layerStats struct {
	nodes, links int
	reverse      int // links a→b where b→a exists too
	noIn         int // nodes no other node on the layer links to
	under4       int // nodes with fewer than 4 links
}

func (h *hnsw) layerStats(layer int) layerStats {
	var st layerStats
	in := make([]bool, len(h.levels))
	for i := range uint32(len(h.levels)) {
		if int(h.levels[i]) < layer {
			continue
		}
		st.nodes++
		l := h.links(i, layer)
		if l[0] < 4 {
			st.under4++
		}
		for _, x := range l[1 : l[0]+1] {
			st.links++
			in[x] = true
			lx := h.links(x, layer)
			for _, y := range lx[1 : lx[0]+1] {
				if y == i {
					st.reverse++
					break
				}
			}
		}
	}
	for i, ok := range in {
		if !ok && int(h.levels[i]) >= layer && (layer < h.maxLevel || uint32(i) != h.entry) {
			st.noIn++
		}
	}
	return st
}
