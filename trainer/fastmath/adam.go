package fastmath

import "math"

// Adam holds the constants of one Adam step for AdamUpdate (the trainer's adam computes them).
type Adam struct {
	Scale    float64 // gradient scale (clipping)
	B1, C1   float64 // β₁ and 1 − β₁
	B2, C2   float64 // β₂ and 1 − β₂
	IB1, IB2 float64 // 1 / the bias corrections 1 − β₁ᵗ and 1 − β₂ᵗ
	Eps, LR  float64 // ε and the step's learning rate
	WD       float64 // decoupled weight decay (0 = none)
}

// AdamUpdate applies one Adam step to the float32 weights th from the float64 gradient g and
// moments m and v (all at least len(th) long), in float64:
//
//	g' = g·Scale;  m = B1·m + C1·g';  v = B2·v + C2·g'·g'
//	th = th − LR·((m·IB1)/(√(v·IB2) + Eps) + WD·th)
//
// every operation rounded in this order (no fused multiply-add), so the SIMD kernel (4 lanes at a
// time, VSQRTPD and VDIVPD are correctly rounded) and the Go loop agree bit for bit.
func AdamUpdate(th []float32, g, m, v []float64, k *Adam) {
	g, m, v = g[:len(th)], m[:len(th)], v[:len(th)]
	done := 0
	if simd {
		done = adamSIMD(th, g, m, v, k)
	}
	adamGo(th[done:], g[done:], m[done:], v[done:], k)
}

// adamGo is AdamUpdate as plain Go: the fallback, the tail of the SIMD kernel and the reference
// of the tests. The explicit float64 conversions forbid the compiler to fuse a multiply and an
// add (which it may do for GOAMD64=v3 and on other architectures).
func adamGo(th []float32, g, m, v []float64, k *Adam) {
	b1, c1, b2, c2, ib1, ib2, eps, lr, wd, scale := k.B1, k.C1, k.B2, k.C2, k.IB1, k.IB2, k.Eps, k.LR, k.WD, k.Scale
	g, m, v = g[:len(th)], m[:len(th)], v[:len(th)]
	for j := range th {
		gj := g[j] * scale
		mj := float64(b1*m[j]) + float64(c1*gj)
		vj := float64(b2*v[j]) + float64(float64(c2*gj)*gj)
		m[j], v[j] = mj, vj
		t := float64(th[j])
		u := float64(float64(mj*ib1)/(math.Sqrt(float64(vj*ib2))+eps)) + float64(wd*t)
		th[j] = float32(t - float64(lr*u))
	}
}
