//go:build !unix

package bench

// processCPU is not read on this system: client CPU per query shows 0.
func processCPU() float64 { return 0 }
