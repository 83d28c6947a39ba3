package vecmath

// The packed-panel kernel: a matrix product of base rows against a panel
// of PanelWidth queries, the GEMM micro-kernel of BLIS/OpenBLAS (register
// blocking by outer products) rather than the inner-product form (4
// queries × 3 rows, horizontal sums, rows padded to 8) it replaced. The queries are packed once, k-major (for each dimension the
// PanelWidth queries' values side by side), so each step loads two vectors
// of queries and broadcasts one float of each of 6 base rows into 12
// accumulators: no horizontal sums, any dimension (no padding to 8), and
// the base rows are read in place, row-major, without packing.

// PanelWidth is how many queries one packed panel holds.
const PanelWidth = 16

// panelRows is how many base rows one assembly step scores, and panelKC
// how many dimensions one pass over them takes.
const (
	panelRows = 6
	panelKC   = 128
)

// PackPanel writes the first min(len(qs), PanelWidth) queries (each at
// least d floats) into dst k-major: dst[k*PanelWidth+i] = qs[i][k], with
// zeros for the queries past len(qs). dst must hold d·PanelWidth floats.
func PackPanel(dst []float32, qs [][]float32, d int) {
	dst = dst[:d*PanelWidth]
	n := min(len(qs), PanelWidth)
	if n < PanelWidth {
		clear(dst)
	}
	for i, q := range qs[:n] {
		q = q[:d]
		for k, v := range q {
			dst[k*PanelWidth+i] = v
		}
	}
}

// DotsPanel sets out[j*ldo+i] to the inner product of base row j (x[j*ldx:],
// d floats) and query i of the packed panel qp (see PackPanel), for j < n
// and i < PanelWidth. Rows in groups of 6 run in assembly where the CPU
// has AVX2 and FMA; the rest, and every row elsewhere, in Go. Each product
// is one serial sum over k (FMA in assembly), so its rounding error is at
// most d·2⁻²⁴ times Σ|x_k·q_k| (to first order).
func DotsPanel(qp []float32, d int, x []float32, ldx, n int, out []float32, ldo int) {
	if n <= 0 {
		return
	}
	if d <= 0 {
		for j := range n {
			clear(out[j*ldo : j*ldo+PanelWidth])
		}
		return
	}
	_ = qp[d*PanelWidth-1]
	_ = x[(n-1)*ldx+d-1]
	_ = out[(n-1)*ldo+PanelWidth-1]
	if ldx < d || ldo < PanelWidth {
		panic("vecmath: DotsPanel strides shorter than a row")
	}
	done := 0
	if m := n / panelRows * panelRows; m > 0 && dotsPanelSIMD(qp, d, x, ldx, m, out, ldo) {
		done = m
	}
	dotsPanelGo(qp, d, x[done*ldx:], ldx, n-done, out[done*ldo:], ldo)
}

// dotsPanelGo is the portable form of DotsPanel: the same serial sum over
// k per product, 16 queries at a time.
func dotsPanelGo(qp []float32, d int, x []float32, ldx, n int, out []float32, ldo int) {
	qp = qp[:d*PanelWidth]
	for j := range n {
		xj := x[j*ldx : j*ldx+d]
		var acc [PanelWidth]float32
		for k, v := range xj {
			col := qp[k*PanelWidth : k*PanelWidth+PanelWidth]
			for i := range acc {
				acc[i] += v * col[i]
			}
		}
		copy(out[j*ldo:j*ldo+PanelWidth], acc[:])
	}
}

// PanelBelow finds the rows of a panel's products (out[j*ldo+i], j < n)
// where some query's estimate c_j + s·out[j*ldo+i] is not at or above its
// threshold thr[i] (a NaN estimate counts as below, as `!(a >= thr)` does),
// with c_j = norms[j], or 0 when norms is nil. It appends j<<16 | mask, the
// mask's bit i set for each such query i, to hits and returns it: the
// blocked exact top-k (datasets.ExactTopK) then offers only those, so the
// rows no heap wants cost two vector compares instead of sixteen scalar
// ones. n must be below 1<<16.
func PanelBelow(out []float32, ldo, n int, norms []float32, s float32, thr *[PanelWidth]float32, hits []uint32) []uint32 {
	if n <= 0 {
		return hits
	}
	if n >= 1<<16 || ldo < PanelWidth {
		panic("vecmath: PanelBelow takes under 65,536 rows of at least a panel's width")
	}
	_ = out[(n-1)*ldo+PanelWidth-1]
	if norms != nil {
		norms = norms[:n]
	}
	if cap(hits)-len(hits) < n {
		hits = append(make([]uint32, 0, len(hits)+n), hits...)
	}
	if m, ok := panelBelowSIMD(out, ldo, n, norms, s, thr, hits[len(hits):len(hits)+n]); ok {
		return hits[:len(hits)+m]
	}
	return panelBelowGo(out, ldo, n, norms, s, thr, hits)
}

// panelBelowGo is the portable form of PanelBelow.
func panelBelowGo(out []float32, ldo, n int, norms []float32, s float32, thr *[PanelWidth]float32, hits []uint32) []uint32 {
	for j := range n {
		row := out[j*ldo : j*ldo+PanelWidth]
		var c float32
		if norms != nil {
			c = norms[j]
		}
		var mask uint32
		for i, v := range row {
			if !(c+s*v >= thr[i]) {
				mask |= 1 << i
			}
		}
		if mask != 0 {
			hits = append(hits, uint32(j)<<16|mask)
		}
	}
	return hits
}
