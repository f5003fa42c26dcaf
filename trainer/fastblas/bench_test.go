package fastblas

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/attnsearch/attnsearch/trainer/internal/cputime"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Shapes of the reference model's products (batch 32 × length 16 = 512 rows, d_model 64, d_ff 256,
// vocab 64, head size 16): forward NN, and the two backward products of a linear layer.
var gemmShapes = []struct {
	name    string
	tA, tB  blas.Transpose
	m, n, k int
}{
	{"proj_fwd_512x64x64", blas.NoTrans, blas.NoTrans, 512, 64, 64}, // Q/K/V/O projections, vocab output (64)
	{"ff1_fwd_512x256x64", blas.NoTrans, blas.NoTrans, 512, 256, 64},
	{"ff2_fwd_512x64x256", blas.NoTrans, blas.NoTrans, 512, 64, 256},
	{"ff1_dX_512x64x256_NT", blas.NoTrans, blas.Trans, 512, 64, 256}, // dX = dY·Wᵀ
	{"ff1_dW_64x256x512_TN", blas.Trans, blas.NoTrans, 64, 256, 512}, // dW = Xᵀ·dY
	{"attn_16x16x16_NT", blas.NoTrans, blas.Trans, 16, 16, 16},       // one head's scores Q·Kᵀ
	{"attn_16x16x16_NN", blas.NoTrans, blas.NoTrans, 16, 16, 16},     // one head's context P·V
	{"square_256", blas.NoTrans, blas.NoTrans, 256, 256, 256},
	{"square_512", blas.NoTrans, blas.NoTrans, 512, 512, 512},
	{"square_1024", blas.NoTrans, blas.NoTrans, 1024, 1024, 1024},
}

// impls are the BLAS implementations benchmarked: gonum always, the SIMD kernels where the CPU has
// them, OpenBLAS when built with -tags openblas.
func impls() []struct {
	name string
	b    G.BLAS
} {
	out := []struct {
		name string
		b    G.BLAS
	}{{"gonum", gonum.Implementation{}}}
	if SIMD() {
		out = append(out, struct {
			name string
			b    G.BLAS
		}{"simd", Implementation{}})
	}
	if Available() {
		out = append(out, struct {
			name string
			b    G.BLAS
		}{"openblas", Implementation{}})
	}
	return out
}

// threadsFromCPU gives OpenBLAS (or the SIMD kernels) as many threads as the benchmark's GOMAXPROCS
// (-cpu 1 or -cpu 2), which is also what gonum's parallel Sgemm uses.
func threadsFromCPU(b *testing.B) {
	SetThreads(runtime.GOMAXPROCS(0))
	b.Cleanup(func() { SetThreads(1) })
}

