//go:build !amd64

package fastmath

// adamSIMD does nothing: the SIMD kernels are written for amd64 only.
func adamSIMD(th []float32, g, m, v []float64, k *Adam) int { return 0 }
