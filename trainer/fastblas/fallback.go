//go:build !(openblas && cgo)

package fastblas

import "gonum.org/v1/gonum/blas"

// Available reports whether the OpenBLAS path is compiled in (false: this build is pure Go).
func Available() bool { return false }

// SIMD reports whether Implementation{} runs the AVX2+FMA kernels (amd64 with both, ATTNSEARCH_NOSIMD unset, no OpenBLAS).
func SIMD() bool { return simdCPU }

// Name describes the BLAS that Implementation runs.
func Name() string {
	if simdCPU {
		return "fastblas SIMD SGEMM (pure Go, " + kernelsName() + " assembly), gonum for the rest"
	}
	return "gonum (pure Go; no AVX2+FMA on this CPU, or ATTNSEARCH_NOSIMD set)"
}

// SetThreads sets how many goroutines one SIMD product may use (n < 1 is ignored; before any call it is GOMAXPROCS).
func SetThreads(n int) {
	if n >= 1 {
		threads.Store(int32(min(n, 1<<16)))
	}
}

// Threads returns how many goroutines one SIMD product may use.
func Threads() int { return simdThreads() }

// simd reports whether this value runs the SIMD kernels.
func (impl Implementation) simd() bool { return simdCPU && !impl.NoSIMD }

// Sgemm computes C = alpha*op(A)*op(B) + beta*C with the SIMD kernels where the CPU has them, with gonum otherwise.
func (impl Implementation) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if !impl.simd() {
		impl.Implementation.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	if !checkGemm(tA, tB, m, n, k, lda, ldb, ldc, len(a), len(b), len(c)) {
		return
	}
	sgemmSIMD(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func (impl Implementation) sgemmBatched(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda, strideA int, b []float32, ldb, strideB int, beta float32, c []float32, ldc, strideC, count int) {
	if impl.simd() {
		sgemmBatchedSIMD(tA, tB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, count)
		return
	}
	for i := range count {
		impl.Implementation.Sgemm(tA, tB, m, n, k, alpha, tail(a, i*strideA), lda, tail(b, i*strideB), ldb, beta, c[i*strideC:], ldc)
	}
}

func (impl Implementation) dgemmBatched(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda, strideA int, b []float64, ldb, strideB int, beta float64, c []float64, ldc, strideC, count int) {
	for i := range count {
		impl.Implementation.Dgemm(tA, tB, m, n, k, alpha, tail(a, i*strideA), lda, tail(b, i*strideB), ldb, beta, c[i*strideC:], ldc)
	}
}
