package main

import (
	"math"

	"github.com/c-bata/goptuna"
)

// The WFG toolkit (Huband, Hingston, Barone, While, "A review of multiobjective test problems
// and a scalable test problem toolkit", IEEE TEVC 10(5), 2006): z_i ∈ [0, 2i], normalised to
// y_i = z_i/(2i), transformed, then mapped onto a front shape scaled by S_m = 2m with D = 1.

// wfgSpace is WFG's box: z_i ∈ [0, 2i] (i from 1).
func wfgSpace(n int) map[string]interface{} {
	s := map[string]interface{}{}
	for i := 0; i < n; i++ {
		s[name(i)] = goptuna.UniformDistribution{Low: 0, High: 2 * float64(i+1)}
	}
	return s
}

// clamp01 corrects rounding just outside [0, 1].
func clamp01(v float64) float64 { return math.Min(math.Max(v, 0), 1) }

func bPoly(y, alpha float64) float64 { return clamp01(math.Pow(y, alpha)) }

func bFlat(y, a, b, c float64) float64 {
	v := a + math.Min(0, math.Floor(y-b))*a*(b-y)/b - math.Min(0, math.Floor(c-y))*(1-a)*(y-c)/(1-c)
	return clamp01(v)
}

func sLinear(y, a float64) float64 { return clamp01(math.Abs(y-a) / math.Abs(math.Floor(a-y)+a)) }

func sMulti(y, a, b, c float64) float64 {
	t := math.Abs(y-c) / (2 * (math.Floor(c-y) + c))
	return clamp01((1 + math.Cos((4*a+2)*math.Pi*(0.5-t)) + 4*b*t*t) / (b + 2))
}

func rSum(y, w []float64) float64 {
	num, den := 0.0, 0.0
	for i := range y {
		num += w[i] * y[i]
		den += w[i]
	}
	return clamp01(num / den)
}

func rNonsep(y []float64, a int) float64 {
	n := len(y)
	num := 0.0
	for j := 0; j < n; j++ {
		num += y[j]
		for k := 0; k <= a-2; k++ {
			num += math.Abs(y[j] - y[(j+k+1)%n])
		}
	}
	h := math.Ceil(float64(a) / 2)
	return clamp01(num / (float64(n) / float64(a) * h * (1 + 2*float64(a) - 2*h)))
}

// wfgNormalise maps z to y_i = z_i/(2i).
func wfgNormalise(z []float64) []float64 {
	y := make([]float64, len(z))
	for i, v := range z {
		y[i] = clamp01(v / (2 * float64(i+1)))
	}
	return y
}

// wfgReduce is the last transition of WFG1–WFG4: r_sum of each of the M−1 position groups and
// of the distance parameters, with weights w (nil: ones).
func wfgReduce(y []float64, k, m int, w []float64) []float64 {
	if w == nil {
		w = make([]float64, len(y))
		for i := range w {
			w[i] = 1
		}
	}
	t := make([]float64, m)
	for i := 0; i < m-1; i++ {
		lo, hi := i*k/(m-1), (i+1)*k/(m-1)
		t[i] = rSum(y[lo:hi], w[lo:hi])
	}
	t[m-1] = rSum(y[k:], w[k:])
	return t
}

// wfgX is the shape's argument x from the transformed t and the degeneracy constants A.
func wfgX(t []float64, degenerate bool) []float64 {
	m := len(t)
	x := make([]float64, m)
	for i := 0; i < m-1; i++ {
		a := 1.0
		if degenerate && i > 0 {
			a = 0
		}
		x[i] = math.Max(t[m-1], a)*(t[i]-0.5) + 0.5
	}
	x[m-1] = t[m-1]
	return x
}

// shape returns f_m = D·x_M + S_m·h_m with D = 1 and S_m = 2m.
func wfgF(x, h []float64) []float64 {
	m := len(x)
	f := make([]float64, m)
	for i := range f {
		f[i] = x[m-1] + 2*float64(i+1)*h[i]
	}
	return f
}

// convex, concave and linear are WFG's shape functions h_m (m from 1) over x_1…x_{M−1}.
func convex(x []float64, m int) float64 {
	M := len(x)
	r := 1.0
	for i := 0; i < M-m; i++ {
		r *= 1 - math.Cos(x[i]*math.Pi/2)
	}
	if m != 1 {
		r *= 1 - math.Sin(x[M-m]*math.Pi/2)
	}
	return clamp01(r)
}

