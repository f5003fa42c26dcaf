package trainer

import (
	"fmt"
	"math"

	"github.com/attnsearch/attnsearch/trainer/fastmath"
	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// --- label-smoothed cross-entropy: loss = Σ_r w_r·logsumexp(z_r) − Σ target ⊙ z ---

// crossEntropyOp keeps each row's log-sum-exp from its forward run for the gradient op.
type crossEntropyOp struct {
	fop
	lses []float64
}

// fusedCrossEntropy is crossEntropy's loss as one op (a scalar); only logits are differentiable.
func (b *builder) fusedCrossEntropy(logits, target, w *G.Node) *G.Node {
	if b.err != nil {
		return nil
	}
	op := &crossEntropyOp{fop: newFop("fusedCrossEntropy", tensor.ScalarShape(), []bool{true, false, false}, 2, 2, 2)}
	return b.apply(op, "cross-entropy", logits, target, w)
}

func (o *crossEntropyOp) Type() hm.Type {
	t := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t, hm.TypeVariable('a'))
}

func (o *crossEntropyOp) Do(v ...G.Value) (G.Value, error) {
	if o.lses == nil {
		o.lses = make([]float64, v[2].Shape().TotalSize())
	}
	switch z := v[0].Data().(type) {
	case []float32:
		l := crossEntropy(z, dataOf[float32](v[1]), dataOf[float32](v[2]), o.lses)
		return G.NewF32(float32(l)), nil
	case []float64:
		return G.NewF64(crossEntropy(z, dataOf[float64](v[1]), dataOf[float64](v[2]), o.lses)), nil
	}
	return nil, fmt.Errorf("trainer: cross-entropy of %v", v[0].Dtype())
}

// lse is the max-shifted log-sum-exp of one row.
func lse[T floats](z []T) float64 {
	mx := z[0]
	for _, x := range z[1:] {
		mx = max(mx, x)
	}
	var s float64
	if z32, ok := any(z).([]float32); ok {
		s = fastmath.SumExpShift(z32, float32(mx))
	} else {
		for _, x := range z {
			s += math.Exp(float64(x - mx))
		}
	}
	return math.Log(s) + float64(mx)
}

// expShift sets y[i] = exp(x[i] − shift) and returns their sum: float32 through fastmath's
// vectorised exp (within 2 ulp), float64 through math.Exp.
func expShift[T floats](y, x []T, shift T) float64 {
	if x32, ok := any(x).([]float32); ok {
		return fastmath.ExpShift(any(y).([]float32), x32, float32(shift))
	}
	return fastmath.ExpShiftMath(y, x, shift)
}

func crossEntropy[T floats](z, target, w []T, lses []float64) float64 {
	n := len(z) / len(w)
	var loss float64
	for r := range w {
		zr, tr := z[r*n:(r+1)*n], target[r*n:(r+1)*n]
		lses[r] = 0
		if w[r] != 0 {
			lses[r] = lse(zr)
			loss += float64(w[r]) * lses[r]
		}
		for j, t := range tr {
			loss -= float64(t) * float64(zr[j])
		}
	}
	return loss
}

func (o *crossEntropyOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	dz, err := G.ApplyOp(&crossEntropyGradOp{newFop("fusedCrossEntropyGrad", in[0].Shape(), nil, 2, 2, 2, 0), o}, in[0], in[1], in[2], grad)
	return G.Nodes{dz, nil, nil}, err
}

// crossEntropyGradOp is dz = g·(w_r·softmax(z_r) − target_r), from (z, target, w, g).
type crossEntropyGradOp struct {
	fop
	fwd *crossEntropyOp // its rows' log-sum-exp
}

func (o *crossEntropyGradOp) Type() hm.Type {
	t := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t, hm.TypeVariable('a'), t)
}

func (o *crossEntropyGradOp) Do(v ...G.Value) (G.Value, error) {
	out := o.output(v[0].Dtype(), false)
	switch z := v[0].Data().(type) {
	case []float32:
		crossEntropyGrad(out.Data().([]float32), z, dataOf[float32](v[1]), dataOf[float32](v[2]), float64(v[3].Data().(float32)), o.fwd.lses)
	case []float64:
		crossEntropyGrad(out.Data().([]float64), z, dataOf[float64](v[1]), dataOf[float64](v[2]), v[3].Data().(float64), o.fwd.lses)
	}
	return out, nil
}

// crossEntropyGrad uses the forward pass's log-sum-exp of each row (rows of weight 0 only
// subtract their target, which is 0 there too).
func crossEntropyGrad[T floats](dz, z, target, w []T, g float64, lses []float64) {
	n := len(z) / len(w)
	for r := range w {
		zr, tr, dr := z[r*n:(r+1)*n], target[r*n:(r+1)*n], dz[r*n:(r+1)*n]
		l, wr := lses[r], float64(w[r])
		if wr == 0 {
			for j, t := range tr {
				dr[j] = T(-g * float64(t))
			}
			continue
		}
		if _, ok := any(zr).([]float32); ok { // vectorised exp, shifted by l rounded to float32
			expShift(dr, zr, T(l))
			for j, e := range dr {
				dr[j] = T(g * (wr*float64(e) - float64(tr[j])))
			}
			continue
		}
		for j, x := range zr {
			dr[j] = T(g * (wr*math.Exp(float64(x)-l) - float64(tr[j])))
		}
	}
}
