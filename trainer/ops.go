package trainer

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// builder composes gorgonia nodes with a sticky error, so graph code reads as straight-line math.
type builder struct {
	g     *G.ExprGraph
	dt    tensor.Dtype
	fused bool // use the fused ops of fused.go instead of chains of stock ops
	err   error
}

func (b *builder) ok(n *G.Node, err error, what string) *G.Node {
	if b.err != nil {
		return nil
	}
	if err != nil {
		b.err = fmt.Errorf("trainer: graph %s: %w", what, err)
		return nil
	}
	return n
}

// do runs op unless an earlier step failed, keeping op's error, named by what, as the sticky one.
func (b *builder) do(what string, op func() (*G.Node, error)) *G.Node {
	if b.err != nil {
		return nil
	}
	n, err := op()
	return b.ok(n, err, what)
}

// input creates a leaf node bound to t (weights or per-step inputs refilled in place).
func (b *builder) input(name string, t *tensor.Dense) *G.Node {
	if b.err != nil {
		return nil
	}
	return G.NewTensor(b.g, b.dt, t.Dims(), G.WithShape(t.Shape()...), G.WithValue(t), G.WithName(name))
}

// ids creates a leaf vector of token ids (tensor.Int) bound to t.
func (b *builder) ids(name string, t *tensor.Dense) *G.Node {
	if b.err != nil {
		return nil
	}
	return G.NewVector(b.g, tensor.Int, G.WithShape(t.Shape()...), G.WithValue(t), G.WithName(name))
}

// gather selects rows of table (V, D) by ids (n), giving (n, D); its gradient scatter-adds.
func (b *builder) gather(table, ids *G.Node) *G.Node {
	return b.do("gather", func() (*G.Node, error) { return G.ByIndices(table, ids, 0) })
}

func (b *builder) scalar(v float64) *G.Node {
	if b.dt == tensor.Float32 {
		return G.NewConstant(float32(v))
	}
	return G.NewConstant(v)
}

func (b *builder) mul(x, y *G.Node) *G.Node {
	return b.do("mul", func() (*G.Node, error) { return G.Mul(x, y) })
}

func (b *builder) add(x, y *G.Node) *G.Node {
	return b.do("add", func() (*G.Node, error) { return G.Add(x, y) })
}

func (b *builder) sub(x, y *G.Node) *G.Node {
	return b.do("sub", func() (*G.Node, error) { return G.Sub(x, y) })
}

func (b *builder) hprod(x, y *G.Node) *G.Node {
	return b.do("hadamard", func() (*G.Node, error) { return G.HadamardProd(x, y) })
}

func (b *builder) scale(x *G.Node, s float64) *G.Node {
	return b.do("scale", func() (*G.Node, error) { return G.Mul(x, b.scalar(s)) })
}

func (b *builder) reshape(x *G.Node, shape ...int) *G.Node {
	if b.err != nil {
		return nil
	}
	n, err := G.Reshape(x, tensor.Shape(shape))
	return b.ok(n, err, fmt.Sprintf("reshape %v->%v", x.Shape(), shape))
}

func (b *builder) transpose(x *G.Node, axes ...int) *G.Node {
	return b.do("transpose", func() (*G.Node, error) { return G.Transpose(x, axes...) })
}

func (b *builder) bmm(x, y *G.Node, transA, transB bool) *G.Node {
	return b.do("batched matmul", func() (*G.Node, error) { return G.BatchedMatMul(x, y, transA, transB) })
}

func (b *builder) sum(x *G.Node, axis int) *G.Node {
	return b.do("sum", func() (*G.Node, error) { return G.Sum(x, axis) })
}

func (b *builder) sumAll(x *G.Node) *G.Node {
	return b.do("sum", func() (*G.Node, error) { return G.Sum(x) })
}

func (b *builder) max(x *G.Node, axis int) *G.Node {
	return b.do("max", func() (*G.Node, error) { return G.Max(x, axis) })
}

