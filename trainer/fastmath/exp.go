package fastmath

import "math"

// SIMD reports whether the vectorised kernels run (amd64 with AVX2+FMA, ATTNSEARCH_NOSIMD unset).
func SIMD() bool { return simd }

// ExpShift sets y[i] = exp(x[i] − shift) for i < len(x) (y may be x; y at least as long) and returns Σ y[i].
func ExpShift(y, x []float32, shift float32) float64 {
	y = y[:len(x)]
	if !simd {
		return ExpShiftMath(y, x, shift)
	}
	return expShiftSIMD(y, x, shift)
}

// ExpShiftMath is ExpShift on math.Exp, for float32 or float64: the float64 path, the fallback
// without SIMD, and the reference of the tests.
func ExpShiftMath[T float32 | float64](y, x []T, shift T) float64 {
	var s float64
	for i, v := range x {
		e := math.Exp(float64(v - shift))
		y[i] = T(e)
		s += e
	}
	return s
}

// SumExpShift returns Σ exp(x[i] − shift) without storing the terms.
func SumExpShift(x []float32, shift float32) float64 {
	var buf [256]float32
	var s float64
	for len(x) > 0 {
		n := min(len(x), len(buf))
		s += ExpShift(buf[:n], x[:n], shift)
		x = x[n:]
	}
	return s
}
