//go:build amd64

#include "textflag.h"

// func adam4(th *float32, grad, m, v *float64, blocks int, k *Adam)
//
// For 4 elements at a time, in float64 (the order of fastmath.adamGo, no fused multiply-add):
// gs = g·Scale; m = B1·m + C1·gs; v = B2·v + C2·gs·gs; th = th − LR·((m·IB1)/(√(v·IB2)+Eps) + WD·th).
// The fields of Adam are at offsets 0 Scale, 8 B1, 16 C1, 24 B2, 32 C2, 40 IB1, 48 IB2, 56 Eps, 64 LR,
// 72 WD.
//
// Registers: Y0 th, Y1 gs (the scaled gradient), Y2 m then the update, Y3 v, Y4–Y5 scratch, Y6 Scale, Y7 B1, Y8 C1,
// Y9 B2, Y10 C2, Y11 IB1, Y12 IB2, Y13 Eps, Y14 LR, Y15 WD.
TEXT ·adam4(SB), NOSPLIT, $0-48
	MOVQ th+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ blocks+32(FP), CX
	MOVQ k+40(FP), AX
	VBROADCASTSD 0(AX), Y6
	VBROADCASTSD 8(AX), Y7
	VBROADCASTSD 16(AX), Y8
	VBROADCASTSD 24(AX), Y9
	VBROADCASTSD 32(AX), Y10
	VBROADCASTSD 40(AX), Y11
	VBROADCASTSD 48(AX), Y12
	VBROADCASTSD 56(AX), Y13
	VBROADCASTSD 64(AX), Y14
	VBROADCASTSD 72(AX), Y15
	TESTQ CX, CX
	JZ    done
loop:
	VCVTPS2PD (DI), Y0      // th as float64
	VMOVUPD   (SI), Y1
	VMULPD    Y6, Y1, Y1    // gs = g·Scale
	VMOVUPD   (R8), Y2
	VMULPD    Y7, Y2, Y2    // B1·m
	VMULPD    Y8, Y1, Y4    // C1·gs
	VADDPD    Y4, Y2, Y2    // m
	VMOVUPD   Y2, (R8)
	VMOVUPD   (R9), Y3
	VMULPD    Y9, Y3, Y3    // B2·v
	VMULPD    Y10, Y1, Y4   // C2·gs
	VMULPD    Y1, Y4, Y4    // C2·gs·gs
	VADDPD    Y4, Y3, Y3    // v
	VMOVUPD   Y3, (R9)
	VMULPD    Y11, Y2, Y2   // m·IB1
	VMULPD    Y12, Y3, Y3   // v·IB2
	VSQRTPD   Y3, Y3
	VADDPD    Y13, Y3, Y3   // √(v·IB2) + Eps
	VDIVPD    Y3, Y2, Y2    // (m·IB1)/(√(v·IB2) + Eps)
	VMULPD    Y15, Y0, Y5   // WD·th
	VADDPD    Y5, Y2, Y2
	VMULPD    Y14, Y2, Y2   // LR·(…)
	VSUBPD    Y2, Y0, Y0    // th − LR·(…)
	VCVTPD2PSY Y0, X0
	VMOVUPS   X0, (DI)
	ADDQ $16, DI
	ADDQ $32, SI
	ADDQ $32, R8
	ADDQ $32, R9
	DECQ CX
	JNZ  loop
done:
	VZEROUPPER
	RET
