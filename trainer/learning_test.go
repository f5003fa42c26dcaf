package trainer

import (
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/attnsearch/attnsearch/trainer/fastblas"
	"github.com/attnsearch/attnsearch/trainer/fastmath"
	"gonum.org/v1/gonum/blas/gonum"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Tolerances of the loss curves, relative, at 0-based step s. Float32 rounding differences
// compound through Adam's updates, so both widen with the step. Measured here (Haswell,
// OpenBLAS 0.3.21): the fused ops on gonum's BLAS stay within 1.5e-6·(1+s) of the stock ops;
// OpenBLAS alone (stock ops, other summation order) drifts to 4e-4 at step 99 while the loss
// falls fastest, and OpenBLAS with the fused ops to 6e-4.
func opsTol(s int) float64   { return 5e-6 * float64(1+s) }
func learnTol(s int) float64 { return 1e-5 * float64(1+s) }

// TestOptimisedLearningUnchanged trains the reference model for 100 steps on the unoptimised
// path (stock gorgonia ops, gonum's pure-Go BLAS), on the fused ops with the same BLAS, and on
// the fully optimised path (fused ops, the installed fastblas: the SIMD kernels by default,
// OpenBLAS with -tags openblas), and on that path as two data-parallel shards,
// all in this process from the same weights and batches, and requires the loss curves to agree
// within opsTol and learnTol.
func TestOptimisedLearningUnchanged(t *testing.T) {
	defer fastblas.Install(1)
	curve := func(composed, fast bool, shards int) []float64 {
		if fast {
			fastblas.Install(1)
		} else {
			G.Use(gonum.Implementation{}) // TestNoSIMDProcess runs fastblas's own fallback
		}
		_, p, sg, opt := refSetupPath(t, tensor.Float32, 1, composed, shards)
		defer sg.close()
		rng := rand.New(rand.NewPCG(1, 1))
		losses := make([]float64, 100)
		for i := range losses {
			losses[i] = refStep(t, p, sg, opt, rng)
		}
		return losses
	}
	compare := func(what string, want, got []float64, tol func(int) float64) {
		worst := 0.0
		for s := range want {
			rel := math.Abs(got[s]-want[s]) / math.Abs(want[s])
			worst = max(worst, rel/tol(s))
			if rel > tol(s) {
				t.Errorf("%s: step %d: loss %.9g, unoptimised %.9g (relative %.3g > %.3g)", what, s, got[s], want[s], rel, tol(s))
			}
		}
		t.Logf("%s: step 99 loss %.6f (unoptimised %.6f), worst difference %.2f of the tolerance", what, got[99], want[99], worst)
	}
	t.Logf("BLAS: %s; SIMD exp: %v", fastblas.Name(), fastmath.SIMD())
	want := curve(true, false, 1)
	if want[99] > want[0]-1 {
		t.Fatalf("reference loss %.4f -> %.4f: not learning, the comparison means nothing", want[0], want[99])
	}
	compare("fused ops, gonum BLAS", want, curve(false, false, 1), opsTol)
	if fastblas.Available() || fastblas.SIMD() {
		compare("fused ops, "+fastblas.Name(), want, curve(false, true, 1), learnTol)
	}
	// Two data-parallel shards (as at 2 threads): the same batches, gradients summed over the
	// shards and Adam's passes split; only the summation order differs.
	compare("fused ops, "+fastblas.Name()+", 2 shards", want, curve(false, true, 2), learnTol)
}

// TestNoSIMDProcess runs TestOptimisedLearningUnchanged again in a child process with
// ATTNSEARCH_NOSIMD=1: the whole path of CPUs without AVX2+FMA (gonum's kernels, math.Exp),
// checked inside an ordinary go test run on any machine.
func TestNoSIMDProcess(t *testing.T) {
	if os.Getenv("ATTNSEARCH_NOSIMD") != "" {
		t.Skip("this process is already the fallback")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestOptimisedLearningUnchanged$", "-test.v")
	cmd.Env = append(os.Environ(), "ATTNSEARCH_NOSIMD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child with ATTNSEARCH_NOSIMD=1: %v\n%s", err, out)
	}
	wantBLAS := "BLAS: gonum"
	if fastblas.Available() { // -tags openblas: the products stay OpenBLAS's, the exp falls back
		wantBLAS = "BLAS: OpenBLAS"
	}
	if !strings.Contains(string(out), wantBLAS) || !strings.Contains(string(out), "SIMD exp: false") || !strings.Contains(string(out), "--- PASS: TestOptimisedLearningUnchanged") {
		t.Fatalf("child with ATTNSEARCH_NOSIMD=1 did not run the fallback path:\n%s", out)
	}
	t.Logf("fallback path:\n%s", out)
}

// TestReluGrad32 compares the branch-free float32 ReLU and its gradient with the plain ones.
func TestReluGrad32(t *testing.T) {
	x := []float32{-2, -0, 0, 1e-45, 3, -1e-45, float32(math.Inf(1)), float32(math.Inf(-1))}
	dy := []float32{1, 2, 3, 4, -5, 6, 7, 8}
	y, y32 := make([]float32, len(x)), make([]float32, len(x))
	relu(y, x)
	relu32(y32, x)
	for i := range y {
		if math.Float32bits(y[i]) != math.Float32bits(y32[i]) {
			t.Fatalf("relu32(%v) = %v, want %v", x[i], y32[i], y[i])
		}
	}
	want, got := make([]float32, len(x)), make([]float32, len(x))
	reluGrad(want, y, dy)
	reluGrad32(got, y, dy)
	for i := range want {
		if math.Float32bits(want[i]) != math.Float32bits(got[i]) {
			t.Fatalf("x %v: got %v, want %v", x[i], got[i], want[i])
		}
	}
}
