//go:build amd64 && !(openblas && cgo)

package fastblas

// testKernels are the micro-kernels this CPU runs, and the Go one.
func testKernels() []kernel {
	ks := []kernel{kernelGo16}
	if simdCPU {
		ks = append(ks, avx2Kernel)
	}
	if avx512 {
		ks = append(ks, avx512Kernel)
	}
	return ks
}
