//go:build !amd64

package fastblas

// simdCPU is false: the SIMD kernels are written for amd64 only.
const simdCPU = false

// microKernel is the portable micro-kernel; off amd64 it only serves the driver's tests.
func microKernel(k int, a []float32, rsA, csA int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	microKernelGo(k, a, rsA, csA, b, ldb, c, ldc, alpha, beta)
}
