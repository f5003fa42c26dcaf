//go:build openblas && cgo

package fastblas

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>

// Batched products in one cgo call: count row-major products at fixed strides.
static void fastblas_sgemm_batched(enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb, blasint m, blasint n, blasint k,
	float alpha, const float *a, blasint lda, long sa, const float *b, blasint ldb, long sb,
	float beta, float *c, blasint ldc, long sc, long count) {
	for (long i = 0; i < count; i++)
		cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a + i*sa, lda, b + i*sb, ldb, beta, c + i*sc, ldc);
}

static void fastblas_dgemm_batched(enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb, blasint m, blasint n, blasint k,
	double alpha, const double *a, blasint lda, long sa, const double *b, blasint ldb, long sb,
	double beta, double *c, blasint ldc, long sc, long count) {
	for (long i = 0; i < count; i++)
		cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a + i*sa, lda, b + i*sb, ldb, beta, c + i*sc, ldc);
}
*/
import "C"

import (
	"fmt"
	"math"
	"strings"
	"unsafe"

	"gonum.org/v1/gonum/blas"
)

// Available reports whether the OpenBLAS path is compiled in (true: this build calls OpenBLAS).
func Available() bool { return true }

// Name describes the BLAS that Implementation runs: OpenBLAS's configuration and threading model.
func Name() string {
	model := "sequential"
	switch C.openblas_get_parallel() {
	case 1:
		model = "pthread"
	case 2:
		model = "openmp"
	}
	return fmt.Sprintf("%s (%s, %d threads)", strings.TrimSpace(C.GoString(C.openblas_get_config())), model, Threads())
}

// SetThreads sets OpenBLAS's process-wide thread count (openblas_set_num_threads); n < 1 is ignored.
func SetThreads(n int) {
	if n < 1 {
		return
	}
	C.openblas_set_num_threads(C.int(n))
}

// Threads returns OpenBLAS's thread count.
func Threads() int { return int(C.openblas_get_num_threads()) }

func trans(t blas.Transpose) C.enum_CBLAS_TRANSPOSE {
	if t == blas.NoTrans {
		return C.CblasNoTrans
	}
	return C.CblasTrans // real types: ConjTrans is Trans
}

// fits reports whether every value fits OpenBLAS's 32-bit integers.
func fits(v ...int) bool {
	for _, x := range v {
		if x > math.MaxInt32 || x < -math.MaxInt32 {
			return false
		}
	}
	return true
}

func f32(s []float32) *C.float  { return (*C.float)(unsafe.Pointer(&s[0])) }
func f64(s []float64) *C.double { return (*C.double)(unsafe.Pointer(&s[0])) }
func ci(v int) C.blasint        { return C.blasint(v) }

// Sgemm computes C = alpha*op(A)*op(B) + beta*C with OpenBLAS.
func (impl Implementation) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if !checkGemm(tA, tB, m, n, k, lda, ldb, ldc, len(a), len(b), len(c)) {
		return
	}
	if k == 0 || alpha == 0 || !fits(m, n, k, lda, ldb, ldc) {
		impl.Implementation.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	C.cblas_sgemm(C.CblasRowMajor, trans(tA), trans(tB), ci(m), ci(n), ci(k), C.float(alpha), f32(a), ci(lda), f32(b), ci(ldb), C.float(beta), f32(c), ci(ldc))
}

// Dgemm computes C = alpha*op(A)*op(B) + beta*C with OpenBLAS.
func (impl Implementation) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if !checkGemm(tA, tB, m, n, k, lda, ldb, ldc, len(a), len(b), len(c)) {
		return
	}
	if k == 0 || alpha == 0 || !fits(m, n, k, lda, ldb, ldc) {
		impl.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	C.cblas_dgemm(C.CblasRowMajor, trans(tA), trans(tB), ci(m), ci(n), ci(k), C.double(alpha), f64(a), ci(lda), f64(b), ci(ldb), C.double(beta), f64(c), ci(ldc))
}

// Sgemv computes y = alpha*op(A)*x + beta*y with OpenBLAS.
func (impl Implementation) Sgemv(tA blas.Transpose, m, n int, alpha float32, a []float32, lda int, x []float32, incX int, beta float32, y []float32, incY int) {
	if !checkGemv(tA, m, n, lda, incX, incY, len(a), len(x), len(y)) {
		return
	}
	if alpha == 0 || !fits(m, n, lda, incX, incY) {
		impl.Implementation.Sgemv(tA, m, n, alpha, a, lda, x, incX, beta, y, incY)
		return
	}
	C.cblas_sgemv(C.CblasRowMajor, trans(tA), ci(m), ci(n), C.float(alpha), f32(a), ci(lda), f32(x), ci(incX), C.float(beta), f32(y), ci(incY))
}

