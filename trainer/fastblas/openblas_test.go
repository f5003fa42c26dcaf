//go:build openblas && cgo

package fastblas

import (
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas"
)

// TestThreadsHoldOnEveryThread checks that SetThreads(1) holds for a call made on an OS thread whose OpenMP
// setting is still the default: with the OpenMP variant, OpenBLAS would otherwise take that thread's
// default (all cores) and start a team for every concurrent caller.
func TestThreadsHoldOnEveryThread(t *testing.T) {
	SetThreads(1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if openMP() {
			setOMPThreadsHere(2) // what a fresh thread has on a 2-core machine
		}
		const m, n, k = 512, 256, 64 // large enough for OpenBLAS to consider threads
		a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
		Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, b, n, 0, c, n)
		if openMP() {
			if got := ompThreadsHere(); got != 1 {
				t.Errorf("OpenMP threads on the calling thread = %d after SetThreads(1) and a call, want 1", got)
			}
		} else if ompThreadsHere() != -1 {
			t.Errorf("ompThreadsHere() = %d without OpenMP", ompThreadsHere())
		}
		if got := Threads(); got != 1 {
			t.Errorf("Threads() = %d after a call on another thread, want 1", got)
		}
	}()
	<-done
	t.Logf("%s", Name())
}
