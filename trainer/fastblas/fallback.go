//go:build !(openblas && cgo)

package fastblas

import "gonum.org/v1/gonum/blas"

// Available reports whether the OpenBLAS path is compiled in (false: this build uses gonum's pure Go for everything).
func Available() bool { return false }

// Name describes the BLAS that Implementation runs.
func Name() string { return "gonum (pure Go; build with -tags openblas for OpenBLAS)" }

// SetThreads sets OpenBLAS's thread count; without OpenBLAS it does nothing.
func SetThreads(n int) {}

// Threads returns OpenBLAS's thread count; without OpenBLAS it is 0.
func Threads() int { return 0 }

func (impl Implementation) sgemmBatched(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda, strideA int, b []float32, ldb, strideB int, beta float32, c []float32, ldc, strideC, count int) {
	for i := range count {
		impl.Implementation.Sgemm(tA, tB, m, n, k, alpha, tail(a, i*strideA), lda, tail(b, i*strideB), ldb, beta, c[i*strideC:], ldc)
	}
}

func (impl Implementation) dgemmBatched(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda, strideA int, b []float64, ldb, strideB int, beta float64, c []float64, ldc, strideC, count int) {
	for i := range count {
		impl.Implementation.Dgemm(tA, tB, m, n, k, alpha, tail(a, i*strideA), lda, tail(b, i*strideB), ldb, beta, c[i*strideC:], ldc)
	}
}
