package trainer

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// stepGraph is one compiled training graph for a fixed padded shape (B sentences, S source and
// T target positions), bound to the shared weight tensors; its inputs are refilled in place.
type stepGraph struct {
	B, S, T int
	g       *G.ExprGraph
	vm      G.VM
	loss    *G.Node
	logits  *G.Node
	grads   []*G.Node // in params.specs order
	// per-step inputs, refilled in place
	srcIDs, tgtIDs, target *tensor.Dense // token ids (tensor.Int, B*S and B*T) and loss weights
	rowW                   *tensor.Dense // (B*T, 1): each target row's sum (1/ntokens or 0)
	encMask, selfMask      *tensor.Dense
	crossMask              *tensor.Dense
	drops                  []*tensor.Dense // dropout masks in creation order (nil when dropout is 0)
}

// newInput allocates a zeroed input tensor of shape in dtype dt.
func newInput(dt tensor.Dtype, shape ...int) *tensor.Dense {
	return tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
}

// sinusoid fills a (rows = B*T, D) table with the sinusoidal encoding of position t = row % T.
func sinusoid(dt tensor.Dtype, B, T, D int) *tensor.Dense {
	v := make([]float64, B*T*D)
	for r := 0; r < B*T; r++ {
		pos := float64(r % T)
		for i := 0; i < D; i++ {
			v[r*D+i] = sinusoidAt(pos, i, D)
		}
	}
	return denseOf(dt, []int{B * T, D}, v)
}

// sinusoidAt is the sinusoidal position encoding of position pos, component i of D.
func sinusoidAt(pos float64, i, D int) float64 {
	f := pos / math.Pow(10000, float64(2*(i/2))/float64(D))
	if i%2 == 0 {
		return math.Sin(f)
	}
	return math.Cos(f)
}

// posIDs are the learned position rows of the B*T tokens; padding positions beyond the table
// reuse its last row (they carry no loss and are masked as keys, so their gradient is zero).
func posIDs(B, T, maxPos int) *tensor.Dense {
	v := make([]int, B*T)
	for r := range v {
		v[r] = min(r%T, maxPos-1)
	}
	return tensor.New(tensor.WithShape(B*T), tensor.WithBacking(v))
}

// newIDs allocates a zeroed vector of n token ids.
func newIDs(n int) *tensor.Dense {
	return tensor.New(tensor.WithShape(n), tensor.WithBacking(make([]int, n)))
}

