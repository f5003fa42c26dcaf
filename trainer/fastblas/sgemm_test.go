//go:build !(openblas && cgo)

package fastblas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// sgemmCase is one product to check: shape, transposes, padding of the leading dimensions, scalars.
type sgemmCase struct {
	tA, tB      blas.Transpose
	m, n, k     int
	padA, padB  int // lda, ldb beyond the least legal value
	padC        int
	alpha, beta float32
	seed        uint64
}

func (c sgemmCase) String() string {
	return fmt.Sprintf("sgemm(%c,%c,m=%d,n=%d,k=%d,pads=%d,%d,%d,alpha=%g,beta=%g)", c.tA, c.tB, c.m, c.n, c.k, c.padA, c.padB, c.padC, c.alpha, c.beta)
}

// checkSgemm runs sgemm on random inputs and compares C with gonum's float64 Dgemm of the same
// inputs: every element within the float32 bound (k+2)·2⁻²⁴·(|alpha|·Σ_p|a_ip·b_pj| + |beta·c_ij|),
// with a C full of NaN when beta is 0 (it must be overwritten) and untouched padding.
func checkSgemm(t testing.TB, sgemm func(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int), tc sgemmCase) {
	t.Helper()
	r := rand.New(rand.NewPCG(tc.seed, 7))
	rowA, colA := storedDims(tc.tA, tc.m, tc.k)
	rowB, colB := storedDims(tc.tB, tc.k, tc.n)
	lda, ldb, ldc := max(1, colA)+tc.padA, max(1, colB)+tc.padB, max(1, tc.n)+tc.padC
	a := randSlice[float32](r, max(0, rowA*lda))
	b := randSlice[float32](r, max(0, rowB*ldb))
	c := randSlice[float32](r, max(0, tc.m*ldc))
	if tc.beta == 0 {
		for i := range c {
			c[i] = float32(math.NaN())
		}
	}
	c0 := append([]float32(nil), c...)
	sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)

	// Reference: gonum's Dgemm in float64 on the same values, and the same product of absolute values for the bound.
	f64 := func(s []float32, abs bool) []float64 {
		d := make([]float64, len(s))
		for i, v := range s {
			d[i] = float64(v)
			if abs {
				d[i] = math.Abs(d[i])
			}
		}
		return d
	}
	var g gonum.Implementation
	want, mag := make([]float64, max(0, tc.m*ldc)), make([]float64, max(0, tc.m*ldc))
	if tc.m > 0 && tc.n > 0 {
		g.Dgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, float64(tc.alpha), f64(a, false), lda, f64(b, false), ldb, 0, want, ldc)
		g.Dgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, math.Abs(float64(tc.alpha)), f64(a, true), lda, f64(b, true), ldb, 0, mag, ldc)
	}
	u := math.Ldexp(1, -24)
	for i := range tc.m {
		for j := range ldc {
			idx := i*ldc + j
			if j >= tc.n { // padding of C: untouched
				if math.Float32bits(c[idx]) != math.Float32bits(c0[idx]) {
					t.Fatalf("%v: padding c[%d] changed from %g to %g", tc, idx, c0[idx], c[idx])
				}
				continue
			}
			w, bound := want[idx], mag[idx]
			if tc.beta != 0 {
				w += float64(tc.beta) * float64(c0[idx])
				bound += math.Abs(float64(tc.beta) * float64(c0[idx]))
			}
			bound *= float64(tc.k+2) * u
			if got := float64(c[idx]); math.IsNaN(got) || math.Abs(got-w) > bound {
				t.Fatalf("%v: c[%d,%d] = %g, want %g ± %.3g", tc, i, j, got, w, bound)
			}
		}
	}
}

// edgeSizes are the sizes around the kernel's tile (6×16), the packing blocks and vector widths.
var edgeSizes = []int{1, 2, 3, 5, 6, 7, 15, 16, 17, 31, 33, 63, 65, 127, 129}

