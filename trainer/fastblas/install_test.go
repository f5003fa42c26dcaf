package fastblas

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas/gonum"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// useGonum restores the libraries' default BLAS when the test ends.
func useGonum(tb testing.TB) {
	tb.Cleanup(func() { G.Use(gonum.Implementation{}) })
}

func TestInstall(t *testing.T) {
	useGonum(t)
	name := Install(1)
	if name != Name() || name == "" {
		t.Fatalf("Install returned %q, Name() = %q", name, Name())
	}
	if _, ok := G.WhichBLAS().(Implementation); !ok {
		t.Fatalf("gorgonia.WhichBLAS() = %T after Install", G.WhichBLAS())
	}
	if _, ok := tensor.WhichBLAS().(Implementation); !ok {
		t.Fatalf("tensor.WhichBLAS() = %T after Install", tensor.WhichBLAS())
	}
	if Available() {
		if Threads() != 1 {
			t.Fatalf("Threads() = %d after Install(1)", Threads())
		}
		if !strings.Contains(name, "OpenBLAS") {
			t.Fatalf("Name() = %q does not name OpenBLAS", name)
		}
	} else {
		if Threads() != 1 {
			t.Fatalf("pure-Go build: Threads() = %d after Install(1)", Threads())
		}
		if want := map[bool]string{true: "SIMD", false: "gonum"}[SIMD()]; !strings.Contains(name, want) {
			t.Fatalf("pure-Go build (SIMD %v): Name() = %q does not name %s", SIMD(), name, want)
		}
	}
}

// graphRun builds a small attention-like gorgonia graph (projections with Mul, scores with BatchedMatMul
// QKᵀ, context with BatchedMatMul), runs forward and backward, and returns every output and gradient.
func graphRun[T float32 | float64](t *testing.T, dt tensor.Dtype, seed uint64) [][]T {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	const batch, seq, dModel, dHead = 3, 5, 8, 4
	g := G.NewGraph()
	val := func(name string, shape ...int) *G.Node {
		n := 1
		for _, s := range shape {
			n *= s
		}
		v := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(randSlice[T](r, n)))
		return G.NewTensor(g, dt, len(shape), G.WithShape(shape...), G.WithValue(v), G.WithName(name))
	}
	x := val("x", batch*seq, dModel)
	wq, wk, wv := val("wq", dModel, dHead), val("wk", dModel, dHead), val("wv", dModel, dHead)
	weights := val("weights", batch, seq, dHead)
	proj := func(w *G.Node) *G.Node {
		return G.Must(G.Reshape(G.Must(G.Mul(x, w)), tensor.Shape{batch, seq, dHead}))
	}
	q, k, v := proj(wq), proj(wk), proj(wv)
	scores := G.Must(G.BatchedMatMul(q, k, false, true))
	ctx := G.Must(G.BatchedMatMul(scores, v))
	back := G.Must(G.BatchedMatMul(scores, ctx, true, false)) // transposed A as well
	cost := G.Must(G.Sum(G.Must(G.HadamardProd(G.Must(G.Add(ctx, back)), weights))))
	if _, err := G.Grad(cost, x, wq, wk, wv); err != nil {
		t.Fatalf("grad: %v", err)
	}
	m := G.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatalf("run: %v", err)
	}
	var out [][]T
	out = append(out, scores.Value().Data().([]T), ctx.Value().Data().([]T), back.Value().Data().([]T))
	for _, n := range []*G.Node{x, wq, wk, wv} {
		gv, err := n.Grad()
		if err != nil {
			t.Fatalf("grad of %s: %v", n.Name(), err)
		}
		out = append(out, gv.Data().([]T))
	}
	return out
}

// graphAgrees runs the graph with gonum and with Implementation installed and compares every value.
func graphAgrees[T float32 | float64](t *testing.T, dt tensor.Dtype, tol float64) {
	useGonum(t)
	for seed := range uint64(3) {
		G.Use(gonum.Implementation{})
		want := graphRun[T](t, dt, seed)
		Install(1)
		got := graphRun[T](t, dt, seed)
		for i := range want {
			if j := sameWithin(got[i], want[i], tol); j >= 0 {
				t.Fatalf("seed %d, output %d, element %d: %g with %s, %g with gonum", seed, i, j, got[i][j], Name(), want[i][j])
			}
		}
	}
}

func TestGorgoniaGraphAgrees(t *testing.T) {
	requireFast(t)
	t.Run("float32", func(t *testing.T) { graphAgrees[float32](t, tensor.Float32, 1e-4) })
	t.Run("float64", func(t *testing.T) { graphAgrees[float64](t, tensor.Float64, 1e-12) })
}

// TestTensorMatMulViews multiplies transposed views through tensor.MatMul, the path gorgonia's backward pass takes.
func TestTensorMatMulViews(t *testing.T) {
	requireFast(t)
	useGonum(t)
	r := rand.New(rand.NewPCG(21, 22))
	for _, tc := range []struct{ m, k, n int }{{1, 1, 1}, {2, 3, 4}, {16, 16, 16}, {33, 64, 17}} {
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				t.Run(fmt.Sprintf("%dx%dx%d/tA=%v/tB=%v", tc.m, tc.k, tc.n, ta, tb), func(t *testing.T) {
					as, bs := []int{tc.m, tc.k}, []int{tc.k, tc.n}
					if ta {
						as = []int{tc.k, tc.m}
					}
					if tb {
						bs = []int{tc.n, tc.k}
					}
					ad, bd := randSlice[float32](r, tc.m*tc.k), randSlice[float32](r, tc.k*tc.n)
					mul := func() []float32 {
						a := tensor.New(tensor.WithShape(as...), tensor.WithBacking(append([]float32(nil), ad...)))
						b := tensor.New(tensor.WithShape(bs...), tensor.WithBacking(append([]float32(nil), bd...)))
						if ta {
							if err := a.T(); err != nil {
								t.Fatal(err)
							}
						}
						if tb {
							if err := b.T(); err != nil {
								t.Fatal(err)
							}
						}
						c, err := tensor.MatMul(a, b)
						if err != nil {
							t.Fatal(err)
						}
						return c.Data().([]float32)
					}
					G.Use(gonum.Implementation{})
					want := mul()
					Install(1)
					got := mul()
					if i := sameWithin(got, want, 1e-5*float64(tc.k+2)); i >= 0 {
						t.Fatalf("c[%d] = %g, gonum %g", i, got[i], want[i])
					}
				})
			}
		}
	}
}