// reportGFLOPs reports GFLOP/s of wall-clock time.
func reportGFLOPs(b *testing.B, flopsPerOp float64) {
	b.ReportMetric(flopsPerOp*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// cpuRate starts counting the process's CPU time (every thread); the returned function reports
// "GFLOP/cpu-s", per second of that time, which stays comparable on a machine shared with other
// work, where wall-clock rates fall with every other process's load.
func cpuRate(b *testing.B, flopsPerOp float64) func() {
	start, ok := cputime.Process()
	return func() {
		end, _ := cputime.Process()
		if ok && end > start {
			b.ReportMetric(flopsPerOp*float64(b.N)/(end-start).Seconds()/1e9, "GFLOP/cpu-s")
		}
	}
}

// BenchmarkSgemm measures SGEMM at the reference model's shapes; run with -cpu 1 (and -cpu 2) for the thread count.
func BenchmarkSgemm(b *testing.B) {
	threadsFromCPU(b)
	for _, s := range gemmShapes {
		r := rand.New(rand.NewPCG(1, 1))
		a, bb, c := randSlice[float32](r, s.m*s.k), randSlice[float32](r, s.k*s.n), make([]float32, s.m*s.n)
		lda, ldb := s.k, s.n
		if s.tA != blas.NoTrans {
			lda = s.m
		}
		if s.tB != blas.NoTrans {
			ldb = s.k
		}
		for _, im := range impls() {
			b.Run(s.name+"/"+im.name, func(b *testing.B) {
				done := cpuRate(b, 2*float64(s.m*s.n*s.k))
				for b.Loop() {
					im.b.Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
				}
				done()
				reportGFLOPs(b, 2*float64(s.m*s.n*s.k))
			})
		}
	}
}

// newValue is a gorgonia node of the given shape holding seeded random float32s.
func newValue(g *G.ExprGraph, r *rand.Rand, name string, shape ...int) *G.Node {
	n := 1
	for _, s := range shape {
		n *= s
	}
	v := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(randSlice[float32](r, n)))
	return G.NewTensor(g, tensor.Float32, len(shape), G.WithShape(shape...), G.WithValue(v), G.WithName(name))
}

// runGraph times one tape machine run per iteration with each BLAS installed.
func runGraph(b *testing.B, build func(g *G.ExprGraph, r *rand.Rand) error, flopsPerRun float64) {
	threadsFromCPU(b)
	b.Cleanup(func() { G.Use(gonum.Implementation{}) })
	for _, im := range impls() {
		b.Run(im.name, func(b *testing.B) {
			G.Use(im.b)
			g := G.NewGraph()
			if err := build(g, rand.New(rand.NewPCG(2, 2))); err != nil {
				b.Fatal(err)
			}
			m := G.NewTapeMachine(g)
			defer m.Close()
			for b.Loop() {
				if err := m.RunAll(); err != nil {
					b.Fatal(err)
				}
				m.Reset()
			}
			reportGFLOPs(b, flopsPerRun)
		})
	}
}

// BenchmarkGorgoniaMatMul runs gorgonia's Mul of x[512,64] by W[64,n] (forward only) and, for
// "grad", forward plus both backward products of Sum(Mul(x, W) ⊙ R).
func BenchmarkGorgoniaMatMul(b *testing.B) {
	for _, s := range []struct {
		name    string
		m, k, n int
	}{{"512x64x64", 512, 64, 64}, {"512x64x256", 512, 64, 256}, {"512x256x64", 512, 256, 64}} {
		for _, grad := range []bool{false, true} {
			name, flops := s.name+"/fwd", 2*float64(s.m*s.n*s.k)
			if grad {
				name, flops = s.name+"/grad", 3*flops
			}
			b.Run(name, func(b *testing.B) {
				runGraph(b, func(g *G.ExprGraph, r *rand.Rand) error {
					x, w := newValue(g, r, "x", s.m, s.k), newValue(g, r, "w", s.k, s.n)
					y, err := G.Mul(x, w)
					if err != nil || !grad {
						return err
					}
					cost, err := G.Sum(G.Must(G.HadamardProd(y, newValue(g, r, "r", s.m, s.n))))
					if err != nil {
						return err
					}
					_, err = G.Grad(cost, x, w)
					return err
				}, flops)
			})
		}
	}
}

// BenchmarkGorgoniaBatchedMatMul runs attention's batched products for 32 sentences × 4 heads of
// length 16, head size 16: scores Q·Kᵀ and context P·V.
func BenchmarkGorgoniaBatchedMatMul(b *testing.B) {
	const batch, l, d = 32 * 4, 16, 16
	for _, tc := range []struct {
		name   string
		transB bool
	}{{"QKt", true}, {"PV", false}} {
		b.Run(fmt.Sprintf("%s_%dx%dx%dx%d", tc.name, batch, l, l, d), func(b *testing.B) {
			runGraph(b, func(g *G.ExprGraph, r *rand.Rand) error {
				_, err := G.BatchedMatMul(newValue(g, r, "a", batch, l, d), newValue(g, r, "b", batch, l, d), false, tc.transB)
				return err
			}, 2*float64(batch*l*l*d))
		})
	}
}

// BenchmarkSgemmBatched measures attention's 128 (32 sentences × 4 heads) products of 16×16 by 16×16:
// gonum in a loop, the installed fast path (SIMD or OpenBLAS) one call per product, and its batched call.
func BenchmarkSgemmBatched(b *testing.B) {
	threadsFromCPU(b)
	const count, l, d = 32 * 4, 16, 16
	r := rand.New(rand.NewPCG(3, 3))
	q, k, c := randSlice[float32](r, count*l*d), randSlice[float32](r, count*l*d), make([]float32, count*l*l)
	var f Implementation
	var g gonum.Implementation
	variants := []struct {
		name string
		run  func()
	}{
		{"gonum_loop", func() {
			for i := range count {
				g.Sgemm(blas.NoTrans, blas.Trans, l, l, d, 1, q[i*l*d:], d, k[i*l*d:], d, 0, c[i*l*l:], l)
			}
		}},
		{"fastblas_loop", func() {
			for i := range count {
				f.Sgemm(blas.NoTrans, blas.Trans, l, l, d, 1, q[i*l*d:], d, k[i*l*d:], d, 0, c[i*l*l:], l)
			}
		}},
		{"fastblas_batched", func() {
			f.SgemmBatched(blas.NoTrans, blas.Trans, l, l, d, 1, q, d, l*d, k, d, l*d, 0, c, l, l*l, count)
		}},
	}
	for _, v := range variants {
		b.Run(fmt.Sprintf("QKt_%dx%dx%dx%d/%s", count, l, l, d, v.name), func(b *testing.B) {
			for b.Loop() {
				v.run()
			}
			reportGFLOPs(b, 2*float64(count*l*l*d))
		})
	}
}

// BenchmarkSgemmParallel runs SGEMMs from several goroutines at once with one OpenBLAS thread each, as
// parallel trials do: "p1" one caller per GOMAXPROCS (-cpu 2: two trials), "p8" eight per GOMAXPROCS.
func BenchmarkSgemmParallel(b *testing.B) {
	SetThreads(1)
	for _, s := range []struct {
		name    string
		m, n, k int
	}{{"512x256x64", 512, 256, 64}, {"16x16x16", 16, 16, 16}} {
		for _, par := range []int{1, 8} {
			for _, im := range impls() {
				b.Run(fmt.Sprintf("%s/p%d/%s", s.name, par, im.name), func(b *testing.B) {
					b.SetParallelism(par)
					b.RunParallel(func(pb *testing.PB) {
						r := rand.New(rand.NewPCG(4, 4))
						a, bb, c := randSlice[float32](r, s.m*s.k), randSlice[float32](r, s.k*s.n), make([]float32, s.m*s.n)
						for pb.Next() {
							im.b.Sgemm(blas.NoTrans, blas.NoTrans, s.m, s.n, s.k, 1, a, s.k, bb, s.n, 0, c, s.n)
						}
					})
					reportGFLOPs(b, 2*float64(s.m*s.n*s.k))
				})
			}
		}
	}
}
