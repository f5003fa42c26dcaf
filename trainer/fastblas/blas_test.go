package fastblas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

var transposes = []blas.Transpose{blas.NoTrans, blas.Trans, blas.ConjTrans}

// eps is the relative tolerance per summed term: float32 rounding, or tight for float64.
func eps[T float]() float64 {
	var z T
	if _, ok := any(z).(float32); ok {
		return 2e-7
	}
	return 4e-16
}

func randSlice[T float](r *rand.Rand, n int) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = T(2*r.Float64() - 1)
	}
	return s
}

// sameWithin reports the first index where got and want differ by more than tol (-1 if none); NaN must meet NaN.
func sameWithin[T float](got, want []T, tol float64) int {
	if len(got) != len(want) {
		return 0
	}
	for i := range got {
		g, w := float64(got[i]), float64(want[i])
		if math.IsNaN(g) != math.IsNaN(w) || math.Abs(g-w) > tol {
			return i
		}
	}
	return -1
}

func scalars(r *rand.Rand) []float64 { return []float64{1, 0, -0.5, 2*r.Float64() - 1} }

// gemmAgrees runs fast and ref ?gemm on identical random inputs over many shapes, transposes, leading dimensions and scalars.
func gemmAgrees[T float](t *testing.T, fast, ref func(tA, tB blas.Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)) {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	dims := []int{0, 1, 2, 3, 7, 16, 17, 33, 64, 65, 130}
	cases := 0
	for _, tA := range transposes {
		for _, tB := range transposes {
			for range 40 {
				m, n, k := dims[r.IntN(len(dims))], dims[r.IntN(len(dims))], dims[r.IntN(len(dims))]
				rowA, colA := storedDims(tA, m, k)
				rowB, colB := storedDims(tB, k, n)
				lda, ldb, ldc := max(1, colA)+r.IntN(3), max(1, colB)+r.IntN(3), max(1, n)+r.IntN(3)
				a := randSlice[T](r, max(0, (rowA-1)*lda+colA)+r.IntN(2))
				b := randSlice[T](r, max(0, (rowB-1)*ldb+colB)+r.IntN(2))
				c0 := randSlice[T](r, max(0, (m-1)*ldc+n)+r.IntN(2))
				for _, alpha := range scalars(r) {
					for _, beta := range scalars(r) {
						got, want := append([]T(nil), c0...), append([]T(nil), c0...)
						if beta == 0 && len(got) > 0 { // beta 0 must overwrite, even NaN
							got[0], want[0] = T(math.NaN()), T(math.NaN())
						}
						fast(tA, tB, m, n, k, T(alpha), a, lda, b, ldb, T(beta), got, ldc)
						ref(tA, tB, m, n, k, T(alpha), a, lda, b, ldb, T(beta), want, ldc)
						if i := sameWithin(got, want, eps[T]()*float64(k+2)*4); i >= 0 {
							t.Fatalf("gemm(%c,%c,m=%d,n=%d,k=%d,alpha=%g,lda=%d,ldb=%d,beta=%g,ldc=%d): c[%d] = %g, gonum %g",
								tA, tB, m, n, k, alpha, lda, ldb, beta, ldc, i, got[i], want[i])
						}
						cases++
					}
				}
			}
		}
	}
	t.Logf("%d gemm cases agree", cases)
}

// incs are the vector strides tried, negative ones included.
var incs = []int{1, 2, 3, -1, -2}