// buildStep builds the training graph of model d for shape (B, S, T).
// With dropout > 0 the graph takes seeded dropout masks as inputs.
func buildStep(d dims, p *params, B, S, T int, dropout float64) (*stepGraph, error) {
	g := G.NewGraph()
	b := &builder{g: g, dt: p.dt, fused: !d.Composed}
	sg := &stepGraph{B: B, S: S, T: T, g: g}
	w := map[string]*G.Node{}
	var wrt []*G.Node
	for _, s := range p.specs {
		n := b.input(s.name, p.t[s.name])
		w[s.name] = n
		wrt = append(wrt, n)
	}
	dt := p.dt
	grp := d.H / d.KVH
	dropMask := func(shape ...int) *G.Node {
		if dropout <= 0 || b.err != nil {
			return nil
		}
		m := newInput(dt, shape...)
		sg.drops = append(sg.drops, m)
		return b.input(fmt.Sprintf("drop%d", len(sg.drops)), m)
	}
	drop := func(x *G.Node, shape ...int) *G.Node {
		if m := dropMask(shape...); m != nil {
			return b.hprod(x, m)
		}
		return x
	}
	att := func(prefix string) attnW {
		return attnW{w[prefix+".q.w"], w[prefix+".q.b"], w[prefix+".k.w"], w[prefix+".k.b"],
			w[prefix+".v.w"], w[prefix+".v.b"], w[prefix+".o.w"], w[prefix+".o.b"]}
	}
	embed := func(side string, ids *tensor.Dense, L int) *G.Node {
		x := b.gather(w[side+".emb"], b.ids(side+".ids", ids))
		if d.EmbScale {
			x = b.scale(x, math.Sqrt(float64(d.D)))
		}
		if d.Learned {
			x = b.add(x, b.gather(w[side+".pos"], b.ids(side+".posids", posIDs(B, L, d.MaxPos))))
		} else {
			x = b.add(x, b.input(side+".sinusoid", sinusoid(dt, B, L, d.D)))
		}
		return drop(x, B*L, d.D)
	}

	sg.srcIDs = newIDs(B * S)
	sg.encMask = newInput(dt, B*d.KVH, grp*S, S)
	x := embed("src", sg.srcIDs, S)
	var encMask *G.Node
	if !d.EncoderOnly {
		encMask = b.input("encmask", sg.encMask)
	}
	for l := 0; l < d.Enc; l++ {
		pre := fmt.Sprintf("enc.%d", l)
		h := b.layerNorm(x, w[pre+".ln1.g"], w[pre+".ln1.b"])
		a := b.attention(d, att(pre+".att"), h, h, encMask, dropMask(B*d.KVH, grp*S, S), B, S, S)
		x = b.add(x, drop(a, B*S, d.D))
		h = b.layerNorm(x, w[pre+".ln2.g"], w[pre+".ln2.b"])
		x = b.add(x, drop(b.ffn(h, w[pre+".ff1.w"], w[pre+".ff1.b"], w[pre+".ff2.w"], w[pre+".ff2.b"], dropMask(B*S, d.FF)), B*S, d.D))
	}
	var logits *G.Node
	sg.target = newInput(dt, B*T, d.TgtV)
	if d.EncoderOnly {
		logits = b.linear(x, w["out.w"], w["out.b"])
	} else {
		mem := b.layerNorm(x, w["enc.ln.g"], w["enc.ln.b"])
		sg.tgtIDs = newIDs(B * T)
		sg.selfMask = newInput(dt, B*d.KVH, grp*T, T)
		sg.crossMask = newInput(dt, B*d.KVH, grp*T, S)
		selfMask := b.input("selfmask", sg.selfMask)
		crossMask := b.input("crossmask", sg.crossMask)
		y := embed("tgt", sg.tgtIDs, T)
		attDrop := func(Tk int) *G.Node { return dropMask(B*d.KVH, grp*T, Tk) }
		for l := 0; l < d.Dec; l++ {
			pre := fmt.Sprintf("dec.%d", l)
			h := b.layerNorm(y, w[pre+".ln1.g"], w[pre+".ln1.b"])
			y = b.add(y, drop(b.attention(d, att(pre+".self"), h, h, selfMask, attDrop(T), B, T, T), B*T, d.D))
			h = b.layerNorm(y, w[pre+".ln2.g"], w[pre+".ln2.b"])
			y = b.add(y, drop(b.attention(d, att(pre+".cross"), h, mem, crossMask, attDrop(S), B, T, S), B*T, d.D))
			h = b.layerNorm(y, w[pre+".ln3.g"], w[pre+".ln3.b"])
			y = b.add(y, drop(b.ffn(h, w[pre+".ff1.w"], w[pre+".ff1.b"], w[pre+".ff2.w"], w[pre+".ff2.b"], dropMask(B*T, d.FF)), B*T, d.D))
		}
		y = b.layerNorm(y, w["dec.ln.g"], w["dec.ln.b"])
		if d.Tied {
			// The target embedding transposed, no bias (as PyTorch's and fairseq's tied models).
			logits = b.linear(y, b.transpose(w["tgt.emb"], 1, 0), nil)
		} else {
			logits = b.linear(y, w["out.w"], w["out.b"])
		}
	}
	// Loss: -Σ target ⊙ log_softmax(logits); target rows carry label smoothing and 1/ntokens.
	sg.rowW = newInput(dt, B*T, 1)
	loss := b.crossEntropy(logits, b.input("target", sg.target), b.input("rowweight", sg.rowW))
	if b.err != nil {
		return nil, b.err
	}
	grads, err := G.Grad(loss, wrt...)
	if err != nil {
		return nil, fmt.Errorf("trainer: graph gradients: %w", err)
	}
	sg.loss, sg.logits, sg.grads = loss, logits, grads
	sg.vm = G.NewTapeMachine(g)
	return sg, nil
}

// run executes the graph once (forward and backward) and returns the loss; gorgonia panics
// become errors.
func (sg *stepGraph) run() (loss float64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("trainer: graph run panicked: %v", r)
		}
	}()
	defer sg.vm.Reset()
	if err := sg.vm.RunAll(); err != nil {
		return 0, fmt.Errorf("trainer: graph run: %w", err)
	}
	switch v := sg.loss.Value().Data().(type) {
	case float32:
		return float64(v), nil
	case float64:
		return v, nil
	}
	return 0, fmt.Errorf("trainer: loss of type %T", sg.loss.Value().Data())
}
