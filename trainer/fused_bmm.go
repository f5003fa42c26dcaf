package trainer

import (
	"fmt"

	"github.com/attnsearch/attnsearch/trainer/fastblas"
	"gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// --- batched product through fastblas.SgemmBatched: C_i = op(A_i)·op(B_i) for 3-D A, B ---

type bmmOp struct {
	fop
	tA, tB  bool
	m, n, k int
}

// fusedBMM is the batched product of 3-D a and b (transposed as asked), one BLAS call per batch.
func (b *builder) fusedBMM(x, y *G.Node, tA, tB bool) *G.Node {
	if b.err != nil {
		return nil
	}
	op, err := newBMM(x.Shape(), y.Shape(), tA, tB)
	if err != nil {
		b.err = err
		return nil
	}
	return b.apply(op, "batched product", x, y)
}

func newBMM(as, bs tensor.Shape, tA, tB bool) (*bmmOp, error) {
	if as.Dims() != 3 || bs.Dims() != 3 || as[0] != bs[0] {
		return nil, fmt.Errorf("trainer: batched product of shapes %v and %v", as, bs)
	}
	m, k := as[1], as[2]
	if tA {
		m, k = k, m
	}
	k2, n := bs[1], bs[2]
	if tB {
		k2, n = n, k2
	}
	if k != k2 {
		return nil, fmt.Errorf("trainer: batched product of shapes %v and %v (transposed %v, %v)", as, bs, tA, tB)
	}
	name := fmt.Sprintf("fusedBMM(%v,%v)", tA, tB)
	return &bmmOp{newFop(name, tensor.Shape{as[0], m, n}, []bool{true, true}, 3, 3), tA, tB, m, n, k}, nil
}

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

func (o *bmmOp) Do(v ...G.Value) (G.Value, error) {
	out := o.output(v[0].Dtype(), false)
	switch c := out.Data().(type) {
	case []float32:
		bmmForward(o, v, c)
	case []float64:
		bmmForward(o, v, c)
	}
	return out, nil
}

// bmmForward sets each C_i = op(A_i)·op(B_i) for v = A, B: one batched call where the installed
// BLAS has it, one product per matrix otherwise.
func bmmForward[T floats](o *bmmOp, v []G.Value, c []T) {
	as, bs := v[0].Shape(), v[1].Shape()
	a, b := dataOf[T](v[0]), dataOf[T](v[1])
	lda, ldb := as[2], bs[2]
	sa, sb, sc := as[1]*as[2], bs[1]*bs[2], o.m*o.n
	count := as[0]
	if fast, ok := G.WhichBLAS().(batcher); ok {
		switch a := any(a).(type) {
		case []float32:
			fast.SgemmBatched(trans(o.tA), trans(o.tB), o.m, o.n, o.k, 1, a, lda, sa, any(b).([]float32), ldb, sb, 0, any(c).([]float32), o.n, sc, count)
		case []float64:
			fast.DgemmBatched(trans(o.tA), trans(o.tB), o.m, o.n, o.k, 1, a, lda, sa, any(b).([]float64), ldb, sb, 0, any(c).([]float64), o.n, sc, count)
		}
		return
	}
	for i := range count {
		gemm(o.tA, o.tB, o.m, o.n, o.k, 1, a[i*sa:(i+1)*sa], lda, b[i*sb:(i+1)*sb], ldb, 0, c[i*sc:(i+1)*sc], o.n)
	}
}

// batcher is a BLAS with strided batched products (fastblas.Implementation); the batched
// products use it when it is gorgonia's installed BLAS and call Sgemm per matrix otherwise.
type batcher interface {
	SgemmBatched(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda, strideA int, b []float32, ldb, strideB int, beta float32, c []float32, ldc, strideC, count int)
	DgemmBatched(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda, strideA int, b []float64, ldb, strideB int, beta float64, c []float64, ldc, strideC, count int)
}

var _ batcher = fastblas.Implementation{}

func (o *bmmOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	a, b := in[0], in[1]
	type prod struct {
		x, y   *G.Node
		tx, ty bool
	}
	var da, db prod
	switch {
	case !o.tA && !o.tB: // C = A·B: dA = dC·Bᵀ, dB = Aᵀ·dC
		da, db = prod{grad, b, false, true}, prod{a, grad, true, false}
	case !o.tA && o.tB: // C = A·Bᵀ: dA = dC·B, dB = dCᵀ·A
		da, db = prod{grad, b, false, false}, prod{grad, a, true, false}
	case o.tA && !o.tB: // C = Aᵀ·B: dA = B·dCᵀ, dB = A·dC
		da, db = prod{b, grad, false, true}, prod{a, grad, false, false}
	default: // C = Aᵀ·Bᵀ: dA = Bᵀ·dCᵀ, dB = dCᵀ·Aᵀ
		da, db = prod{b, grad, true, true}, prod{grad, a, true, true}
	}
	var nodes G.Nodes
	for _, p := range []prod{da, db} {
		op, err := newBMM(p.x.Shape(), p.y.Shape(), p.tx, p.ty)
		if err != nil {
			return nil, err
		}
		n, err := G.ApplyOp(op, p.x, p.y)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	return nodes, nil
}
