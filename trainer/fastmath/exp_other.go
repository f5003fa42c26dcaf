//go:build !amd64

package fastmath

// simd is false: the SIMD kernels are written for amd64 only.
const simd = false

func expShiftSIMD(y, x []float32, shift float32) float64 { return ExpShiftMath(y, x, shift) }
