//go:build amd64 && !purego

#include "textflag.h"

// Horizontal sum of Y0 into X0's lowest lane.
#define HSUM0 \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS X1, X0, X0 \
	VHADDPS X0, X0, X0 \
	VHADDPS X0, X0, X0

// func l2SqAVX2(a, b *float32, n int) float32
TEXT ·l2SqAVX2(SB), NOSPLIT, $0-28
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ n+16(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

l2loop32:
	CMPQ CX, $32
	JL   l2loop8
	VMOVUPS (SI), Y4
	VMOVUPS 32(SI), Y5
	VMOVUPS 64(SI), Y6
	VMOVUPS 96(SI), Y7
	VSUBPS  (DI), Y4, Y4
	VSUBPS  32(DI), Y5, Y5
	VSUBPS  64(DI), Y6, Y6
	VSUBPS  96(DI), Y7, Y7
	VFMADD231PS Y4, Y4, Y0
	VFMADD231PS Y5, Y5, Y1
	VFMADD231PS Y6, Y6, Y2
	VFMADD231PS Y7, Y7, Y3
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  l2loop32

l2loop8:
	CMPQ CX, $8
	JL   l2done
	VMOVUPS (SI), Y4
	VSUBPS  (DI), Y4, Y4
	VFMADD231PS Y4, Y4, Y0
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  l2loop8

l2done:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	HSUM0
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func dotAVX2(a, b *float32, n int) float32
TEXT ·dotAVX2(SB), NOSPLIT, $0-28
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ n+16(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

dotloop32:
	CMPQ CX, $32
	JL   dotloop8
	VMOVUPS (SI), Y4
	VMOVUPS 32(SI), Y5
	VMOVUPS 64(SI), Y6
	VMOVUPS 96(SI), Y7
	VFMADD231PS (DI), Y4, Y0
	VFMADD231PS 32(DI), Y5, Y1
	VFMADD231PS 64(DI), Y6, Y2
	VFMADD231PS 96(DI), Y7, Y3
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  dotloop32

dotloop8:
	CMPQ CX, $8
	JL   dotdone
	VMOVUPS (SI), Y4
	VFMADD231PS (DI), Y4, Y0
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  dotloop8

dotdone:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	HSUM0
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func l2SqBatchAVX2(q, rows *float32, dim, n int, out *float32)
// Two rows per pass share the loads of q; eight accumulators keep both FMA
// pipes busy. dim ≥ 8; the last dim%8 floats run in scalar FMA.
TEXT ·l2SqBatchAVX2(SB), NOSPLIT, $0-40
	MOVQ q+0(FP), SI
	MOVQ rows+8(FP), DI
	MOVQ dim+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ out+32(FP), R8
	MOVQ DX, R9
	SHLQ $2, R9
	// Pairs are rows i and i+n/2, not i and i+1: each of the two streams
	// then runs on through consecutive rows, so the hardware prefetcher
	// follows both (adjacent pairs start every second row cold, which
	// cost a fifth of the bandwidth on rows past the caches).
	MOVQ CX, BX
	SHRQ $1, BX
	MOVQ BX, AX
	IMULQ R9, AX
	MOVQ BX, CX

l2bpair:
	TESTQ CX, CX
	JEQ  l2bodd
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	MOVQ SI, R11
	MOVQ DI, R12
	LEAQ (DI)(AX*1), R13
	MOVQ DX, R10

l2bpair32:
	CMPQ R10, $32
	JL   l2bpair8
	VMOVUPS (R11), Y8
	VMOVUPS 32(R11), Y9
	VMOVUPS 64(R11), Y10
	VMOVUPS 96(R11), Y11
	VSUBPS  (R12), Y8, Y12
	VSUBPS  32(R12), Y9, Y13
	VSUBPS  64(R12), Y10, Y14
	VSUBPS  96(R12), Y11, Y15
	VFMADD231PS Y12, Y12, Y0
	VFMADD231PS Y13, Y13, Y1
	VFMADD231PS Y14, Y14, Y2
	VFMADD231PS Y15, Y15, Y3
	VSUBPS  (R13), Y8, Y12
	VSUBPS  32(R13), Y9, Y13
	VSUBPS  64(R13), Y10, Y14
	VSUBPS  96(R13), Y11, Y15
	VFMADD231PS Y12, Y12, Y4
	VFMADD231PS Y13, Y13, Y5
	VFMADD231PS Y14, Y14, Y6
	VFMADD231PS Y15, Y15, Y7
	ADDQ $128, R11
	ADDQ $128, R12
	ADDQ $128, R13
	SUBQ $32, R10
	JMP  l2bpair32

l2bpair8:
	CMPQ R10, $8
	JL   l2bpairtail
	VMOVUPS (R11), Y8
	VSUBPS  (R12), Y8, Y12
	VFMADD231PS Y12, Y12, Y0
	VSUBPS  (R13), Y8, Y13
	VFMADD231PS Y13, Y13, Y4
	ADDQ $32, R11
	ADDQ $32, R12
	ADDQ $32, R13
	SUBQ $8, R10
	JMP  l2bpair8

// The last dim%8 floats of both rows, in scalar FMA into X12 and X13.
l2bpairtail:
	VXORPS X12, X12, X12
	VXORPS X13, X13, X13

l2bpairtail1:
	TESTQ R10, R10
	JEQ   l2bpairdone
	VMOVSS (R11), X8
	VSUBSS (R12), X8, X9
	VFMADD231SS X9, X9, X12
	VSUBSS (R13), X8, X10
	VFMADD231SS X10, X10, X13
	ADDQ $4, R11
	ADDQ $4, R12
	ADDQ $4, R13
	DECQ R10
	JMP  l2bpairtail1

l2bpairdone:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VADDPS Y5, Y4, Y4
	VADDPS Y7, Y6, Y6
	VADDPS Y6, Y4, Y4
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VEXTRACTF128 $1, Y4, X5
	VADDPS X5, X4, X4
	VHADDPS X4, X0, X0
	VHADDPS X0, X0, X0
	VUNPCKLPS X13, X12, X14
	VADDPS X14, X0, X0
	VMOVSS X0, (R8)
	VEXTRACTPS $1, X0, (R8)(BX*4)
	ADDQ $4, R8
	ADDQ R9, DI
	DECQ CX
	JMP  l2bpair

// An odd n leaves row n-1, after the second stream's last row.
l2bodd:
	MOVQ n+24(FP), CX
	ANDQ $1, CX
	JEQ  l2bdone
	ADDQ AX, DI
	LEAQ (R8)(BX*4), R8
	VXORPS Y0, Y0, Y0
	MOVQ SI, R11
	MOVQ DI, R12
	MOVQ DX, R10

l2bsingle8:
	CMPQ R10, $8
	JL   l2bsingledone
	VMOVUPS (R11), Y8
	VSUBPS  (R12), Y8, Y12
	VFMADD231PS Y12, Y12, Y0
	ADDQ $32, R11
	ADDQ $32, R12
	SUBQ $8, R10
	JMP  l2bsingle8

l2bsingledone:
	HSUM0

l2bsingletail:
	TESTQ R10, R10
	JEQ   l2bsinglestore
	VMOVSS (R11), X8
	VSUBSS (R12), X8, X9
	VFMADD231SS X9, X9, X0
	ADDQ $4, R11
	ADDQ $4, R12
	DECQ R10
	JMP  l2bsingletail

l2bsinglestore:
	VMOVSS X0, (R8)

l2bdone:
	VZEROUPPER
	RET

// func dotBatchAVX2(q, rows *float32, dim, n int, out *float32)
TEXT ·dotBatchAVX2(SB), NOSPLIT, $0-40
	MOVQ q+0(FP), SI
	MOVQ rows+8(FP), DI
	MOVQ dim+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ out+32(FP), R8
	MOVQ DX, R9
	SHLQ $2, R9
	// Pairs are rows i and i+n/2, not i and i+1: each of the two streams
	// then runs on through consecutive rows, so the hardware prefetcher
	// follows both (adjacent pairs start every second row cold, which
	// cost a fifth of the bandwidth on rows past the caches).
	MOVQ CX, BX
	SHRQ $1, BX
	MOVQ BX, AX
	IMULQ R9, AX
	MOVQ BX, CX

dbpair:
	TESTQ CX, CX
	JEQ  dbodd
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	MOVQ SI, R11
	MOVQ DI, R12
	LEAQ (DI)(AX*1), R13
	MOVQ DX, R10

dbpair32:
	CMPQ R10, $32
	JL   dbpair8
	VMOVUPS (R11), Y8
	VMOVUPS 32(R11), Y9
	VMOVUPS 64(R11), Y10
	VMOVUPS 96(R11), Y11
	VFMADD231PS (R12), Y8, Y0
	VFMADD231PS 32(R12), Y9, Y1
	VFMADD231PS 64(R12), Y10, Y2
	VFMADD231PS 96(R12), Y11, Y3
	VFMADD231PS (R13), Y8, Y4
	VFMADD231PS 32(R13), Y9, Y5
	VFMADD231PS 64(R13), Y10, Y6
	VFMADD231PS 96(R13), Y11, Y7
	ADDQ $128, R11
	ADDQ $128, R12
	ADDQ $128, R13
	SUBQ $32, R10
	JMP  dbpair32

dbpair8:
	CMPQ R10, $8
	JL   dbpairtail
	VMOVUPS (R11), Y8
	VFMADD231PS (R12), Y8, Y0
	VFMADD231PS (R13), Y8, Y4
	ADDQ $32, R11
	ADDQ $32, R12
	ADDQ $32, R13
	SUBQ $8, R10
	JMP  dbpair8

// The last dim%8 floats of both rows, in scalar FMA into X12 and X13.
dbpairtail:
	VXORPS X12, X12, X12
	VXORPS X13, X13, X13

dbpairtail1:
	TESTQ R10, R10
	JEQ   dbpairdone
	VMOVSS (R11), X8
	VFMADD231SS (R12), X8, X12
	VFMADD231SS (R13), X8, X13
	ADDQ $4, R11
	ADDQ $4, R12
	ADDQ $4, R13
	DECQ R10
	JMP  dbpairtail1

dbpairdone:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VADDPS Y5, Y4, Y4
	VADDPS Y7, Y6, Y6
	VADDPS Y6, Y4, Y4
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VEXTRACTF128 $1, Y4, X5
	VADDPS X5, X4, X4
	VHADDPS X4, X0, X0
	VHADDPS X0, X0, X0
	VUNPCKLPS X13, X12, X14
	VADDPS X14, X0, X0
	VMOVSS X0, (R8)
	VEXTRACTPS $1, X0, (R8)(BX*4)
	ADDQ $4, R8
	ADDQ R9, DI
	DECQ CX
	JMP  dbpair

// An odd n leaves row n-1, after the second stream's last row.
dbodd:
	MOVQ n+24(FP), CX
	ANDQ $1, CX
	JEQ  dbdone
	ADDQ AX, DI
	LEAQ (R8)(BX*4), R8
	VXORPS Y0, Y0, Y0
	MOVQ SI, R11
	MOVQ DI, R12
	MOVQ DX, R10

dbsingle8:
	CMPQ R10, $8
	JL   dbsingledone
	VMOVUPS (R11), Y8
	VFMADD231PS (R12), Y8, Y0
	ADDQ $32, R11
	ADDQ $32, R12
	SUBQ $8, R10
	JMP  dbsingle8

dbsingledone:
	HSUM0

dbsingletail:
	TESTQ R10, R10
	JEQ   dbsinglestore
	VMOVSS (R11), X8
	VFMADD231SS (R12), X8, X0
	ADDQ $4, R11
	ADDQ $4, R12
	DECQ R10
	JMP  dbsingletail

dbsinglestore:
	VMOVSS X0, (R8)

dbdone:
	VZEROUPPER
	RET