func concave(x []float64, m int) float64 {
	M := len(x)
	r := 1.0
	for i := 0; i < M-m; i++ {
		r *= math.Sin(x[i] * math.Pi / 2)
	}
	if m != 1 {
		r *= math.Cos(x[M-m] * math.Pi / 2)
	}
	return clamp01(r)
}

func linear(x []float64, m int) float64 {
	M := len(x)
	r := 1.0
	for i := 0; i < M-m; i++ {
		r *= x[i]
	}
	if m != 1 {
		r *= 1 - x[M-m]
	}
	return clamp01(r)
}

func mixed(x []float64, a, alpha float64) float64 {
	t := 2 * a * math.Pi
	return clamp01(math.Pow(1-x[0]-math.Cos(t*x[0]+math.Pi/2)/t, alpha))
}

func disc(x []float64, a, alpha, beta float64) float64 {
	return clamp01(1 - math.Pow(x[0], alpha)*sq(math.Cos(a*math.Pow(x[0], beta)*math.Pi)))
}

// wfg1: s_linear, b_flat on the distance parameters, b_poly(0.02) on all, weighted r_sum; convex
// front ending in a mixed (A=5, α=1) last objective.
func wfg1(z []float64, k, m int) []float64 { return wfg1y(wfgNormalise(z), k, m) }

// wfg1y is WFG1 of the normalised y.
func wfg1y(y []float64, k, m int) []float64 {
	for i := k; i < len(y); i++ {
		y[i] = sLinear(y[i], 0.35)
	}
	for i := k; i < len(y); i++ {
		y[i] = bFlat(y[i], 0.8, 0.75, 0.85)
	}
	for i := range y {
		y[i] = bPoly(y[i], 0.02)
	}
	w := make([]float64, len(y))
	for i := range w {
		w[i] = 2 * float64(i+1)
	}
	x := wfgX(wfgReduce(y, k, m, w), false)
	h := make([]float64, m)
	for i := 0; i < m-1; i++ {
		h[i] = convex(x, i+1)
	}
	h[m-1] = mixed(x, 5, 1)
	return wfgF(x, h)
}

// wfg23 is WFG2 (convex front, disc last objective) or, degenerate, WFG3 (linear front with
// A = {1, 0, …}): s_linear on the distance parameters, r_nonsep over their pairs, r_sum.
func wfg23(z []float64, k, m int, wfg3 bool) []float64 {
	y := wfgNormalise(z)
	for i := k; i < len(y); i++ {
		y[i] = sLinear(y[i], 0.35)
	}
	l := len(y) - k
	t := append([]float64(nil), y[:k]...)
	for i := 0; i < l/2; i++ {
		t = append(t, rNonsep(y[k+2*i:k+2*i+2], 2))
	}
	x := wfgX(wfgReduce(t, k, m, nil), wfg3)
	h := make([]float64, m)
	for i := 0; i < m; i++ {
		switch {
		case wfg3:
			h[i] = linear(x, i+1)
		case i < m-1:
			h[i] = convex(x, i+1)
		default:
			h[i] = disc(x, 5, 1, 1)
		}
	}
	return wfgF(x, h)
}

// wfg4: s_multi(30, 10, 0.35) on all parameters, r_sum; concave front.
func wfg4(z []float64, k, m int) []float64 {
	y := wfgNormalise(z)
	for i := range y {
		y[i] = sMulti(y[i], 30, 10, 0.35)
	}
	x := wfgX(wfgReduce(y, k, m, nil), false)
	h := make([]float64, m)
	for i := range h {
		h[i] = concave(x, i+1)
	}
	return wfgF(x, h)
}

// bParam is WFG's parameter-dependent bias: y^(B + (C−B)·v(u)), v(u) = A − (1−2u)·|⌊0.5−u⌋ + A|.
func bParam(y, u, a, b, c float64) float64 {
	v := a - (1-2*u)*math.Abs(math.Floor(0.5-u)+a)
	return clamp01(math.Pow(y, b+(c-b)*v))
}