// gemvAgrees runs fast and ref ?gemv on identical random inputs.
func gemvAgrees[T float](t *testing.T, fast, ref func(tA blas.Transpose, m, n int, alpha T, a []T, lda int, x []T, incX int, beta T, y []T, incY int)) {
	t.Helper()
	r := rand.New(rand.NewPCG(3, 4))
	dims := []int{0, 1, 2, 5, 16, 31, 64, 257}
	for _, tA := range transposes {
		for range 60 {
			m, n := dims[r.IntN(len(dims))], dims[r.IntN(len(dims))]
			incX, incY := incs[r.IntN(len(incs))], incs[r.IntN(len(incs))]
			lda := max(1, n) + r.IntN(3)
			lenX, lenY := n, m
			if tA != blas.NoTrans {
				lenX, lenY = m, n
			}
			a := randSlice[T](r, max(0, (m-1)*lda+n))
			x := randSlice[T](r, max(1, 1+(lenX-1)*abs(incX)))
			y0 := randSlice[T](r, max(1, 1+(lenY-1)*abs(incY)))
			for _, alpha := range scalars(r) {
				for _, beta := range scalars(r) {
					got, want := append([]T(nil), y0...), append([]T(nil), y0...)
					if beta == 0 {
						got[0], want[0] = T(math.NaN()), T(math.NaN())
					}
					fast(tA, m, n, T(alpha), a, lda, x, incX, T(beta), got, incY)
					ref(tA, m, n, T(alpha), a, lda, x, incX, T(beta), want, incY)
					if i := sameWithin(got, want, eps[T]()*float64(max(m, n)+2)*4); i >= 0 {
						t.Fatalf("gemv(%c,m=%d,n=%d,alpha=%g,lda=%d,incX=%d,beta=%g,incY=%d): y[%d] = %g, gonum %g",
							tA, m, n, alpha, lda, incX, beta, incY, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// naiveGer is reference BLAS's ?ger, the reference for Sger/Dger: gonum v0.16.0's
// own Sger/Dger compute wrong results for negative increments (TestGonumGerNegativeIncrement).
func naiveGer[T float](m, n int, alpha T, x []T, incX int, y []T, incY int, a []T, lda int) {
	start := func(n, inc int) int {
		if inc < 0 {
			return (1 - n) * inc
		}
		return 0
	}
	for i, ix := 0, start(m, incX); i < m; i, ix = i+1, ix+incX {
		for j, iy := 0, start(n, incY); j < n; j, iy = j+1, iy+incY {
			a[i*lda+j] += alpha * x[ix] * y[iy]
		}
	}
}

// TestGonumGerNegativeIncrement pins why gerAgrees uses naiveGer: gonum's Dger with incX = -1 does not compute A += x·yᵀ.
func TestGonumGerNegativeIncrement(t *testing.T) {
	x, y := []float64{1, 2}, []float64{10, 20, 30}
	want := []float64{20, 40, 60, 10, 20, 30} // x read backwards: rows 2·y, 1·y
	naive, gon := make([]float64, 6), make([]float64, 6)
	naiveGer(2, 3, 1, x, -1, y, 1, naive, 3)
	gonum.Implementation{}.Dger(2, 3, 1, x, -1, y, 1, gon, 3)
	if sameWithin(naive, want, 0) >= 0 {
		t.Fatalf("naiveGer = %v, want %v", naive, want)
	}
	if sameWithin(gon, want, 0) < 0 {
		t.Logf("gonum's Dger now handles negative increments (%v); gerAgrees could compare against it again", gon)
	}
}

// gerAgrees runs fast and ref ?ger on identical random inputs.
func gerAgrees[T float](t *testing.T, fast, ref func(m, n int, alpha T, x []T, incX int, y []T, incY int, a []T, lda int)) {
	t.Helper()
	r := rand.New(rand.NewPCG(5, 6))
	dims := []int{0, 1, 2, 5, 16, 31, 64, 257}
	for range 200 {
		m, n := dims[r.IntN(len(dims))], dims[r.IntN(len(dims))]
		incX, incY := incs[r.IntN(len(incs))], incs[r.IntN(len(incs))]
		lda := max(1, n) + r.IntN(3)
		x := randSlice[T](r, max(1, 1+(m-1)*abs(incX)))
		y := randSlice[T](r, max(1, 1+(n-1)*abs(incY)))
		a0 := randSlice[T](r, max(0, (m-1)*lda+n))
		for _, alpha := range scalars(r) {
			got, want := append([]T(nil), a0...), append([]T(nil), a0...)
			fast(m, n, T(alpha), x, incX, y, incY, got, lda)
			ref(m, n, T(alpha), x, incX, y, incY, want, lda)
			if i := sameWithin(got, want, eps[T]()*8); i >= 0 {
				t.Fatalf("ger(m=%d,n=%d,alpha=%g,incX=%d,incY=%d,lda=%d): a[%d] = %g, gonum %g", m, n, alpha, incX, incY, lda, i, got[i], want[i])
			}
		}
	}
}

// dotAgrees runs fast and ref ?dot on identical random inputs.
func dotAgrees[T float](t *testing.T, fast, ref func(n int, x []T, incX int, y []T, incY int) T) {
	t.Helper()
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 2, 3, 7, 16, 33, 64, 100, 1000, 4097} {
		for _, incX := range incs {
			for _, incY := range incs {
				x := randSlice[T](r, max(1, 1+(n-1)*abs(incX)))
				y := randSlice[T](r, max(1, 1+(n-1)*abs(incY)))
				got, want := fast(n, x, incX, y, incY), ref(n, x, incX, y, incY)
				if sameWithin([]T{got}, []T{want}, eps[T]()*float64(n+2)*4) >= 0 {
					t.Fatalf("dot(n=%d,incX=%d,incY=%d) = %g, gonum %g", n, incX, incY, got, want)
				}
			}
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func requireFast(t *testing.T) {
	t.Helper()
	if !Available() && !SIMD() {
		t.Skip("neither OpenBLAS nor the SIMD kernels: Implementation is gonum itself")
	}
}

func TestAgreesWithGonum(t *testing.T) {
	requireFast(t)
	SetThreads(1)
	var f Implementation
	var g gonum.Implementation
	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"Sgemm", func(t *testing.T) { gemmAgrees(t, f.Sgemm, g.Sgemm) }},
		{"Dgemm", func(t *testing.T) { gemmAgrees(t, f.Dgemm, g.Dgemm) }},
		{"Sgemv", func(t *testing.T) { gemvAgrees(t, f.Sgemv, g.Sgemv) }},
		{"Dgemv", func(t *testing.T) { gemvAgrees(t, f.Dgemv, g.Dgemv) }},
		{"Sger", func(t *testing.T) { gerAgrees(t, f.Sger, naiveGer[float32]) }},
		{"Dger", func(t *testing.T) { gerAgrees(t, f.Dger, naiveGer[float64]) }},
		{"Sdot", func(t *testing.T) { dotAgrees(t, f.Sdot, g.Sdot) }},
		{"Ddot", func(t *testing.T) { dotAgrees(t, f.Ddot, g.Ddot) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !Available() && tc.name[1:] == "ger" {
				t.Skip("gonum's own ?ger (no OpenBLAS): wrong for negative increments, see TestGonumGerNegativeIncrement")
			}
			tc.run(t)
		})
	}
}

// TestAgreesWithTwoThreads repeats the float32 products with two threads per product (OpenBLAS's or the SIMD kernels').
func TestAgreesWithTwoThreads(t *testing.T) {
	requireFast(t)
	SetThreads(2)
	defer SetThreads(1)
	if Threads() != 2 {
		t.Fatalf("Threads() = %d after SetThreads(2)", Threads())
	}
	var f Implementation
	var g gonum.Implementation
	gemmAgrees(t, f.Sgemm, g.Sgemm)
	gemvAgrees(t, f.Sgemv, g.Sgemv)
}

// TestConcurrentCalls runs products on many goroutines at once (each on its own OS thread while in C) and checks every result.
func TestConcurrentCalls(t *testing.T) {
	requireFast(t)
	for _, threads := range []int{1, 2} {
		t.Run(fmt.Sprintf("threads=%d", threads), func(t *testing.T) {
			SetThreads(threads)
			defer SetThreads(1)
			workers, rounds := 16, 30
			if threads > 1 { // OpenMP teams from every caller oversubscribe the cores: slow, so fewer rounds
				workers, rounds = 2, 10
			}
			var wg sync.WaitGroup
			errs := make(chan error, workers)
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := rand.New(rand.NewPCG(uint64(w), 99))
					var f Implementation
					var g gonum.Implementation
					for range rounds {
						m, n, k := 1+r.IntN(130), 1+r.IntN(130), 1+r.IntN(130)
						a, b := randSlice[float32](r, m*k), randSlice[float32](r, k*n)
						got, want := make([]float32, m*n), make([]float32, m*n)
						f.Sgemm(blas.NoTrans, blas.Trans, m, n, k, 1, a, k, b, k, 0, got, n)
						g.Sgemm(blas.NoTrans, blas.Trans, m, n, k, 1, a, k, b, k, 0, want, n)
						if i := sameWithin(got, want, 2e-7*float64(k+2)*4); i >= 0 {
							errs <- fmt.Errorf("worker %d: sgemm %dx%dx%d: c[%d] = %g, gonum %g", w, m, n, k, i, got[i], want[i])
							return
						}
						d := randSlice[float64](r, m*k)
						if x, y := f.Ddot(m*k, d, 1, d, 1), g.Ddot(m*k, d, 1, d, 1); math.Abs(x-y) > 1e-12*y {
							errs <- fmt.Errorf("worker %d: ddot %d: %g, gonum %g", w, m*k, x, y)
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

// panicOf returns what f panics with (nil if it returns).
func panicOf(f func()) (p any) {
	defer func() { p = recover() }()
	f()
	return nil
}

// TestChecksMatchGonum feeds random, often invalid, arguments to the argument checks and to gonum: same panic, and no panic exactly when gonum has none.
func TestChecksMatchGonum(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	var g gonum.Implementation
	small := func() int { return r.IntN(7) - 2 } // -2..4
	trs := []blas.Transpose{blas.NoTrans, blas.Trans, blas.ConjTrans, blas.Transpose('x')}
	tr := func() blas.Transpose {
		if r.IntN(10) == 0 {
			return trs[3]
		}
		return trs[r.IntN(3)]
	}
	inc := func() int { return r.IntN(5) - 2 } // -2..2, zero included
	length := func() int { return r.IntN(12) }
	same := func(what string, got, want any) {
		t.Helper()
		if got != want {
			t.Fatalf("%s: check panics %v, gonum %v", what, got, want)
		}
	}
	for range 20000 {
		tA, tB := tr(), tr()
		m, n, k, lda, ldb, ldc := small(), small(), small(), small(), small(), small()
		la, lb, lc := length(), length(), length()
		what := fmt.Sprintf("gemm(%c,%c,m=%d,n=%d,k=%d,lda=%d,ldb=%d,ldc=%d,len=%d,%d,%d)", tA, tB, m, n, k, lda, ldb, ldc, la, lb, lc)
		same(what, panicOf(func() { checkGemm(tA, tB, m, n, k, lda, ldb, ldc, la, lb, lc) }),
			panicOf(func() {
				g.Sgemm(tA, tB, m, n, k, 1, make([]float32, la), lda, make([]float32, lb), ldb, 0, make([]float32, lc), ldc)
			}))

		incX, incY, lx, ly := inc(), inc(), length(), length()
		what = fmt.Sprintf("gemv(%c,m=%d,n=%d,lda=%d,incX=%d,incY=%d,len=%d,%d,%d)", tA, m, n, lda, incX, incY, la, lx, ly)
		same(what, panicOf(func() { checkGemv(tA, m, n, lda, incX, incY, la, lx, ly) }),
			panicOf(func() {
				g.Dgemv(tA, m, n, 1, make([]float64, la), lda, make([]float64, lx), incX, 0, make([]float64, ly), incY)
			}))

		what = fmt.Sprintf("ger(m=%d,n=%d,lda=%d,incX=%d,incY=%d,len=%d,%d,%d)", m, n, lda, incX, incY, lx, ly, la)
		same(what, panicOf(func() { checkGer(m, n, lda, incX, incY, lx, ly, la) }),
			panicOf(func() {
				g.Sger(m, n, 1, make([]float32, lx), incX, make([]float32, ly), incY, make([]float32, la), lda)
			}))

		what = fmt.Sprintf("dot(n=%d,incX=%d,incY=%d,len=%d,%d)", n, incX, incY, lx, ly)
		same(what, panicOf(func() { checkDot(n, incX, incY, lx, ly) }),
			panicOf(func() { g.Ddot(n, make([]float64, lx), incX, make([]float64, ly), incY) }))
	}
}

// TestPanicsLikeGonum checks that the overriding routines themselves panic as gonum does (before any call into C).
func TestPanicsLikeGonum(t *testing.T) {
	var f Implementation
	var g gonum.Implementation
	s := make([]float32, 4)
	d := make([]float64, 4)
	tests := []struct {
		name      string
		fast, ref func()
	}{
		{"sgemm short c", func() { f.Sgemm(blas.NoTrans, blas.NoTrans, 2, 2, 2, 1, s, 2, s, 2, 0, s[:3], 2) },
			func() { g.Sgemm(blas.NoTrans, blas.NoTrans, 2, 2, 2, 1, s, 2, s, 2, 0, s[:3], 2) }},
		{"dgemm bad lda", func() { f.Dgemm(blas.Trans, blas.NoTrans, 3, 1, 1, 1, d, 2, d, 1, 0, d, 1) },
			func() { g.Dgemm(blas.Trans, blas.NoTrans, 3, 1, 1, 1, d, 2, d, 1, 0, d, 1) }},
		{"sgemv short x", func() { f.Sgemv(blas.NoTrans, 2, 2, 1, s, 2, s[:1], 1, 0, s, 1) },
			func() { g.Sgemv(blas.NoTrans, 2, 2, 1, s, 2, s[:1], 1, 0, s, 1) }},
		{"dgemv zero incY", func() { f.Dgemv(blas.Trans, 2, 2, 1, d, 2, d, 1, 0, d, 0) },
			func() { g.Dgemv(blas.Trans, 2, 2, 1, d, 2, d, 1, 0, d, 0) }},
		{"sger short a", func() { f.Sger(2, 2, 1, s, 1, s, 1, s[:3], 2) },
			func() { g.Sger(2, 2, 1, s, 1, s, 1, s[:3], 2) }},
		{"ddot short y", func() { f.Ddot(3, d, 1, d, 2) }, func() { g.Ddot(3, d, 1, d, 2) }},
		{"sdot negative n", func() { f.Sdot(-1, s, 1, s, 1) }, func() { g.Sdot(-1, s, 1, s, 1) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, want := panicOf(tc.fast), panicOf(tc.ref)
			if want == nil || got != want {
				t.Fatalf("panics %v, gonum %v", got, want)
			}
		})
	}
}

// batchedAgrees compares a batched product with a loop of gonum's single products over shapes, transposes and strides (0 included).
func batchedAgrees[T float](t *testing.T, batched func(tA, tB blas.Transpose, m, n, k int, alpha T, a []T, lda, strideA int, b []T, ldb, strideB int, beta T, c []T, ldc, strideC, count int),
	ref func(tA, tB blas.Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)) {
	t.Helper()
	r := rand.New(rand.NewPCG(31, 32))
	dims := []int{0, 1, 3, 16, 17, 64}
	for _, tA := range transposes[:2] {
		for _, tB := range transposes[:2] {
			for range 30 {
				m, n, k, count := dims[r.IntN(len(dims))], dims[r.IntN(len(dims))], dims[r.IntN(len(dims))], r.IntN(6)
				rowA, colA := storedDims(tA, m, k)
				rowB, colB := storedDims(tB, k, n)
				lda, ldb, ldc := max(1, colA)+r.IntN(2), max(1, colB)+r.IntN(2), max(1, n)+r.IntN(2)
				sizeA, sizeB, sizeC := max(0, (rowA-1)*lda+colA), max(0, (rowB-1)*ldb+colB), max(0, (m-1)*ldc+n)
				strideA, strideB, strideC := (sizeA+r.IntN(3))*r.IntN(2), sizeB+r.IntN(3), sizeC+r.IntN(3) // strideA 0: one A for all
				a := randSlice[T](r, sizeA+max(0, count-1)*strideA)
				b := randSlice[T](r, sizeB+max(0, count-1)*strideB)
				c0 := randSlice[T](r, sizeC+max(0, count-1)*strideC)
				alpha, beta := T(2*r.Float64()-1), T([]float64{0, 1, 0.5}[r.IntN(3)])
				got, want := append([]T(nil), c0...), append([]T(nil), c0...)
				batched(tA, tB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, got, ldc, strideC, count)
				for i := range count {
					ref(tA, tB, m, n, k, alpha, a[i*strideA:], lda, b[i*strideB:], ldb, beta, want[i*strideC:], ldc)
				}
				if i := sameWithin(got, want, eps[T]()*float64(k+2)*4); i >= 0 {
					t.Fatalf("batched(%c,%c,m=%d,n=%d,k=%d,count=%d,strides=%d,%d,%d): c[%d] = %g, gonum %g",
						tA, tB, m, n, k, count, strideA, strideB, strideC, i, got[i], want[i])
				}
			}
		}
	}
}

func TestBatchedAgreesWithGonum(t *testing.T) {
	var f Implementation
	var g gonum.Implementation
	t.Run("SgemmBatched", func(t *testing.T) { batchedAgrees(t, f.SgemmBatched, g.Sgemm) })
	t.Run("DgemmBatched", func(t *testing.T) { batchedAgrees(t, f.DgemmBatched, g.Dgemm) })
}

func TestBatchedPanics(t *testing.T) {
	var f Implementation
	s := make([]float32, 32)
	tests := []struct {
		name string
		call func()
		want any
	}{
		{"negative count", func() { f.SgemmBatched(blas.NoTrans, blas.NoTrans, 2, 2, 2, 1, s, 2, 4, s, 2, 4, 0, s, 2, 4, -1) }, badCount},
		{"negative stride", func() { f.SgemmBatched(blas.NoTrans, blas.NoTrans, 2, 2, 2, 1, s, 2, -4, s, 2, 4, 0, s, 2, 4, 2) }, badStride},
		{"overlapping c", func() { f.SgemmBatched(blas.NoTrans, blas.NoTrans, 2, 2, 2, 1, s, 2, 4, s, 2, 4, 0, s, 2, 3, 2) }, strideC0},
		{"last a short", func() { f.SgemmBatched(blas.NoTrans, blas.NoTrans, 2, 2, 2, 1, s, 2, 10, s, 2, 4, 0, s, 2, 4, 4) }, shortA},
		{"last c short", func() { f.SgemmBatched(blas.NoTrans, blas.NoTrans, 2, 2, 2, 1, s, 2, 4, s, 2, 4, 0, s, 2, 10, 4) }, shortC},
		{"bad transpose", func() { f.SgemmBatched('z', blas.NoTrans, 2, 2, 2, 1, s, 2, 4, s, 2, 4, 0, s, 2, 4, 1) }, badTranspose},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := panicOf(tc.call); got != tc.want {
				t.Fatalf("panics %v, want %v", got, tc.want)
			}
		})
	}
}
