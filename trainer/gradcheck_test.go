package trainer

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// randDense returns a float64 tensor of shape with N(0, std) entries.
func randDense(rng *rand.Rand, std float64, shape ...int) *tensor.Dense {
	n := 1
	for _, s := range shape {
		n *= s
	}
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64() * std
	}
	return denseOf(tensor.Float64, shape, v)
}

// gradCheck compares gorgonia's symbolic gradient of Σ out⊙R with central finite differences for
// every element of every input (float64).
func gradCheck(t *testing.T, inputs []*tensor.Dense, build func(b *builder, in []*G.Node) *G.Node) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 7))
	g := G.NewGraph()
	b := &builder{g: g, dt: tensor.Float64}
	var nodes []*G.Node
	for i, x := range inputs {
		nodes = append(nodes, b.input(string(rune('a'+i)), x))
	}
	out := build(b, nodes)
	if b.err != nil {
		t.Fatal(b.err)
	}
	r := randDense(rng, 1, out.Shape()...)
	loss := b.sumAll(b.hprod(out, b.input("r", r)))
	if b.err != nil {
		t.Fatal(b.err)
	}
	grads, err := G.Grad(loss, nodes...)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	eval := func() float64 {
		defer vm.Reset()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		return loss.Value().Data().(float64)
	}
	eval()
	analytic := make([][]float64, len(inputs))
	for i := range inputs {
		analytic[i] = append([]float64(nil), grads[i].Value().Data().([]float64)...)
	}
	const h = 1e-6
	for i, x := range inputs {
		xs := x.Data().([]float64)
		for j := range xs {
			orig := xs[j]
			xs[j] = orig + h
			up := eval()
			xs[j] = orig - h
			down := eval()
			xs[j] = orig
			num := (up - down) / (2 * h)
			a := analytic[i][j]
			if math.Abs(num-a) > 1e-5*math.Max(1, math.Abs(num)) {
				t.Fatalf("input %d element %d: analytic %.9g, numeric %.9g", i, j, a, num)
			}
		}
	}
}

func TestGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	gqa := dims{D: 8, H: 4, KVH: 2, HD: 2, FF: 6}
	mqa := dims{D: 8, H: 4, KVH: 1, HD: 2, FF: 6}
	// Mask: batch 2, kv heads 2, group 2, Tq 3, Tk 4; second sentence has 2 valid keys.
	mask := func(d dims, B, Tq, Tk int) *tensor.Dense {
		grp := d.H / d.KVH
		m := make([]float64, B*d.KVH*grp*Tq*Tk)
		for bi := 0; bi < B; bi++ {
			for r := 0; r < d.KVH*grp*Tq; r++ {
				for k := 0; k < Tk; k++ {
					if bi == 1 && k >= 2 {
						m[(bi*d.KVH*grp*Tq+r)*Tk+k] = maskNeg
					}
				}
			}
		}
		return denseOf(tensor.Float64, []int{B * d.KVH, grp * Tq, Tk}, m)
	}
	attnInputs := func(d dims) []*tensor.Dense {
		kv := d.KVH * d.HD
		return []*tensor.Dense{
			randDense(rng, 1, 2*3, d.D), randDense(rng, 1, 2*4, d.D),
			randDense(rng, 0.5, d.D, d.D), randDense(rng, 0.5, 1, d.D),
			randDense(rng, 0.5, d.D, kv), randDense(rng, 0.5, 1, kv),
			randDense(rng, 0.5, d.D, kv), randDense(rng, 0.5, 1, kv),
			randDense(rng, 0.5, d.D, d.D), randDense(rng, 0.5, 1, d.D),
		}
	}
	attn := func(d dims) func(b *builder, in []*G.Node) *G.Node {
		m := mask(d, 2, 3, 4)
		return func(b *builder, in []*G.Node) *G.Node {
			w := attnW{in[2], in[3], in[4], in[5], in[6], in[7], in[8], in[9]}
			return b.attention(d, w, in[0], in[1], b.input("mask", m), nil, 2, 3, 4)
		}
	}
	cases := []struct {
		name   string
		inputs []*tensor.Dense
		build  func(b *builder, in []*G.Node) *G.Node
	}{
		{"layernorm", []*tensor.Dense{randDense(rng, 2, 5, 7), randDense(rng, 1, 1, 7), randDense(rng, 1, 1, 7)},
			func(b *builder, in []*G.Node) *G.Node { return b.layerNorm(in[0], in[1], in[2]) }},
		{"masked softmax", []*tensor.Dense{randDense(rng, 2, 4, 2, 4)},
			func(b *builder, in []*G.Node) *G.Node {
				return b.softmaxLast(b.add(in[0], b.input("mask", mask(gqa, 2, 1, 4))))
			}},
		{"label-smoothed cross-entropy", []*tensor.Dense{randDense(rng, 3, 5, 9)},
			func(b *builder, in []*G.Node) *G.Node {
				// rows: gold 2, 0, 8 with eps 0.1, one padding row, gold 4 with eps 0.3; 4 tokens.
				tgt := make([]float64, 5*9)
				w := make([]float64, 5)
				for r, c := range []struct {
					gold int
					eps  float64
				}{{2, 0.1}, {0, 0.1}, {8, 0.1}, {-1, 0}, {4, 0.3}} {
					if c.gold < 0 {
						continue
					}
					for v := 0; v < 9; v++ {
						tgt[r*9+v] = c.eps / 9 / 4
					}
					tgt[r*9+c.gold] += (1 - c.eps) / 4
					w[r] = 0.25
				}
				ce := b.crossEntropy(in[0], b.input("t", denseOf(tensor.Float64, []int{5, 9}, tgt)), b.input("w", denseOf(tensor.Float64, []int{5, 1}, w)))
				return b.reshape(ce, 1)
			}},
		{"ffn", []*tensor.Dense{randDense(rng, 1, 5, 8), randDense(rng, 0.5, 8, 6), randDense(rng, 0.5, 1, 6), randDense(rng, 0.5, 6, 8), randDense(rng, 0.5, 1, 8)},
			func(b *builder, in []*G.Node) *G.Node { return b.ffn(in[0], in[1], in[2], in[3], in[4], nil) }},
		{"ffn with inner dropout", []*tensor.Dense{randDense(rng, 1, 5, 8), randDense(rng, 0.5, 8, 6), randDense(rng, 0.5, 1, 6), randDense(rng, 0.5, 6, 8), randDense(rng, 0.5, 1, 8)},
			func(b *builder, in []*G.Node) *G.Node {
				m := make([]float64, 5*6)
				for i := range m {
					m[i] = float64(i%3) * 0.75 // 0, keep 1/(1-p) values as dropout writes them (here 0.75, 1.5)
				}
				return b.ffn(in[0], in[1], in[2], in[3], in[4], b.input("mask", denseOf(tensor.Float64, []int{5, 6}, m)))
			}},
		{"attention gqa", attnInputs(gqa), attn(gqa)},
		{"attention mqa", attnInputs(mqa), attn(mqa)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { gradCheck(t, c.inputs, c.build) })
		// The same piece from the fused ops (fused.go), where it has a fused form.
		t.Run(c.name+" fused", func(t *testing.T) {
			gradCheck(t, c.inputs, func(b *builder, in []*G.Node) *G.Node {
				b.fused = true
				return c.build(b, in)
			})
		})
	}
}

