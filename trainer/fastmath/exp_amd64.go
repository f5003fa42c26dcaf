package fastmath

import (
	"os"

	"golang.org/x/sys/cpu"
)

// simd reports whether the AVX2+FMA kernels run: decided once at start-up, read-only afterwards.
var simd = cpu.X86.HasAVX2 && cpu.X86.HasFMA && os.Getenv("ATTNSEARCH_NOSIMD") == ""

// expShift8 sets y[i] = exp(x[i] − shift) for i < 8·blocks and sums[l] = Σ y[8j+l].
//
//go:noescape
func expShift8(y, x *float32, blocks int, shift float32, sums *[8]float32)

// expShiftSIMD is ExpShift in 8-lane blocks (the last len(x) mod 8 elements through ExpShiftMath).
func expShiftSIMD(y, x []float32, shift float32) float64 {
	blocks := len(x) / 8
	var s float64
	if blocks > 0 {
		var sums [8]float32
		expShift8(&y[0], &x[0], blocks, shift, &sums)
		for _, v := range sums {
			s += float64(v)
		}
	}
	if rest := blocks * 8; rest < len(x) {
		s += ExpShiftMath(y[rest:], x[rest:], shift)
	}
	return s
}