// sgemmCases covers every transpose pair, alpha ∈ {0, 1, −0.5}, beta ∈ {0, 1, 0.3}, random edge
// sizes and paddings, shapes past the packing blocks (k > 256, m > 120, n > 2048), and operands
// whose rows lie 1024 floats or more apart (packed rather than read in place).
func sgemmCases(seed uint64, perPair int) []sgemmCase {
	r := rand.New(rand.NewPCG(seed, 3))
	tr := []blas.Transpose{blas.NoTrans, blas.Trans, blas.ConjTrans}
	var out []sgemmCase
	for _, tA := range tr {
		for _, tB := range tr {
			for _, alpha := range []float32{0, 1, -0.5} {
				for _, beta := range []float32{0, 1, 0.3} {
					for range perPair {
						out = append(out, sgemmCase{tA, tB,
							edgeSizes[r.IntN(len(edgeSizes))], edgeSizes[r.IntN(len(edgeSizes))], edgeSizes[r.IntN(len(edgeSizes))],
							r.IntN(2) * (1 + r.IntN(5)), r.IntN(2) * (1 + r.IntN(5)), r.IntN(2) * (1 + r.IntN(5)), alpha, beta, r.Uint64()})
					}
				}
			}
			out = append(out,
				sgemmCase{tA, tB, 130, 40, 300, 1, 2, 3, 1, 0.3, r.Uint64()},  // past kc and mc
				sgemmCase{tA, tB, 7, 2100, 9, 0, 3, 1, -0.5, 0, r.Uint64()},   // past nc
				sgemmCase{tA, tB, 130, 20, 1030, 1, 0, 2, 1, 0.3, r.Uint64()}, // A or B 1030 apart per row: packed
				sgemmCase{tA, tB, 1030, 20, 10, 0, 1, 0, -0.5, 1, r.Uint64()},
				sgemmCase{tA, tB, 512, 64, 256, 0, 0, 0, 1, 0, r.Uint64()}, // the model's shapes, split over threads
				sgemmCase{tA, tB, 64, 256, 512, 0, 0, 0, 1, 1, r.Uint64()},
				sgemmCase{tA, tB, 0, 5, 3, 0, 0, 0, 1, 0, r.Uint64()},
				sgemmCase{tA, tB, 4, 5, 0, 1, 0, 0, 1, 0.3, r.Uint64()})
		}
	}
	return out
}

// TestSgemmAgreesWithGonum checks Implementation's Sgemm (SIMD where the CPU has it) and its
// NoSIMD fallback, at one and two threads, against gonum's float64 reference.
func TestSgemmAgreesWithGonum(t *testing.T) {
	defer SetThreads(1)
	cases := sgemmCases(1, 2)
	for _, impl := range []struct {
		name string
		f    Implementation
	}{{"default", Implementation{}}, {"nosimd", Implementation{NoSIMD: true}}} {
		for _, th := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/threads=%d", impl.name, th), func(t *testing.T) {
				SetThreads(th)
				for _, tc := range cases {
					checkSgemm(t, impl.f.Sgemm, tc)
				}
				t.Logf("%d products agree (SIMD %v)", len(cases), impl.f.simd())
			})
		}
	}
}

// kernelSgemm is Implementation{}.Sgemm's SIMD path on the micro-kernel kn instead of the one kernelFor picks.
func kernelSgemm(kn kernel) func(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	return func(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
		if !checkGemm(tA, tB, m, n, k, lda, ldb, ldc, len(a), len(b), len(c)) {
			return
		}
		if k == 0 || alpha == 0 {
			scaleC(m, n, beta, c, ldc)
			return
		}
		sgemmKernel(kn, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	}
}

// TestSgemmEveryKernel runs the driver on each micro-kernel this CPU has (and the Go one) over the same cases.
func TestSgemmEveryKernel(t *testing.T) {
	defer SetThreads(1)
	SetThreads(2)
	cases := sgemmCases(2, 1)
	for _, kn := range testKernels() {
		t.Run(kn.name, func(t *testing.T) {
			for _, tc := range cases {
				checkSgemm(t, kernelSgemm(kn), tc)
			}
		})
	}
}

// TestMicroKernels compares each assembly micro-kernel with the Go one on full tiles, with packed
// strips and with A and B read in place at padded strides.
func TestMicroKernels(t *testing.T) {
	for _, kn := range testKernels() {
		t.Run(kn.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(5, 5))
			nr := kn.nr
			for _, k := range []int{1, 2, 3, 4, 5, 7, 8, 9, 64, 255, 256} {
				for _, st := range [][3]int{{1, mr, nr}, {k + 3, 1, nr + 5}, {1, mr + 2, 2 * nr}} { // rsA, csA, ldb
					for _, ab := range [][2]float32{{1, 0}, {-0.5, 1}, {2, 0.3}} {
						rs, cs, ldb := st[0], st[1], st[2]
						a, b := randSlice[float32](r, (mr-1)*rs+(k-1)*cs+1), randSlice[float32](r, (k-1)*ldb+nr)
						ldc := nr + 3
						c := randSlice[float32](r, mr*ldc)
						if ab[1] == 0 {
							c[0], c[ldc+5] = float32(math.NaN()), float32(math.Inf(1))
						}
						want := append([]float32(nil), c...)
						kn.run(k, a, rs, cs, b, ldb, c, ldc, ab[0], ab[1])
						microKernelGo(nr, k, a, rs, cs, b, ldb, want, ldc, ab[0], ab[1])
						if i := sameWithin(c, want, 2e-7*float64(k+2)*8); i >= 0 {
							t.Fatalf("k=%d strides=%v alpha=%g beta=%g: c[%d] = %g, Go kernel %g", k, st, ab[0], ab[1], i, c[i], want[i])
						}
					}
				}
			}
		})
	}
}
