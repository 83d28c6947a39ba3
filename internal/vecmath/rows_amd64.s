//go:build amd64 && !purego

#include "textflag.h"

// The row kernels score rows base[ids[i]*dim:] of a row-major matrix
// against q, for i < n (n ≥ 1, dim ≥ 8). Before computing a row they
// prefetch every cache line of the next one, so the scattered reads of a
// graph search overlap the arithmetic. The dim%8 tail runs in scalar FMA.

// func dotRowsAVX2(q, base *float32, dim int, ids *uint32, n int, out *float32)
TEXT ·dotRowsAVX2(SB), NOSPLIT, $0-48
	MOVQ q+0(FP), SI
	MOVQ base+8(FP), BX
	MOVQ dim+16(FP), DX
	MOVQ ids+24(FP), R14
	MOVQ n+32(FP), CX
	MOVQ out+40(FP), R8
	MOVQ DX, R9
	SHLQ $2, R9
	MOVL (R14), AX
	IMULQ R9, AX
	LEAQ (BX)(AX*1), DI

drrow:
	MOVQ DI, R13
	CMPQ CX, $1
	JEQ  drcompute
	MOVL 4(R14), AX
	IMULQ R9, AX
	LEAQ (BX)(AX*1), R13
	XORQ AX, AX

drpf:
	PREFETCHT0 (R13)(AX*1)
	ADDQ $64, AX
	CMPQ AX, R9
	JL   drpf
	PREFETCHT0 -1(R13)(R9*1)

drcompute:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ SI, R11
	MOVQ DI, R12
	MOVQ DX, R10

dr32:
	CMPQ R10, $32
	JL   dr8
	VMOVUPS (R11), Y4
	VMOVUPS 32(R11), Y5
	VMOVUPS 64(R11), Y6
	VMOVUPS 96(R11), Y7
	VFMADD231PS (R12), Y4, Y0
	VFMADD231PS 32(R12), Y5, Y1
	VFMADD231PS 64(R12), Y6, Y2
	VFMADD231PS 96(R12), Y7, Y3
	ADDQ $128, R11
	ADDQ $128, R12
	SUBQ $32, R10
	JMP  dr32

dr8:
	CMPQ R10, $8
	JL   drsum
	VMOVUPS (R11), Y4
	VFMADD231PS (R12), Y4, Y0
	ADDQ $32, R11
	ADDQ $32, R12
	SUBQ $8, R10
	JMP  dr8

drsum:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0

drtail:
	TESTQ R10, R10
	JEQ   drstore
	VMOVSS (R11), X4
	VFMADD231SS (R12), X4, X0
	ADDQ $4, R11
	ADDQ $4, R12
	DECQ R10
	JMP  drtail

drstore:
	VMOVSS X0, (R8)
	ADDQ $4, R8
	ADDQ $4, R14
	MOVQ R13, DI
	DECQ CX
	JNE  drrow
	VZEROUPPER
	RET

// func l2SqRowsAVX2(q, base *float32, dim int, ids *uint32, n int, out *float32)
TEXT ·l2SqRowsAVX2(SB), NOSPLIT, $0-48
	MOVQ q+0(FP), SI
	MOVQ base+8(FP), BX
	MOVQ dim+16(FP), DX
	MOVQ ids+24(FP), R14
	MOVQ n+32(FP), CX
	MOVQ out+40(FP), R8
	MOVQ DX, R9
	SHLQ $2, R9
	MOVL (R14), AX
	IMULQ R9, AX
	LEAQ (BX)(AX*1), DI

lrrow:
	MOVQ DI, R13
	CMPQ CX, $1
	JEQ  lrcompute
	MOVL 4(R14), AX
	IMULQ R9, AX
	LEAQ (BX)(AX*1), R13
	XORQ AX, AX

lrpf:
	PREFETCHT0 (R13)(AX*1)
	ADDQ $64, AX
	CMPQ AX, R9
	JL   lrpf
	PREFETCHT0 -1(R13)(R9*1)

lrcompute:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ SI, R11
	MOVQ DI, R12
	MOVQ DX, R10

lr32:
	CMPQ R10, $32
	JL   lr8
	VMOVUPS (R11), Y4
	VMOVUPS 32(R11), Y5
	VMOVUPS 64(R11), Y6
	VMOVUPS 96(R11), Y7
	VSUBPS  (R12), Y4, Y4
	VSUBPS  32(R12), Y5, Y5
	VSUBPS  64(R12), Y6, Y6
	VSUBPS  96(R12), Y7, Y7
	VFMADD231PS Y4, Y4, Y0
	VFMADD231PS Y5, Y5, Y1
	VFMADD231PS Y6, Y6, Y2
	VFMADD231PS Y7, Y7, Y3
	ADDQ $128, R11
	ADDQ $128, R12
	SUBQ $32, R10
	JMP  lr32

lr8:
	CMPQ R10, $8
	JL   lrsum
	VMOVUPS (R11), Y4
	VSUBPS  (R12), Y4, Y4
	VFMADD231PS Y4, Y4, Y0
	ADDQ $32, R11
	ADDQ $32, R12
	SUBQ $8, R10
	JMP  lr8

lrsum:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0

lrtail:
	TESTQ R10, R10
	JEQ   lrstore
	VMOVSS (R11), X4
	VSUBSS (R12), X4, X4
	VFMADD231SS X4, X4, X0
	ADDQ $4, R11
	ADDQ $4, R12
	DECQ R10
	JMP  lrtail

lrstore:
	VMOVSS X0, (R8)
	ADDQ $4, R8
	ADDQ $4, R14
	MOVQ R13, DI
	DECQ CX
	JNE  lrrow
	VZEROUPPER
	RET
