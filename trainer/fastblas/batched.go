package fastblas

import "gonum.org/v1/gonum/blas"

// SgemmBatched computes count products C_i = alpha*op(A_i)*op(B_i) + beta*C_i, where A_i starts at a[i*strideA]
// (likewise B_i, C_i; a stride of 0 reuses one matrix; strideC is at least (m-1)*ldc+n); with OpenBLAS it is one cgo call.
func (impl Implementation) SgemmBatched(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda, strideA int, b []float32, ldb, strideB int, beta float32, c []float32, ldc, strideC, count int) {
	if !checkBatched(tA, tB, m, n, k, lda, ldb, ldc, len(a), strideA, len(b), strideB, len(c), strideC, count) {
		return
	}
	impl.sgemmBatched(tA, tB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, count)
}

// DgemmBatched is SgemmBatched for float64.
func (impl Implementation) DgemmBatched(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda, strideA int, b []float64, ldb, strideB int, beta float64, c []float64, ldc, strideC, count int) {
	if !checkBatched(tA, tB, m, n, k, lda, ldb, ldc, len(a), strideA, len(b), strideB, len(c), strideC, count) {
		return
	}
	impl.dgemmBatched(tA, tB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, count)
}

// Panic messages of the batched products.
const (
	badCount  = "fastblas: batch count < 0"
	badStride = "fastblas: batch stride < 0"
	strideC0  = "fastblas: batch stride of c overlaps the products"
)

// checkBatched panics on bad arguments of a batched product (every product is checked as ?gemm checks one)
// and reports whether there is work.
func checkBatched(tA, tB blas.Transpose, m, n, k, lda, ldb, ldc, la, strideA, lb, strideB, lc, strideC, count int) bool {
	switch {
	case count < 0:
		panic(badCount)
	case strideA < 0 || strideB < 0 || strideC < 0:
		panic(badStride)
	}
	if !checkGemm(tA, tB, m, n, k, lda, ldb, ldc, la, lb, lc) || count == 0 {
		return false
	}
	if count > 1 && strideC < (m-1)*ldc+n {
		panic(strideC0)
	}
	last := count - 1 // strides are non-negative: the last product needs the longest slices
	checkGemm(tA, tB, m, n, k, lda, ldb, ldc, la-last*strideA, lb-last*strideB, lc-last*strideC)
	return true
}

// tail is s from off on, empty when off is past the end (an operand that k == 0 leaves unread may be short).
func tail[T float](s []T, off int) []T {
	return s[min(off, len(s)):]
}
