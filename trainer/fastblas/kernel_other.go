//go:build !amd64 && !(openblas && cgo)

package fastblas

// simdCPU is false: the SIMD kernels are written for amd64 only.
const simdCPU = false

// kernelFor is the portable Go kernel; off amd64 it only serves the driver's tests.
func kernelFor(n int) kernel { return kernelGo16 }

// kernelsName names the instruction sets of the kernels that run: none off amd64.
func kernelsName() string { return "no SIMD" }
