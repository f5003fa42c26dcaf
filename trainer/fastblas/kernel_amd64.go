package fastblas

import (
	"os"

	"golang.org/x/sys/cpu"
)

// simdCPU reports whether this CPU (and OS) runs the AVX2+FMA kernels and ATTNSEARCH_NOSIMD is
// not set; decided once at start-up, read-only afterwards.
var simdCPU = cpu.X86.HasAVX2 && cpu.X86.HasFMA && os.Getenv("ATTNSEARCH_NOSIMD") == ""

// kernel6x16 computes C[0:6, 0:16] = alpha·Ã·B̃ + beta·C from packed panels (k >= 1); beta 0 does not read C.
//
//go:noescape
func kernel6x16(k int, a, b, c *float32, ldc int, alpha, beta float32)

// microKernel runs the assembly micro-kernel on a full mr×nr tile of c.
func microKernel(k int, a, b, c []float32, ldc int, alpha, beta float32) {
	_ = a[k*mr-1]
	_ = b[k*nr-1]
	_ = c[(mr-1)*ldc+nr-1]
	kernel6x16(k, &a[0], &b[0], &c[0], ldc, alpha, beta)
}