func (b *builder) unary(f func(*G.Node) (*G.Node, error), x *G.Node, what string) *G.Node {
	return b.do(what, func() (*G.Node, error) { return f(x) })
}

// bcast applies a broadcasting binary op where y has size 1 along axis (the last axis of x's rank).
func (b *builder) bcast(op func(a, c *G.Node, l, r []byte) (*G.Node, error), x, y *G.Node, axis byte, what string) *G.Node {
	return b.do(what, func() (*G.Node, error) { return op(x, y, nil, []byte{axis}) })
}

// linear is x·W + b for x (N, in), W (in, out), b (1, out); x·W when bias is nil.
func (b *builder) linear(x, w, bias *G.Node) *G.Node {
	if b.fused {
		return b.fusedLinear(x, w, bias)
	}
	if bias == nil {
		return b.mul(x, w)
	}
	return b.bcast(G.BroadcastAdd, b.mul(x, w), bias, 0, "bias")
}

// rowStat reduces x (N, D) along its rows and returns (N, 1).
func (b *builder) rowSum(x *G.Node) *G.Node {
	if b.err != nil {
		return nil
	}
	n := x.Shape()[0]
	return b.reshape(b.sum(x, 1), n, 1)
}

// layerNorm normalises each row of x (N, D) and applies gain g and bias (1, D); eps = 1e-5.
func (b *builder) layerNorm(x, g, bias *G.Node) *G.Node {
	if b.err != nil {
		return nil
	}
	if b.fused {
		return b.fusedLayerNorm(x, g, bias)
	}
	d := float64(x.Shape()[1])
	mean := b.scale(b.rowSum(x), 1/d)
	c := b.bcast(G.BroadcastSub, x, mean, 1, "ln center")
	v := b.scale(b.rowSum(b.unary(G.Square, c, "square")), 1/d)
	v = b.add(v, b.scalar(1e-5))
	// InverseSqrt has a wrong gradient in gorgonia v0.9.18: compose Inverse(Sqrt(v)).
	inv := b.unary(G.Inverse, b.unary(G.Sqrt, v, "sqrt"), "inverse")
	nrm := b.bcast(G.BroadcastHadamardProd, c, inv, 1, "ln scale")
	out := b.bcast(G.BroadcastHadamardProd, nrm, g, 0, "ln gain")
	return b.bcast(G.BroadcastAdd, out, bias, 0, "ln bias")
}

// softmaxLast is a max-subtracted softmax over the last axis of a 3-D x.
func (b *builder) softmaxLast(x *G.Node) *G.Node {
	if b.err != nil {
		return nil
	}
	s := x.Shape()
	m := b.reshape(b.max(x, 2), s[0], s[1], 1)
	e := b.unary(G.Exp, b.bcast(G.BroadcastSub, x, m, 2, "softmax shift"), "exp")
	z := b.reshape(b.sum(e, 2), s[0], s[1], 1)
	return b.bcast(G.BroadcastHadamardDiv, e, z, 2, "softmax norm")
}

// crossEntropy is Σ_r w_r·logsumexp(logits_r) − Σ target ⊙ logits for logits (N, V), target
// (N, V) and w (N, 1) holding each row's target sum: with target rows (1−ε+ε/V at the gold token,
// ε/V elsewhere)/ntokens it is the label-smoothed cross-entropy per token. The log-sum-exp is
// max-shifted; no (N, V) log-probability tensor is built.
func (b *builder) crossEntropy(logits, target, w *G.Node) *G.Node {
	if b.err != nil {
		return nil
	}
	if b.fused {
		return b.fusedCrossEntropy(logits, target, w)
	}
	n := logits.Shape()[0]
	m := b.reshape(b.max(logits, 1), n, 1)
	e := b.unary(G.Exp, b.bcast(G.BroadcastSub, logits, m, 1, "lse shift"), "exp")
	lse := b.add(b.unary(G.Log, b.rowSum(e), "log"), m)
	return b.sub(b.sumAll(b.hprod(lse, w)), b.sumAll(b.hprod(logits, target)))
}

