// Package fastblas is the BLAS that gorgonia and gorgonia's tensor package
// call for matrix products: gonum's pure-Go implementation with the routines
// they actually use (Sgemm/Dgemm, Sgemv/Dgemv, Sger/Dger, Sdot/Ddot)
// replaced by OpenBLAS through cgo.
//
// The OpenBLAS path is compiled only with the build tag "openblas" (and cgo
// enabled); it links -lopenblas and needs cblas.h (Debian:
// libopenblas-openmp-dev and libopenblas-dev). Without the tag the package
// still builds, [Available] reports false, and [Implementation] is exactly
// gonum's pure-Go BLAS, so the default build needs neither cgo nor OpenBLAS.
//
// Every overriding routine first checks its arguments exactly as gonum does
// (same panics, same messages), so no out-of-range slice ever reaches C, and
// hands the degenerate cases (k == 0, alpha == 0, sizes beyond int32) to
// gonum, so results differ from the pure-Go ones only by float rounding.
//
// Installing is explicit: [Install] calls gorgonia.Use (which also calls
// tensor.Use); both are process-wide settings of those libraries, so the
// program's main (or a test's TestMain) calls it once, before any graph runs.
//
// Threads. OpenBLAS keeps its own thread count, a process-wide C setting.
// When trials run in parallel, each trainer should get one core, so pass 1
// to [Install] (or [SetThreads]): OpenBLAS then computes every call on the
// calling thread. Calling OpenBLAS from several goroutines at once is safe
// with Debian's OpenBLAS 0.3.21 in both its OpenMP and pthread variants; this
// package's tests check it by running products on many goroutines at once
// against gonum's results (also under the race detector). The OpenMP variant
// (libopenblas0-openmp) is the one to install: it is what the PyTorch
// reference run used, so the two are compared on the same library, and with
// one thread both variants run the same single-threaded kernels.
// Note that plain "apt-get install libopenblas-dev" pulls the pthread
// variant, which then becomes the system default through
// update-alternatives; install libopenblas-openmp-dev explicitly to avoid it.
package fastblas
