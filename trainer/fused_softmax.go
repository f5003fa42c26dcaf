package trainer

import (
	"fmt"

	G "gorgonia.org/gorgonia"
)

// --- scaled masked softmax over the last axis: y = softmax(scale·s + mask) ---

type softmaxOp struct {
	fop
	scale float64
}

// fusedSoftmax is softmax(scale·s + mask) over the last axis of s; mask (same shape) may be nil.
func (b *builder) fusedSoftmax(s, mask *G.Node, scale float64) *G.Node {
	if b.err != nil {
		return nil
	}
	name := fmt.Sprintf("fusedSoftmax(%g)", scale)
	if mask == nil {
		return b.apply(&softmaxOp{newFop(name, s.Shape(), []bool{true}, s.Dims()), scale}, "softmax", s)
	}
	return b.apply(&softmaxOp{newFop(name+"masked", s.Shape(), []bool{true, false}, s.Dims(), mask.Dims()), scale}, "softmax", s, mask)
}

func (o *softmaxOp) Do(v ...G.Value) (G.Value, error) {
	n := o.out[len(o.out)-1]
	return o.fill(v, false,
		func(y []float32) { softmax(y, dataOf[float32](v[0]), maskOf[float32](v), float32(o.scale), n) },
		func(y []float64) { softmax(y, dataOf[float64](v[0]), maskOf[float64](v), o.scale, n) })
}

// maskOf is the softmax's mask, v[1], or nil without one.
func maskOf[T floats](v []G.Value) []T {
	if len(v) < 2 {
		return nil
	}
	return dataOf[T](v[1])
}

func softmax[T floats](y, x, mask []T, scale T, n int) {
	for r := 0; r < len(x); r += n {
		yr, xr := y[r:r+n], x[r:r+n]
		for j, v := range xr {
			yr[j] = v * scale
		}
		if mask != nil {
			for j, m := range mask[r : r+n] {
				yr[j] += m
			}
		}
		mx := yr[0]
		for _, v := range yr[1:] {
			if v > mx { // not max(): its NaN and signed-zero handling costs a branch chain per element
				mx = v
			}
		}
		iz := 1 / expShift(yr, yr, mx)
		for j := range yr {
			yr[j] = T(float64(yr[j]) * iz)
		}
	}
}

func (o *softmaxOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	op := &softmaxGradOp{newFop(fmt.Sprintf("fusedSoftmaxGrad(%g)", o.scale), in[0].Shape(), nil, out.Dims(), grad.Dims()), o.scale}
	ds, err := G.ApplyOp(op, out, grad)
	if len(in) > 1 {
		return G.Nodes{ds, nil}, err
	}
	return G.Nodes{ds}, err
}

// softmaxGradOp is ds = scale·y⊙(dy − Σ dy⊙y) per row, from (y, dy).
type softmaxGradOp struct {
	fop
	scale float64
}

func (o *softmaxGradOp) Do(v ...G.Value) (G.Value, error) {
	n := o.out[len(o.out)-1]
	return o.fill(v, false,
		func(ds []float32) { softmaxGrad(ds, dataOf[float32](v[0]), dataOf[float32](v[1]), o.scale, n) },
		func(ds []float64) { softmaxGrad(ds, dataOf[float64](v[0]), dataOf[float64](v[1]), o.scale, n) })
}

func softmaxGrad[T floats](ds, y, dy []T, scale float64, n int) {
	for r := 0; r < len(y); r += n {
		yr, dyr, dsr := y[r:r+n], dy[r:r+n], ds[r:r+n]
		var s float64
		for j, v := range yr {
			s += float64(v) * float64(dyr[j])
		}
		for j, v := range yr {
			dsr[j] = T(scale * float64(v) * (float64(dyr[j]) - s))
		}
	}
}