// attnWeights are the names of one attention block's parameters.
type attnW struct{ qw, qb, kw, kb, vw, vb, ow, ob *G.Node }

// attention is grouped-query scaled dot-product attention. xq is (B*Tq, D), xkv is (B*Tk, D);
// mask is (B*KVH, G*Tq, Tk) with 0 for allowed and -1e9 for masked positions; drop (same shape as
// the weights, 0 or 1/(1-p)) is applied to the attention weights when non-nil.
func (b *builder) attention(d dims, w attnW, xq, xkv, mask, drop *G.Node, B, Tq, Tk int) *G.Node {
	if b.err != nil {
		return nil
	}
	grp := d.H / d.KVH
	q := b.linear(xq, w.qw, w.qb)
	k := b.linear(xkv, w.kw, w.kb)
	v := b.linear(xkv, w.vw, w.vb)
	if b.fused {
		q = b.permute(q, []int{B, Tq, d.KVH, grp, d.HD}, []int{0, 2, 3, 1, 4}, B*d.KVH, grp*Tq, d.HD)
		k = b.permute(k, []int{B, Tk, d.KVH, d.HD}, []int{0, 2, 1, 3}, B*d.KVH, Tk, d.HD)
		v = b.permute(v, []int{B, Tk, d.KVH, d.HD}, []int{0, 2, 1, 3}, B*d.KVH, Tk, d.HD)
		p := b.fusedSoftmax(b.fusedBMM(q, k, false, true), mask, 1/math.Sqrt(float64(d.HD)))
		if drop != nil {
			p = b.hprod(p, drop)
		}
		c := b.fusedBMM(p, v, false, false)
		c = b.permute(c, []int{B, d.KVH, grp, Tq, d.HD}, []int{0, 3, 1, 2, 4}, B*Tq, d.D)
		return b.linear(c, w.ow, w.ob)
	}
	// Query heads h = kv*grp + g: (B, Tq, KVH, G, HD) -> (B, KVH, G, Tq, HD) -> (B*KVH, G*Tq, HD).
	q = b.reshape(b.transpose(b.reshape(q, B, Tq, d.KVH, grp, d.HD), 0, 2, 3, 1, 4), B*d.KVH, grp*Tq, d.HD)
	k = b.reshape(b.transpose(b.reshape(k, B, Tk, d.KVH, d.HD), 0, 2, 1, 3), B*d.KVH, Tk, d.HD)
	v = b.reshape(b.transpose(b.reshape(v, B, Tk, d.KVH, d.HD), 0, 2, 1, 3), B*d.KVH, Tk, d.HD)
	s := b.scale(b.bmm(q, k, false, true), 1/math.Sqrt(float64(d.HD)))
	if mask != nil {
		s = b.add(s, mask)
	}
	p := b.softmaxLast(s)
	if drop != nil {
		p = b.hprod(p, drop)
	}
	c := b.bmm(p, v, false, false) // (B*KVH, G*Tq, HD)
	c = b.reshape(b.transpose(b.reshape(c, B, d.KVH, grp, Tq, d.HD), 0, 3, 1, 2, 4), B*Tq, d.D)
	return b.linear(c, w.ow, w.ob)
}

// ffn is (relu(x·W1+b1) ⊙ mask)·W2+b2, the mask being the inner dropout (nil: none), as in
// PyTorch's nn.TransformerEncoderLayer and the original Transformer.
func (b *builder) ffn(x, w1, b1, w2, b2, mask *G.Node) *G.Node {
	var h *G.Node
	if b.fused {
		h = b.fusedLinearAct(x, w1, b1, true)
	} else {
		h = b.unary(G.Rectify, b.linear(x, w1, b1), "relu")
	}
	if mask != nil {
		h = b.hprod(h, mask)
	}
	return b.linear(h, w2, b2)
}
