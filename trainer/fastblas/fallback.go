//go:build !(openblas && cgo)

package fastblas

// Available reports whether the OpenBLAS path is compiled in (false: this build uses gonum's pure Go for everything).
func Available() bool { return false }

// Name describes the BLAS that Implementation runs.
func Name() string { return "gonum (pure Go; build with -tags openblas for OpenBLAS)" }

// SetThreads sets OpenBLAS's thread count; without OpenBLAS it does nothing.
func SetThreads(n int) {}

// Threads returns OpenBLAS's thread count; without OpenBLAS it is 0.
func Threads() int { return 0 }