// TestFusedGradients checks the fused ops that the cases above do not reach alone: unmasked and
// masked scaled softmax, batched products in all four transpose modes, permutations with and
// without the last axis moving.
func TestFusedGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	mask := make([]float64, 2*3*4)
	for i := range mask {
		if i%4 == 3 || i%7 == 0 {
			mask[i] = maskNeg
		}
	}
	fused := func(f func(b *builder, in []*G.Node) *G.Node) func(b *builder, in []*G.Node) *G.Node {
		return func(b *builder, in []*G.Node) *G.Node {
			b.fused = true
			return f(b, in)
		}
	}
	cases := []struct {
		name   string
		inputs []*tensor.Dense
		build  func(b *builder, in []*G.Node) *G.Node
	}{
		{"softmax", []*tensor.Dense{randDense(rng, 2, 2, 3, 4)},
			func(b *builder, in []*G.Node) *G.Node { return b.fusedSoftmax(in[0], nil, 0.7) }},
		{"masked softmax", []*tensor.Dense{randDense(rng, 2, 2, 3, 4)},
			func(b *builder, in []*G.Node) *G.Node {
				return b.fusedSoftmax(in[0], b.input("mask", denseOf(tensor.Float64, []int{2, 3, 4}, mask)), 0.5)
			}},
		{"bmm nn", []*tensor.Dense{randDense(rng, 1, 2, 3, 4), randDense(rng, 1, 2, 4, 5)},
			func(b *builder, in []*G.Node) *G.Node { return b.fusedBMM(in[0], in[1], false, false) }},
		{"bmm nt", []*tensor.Dense{randDense(rng, 1, 2, 3, 4), randDense(rng, 1, 2, 5, 4)},
			func(b *builder, in []*G.Node) *G.Node { return b.fusedBMM(in[0], in[1], false, true) }},
		{"bmm tn", []*tensor.Dense{randDense(rng, 1, 2, 4, 3), randDense(rng, 1, 2, 4, 5)},
			func(b *builder, in []*G.Node) *G.Node { return b.fusedBMM(in[0], in[1], true, false) }},
		{"bmm tt", []*tensor.Dense{randDense(rng, 1, 2, 4, 3), randDense(rng, 1, 2, 5, 4)},
			func(b *builder, in []*G.Node) *G.Node { return b.fusedBMM(in[0], in[1], true, true) }},
		{"permute heads", []*tensor.Dense{randDense(rng, 1, 2*3, 2*2*2)},
			func(b *builder, in []*G.Node) *G.Node {
				return b.permute(in[0], []int{2, 3, 2, 2, 2}, []int{0, 2, 3, 1, 4}, 4, 6, 2)
			}},
		{"permute last axis", []*tensor.Dense{randDense(rng, 1, 2, 3, 4)},
			func(b *builder, in []*G.Node) *G.Node { return b.permute(in[0], []int{2, 3, 4}, []int{2, 0, 1}, 4, 6) }},
		{"linear with fused relu", []*tensor.Dense{randDense(rng, 1, 5, 4), randDense(rng, 0.5, 4, 6), randDense(rng, 1, 1, 6)},
			func(b *builder, in []*G.Node) *G.Node { return b.fusedLinearAct(in[0], in[1], in[2], true) }},
		{"linear without bias", []*tensor.Dense{randDense(rng, 1, 5, 4), randDense(rng, 0.5, 4, 6)},
			func(b *builder, in []*G.Node) *G.Node { return b.fusedLinear(in[0], in[1], nil) }},
		{"linear of a transpose", []*tensor.Dense{randDense(rng, 1, 5, 4), randDense(rng, 0.5, 6, 4), randDense(rng, 1, 1, 6)},
			func(b *builder, in []*G.Node) *G.Node { return b.fusedLinear(in[0], b.transpose(in[1], 1, 0), in[2]) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { gradCheck(t, c.inputs, fused(c.build)) })
	}
}

// TestFusedMatchesComposed compares the fused attention forward with the composed one on float64
// inputs (values, not only gradients): the permutations must put every head where the
// composed transposes do.
func TestFusedMatchesComposed(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	d := dims{D: 8, H: 4, KVH: 2, HD: 2, FF: 6}
	kv := d.KVH * d.HD
	in := []*tensor.Dense{
		randDense(rng, 1, 2*3, d.D), randDense(rng, 1, 2*4, d.D),
		randDense(rng, 0.5, d.D, d.D), randDense(rng, 0.5, 1, d.D),
		randDense(rng, 0.5, d.D, kv), randDense(rng, 0.5, 1, kv),
		randDense(rng, 0.5, d.D, kv), randDense(rng, 0.5, 1, kv),
		randDense(rng, 0.5, d.D, d.D), randDense(rng, 0.5, 1, d.D),
	}
	run := func(fused bool) []float64 {
		g := G.NewGraph()
		b := &builder{g: g, dt: tensor.Float64, fused: fused}
		var n []*G.Node
		for i, x := range in {
			n = append(n, b.input(string(rune('a'+i)), x))
		}
		out := b.attention(d, attnW{n[2], n[3], n[4], n[5], n[6], n[7], n[8], n[9]}, n[0], n[1], nil, nil, 2, 3, 4)
		if b.err != nil {
			t.Fatal(b.err)
		}
		vm := G.NewTapeMachine(g)
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		return append([]float64(nil), out.Value().Data().([]float64)...)
	}
	want, got := run(false), run(true)
	for i := range want {
		if math.Abs(want[i]-got[i]) > 1e-12*math.Max(1, math.Abs(want[i])) {
			t.Fatalf("element %d: fused %.15g, composed %.15g", i, got[i], want[i])
		}
	}
}
