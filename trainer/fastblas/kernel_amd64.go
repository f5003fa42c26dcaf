//go:build amd64 && !(openblas && cgo)

package fastblas

import (
	"os"

	"golang.org/x/sys/cpu"
)

// What this CPU (and OS) runs, decided once at start-up and read-only afterwards: simdCPU, the
// AVX2+FMA kernels (unless ATTNSEARCH_NOSIMD is set); avx512, the AVX-512F kernel as well
// (unless ATTNSEARCH_NOAVX512 is set, to compare the two).
var (
	simdCPU = cpu.X86.HasAVX2 && cpu.X86.HasFMA && os.Getenv("ATTNSEARCH_NOSIMD") == ""
	avx512  = simdCPU && cpu.X86.HasAVX512F && os.Getenv("ATTNSEARCH_NOAVX512") == ""
)

// kernel6x16 is the 6×16 AVX2+FMA micro-kernel (see kernel.fn).
//
//go:noescape
func kernel6x16(k int, a *float32, rsA, csA int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

// kernel6x32 is the 6×32 AVX-512F micro-kernel (see kernel.fn).
//
//go:noescape
func kernel6x32(k int, a *float32, rsA, csA int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

var (
	avx2Kernel   = kernel{"avx2_6x16", 16, kernel6x16}
	avx512Kernel = kernel{"avx512_6x32", 32, kernel6x32}
)

// kernelFor picks the micro-kernel for products n columns wide: the 32-wide one where it runs and
// n fills its tiles (n >= 32), the 16-wide one otherwise.
func kernelFor(n int) kernel {
	if avx512 && n >= 32 {
		return avx512Kernel
	}
	return avx2Kernel
}

// kernelsName names the instruction sets of the kernels that run.
func kernelsName() string {
	if avx512 {
		return "AVX-512F and AVX2+FMA"
	}
	return "AVX2+FMA"
}
