//go:build amd64 && !purego

#include "textflag.h"

// The four lane sums of Y0, Y1, Y2, Y3 into X0's four lanes, in that order.
#define HSUM4 \
	VHADDPS Y1, Y0, Y0 \
	VHADDPS Y3, Y2, Y2 \
	VHADDPS Y2, Y0, Y0 \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS X1, X0, X0

// The lane sum of Y0 into X0's lowest lane.
#define HSUM1 \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS X1, X0, X0 \
	VHADDPS X0, X0, X0 \
	VHADDPS X0, X0, X0

// func sq8L2BatchAVX2(a, step *float32, codes *byte, dim, n8, n int, out *float32)
// Four rows per pass share the loads of a and step. Per 8 dimensions of a
// row: widen the bytes to int32 (VPMOVZXBD), convert to float, t = a - c·step
// (VFNMADD231PS), acc += t·t.
TEXT ·sq8L2BatchAVX2(SB), NOSPLIT, $0-56
	MOVQ a+0(FP), SI
	MOVQ step+8(FP), BX
	MOVQ codes+16(FP), DI
	MOVQ dim+24(FP), DX
	MOVQ n8+32(FP), R9
	MOVQ n+40(FP), CX
	MOVQ out+48(FP), R8

l2quad:
	CMPQ CX, $4
	JL   l2single
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	LEAQ (DI)(DX*1), R11
	LEAQ (DI)(DX*2), R12
	LEAQ (R11)(DX*2), R13
	XORQ R10, R10

l2quad8:
	VMOVUPS   (SI)(R10*4), Y4
	VMOVUPS   (BX)(R10*4), Y5
	VPMOVZXBD (DI)(R10*1), Y6
	VPMOVZXBD (R11)(R10*1), Y7
	VPMOVZXBD (R12)(R10*1), Y8
	VPMOVZXBD (R13)(R10*1), Y9
	VCVTDQ2PS Y6, Y6
	VCVTDQ2PS Y7, Y7
	VCVTDQ2PS Y8, Y8
	VCVTDQ2PS Y9, Y9
	VMOVAPS   Y4, Y10
	VMOVAPS   Y4, Y11
	VMOVAPS   Y4, Y12
	VMOVAPS   Y4, Y13
	VFNMADD231PS Y5, Y6, Y10
	VFNMADD231PS Y5, Y7, Y11
	VFNMADD231PS Y5, Y8, Y12
	VFNMADD231PS Y5, Y9, Y13
	VFMADD231PS  Y10, Y10, Y0
	VFMADD231PS  Y11, Y11, Y1
	VFMADD231PS  Y12, Y12, Y2
	VFMADD231PS  Y13, Y13, Y3
	ADDQ $8, R10
	CMPQ R10, R9
	JL   l2quad8

	HSUM4
	VMOVUPS X0, (R8)
	ADDQ $16, R8
	LEAQ (DI)(DX*4), DI
	SUBQ $4, CX
	JMP  l2quad

l2single:
	CMPQ CX, $1
	JL   l2done
	VXORPS Y0, Y0, Y0
	XORQ R10, R10

l2single8:
	VMOVUPS   (SI)(R10*4), Y4
	VPMOVZXBD (DI)(R10*1), Y6
	VCVTDQ2PS Y6, Y6
	VFNMADD231PS (BX)(R10*4), Y6, Y4
	VFMADD231PS  Y4, Y4, Y0
	ADDQ $8, R10
	CMPQ R10, R9
	JL   l2single8

	HSUM1
	VMOVSS X0, (R8)
	ADDQ $4, R8
	ADDQ DX, DI
	SUBQ $1, CX
	JMP  l2single

l2done:
	VZEROUPPER
	RET

// func sq8DotBatchAVX2(a *float32, codes *byte, dim, n8, n int, out *float32)
// Four rows per pass share the loads of a; acc += a·float(code).
TEXT ·sq8DotBatchAVX2(SB), NOSPLIT, $0-48
	MOVQ a+0(FP), SI
	MOVQ codes+8(FP), DI
	MOVQ dim+16(FP), DX
	MOVQ n8+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ out+40(FP), R8

dquad:
	CMPQ CX, $4
	JL   dsingle
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	LEAQ (DI)(DX*1), R11
	LEAQ (DI)(DX*2), R12
	LEAQ (R11)(DX*2), R13
	XORQ R10, R10

dquad8:
	VMOVUPS   (SI)(R10*4), Y4
	VPMOVZXBD (DI)(R10*1), Y6
	VPMOVZXBD (R11)(R10*1), Y7
	VPMOVZXBD (R12)(R10*1), Y8
	VPMOVZXBD (R13)(R10*1), Y9
	VCVTDQ2PS Y6, Y6
	VCVTDQ2PS Y7, Y7
	VCVTDQ2PS Y8, Y8
	VCVTDQ2PS Y9, Y9
	VFMADD231PS Y4, Y6, Y0
	VFMADD231PS Y4, Y7, Y1
	VFMADD231PS Y4, Y8, Y2
	VFMADD231PS Y4, Y9, Y3
	ADDQ $8, R10
	CMPQ R10, R9
	JL   dquad8

	HSUM4
	VMOVUPS X0, (R8)
	ADDQ $16, R8
	LEAQ (DI)(DX*4), DI
	SUBQ $4, CX
	JMP  dquad

dsingle:
	CMPQ CX, $1
	JL   ddone
	VXORPS Y0, Y0, Y0
	XORQ R10, R10

dsingle8:
	VPMOVZXBD (DI)(R10*1), Y6
	VCVTDQ2PS Y6, Y6
	VFMADD231PS (SI)(R10*4), Y6, Y0
	ADDQ $8, R10
	CMPQ R10, R9
	JL   dsingle8

	HSUM1
	VMOVSS X0, (R8)
	ADDQ $4, R8
	ADDQ DX, DI
	SUBQ $1, CX
	JMP  dsingle

ddone:
	VZEROUPPER
	RET