// Dgemv computes y = alpha*op(A)*x + beta*y with OpenBLAS.
func (impl Implementation) Dgemv(tA blas.Transpose, m, n int, alpha float64, a []float64, lda int, x []float64, incX int, beta float64, y []float64, incY int) {
	if !checkGemv(tA, m, n, lda, incX, incY, len(a), len(x), len(y)) {
		return
	}
	if alpha == 0 || !fits(m, n, lda, incX, incY) {
		impl.Implementation.Dgemv(tA, m, n, alpha, a, lda, x, incX, beta, y, incY)
		return
	}
	C.cblas_dgemv(C.CblasRowMajor, trans(tA), ci(m), ci(n), C.double(alpha), f64(a), ci(lda), f64(x), ci(incX), C.double(beta), f64(y), ci(incY))
}

// Sger computes A += alpha*x*yᵀ with OpenBLAS.
func (impl Implementation) Sger(m, n int, alpha float32, x []float32, incX int, y []float32, incY int, a []float32, lda int) {
	if !checkGer(m, n, lda, incX, incY, len(x), len(y), len(a)) || alpha == 0 {
		return
	}
	if !fits(m, n, lda, incX, incY) {
		impl.Implementation.Sger(m, n, alpha, x, incX, y, incY, a, lda)
		return
	}
	C.cblas_sger(C.CblasRowMajor, ci(m), ci(n), C.float(alpha), f32(x), ci(incX), f32(y), ci(incY), f32(a), ci(lda))
}

// Dger computes A += alpha*x*yᵀ with OpenBLAS.
func (impl Implementation) Dger(m, n int, alpha float64, x []float64, incX int, y []float64, incY int, a []float64, lda int) {
	if !checkGer(m, n, lda, incX, incY, len(x), len(y), len(a)) || alpha == 0 {
		return
	}
	if !fits(m, n, lda, incX, incY) {
		impl.Implementation.Dger(m, n, alpha, x, incX, y, incY, a, lda)
		return
	}
	C.cblas_dger(C.CblasRowMajor, ci(m), ci(n), C.double(alpha), f64(x), ci(incX), f64(y), ci(incY), f64(a), ci(lda))
}

// Sdot returns Σ x[i]*y[i] over n strided elements with OpenBLAS.
func (impl Implementation) Sdot(n int, x []float32, incX int, y []float32, incY int) float32 {
	if !checkDot(n, incX, incY, len(x), len(y)) {
		return 0
	}
	if !fits(n, incX, incY) {
		return impl.Implementation.Sdot(n, x, incX, y, incY)
	}
	return float32(C.cblas_sdot(ci(n), f32(x), ci(incX), f32(y), ci(incY)))
}

// Ddot returns Σ x[i]*y[i] over n strided elements with OpenBLAS.
func (impl Implementation) Ddot(n int, x []float64, incX int, y []float64, incY int) float64 {
	if !checkDot(n, incX, incY, len(x), len(y)) {
		return 0
	}
	if !fits(n, incX, incY) {
		return impl.Implementation.Ddot(n, x, incX, y, incY)
	}
	return float64(C.cblas_ddot(ci(n), f64(x), ci(incX), f64(y), ci(incY)))
}

func (impl Implementation) sgemmBatched(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda, strideA int, b []float32, ldb, strideB int, beta float32, c []float32, ldc, strideC, count int) {
	if k == 0 || alpha == 0 || !fits(m, n, k, lda, ldb, ldc) {
		for i := range count {
			impl.Implementation.Sgemm(tA, tB, m, n, k, alpha, tail(a, i*strideA), lda, tail(b, i*strideB), ldb, beta, c[i*strideC:], ldc)
		}
		return
	}
	C.fastblas_sgemm_batched(trans(tA), trans(tB), ci(m), ci(n), ci(k), C.float(alpha), f32(a), ci(lda), C.long(strideA),
		f32(b), ci(ldb), C.long(strideB), C.float(beta), f32(c), ci(ldc), C.long(strideC), C.long(count))
}

func (impl Implementation) dgemmBatched(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda, strideA int, b []float64, ldb, strideB int, beta float64, c []float64, ldc, strideC, count int) {
	if k == 0 || alpha == 0 || !fits(m, n, k, lda, ldb, ldc) {
		for i := range count {
			impl.Implementation.Dgemm(tA, tB, m, n, k, alpha, tail(a, i*strideA), lda, tail(b, i*strideB), ldb, beta, c[i*strideC:], ldc)
		}
		return
	}
	C.fastblas_dgemm_batched(trans(tA), trans(tB), ci(m), ci(n), ci(k), C.double(alpha), f64(a), ci(lda), C.long(strideA),
		f64(b), ci(ldb), C.long(strideB), C.double(beta), f64(c), ci(ldc), C.long(strideC), C.long(count))
}
