//go:build !amd64 || purego

package vecmath

func simdLen(int) int { return 0 }

func l2SqSIMD(a, b []float32) float32 { return l2SqGeneric(a, b) }
func dotSIMD(a, b []float32) float32  { return dotGeneric(a, b) }

func l2SqBatchSIMD(q, rows, out []float32) {
	d := len(q)
	for i := range out {
		out[i] = l2SqGeneric(q, rows[i*d:(i+1)*d])
	}
}

func dotBatchSIMD(q, rows, out []float32) {
	d := len(q)
	for i := range out {
		out[i] = dotGeneric(q, rows[i*d:(i+1)*d])
	}
}

func rowsSIMD(int) bool { return false }

func dotRowsSIMD(q, base []float32, ids []uint32, out []float32)  {}
func l2SqRowsSIMD(q, base []float32, ids []uint32, out []float32) {}

func addScaledSIMD(dst, a, b []float32, s float32) {
	for i := range dst {
		dst[i] = a[i] + s*b[i]
	}
}

func dotsPanelSIMD([]float32, int, []float32, int, int, []float32, int) bool { return false }

func panelBelowSIMD([]float32, int, int, []float32, float32, *[PanelWidth]float32, []uint32) (int, bool) {
	return 0, false
}
