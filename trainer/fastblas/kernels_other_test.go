//go:build !amd64 && !(openblas && cgo)

package fastblas

// testKernels are the micro-kernels this CPU runs: the Go one.
func testKernels() []kernel { return []kernel{kernelGo16} }
