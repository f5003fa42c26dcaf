package trainer

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Fused ops: custom gorgonia ops with hand-written forward and backward passes that replace
// chains of stock ops (linear layers, LayerNorm, ReLU, scaled masked softmax, head permutations,
// batched attention products). Each op writes into an output buffer it owns and reuses on every
// run, so a step allocates nothing for them; a graph runs its ops one at a time, so the buffer is
// never shared between concurrent runs. The composed path (builder.fused false) is kept as the
// reference the tests compare against.

// fop is the common part of the fused ops: name (with parameters, for hashing and printing),
// input ranks, output shape, differentiable inputs and the reused output buffer.
type fop struct {
	name   string
	in     []int // rank of each input
	out    tensor.Shape
	diff   []bool
	buf    *tensor.Dense
	bufDt  tensor.Dtype
	bufSet bool
}

func (o *fop) Arity() int { return len(o.in) }

func (o *fop) Type() hm.Type {
	ts := make(hm.Types, 0, len(o.in)+1)
	for _, r := range o.in {
		ts = append(ts, G.TensorType{Dims: r, Of: hm.TypeVariable('a')})
	}
	ts = append(ts, G.TensorType{Dims: o.out.Dims(), Of: hm.TypeVariable('a')})
	return hm.NewFnType(ts...)
}

func (o *fop) InferShape(...G.DimSizer) (tensor.Shape, error) { return o.out.Clone(), nil }
func (o *fop) ReturnsPtr() bool                               { return false }
func (o *fop) CallsExtern() bool                              { return false }
func (o *fop) OverwritesInput() int                           { return -1 }
func (o *fop) String() string                                 { return o.name }
func (o *fop) WriteHash(h hash.Hash)                          { fmt.Fprintf(h, "%s%v", o.name, o.out) }
func (o *fop) Hashcode() uint32 {
	h := fnv.New32a()
	o.WriteHash(h)
	return h.Sum32()
}
func (o *fop) DiffWRT(n int) []bool { return o.diff }

// output returns the op's reused output buffer in dtype dt, zeroed when zero is set.
func (o *fop) output(dt tensor.Dtype, zero bool) *tensor.Dense {
	if !o.bufSet || o.bufDt != dt {
		o.buf = tensor.New(tensor.Of(dt), tensor.WithShape(o.out...))
		o.bufDt, o.bufSet = dt, true
		return o.buf
	}
	if zero {
		o.buf.Zero()
	}
	return o.buf
}

// newFop builds the common part; diff nil means no input is differentiable (backward-only ops).
func newFop(name string, out tensor.Shape, diff []bool, in ...int) fop {
	if diff == nil {
		diff = make([]bool, len(in))
	}
	return fop{name: name, in: in, out: out.Clone(), diff: diff}
}

// apply adds op to the graph with the given children under the builder's sticky error.
func (b *builder) apply(op G.Op, what string, xs ...*G.Node) *G.Node {
	return b.do(what, func() (*G.Node, error) { return G.ApplyOp(op, xs...) })
}

// floats is the element type of every fused op.
type floats interface{ float32 | float64 }

// dataOf returns the backing slice of a value in element type T.
func dataOf[T floats](v G.Value) []T { return v.Data().([]T) }
