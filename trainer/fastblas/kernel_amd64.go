package fastblas

import (
	"os"

	"golang.org/x/sys/cpu"
)

// simdCPU reports whether this CPU (and OS) runs the AVX2+FMA kernels and ATTNSEARCH_NOSIMD is
// not set; decided once at start-up, read-only afterwards.
var simdCPU = cpu.X86.HasAVX2 && cpu.X86.HasFMA && os.Getenv("ATTNSEARCH_NOSIMD") == ""

// kernel6x16 computes C[0:6, 0:16] = alpha·A·B + beta·C with A(i,p) = a[i·rsA + p·csA], B(p,j) = b[p·ldb + j] (k >= 1); beta 0 does not read C.
//
//go:noescape
func kernel6x16(k int, a *float32, rsA, csA int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

// microKernel runs the assembly micro-kernel on a full mr×nr tile of c, after checking every index it reads or writes.
func microKernel(k int, a []float32, rsA, csA int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	_ = a[(mr-1)*rsA+(k-1)*csA]
	_ = b[(k-1)*ldb+nr-1]
	_ = c[(mr-1)*ldc+nr-1]
	kernel6x16(k, &a[0], rsA, csA, &b[0], ldb, &c[0], ldc, alpha, beta)
}
