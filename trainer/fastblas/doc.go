// Package fastblas is the BLAS that gorgonia and gorgonia's tensor package
// call for matrix products: gonum's pure-Go implementation with the float32
// matrix product replaced by SIMD kernels in Go assembly (the default build),
// or with the routines gorgonia and tensor actually use (Sgemm/Dgemm,
// Sgemv/Dgemv, Sger/Dger, Sdot/Ddot) replaced by OpenBLAS through cgo (build
// tag "openblas").
//
// Default build (no cgo). On amd64 with AVX2 and FMA3, checked once at start-up
// with golang.org/x/sys/cpu, Sgemm and SgemmBatched run sgemm.go's driver: the
// BLIS/GotoBLAS scheme on a 6×16 AVX2+FMA micro-kernel, or a 6×32 AVX-512F one
// where the CPU has AVX-512 and the product is at least 32 columns wide
// (kernel_amd64.s, written by hand). Operands are read in place where their
// layout allows (A either way round, B untransposed, rows less than 1024
// floats apart) and packed into strips otherwise; alpha and beta are applied
// in the kernel's store (beta 0 overwrites C, NaN included); products of at
// least 128·128·256 multiply-adds are split over goroutines ([SetThreads]; the
// default is GOMAXPROCS), and batches of smaller ones are split by product.
// Everything else, float64 included, is gonum's. Elsewhere (other CPUs, other
// architectures, ATTNSEARCH_NOSIMD set in the environment, or an
// Implementation with NoSIMD set) every routine is gonum's, as before; [SIMD]
// reports which. ATTNSEARCH_NOAVX512 keeps the AVX2 kernel, for comparisons.
//
// The OpenBLAS path is compiled only with the build tag "openblas" (and cgo
// enabled); it links -lopenblas and needs cblas.h (Debian:
// libopenblas-openmp-dev and libopenblas-dev). Without the tag the package
// builds with CGO_ENABLED=0 and [Available] reports false.
//
// Every overriding routine first checks its arguments exactly as gonum does
// (same panics, same messages), so no out-of-range slice ever reaches C, and
// hands the degenerate cases (k == 0, alpha == 0, sizes beyond int32) to
// gonum, so results differ from the pure-Go ones only by float rounding.
//
// Not overridden: Saxpy/Sscal and the other routines, which gorgonia v0.9.18
// and tensor v0.9.23 call only from the deprecated batch-norm op. One
// deliberate difference: for negative increments Sger/Dger follow reference
// BLAS, where gonum v0.16.0's own Sger/Dger compute wrong results
// (TestGonumGerNegativeIncrement); tensor always passes increment 1.
// [Implementation.SgemmBatched] adds a strided batch of products in one cgo
// call, for custom ops (gorgonia's BatchedMatMul itself calls Sgemm once per
// matrix, through tensor.MatMul, with about 2 µs of slicing around each).
//
// Installing is explicit: [Install] calls gorgonia.Use (which also calls
// tensor.Use); both are process-wide settings of those libraries, so the
// program's main (or a test's TestMain) calls it once, before any graph runs.
//
// Threads. OpenBLAS keeps its own thread count (so do the SIMD kernels, [SetThreads]). When trials run in parallel,
// each trainer should get one core, so pass 1 to [Install] (or [SetThreads]):
// OpenBLAS then computes every call on the calling thread.
//
// Debian ships OpenBLAS 0.3.21 in an OpenMP variant (libopenblas0-openmp, the
// one the PyTorch reference run used) and a pthread variant
// (libopenblas0-pthread); plain "apt-get install libopenblas-dev" pulls the
// pthread one, which then also becomes the system's default libblas.so.3
// through update-alternatives. Both were measured here (the pthread library
// loaded through LD_LIBRARY_PATH). With the OpenMP variant the thread count
// that openblas_set_num_threads sets is per OS thread (OpenBLAS reads the
// caller's omp_get_max_threads and resets its count to it), so on the
// other threads Go runs goroutines on it fell back to all cores, and
// concurrent 512×256×64 SGEMMs from two goroutines ran at 5-10 GFLOP/s in
// total (eight: 0.2-2) instead of 55-100. This package therefore applies the
// wanted count to the calling thread on every call when libgomp is present
// (looked up with dlsym, so one binary runs on either variant); with that,
// both variants reach the same speed, alone and concurrently, and calling
// from many goroutines at once is safe (TestConcurrentCalls compares every
// result with gonum, also under -race; TestThreadsHoldOnEveryThread pins the
// per-thread fix). The choice: install the OpenMP variant
// (libopenblas-openmp-dev, then libopenblas-dev), to keep the system's
// default BLAS what the reference measurements used. With more than one
// OpenBLAS thread and several concurrent callers, each caller starts its own
// team and the cores are oversubscribed: use threads > 1 only when a single
// trainer runs.
package fastblas
