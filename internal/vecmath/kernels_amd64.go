//go:build amd64 && !purego

package vecmath

import "golang.org/x/sys/cpu"

// hasSIMD is fixed at start-up from the CPU's feature flags.
var hasSIMD = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// simdLen is how many leading elements of an n-long vector the assembly
// kernels handle (a multiple of 8); the rest runs in Go.
func simdLen(n int) int {
	if !hasSIMD {
		return 0
	}
	return n &^ 7
}

func l2SqSIMD(a, b []float32) float32 { return l2SqAVX2(&a[0], &b[0], len(a)) }
func dotSIMD(a, b []float32) float32  { return dotAVX2(&a[0], &b[0], len(a)) }

func l2SqBatchSIMD(q, rows, out []float32) {
	if len(out) > 0 {
		l2SqBatchAVX2(&q[0], &rows[0], len(q), len(out), &out[0])
	}
}

func dotBatchSIMD(q, rows, out []float32) {
	if len(out) > 0 {
		dotBatchAVX2(&q[0], &rows[0], len(q), len(out), &out[0])
	}
}

func addScaledSIMD(dst, a, b []float32, s float32) {
	addScaledAVX2(&dst[0], &a[0], &b[0], len(dst), s)
}

//go:noescape
func addScaledAVX2(dst, a, b *float32, n int, s float32)

// rowsSIMD reports whether the row kernels run in assembly for rows of d
// floats (any tail past a multiple of 8 included).
func rowsSIMD(d int) bool { return hasSIMD && d >= 8 }

func dotRowsSIMD(q, base []float32, ids []uint32, out []float32) {
	dotRowsAVX2(&q[0], &base[0], len(q), &ids[0], len(ids), &out[0])
}

func l2SqRowsSIMD(q, base []float32, ids []uint32, out []float32) {
	l2SqRowsAVX2(&q[0], &base[0], len(q), &ids[0], len(ids), &out[0])
}

//go:noescape
func dotRowsAVX2(q, base *float32, dim int, ids *uint32, n int, out *float32)

//go:noescape
func l2SqRowsAVX2(q, base *float32, dim int, ids *uint32, n int, out *float32)

// The single-vector kernels need n to be a positive multiple of 8; the
// batch kernels take any dim ≥ 8 (the tail past a multiple of 8 runs in
// scalar FMA).

//go:noescape
func l2SqAVX2(a, b *float32, n int) float32

//go:noescape
func dotAVX2(a, b *float32, n int) float32

//go:noescape
func l2SqBatchAVX2(q, rows *float32, dim, n int, out *float32)

//go:noescape
func dotBatchAVX2(q, rows *float32, dim, n int, out *float32)

//go:noescape
func dotsPanelAVX2(qp *float32, d int, x *float32, ldx int, n int, out *float32, ldo int, acc int)

// dotsPanelSIMD runs DotsPanel's n rows (a multiple of 6) in chunks of
// panelKC dimensions: the panel's chunk (8 KiB) stays in L1 while the rows
// stream past, where a whole 384-d panel (24 KiB) and six rows would not.
func dotsPanelSIMD(qp []float32, d int, x []float32, ldx, n int, out []float32, ldo int) bool {
	if !hasSIMD {
		return false
	}
	for k0 := 0; k0 < d; k0 += panelKC {
		acc := 0
		if k0 > 0 {
			acc = 1
		}
		dotsPanelAVX2(&qp[k0*PanelWidth], min(panelKC, d-k0), &x[k0], ldx, n, &out[0], ldo, acc)
	}
	return true
}

//go:noescape
func panelBelowAVX2(out *float32, ldo int, n int, norms *float32, s float32, thr *float32, hits *uint32) int

func panelBelowSIMD(out []float32, ldo, n int, norms []float32, s float32, thr *[PanelWidth]float32, hits []uint32) (int, bool) {
	if !hasSIMD {
		return 0, false
	}
	var np *float32
	if norms != nil {
		np = &norms[0]
	}
	return panelBelowAVX2(&out[0], ldo, n, np, s, &thr[0], &hits[0]), true
}
