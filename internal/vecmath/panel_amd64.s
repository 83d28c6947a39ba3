//go:build amd64 && !purego

#include "textflag.h"

// func dotsPanelAVX2(qp *float32, d int, x *float32, ldx int, n int, out *float32, ldo int, acc int)
//
// out[j*ldo+i] (+)= Σ_k x[j*ldx+k]·qp[k*16+i] for j < n, i < 16: with acc
// nonzero the sums start from out's values (so a product split over
// chunks of k is still one serial sum), else from zero. n must be a
// positive multiple of 6 and d positive. Six base rows at a time: each step
// k loads the 16 queries' k-th floats (Y12, Y13) and broadcasts row r's
// k-th float into Y14/Y15, accumulating into Y(2r) and Y(2r+1).
TEXT ·dotsPanelAVX2(SB), NOSPLIT, $0-64
	MOVQ d+8(FP), CX
	SHLQ $2, CX
	MOVQ x+16(FP), R8
	MOVQ ldx+24(FP), BX
	SHLQ $2, BX
	LEAQ (R8)(BX*1), R9
	LEAQ (R8)(BX*2), R10
	LEAQ (R9)(BX*2), R11
	LEAQ (R10)(BX*2), R12
	LEAQ (R11)(BX*2), R13
	MOVQ out+40(FP), DX
	MOVQ n+32(FP), DI

group:
	MOVQ acc+56(FP), AX
	TESTQ AX, AX
	JEQ  zero
	MOVQ ldo+48(FP), SI
	SHLQ $2, SI
	MOVQ DX, AX
	VMOVUPS (AX), Y0
	VMOVUPS 32(AX), Y1
	ADDQ SI, AX
	VMOVUPS (AX), Y2
	VMOVUPS 32(AX), Y3
	ADDQ SI, AX
	VMOVUPS (AX), Y4
	VMOVUPS 32(AX), Y5
	ADDQ SI, AX
	VMOVUPS (AX), Y6
	VMOVUPS 32(AX), Y7
	ADDQ SI, AX
	VMOVUPS (AX), Y8
	VMOVUPS 32(AX), Y9
	ADDQ SI, AX
	VMOVUPS (AX), Y10
	VMOVUPS 32(AX), Y11
	JMP  start

zero:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

start:
	MOVQ qp+0(FP), SI
	XORQ AX, AX

step:
	VMOVUPS (SI), Y12
	VMOVUPS 32(SI), Y13
	VBROADCASTSS (R8)(AX*1), Y14
	VBROADCASTSS (R9)(AX*1), Y15
	VFMADD231PS Y12, Y14, Y0
	VFMADD231PS Y13, Y14, Y1
	VFMADD231PS Y12, Y15, Y2
	VFMADD231PS Y13, Y15, Y3
	VBROADCASTSS (R10)(AX*1), Y14
	VBROADCASTSS (R11)(AX*1), Y15
	VFMADD231PS Y12, Y14, Y4
	VFMADD231PS Y13, Y14, Y5
	VFMADD231PS Y12, Y15, Y6
	VFMADD231PS Y13, Y15, Y7
	VBROADCASTSS (R12)(AX*1), Y14
	VBROADCASTSS (R13)(AX*1), Y15
	VFMADD231PS Y12, Y14, Y8
	VFMADD231PS Y13, Y14, Y9
	VFMADD231PS Y12, Y15, Y10
	VFMADD231PS Y13, Y15, Y11
	ADDQ $64, SI
	ADDQ $4, AX
	CMPQ AX, CX
	JLT  step

	MOVQ ldo+48(FP), SI
	SHLQ $2, SI
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	ADDQ SI, DX
	VMOVUPS Y2, (DX)
	VMOVUPS Y3, 32(DX)
	ADDQ SI, DX
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	ADDQ SI, DX
	VMOVUPS Y6, (DX)
	VMOVUPS Y7, 32(DX)
	ADDQ SI, DX
	VMOVUPS Y8, (DX)
	VMOVUPS Y9, 32(DX)
	ADDQ SI, DX
	VMOVUPS Y10, (DX)
	VMOVUPS Y11, 32(DX)
	ADDQ SI, DX

	// The next six rows.
	LEAQ (BX)(BX*2), AX
	SHLQ $1, AX
	ADDQ AX, R8
	ADDQ AX, R9
	ADDQ AX, R10
	ADDQ AX, R11
	ADDQ AX, R12
	ADDQ AX, R13
	SUBQ $6, DI
	JGT  group
	VZEROUPPER
	RET

// func panelBelowAVX2(out *float32, ldo int, n int, norms *float32, s float32, thr *float32, hits *uint32) int
//
// PanelBelow's scan: per row, est = c + s·dot in one FMA (so c - 2·dot
// rounds once, as Go's c - 2*dot does), compared not-greater-or-equal
// (unordered: true) with the thresholds; rows with any bit set are
// written to hits as j<<16 | mask. norms may be nil (c = 0). Returns the
// number of hits.
TEXT ·panelBelowAVX2(SB), NOSPLIT, $0-64
	MOVQ out+0(FP), SI
	MOVQ ldo+8(FP), BX
	SHLQ $2, BX
	MOVQ n+16(FP), CX
	MOVQ norms+24(FP), R8
	VBROADCASTSS s+32(FP), Y4
	MOVQ thr+40(FP), AX
	VMOVUPS (AX), Y5
	VMOVUPS 32(AX), Y6
	MOVQ hits+48(FP), DI
	XORQ DX, DX // row
	XORQ R9, R9 // hits written
	VXORPS Y7, Y7, Y7

brow:
	VMOVAPS Y7, Y2
	TESTQ R8, R8
	JEQ  bnonorm
	VBROADCASTSS (R8)(DX*4), Y2

bnonorm:
	VMOVAPS Y2, Y3
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VFMADD231PS Y0, Y4, Y2
	VFMADD231PS Y1, Y4, Y3
	VCMPPS $9, Y5, Y2, Y2
	VCMPPS $9, Y6, Y3, Y3
	VMOVMSKPS Y2, R10
	VMOVMSKPS Y3, R11
	SHLQ $8, R11
	ORQ  R11, R10
	JEQ  bnext
	MOVQ DX, R11
	SHLQ $16, R11
	ORQ  R10, R11
	MOVL R11, (DI)(R9*4)
	INCQ R9

bnext:
	ADDQ BX, SI
	INCQ DX
	CMPQ DX, CX
	JLT  brow
	MOVQ R9, ret+56(FP)
	VZEROUPPER
	RET
