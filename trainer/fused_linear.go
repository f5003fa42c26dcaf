package trainer

import (
	"fmt"

	"gonum.org/v1/gonum/blas/gonum"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// --- linear layer: y = x·W + b through the installed BLAS into the op's own buffer ---

// linearOp is x·W + b (x·W alone when the op has two inputs), with relu set max(·, 0) in the
// same pass over the output.
type linearOp struct {
	fop
	relu bool
}

// fusedLinear is x (N, in) · W (in, out) + b (1, out), or x·W when bias is nil; its backward
// products use matOp.
func (b *builder) fusedLinear(x, w, bias *G.Node) *G.Node {
	return b.fusedLinearAct(x, w, bias, false)
}

// fusedLinearAct is fusedLinear followed, when relu is set, by ReLU in the same op: the
// product's output is rectified while it is still in cache, and the backward masks the incoming
// gradient once (reluGradOp) before the linear backward products.
func (b *builder) fusedLinearAct(x, w, bias *G.Node, relu bool) *G.Node {
	if b.err != nil {
		return nil
	}
	xs, ws := x.Shape(), w.Shape()
	if xs.Dims() != 2 || ws.Dims() != 2 || xs[1] != ws[0] {
		b.err = fmt.Errorf("trainer: linear of shapes %v and %v", xs, ws)
		return nil
	}
	name := "fusedLinear"
	if relu {
		name = "fusedLinearReLU"
	}
	if bias == nil {
		op := &linearOp{newFop(name+"NoBias", tensor.Shape{xs[0], ws[1]}, []bool{true, true}, 2, 2), relu}
		return b.apply(op, "linear", x, w)
	}
	op := &linearOp{newFop(name, tensor.Shape{xs[0], ws[1]}, []bool{true, true, true}, 2, 2, 2), relu}
	return b.apply(op, "linear", x, w, bias)
}

func (o *linearOp) Do(v ...G.Value) (G.Value, error) {
	out := o.output(v[0].Dtype(), false)
	switch y := out.Data().(type) {
	case []float32:
		linearForward(o, v, y, relu32)
	case []float64:
		linearForward(o, v, y, relu[float64])
	}
	return out, nil
}

// linearForward sets y = x·W (+ b) for v = x, W (, b), then act(y) in place when o.relu is set.
func linearForward[T floats](o *linearOp, v []G.Value, y []T, act func(y, x []T)) {
	n, in, m := o.out[0], v[0].Shape()[1], o.out[1]
	// Each row starts as the bias; the product is added with beta 1 (x·W + b, summed once).
	// Without a bias the product overwrites the buffer (beta 0).
	var beta T
	if len(v) == 3 {
		beta = 1
		b := dataOf[T](v[2])
		for r := 0; r < n*m; r += m {
			copy(y[r:r+m], b)
		}
	}
	gemm(false, false, n, m, in, 1, dataOf[T](v[0]), in, dataOf[T](v[1]), m, beta, y, m)
	if o.relu {
		act(y, y)
	}
}

func (o *linearOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	if o.relu { // the gradient of the pre-activation: grad where out > 0
		g, err := G.ApplyOp(&reluGradOp{newFop("fusedReLUGrad", out.Shape(), nil, out.Dims(), grad.Dims())}, out, grad)
		if err != nil {
			return nil, err
		}
		grad = g
	}
	dx, err := G.ApplyOp(newMat(grad.Shape(), in[1].Shape(), false, true), grad, in[1])
	if err != nil {
		return nil, err
	}
	dw, err := G.ApplyOp(newMat(in[0].Shape(), grad.Shape(), true, false), in[0], grad)
	if err != nil {
		return nil, err
	}
	if len(in) == 2 {
		return G.Nodes{dx, dw}, nil
	}
	db, err := G.ApplyOp(&colSumOp{newFop("fusedColSum", in[2].Shape(), nil, 2)}, grad)
	return G.Nodes{dx, dw, db}, err
}

// gemm is C = alpha·op(A)·op(B) + beta·C (op transposes where tA, tB) through gorgonia's
// installed BLAS: its Sgemm or Dgemm, by T.
func gemm[T floats](tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	impl := G.WhichBLAS()
	switch a := any(a).(type) {
	case []float32:
		impl.Sgemm(trans(tA), trans(tB), m, n, k, float32(alpha), a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		impl.Dgemm(trans(tA), trans(tB), m, n, k, float64(alpha), a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}

// matOp is the 2-D product op(A)·op(B) through the installed BLAS (backward of linearOp).
type matOp struct {
	fop
	tA, tB bool
	k      int
}

func newMat(as, bs tensor.Shape, tA, tB bool) *matOp {
	m, k := as[0], as[1]
	if tA {
		m, k = k, m
	}
	n := bs[1]
	if tB {
		n = bs[0]
	}
	return &matOp{newFop(fmt.Sprintf("fusedMat(%v,%v)", tA, tB), tensor.Shape{m, n}, nil, 2, 2), tA, tB, k}
}

func (o *matOp) Do(v ...G.Value) (G.Value, error) {
	out := o.output(v[0].Dtype(), false)
	m, n := o.out[0], o.out[1]
	lda, ldb := v[0].Shape()[1], v[1].Shape()[1]
	switch a := v[0].Data().(type) {
	case []float32:
		gemm(o.tA, o.tB, m, n, o.k, 1, a, lda, dataOf[float32](v[1]), ldb, 0, out.Data().([]float32), n)
	case []float64:
		gemm(o.tA, o.tB, m, n, o.k, 1, a, lda, dataOf[float64](v[1]), ldb, 0, out.Data().([]float64), n)
	}
	return out, nil
}

// colSumOp sums the rows of x (N, M) into (1, M).
type colSumOp struct{ fop }

func (o *colSumOp) Do(v ...G.Value) (G.Value, error) {
	out := o.output(v[0].Dtype(), true)
	// Row by row through gonum's vectorised axpy (alpha 1: the same sums as a plain loop).
	var impl gonum.Implementation
	m := o.out.TotalSize()
	switch x := v[0].Data().(type) {
	case []float32:
		y := out.Data().([]float32)
		for r := 0; r < len(x); r += m {
			impl.Saxpy(m, 1, x[r:r+m], 1, y, 1)
		}
	case []float64:
		y := out.Data().([]float64)
		for r := 0; r < len(x); r += m {
			impl.Daxpy(m, 1, x[r:r+m], 1, y, 1)
		}
	}
	return out, nil
}
