//go:build openblas && cgo

package fastblas

/*
#cgo LDFLAGS: -lopenblas
#define _GNU_SOURCE
#include <cblas.h>
#include <dlfcn.h>

// OpenMP variant (libopenblas0-openmp): OpenBLAS takes its thread count from the calling thread's
// OpenMP setting (omp_get_max_threads), which omp_set_num_threads changes for that thread only, so a
// count set on one thread is lost on the others Go runs goroutines on. Every call therefore first
// applies the wanted count to its own thread. The OpenMP functions are looked up at load time, so
// the same binary runs on the pthread variant (where they are absent and the count is process-wide).
static int (*fb_omp_get)(void);
static void (*fb_omp_set)(int);
static int fb_threads; // wanted count, 0 = the library's default

__attribute__((constructor)) static void fb_init(void) {
	fb_omp_get = (int (*)(void))dlsym(RTLD_DEFAULT, "omp_get_max_threads");
	fb_omp_set = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
}

static inline void fb_pin(void) {
	int n = __atomic_load_n(&fb_threads, __ATOMIC_RELAXED);
	if (n > 0 && fb_omp_get != NULL && fb_omp_set != NULL && fb_omp_get() != n)
		fb_omp_set(n);
}

static void fb_set_threads(int n) {
	__atomic_store_n(&fb_threads, n, __ATOMIC_RELAXED);
	openblas_set_num_threads(n);
	fb_pin();
}

static int fb_openmp(void) { return fb_omp_get != NULL && fb_omp_set != NULL; }
static int fb_omp_threads_here(void) { return fb_openmp() ? fb_omp_get() : -1; }
static void fb_omp_set_here(int n) { if (fb_openmp()) fb_omp_set(n); }

static void fb_sgemm(enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb, blasint m, blasint n, blasint k,
	float alpha, const float *a, blasint lda, const float *b, blasint ldb, float beta, float *c, blasint ldc) {
	fb_pin();
	cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

static void fb_dgemm(enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb, blasint m, blasint n, blasint k,
	double alpha, const double *a, blasint lda, const double *b, blasint ldb, double beta, double *c, blasint ldc) {
	fb_pin();
	cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// Batched products in one cgo call: count row-major products at fixed strides (T is float or double, GEMM cblas_?gemm).
#define FB_GEMM_BATCHED(NAME, T, GEMM) \
static void NAME(enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb, blasint m, blasint n, blasint k, \
	T alpha, const T *a, blasint lda, long sa, const T *b, blasint ldb, long sb, \
	T beta, T *c, blasint ldc, long sc, long count) { \
	fb_pin(); \
	for (long i = 0; i < count; i++) \
		GEMM(CblasRowMajor, ta, tb, m, n, k, alpha, a + i*sa, lda, b + i*sb, ldb, beta, c + i*sc, ldc); \
}
FB_GEMM_BATCHED(fb_sgemm_batched, float, cblas_sgemm)
FB_GEMM_BATCHED(fb_dgemm_batched, double, cblas_dgemm)

static void fb_sgemv(enum CBLAS_TRANSPOSE ta, blasint m, blasint n, float alpha, const float *a, blasint lda,
	const float *x, blasint incx, float beta, float *y, blasint incy) {
	fb_pin();
	cblas_sgemv(CblasRowMajor, ta, m, n, alpha, a, lda, x, incx, beta, y, incy);
}

static void fb_dgemv(enum CBLAS_TRANSPOSE ta, blasint m, blasint n, double alpha, const double *a, blasint lda,
	const double *x, blasint incx, double beta, double *y, blasint incy) {
	fb_pin();
	cblas_dgemv(CblasRowMajor, ta, m, n, alpha, a, lda, x, incx, beta, y, incy);
}

static void fb_sger(blasint m, blasint n, float alpha, const float *x, blasint incx, const float *y, blasint incy, float *a, blasint lda) {
	fb_pin();
	cblas_sger(CblasRowMajor, m, n, alpha, x, incx, y, incy, a, lda);
}

static void fb_dger(blasint m, blasint n, double alpha, const double *x, blasint incx, const double *y, blasint incy, double *a, blasint lda) {
	fb_pin();
	cblas_dger(CblasRowMajor, m, n, alpha, x, incx, y, incy, a, lda);
}

static float fb_sdot(blasint n, const float *x, blasint incx, const float *y, blasint incy) {
	fb_pin();
	return cblas_sdot(n, x, incx, y, incy);
}

static double fb_ddot(blasint n, const double *x, blasint incx, const double *y, blasint incy) {
	fb_pin();
	return cblas_ddot(n, x, incx, y, incy);
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

// SIMD reports whether Implementation{} runs the SIMD kernels: never with OpenBLAS, which has its own.
func SIMD() bool { return false }

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

// SetThreads sets OpenBLAS's thread count for every calling goroutine (with the OpenMP variant, each call also applies it to its own OS thread); n < 1 is ignored.
func SetThreads(n int) {
	if n < 1 {
		return
	}
	C.fb_set_threads(C.int(n))
}

// openMP reports whether the loaded OpenBLAS is the OpenMP variant (libgomp's functions are in the process).
func openMP() bool { return C.fb_openmp() != 0 }

// ompThreadsHere is the OpenMP thread count of the calling OS thread (-1 without OpenMP); for tests.
func ompThreadsHere() int { return int(C.fb_omp_threads_here()) }

// setOMPThreadsHere sets the calling OS thread's OpenMP thread count, as a fresh thread starts; for tests.
func setOMPThreadsHere(n int) { C.fb_omp_set_here(C.int(n)) }

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

func ci(v int) C.blasint { return C.blasint(v) }

// cp is s's first element as the C pointer P (C.float for float32, C.double for float64).
func cp[P any, T float](s []T) *P { return (*P)(unsafe.Pointer(&s[0])) }

// Sgemm computes C = alpha*op(A)*op(B) + beta*C with OpenBLAS.
func (impl Implementation) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemm(impl.Implementation.Sgemm, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Dgemm computes C = alpha*op(A)*op(B) + beta*C with OpenBLAS.
func (impl Implementation) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	gemm(impl.Implementation.Dgemm, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// gemm is Sgemm and Dgemm: gonum's checks, then OpenBLAS, or gonum (fallback) where OpenBLAS has nothing to do or cannot take the sizes.
func gemm[T float](fallback func(tA, tB blas.Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int),
	tA, tB blas.Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if !checkGemm(tA, tB, m, n, k, lda, ldb, ldc, len(a), len(b), len(c)) {
		return
	}
	if k == 0 || alpha == 0 || !fits(m, n, k, lda, ldb, ldc) {
		fallback(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	if _, single := any(alpha).(float32); single {
		C.fb_sgemm(trans(tA), trans(tB), ci(m), ci(n), ci(k), C.float(alpha), cp[C.float](a), ci(lda), cp[C.float](b), ci(ldb), C.float(beta), cp[C.float](c), ci(ldc))
	} else {
		C.fb_dgemm(trans(tA), trans(tB), ci(m), ci(n), ci(k), C.double(alpha), cp[C.double](a), ci(lda), cp[C.double](b), ci(ldb), C.double(beta), cp[C.double](c), ci(ldc))
	}
}

// Sgemv computes y = alpha*op(A)*x + beta*y with OpenBLAS.
func (impl Implementation) Sgemv(tA blas.Transpose, m, n int, alpha float32, a []float32, lda int, x []float32, incX int, beta float32, y []float32, incY int) {
	gemv(impl.Implementation.Sgemv, tA, m, n, alpha, a, lda, x, incX, beta, y, incY)
}

// Dgemv computes y = alpha*op(A)*x + beta*y with OpenBLAS.
func (impl Implementation) Dgemv(tA blas.Transpose, m, n int, alpha float64, a []float64, lda int, x []float64, incX int, beta float64, y []float64, incY int) {
	gemv(impl.Implementation.Dgemv, tA, m, n, alpha, a, lda, x, incX, beta, y, incY)
}

// gemv is Sgemv and Dgemv, as gemm is Sgemm and Dgemm.
func gemv[T float](fallback func(tA blas.Transpose, m, n int, alpha T, a []T, lda int, x []T, incX int, beta T, y []T, incY int),
	tA blas.Transpose, m, n int, alpha T, a []T, lda int, x []T, incX int, beta T, y []T, incY int) {
	if !checkGemv(tA, m, n, lda, incX, incY, len(a), len(x), len(y)) {
		return
	}
	if alpha == 0 || !fits(m, n, lda, incX, incY) {
		fallback(tA, m, n, alpha, a, lda, x, incX, beta, y, incY)
		return
	}
	if _, single := any(alpha).(float32); single {
		C.fb_sgemv(trans(tA), ci(m), ci(n), C.float(alpha), cp[C.float](a), ci(lda), cp[C.float](x), ci(incX), C.float(beta), cp[C.float](y), ci(incY))
	} else {
		C.fb_dgemv(trans(tA), ci(m), ci(n), C.double(alpha), cp[C.double](a), ci(lda), cp[C.double](x), ci(incX), C.double(beta), cp[C.double](y), ci(incY))
	}
}

// Sger computes A += alpha*x*yᵀ with OpenBLAS.
func (impl Implementation) Sger(m, n int, alpha float32, x []float32, incX int, y []float32, incY int, a []float32, lda int) {
	ger(impl.Implementation.Sger, m, n, alpha, x, incX, y, incY, a, lda)
}

// Dger computes A += alpha*x*yᵀ with OpenBLAS.
func (impl Implementation) Dger(m, n int, alpha float64, x []float64, incX int, y []float64, incY int, a []float64, lda int) {
	ger(impl.Implementation.Dger, m, n, alpha, x, incX, y, incY, a, lda)
}

// ger is Sger and Dger, as gemm is Sgemm and Dgemm.
func ger[T float](fallback func(m, n int, alpha T, x []T, incX int, y []T, incY int, a []T, lda int),
	m, n int, alpha T, x []T, incX int, y []T, incY int, a []T, lda int) {
	if !checkGer(m, n, lda, incX, incY, len(x), len(y), len(a)) || alpha == 0 {
		return
	}
	if !fits(m, n, lda, incX, incY) {
		fallback(m, n, alpha, x, incX, y, incY, a, lda)
		return
	}
	if _, single := any(alpha).(float32); single {
		C.fb_sger(ci(m), ci(n), C.float(alpha), cp[C.float](x), ci(incX), cp[C.float](y), ci(incY), cp[C.float](a), ci(lda))
	} else {
		C.fb_dger(ci(m), ci(n), C.double(alpha), cp[C.double](x), ci(incX), cp[C.double](y), ci(incY), cp[C.double](a), ci(lda))
	}
}

// Sdot returns Σ x[i]*y[i] over n strided elements with OpenBLAS.
func (impl Implementation) Sdot(n int, x []float32, incX int, y []float32, incY int) float32 {
	return dot(impl.Implementation.Sdot, n, x, incX, y, incY)
}

// Ddot returns Σ x[i]*y[i] over n strided elements with OpenBLAS.
func (impl Implementation) Ddot(n int, x []float64, incX int, y []float64, incY int) float64 {
	return dot(impl.Implementation.Ddot, n, x, incX, y, incY)
}

// dot is Sdot and Ddot, as gemm is Sgemm and Dgemm.
func dot[T float](fallback func(n int, x []T, incX int, y []T, incY int) T, n int, x []T, incX int, y []T, incY int) T {
	if !checkDot(n, incX, incY, len(x), len(y)) {
		return 0
	}
	if !fits(n, incX, incY) {
		return fallback(n, x, incX, y, incY)
	}
	if _, single := any(x).([]float32); single {
		return T(C.fb_sdot(ci(n), cp[C.float](x), ci(incX), cp[C.float](y), ci(incY)))
	}
	return T(C.fb_ddot(ci(n), cp[C.double](x), ci(incX), cp[C.double](y), ci(incY)))
}

func (impl Implementation) sgemmBatched(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda, strideA int, b []float32, ldb, strideB int, beta float32, c []float32, ldc, strideC, count int) {
	gemmBatched(impl.Implementation.Sgemm, tA, tB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, count)
}

func (impl Implementation) dgemmBatched(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda, strideA int, b []float64, ldb, strideB int, beta float64, c []float64, ldc, strideC, count int) {
	gemmBatched(impl.Implementation.Dgemm, tA, tB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, count)
}

// gemmBatched is sgemmBatched and dgemmBatched (checked arguments): one cgo call, or a loop of gonum's products (fallback).
func gemmBatched[T float](fallback func(tA, tB blas.Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int),
	tA, tB blas.Transpose, m, n, k int, alpha T, a []T, lda, strideA int, b []T, ldb, strideB int, beta T, c []T, ldc, strideC, count int) {
	if k == 0 || alpha == 0 || !fits(m, n, k, lda, ldb, ldc) {
		for i := range count {
			fallback(tA, tB, m, n, k, alpha, tail(a, i*strideA), lda, tail(b, i*strideB), ldb, beta, c[i*strideC:], ldc)
		}
		return
	}
	if _, single := any(alpha).(float32); single {
		C.fb_sgemm_batched(trans(tA), trans(tB), ci(m), ci(n), ci(k), C.float(alpha), cp[C.float](a), ci(lda), C.long(strideA),
			cp[C.float](b), ci(ldb), C.long(strideB), C.float(beta), cp[C.float](c), ci(ldc), C.long(strideC), C.long(count))
	} else {
		C.fb_dgemm_batched(trans(tA), trans(tB), ci(m), ci(n), ci(k), C.double(alpha), cp[C.double](a), ci(lda), C.long(strideA),
			cp[C.double](b), ci(ldb), C.long(strideB), C.double(beta), cp[C.double](c), ci(ldc), C.long(strideC), C.long(count))
	}
}
