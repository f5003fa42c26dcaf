//go:build amd64

#include "textflag.h"

// Constants of expShift8 (float32 bit patterns): clamp bounds, log2(e), ln 2 in two parts
// (Cody-Waite), the degree-5 minimax polynomial of Cephes's expf, 1, +Inf; then the int32 127.
DATA expConst<>+0(SB)/4, $0xc2cff1b4 // lo -103.97208
DATA expConst<>+4(SB)/4, $0x42b17218 // hi 88.72284
DATA expConst<>+8(SB)/4, $0x3fb8aa3b // log2e 1.4426950408889634
DATA expConst<>+12(SB)/4, $0x3f318000 // c1 0.693359375
DATA expConst<>+16(SB)/4, $0xb95e8083 // c2 -0.00021219444
DATA expConst<>+20(SB)/4, $0x39506967 // p0 0.000198756915
DATA expConst<>+24(SB)/4, $0x3ab743ce // p1 0.0013981999507
DATA expConst<>+28(SB)/4, $0x3c088908 // p2 0.0083334519073
DATA expConst<>+32(SB)/4, $0x3d2aa9c1 // p3 0.041665795894
DATA expConst<>+36(SB)/4, $0x3e2aaaaa // p4 0.16666665459
DATA expConst<>+40(SB)/4, $0x3f000000 // p5 0.50000001201
DATA expConst<>+44(SB)/4, $0x3f800000 // one 1.0
DATA expConst<>+48(SB)/4, $0x7f800000 // inf inf
DATA expConst<>+52(SB)/4, $127
GLOBL expConst<>(SB), RODATA|NOPTR, $56

// func expShift8(y, x *float32, blocks int, shift float32, sums *[8]float32)
//
// y[i] = exp(x[i] - shift) for i < 8·blocks, and sums[l] = Σ y[8j+l] (y may be x). exp(t) is
// 2^n·q(r) with n = round(t·log2 e), r = t − n·ln 2 (|r| <= ln2/2), q Cephes's expf polynomial;
// 2^n is applied as two powers of two so that results down to the subnormals are right. t above
// 88.72284 gives +Inf, below −103.97208 0, NaN gives NaN.
//
// Registers: Y0 t, Y1 clamped t then r, Y2 n, Y3 q, Y4 r², Y5–Y7 scratch, Y8 shift, Y9 sums,
// Y10 log2 e, Y11 1, Y12 hi, Y13 lo, Y14 +Inf, Y15 127 (int32).
TEXT ·expShift8(SB), NOSPLIT, $0-40
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ blocks+16(FP), CX
	VBROADCASTSS shift+24(FP), Y8
	VXORPS Y9, Y9, Y9
	VBROADCASTSS expConst<>+8(SB), Y10
	VBROADCASTSS expConst<>+44(SB), Y11
	VBROADCASTSS expConst<>+4(SB), Y12
	VBROADCASTSS expConst<>+0(SB), Y13
	VBROADCASTSS expConst<>+48(SB), Y14
	VPBROADCASTD expConst<>+52(SB), Y15
	TESTQ CX, CX
	JZ   done
loop:
	VMOVUPS (SI), Y0
	VSUBPS Y8, Y0, Y0
	VMAXPS Y13, Y0, Y1
	VMINPS Y12, Y1, Y1
	VMULPS Y10, Y1, Y2
	VROUNDPS $0, Y2, Y2
	VBROADCASTSS expConst<>+12(SB), Y5
	VFNMADD231PS Y5, Y2, Y1
	VBROADCASTSS expConst<>+16(SB), Y5
	VFNMADD231PS Y5, Y2, Y1
	VBROADCASTSS expConst<>+20(SB), Y3
	VBROADCASTSS expConst<>+24(SB), Y5
	VFMADD213PS Y5, Y1, Y3
	VBROADCASTSS expConst<>+28(SB), Y5
	VFMADD213PS Y5, Y1, Y3
	VBROADCASTSS expConst<>+32(SB), Y5
	VFMADD213PS Y5, Y1, Y3
	VBROADCASTSS expConst<>+36(SB), Y5
	VFMADD213PS Y5, Y1, Y3
	VBROADCASTSS expConst<>+40(SB), Y5
	VFMADD213PS Y5, Y1, Y3
	VMULPS Y1, Y1, Y4
	VFMADD213PS Y1, Y4, Y3
	VADDPS Y11, Y3, Y3
	VCVTPS2DQ Y2, Y5
	VPSRAD $1, Y5, Y6
	VPSUBD Y6, Y5, Y5
	VPADDD Y15, Y6, Y6
	VPSLLD $23, Y6, Y6
	VPADDD Y15, Y5, Y5
	VPSLLD $23, Y5, Y5
	VMULPS Y6, Y3, Y3
	VMULPS Y5, Y3, Y3
	VCMPPS $0x1e, Y12, Y0, Y7
	VBLENDVPS Y7, Y14, Y3, Y3
	VCMPPS $0x11, Y13, Y0, Y7
	VANDNPS Y3, Y7, Y3
	VCMPPS $3, Y0, Y0, Y7
	VBLENDVPS Y7, Y0, Y3, Y3
	VMOVUPS Y3, (DI)
	VADDPS Y3, Y9, Y9
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  loop
done:
	MOVQ sums+32(FP), AX
	VMOVUPS Y9, (AX)
	VZEROUPPER
	RET