// sDecept is WFG's deceptive shift: optimum 0 at y = A, deceptive minima at 0 and 1.
func sDecept(y, a, b, c float64) float64 {
	t := math.Floor(y-a+b)*(1-c+(a-b)/b)/(a-b) + math.Floor(a+b-y)*(1-c+(1-a-b)/b)/(1-a-b) + 1/b
	return clamp01(1 + (math.Abs(y-a)-b)*t)
}

// wfgBParam are bParam's constants in WFG7–WFG9: A = 0.98/49.98, B = 0.02, C = 50.
const wfgBParamA, wfgBParamB, wfgBParamC = 0.98 / 49.98, 0.02, 50

// mean is r_sum with unit weights.
func mean(y []float64) float64 {
	s := 0.0
	for _, v := range y {
		s += v
	}
	return clamp01(s / float64(len(y)))
}

// wfgConcave maps the last transition's t onto WFG4–WFG9's concave front.
func wfgConcave(t []float64) []float64 {
	x := wfgX(t, false)
	h := make([]float64, len(x))
	for i := range h {
		h[i] = concave(x, i+1)
	}
	return wfgF(x, h)
}

// wfgNonsepReduce is WFG6's and WFG9's last transition: r_nonsep of each of the M−1 position
// groups (degree k/(M−1)) and of the distance parameters (degree l).
func wfgNonsepReduce(y []float64, k, m int) []float64 {
	t := make([]float64, m)
	g := k / (m - 1)
	for i := 0; i < m-1; i++ {
		t[i] = rNonsep(y[i*g:(i+1)*g], g)
	}
	t[m-1] = rNonsep(y[k:], len(y)-k)
	return t
}

// wfg5: s_decept(0.35, 0.001, 0.05) on all parameters, r_sum; concave front (Huband et al. 2006).
func wfg5(z []float64, k, m int) []float64 {
	y := wfgNormalise(z)
	for i := range y {
		y[i] = sDecept(y[i], 0.35, 0.001, 0.05)
	}
	return wfgConcave(wfgReduce(y, k, m, nil))
}

// wfg6: s_linear(0.35) on the distance parameters, r_nonsep; concave front.
func wfg6(z []float64, k, m int) []float64 {
	y := wfgNormalise(z)
	for i := k; i < len(y); i++ {
		y[i] = sLinear(y[i], 0.35)
	}
	return wfgConcave(wfgNonsepReduce(y, k, m))
}

// wfg7: the position parameters biased by the mean of those after them (b_param), s_linear(0.35)
// on the distance parameters, r_sum; concave front.
func wfg7(z []float64, k, m int) []float64 {
	y0 := wfgNormalise(z)
	y := append([]float64(nil), y0...)
	for i := 0; i < k; i++ {
		y[i] = bParam(y0[i], mean(y0[i+1:]), wfgBParamA, wfgBParamB, wfgBParamC)
	}
	for i := k; i < len(y); i++ {
		y[i] = sLinear(y[i], 0.35)
	}
	return wfgConcave(wfgReduce(y, k, m, nil))
}

// wfg8: the distance parameters biased by the mean of those before them (b_param), s_linear(0.35)
// on them, r_sum; concave front.
func wfg8(z []float64, k, m int) []float64 {
	y0 := wfgNormalise(z)
	y := append([]float64(nil), y0...)
	for i := k; i < len(y); i++ {
		y[i] = sLinear(bParam(y0[i], mean(y0[:i]), wfgBParamA, wfgBParamB, wfgBParamC), 0.35)
	}
	return wfgConcave(wfgReduce(y, k, m, nil))
}

// wfg9: every parameter but the last biased by the mean of those after it (b_param), then
// s_decept(0.35, 0.001, 0.05) on the position parameters and s_multi(30, 95, 0.35) on the
// distance ones, r_nonsep; concave front.
func wfg9(z []float64, k, m int) []float64 {
	y0 := wfgNormalise(z)
	y := append([]float64(nil), y0...)
	for i := 0; i < len(y)-1; i++ {
		y[i] = bParam(y0[i], mean(y0[i+1:]), wfgBParamA, wfgBParamB, wfgBParamC)
	}
	for i := range y {
		if i < k {
			y[i] = sDecept(y[i], 0.35, 0.001, 0.05)
		} else {
			y[i] = sMulti(y[i], 30, 95, 0.35)
		}
	}
	return wfgConcave(wfgNonsepReduce(y, k, m))
}
