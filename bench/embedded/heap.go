package embedded

// cand is a candidate neighbour: internal row number and distance to the query.
type cand struct {
	d  float32
	id uint32
}

// minHeap pops the closest candidate first.
type minHeap []cand

func (h *minHeap) push(c cand) {
	*h = append(*h, c)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s[p].d <= s[i].d {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

func (h *minHeap) pop() cand {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	*h = s
	i := 0
	for {
		l, m := 2*i+1, i
		if l < last && s[l].d < s[m].d {
			m = l
		}
		if r := l + 1; r < last && s[r].d < s[m].d {
			m = r
		}
		if m == i {
			return top
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
}

// maxHeap keeps the farthest kept candidate at [0]: a bounded result set.
type maxHeap []cand

func (h *maxHeap) push(c cand) {
	*h = append(*h, c)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s[p].d >= s[i].d {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

func (h *maxHeap) pop() cand {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	*h = s
	i := 0
	for {
		l, m := 2*i+1, i
		if l < last && s[l].d > s[m].d {
			m = l
		}
		if r := l + 1; r < last && s[r].d > s[m].d {
			m = r
		}
		if m == i {
			return top
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
}

// offer keeps c if the heap holds fewer than k candidates or c is closer than
// the farthest one.
func (h *maxHeap) offer(c cand, k int) {
	if len(*h) < k {
		h.push(c)
	} else if c.d < (*h)[0].d {
		h.replaceTop(c)
	}
}

// sorted empties the heap into a slice ordered closest first.
func (h *maxHeap) sorted() []cand {
	out := make([]cand, len(*h))
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = h.pop()
	}
	return out
}

// offerBlock offers ds[i] as row first+i for every i the filter allows.
func (h *maxHeap) offerBlock(ds []float32, first uint32, k int, allow *bitset) {
	for i, d := range ds {
		if !allow.has(first + uint32(i)) {
			continue
		}
		if len(*h) < k {
			h.push(cand{d, first + uint32(i)})
		} else if d < (*h)[0].d {
			h.replaceTop(cand{d, first + uint32(i)})
		}
	}
}

// replaceTop replaces the farthest candidate with c and restores the heap.
func (h *maxHeap) replaceTop(c cand) {
	s := *h
	n := len(s)
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && s[r].d > s[l].d {
			m = r
		}
		if s[m].d <= c.d {
			break
		}
		s[i] = s[m]
		i = m
	}
	s[i] = c
}
