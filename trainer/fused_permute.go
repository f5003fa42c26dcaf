package trainer

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// --- permutation of a logical shape (with the reshapes around it folded in) ---

type permuteOp struct {
	fop
	logical []int // the input viewed in this shape
	perm    []int // output axis i is logical axis perm[i]
}

// permute views x as logical, permutes its axes by perm and returns the result in shape out.
func (b *builder) permute(x *G.Node, logical, perm []int, out ...int) *G.Node {
	if b.err != nil {
		return nil
	}
	return b.apply(newPermute(x.Shape(), logical, perm, out), "permute", x)
}

func newPermute(in tensor.Shape, logical, perm, out []int) *permuteOp {
	name := fmt.Sprintf("fusedPermute(%v,%v)", logical, perm)
	return &permuteOp{newFop(name, tensor.Shape(out), []bool{true}, in.Dims()), append([]int(nil), logical...), append([]int(nil), perm...)}
}

func (o *permuteOp) Do(v ...G.Value) (G.Value, error) {
	return o.fill(v, false,
		func(y []float32) { permute(y, dataOf[float32](v[0]), o.logical, o.perm) },
		func(y []float64) { permute(y, dataOf[float64](v[0]), o.logical, o.perm) })
}

// permute copies x (row-major in shape logical) into y with axes reordered by perm; the last
// logical axis, when it stays last, is copied as a contiguous run.
func permute[T floats](y, x []T, logical, perm []int) {
	r := len(logical)
	stride := make([]int, r) // input strides
	s := 1
	for i := r - 1; i >= 0; i-- {
		stride[i] = s
		s *= logical[i]
	}
	oshape := make([]int, r)
	ostride := make([]int, r) // input stride of each output axis
	for i, p := range perm {
		oshape[i], ostride[i] = logical[p], stride[p]
	}
	inner := 1
	depth := r
	if perm[r-1] == r-1 {
		inner, depth = logical[r-1], r-1
	}
	idx := make([]int, depth)
	off, o := 0, 0
	for {
		copy(y[o:o+inner], x[off:off+inner])
		o += inner
		i := depth - 1
		for ; i >= 0; i-- {
			idx[i]++
			off += ostride[i]
			if idx[i] < oshape[i] {
				break
			}
			off -= ostride[i] * oshape[i]
			idx[i] = 0
		}
		if i < 0 {
			return
		}
	}
}

func (o *permuteOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	inv := make([]int, len(o.perm))
	permuted := make([]int, len(o.perm))
	for i, p := range o.perm {
		inv[p] = i
		permuted[i] = o.logical[p]
	}
	dx, err := G.ApplyOp(newPermute(grad.Shape(), permuted, inv, in[0].Shape()), grad)
	return G.Nodes{dx}, err
}
