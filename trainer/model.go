package trainer

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer/data"
	"gorgonia.org/tensor"
)

// ArchFor returns the architecture facts ds needs under the training settings tr: its vocabulary
// sizes, tr's tying and positions, and MaxPositions = the longest source or target sentence of
// any split plus one (EOS or BOS).
func ArchFor(ds *data.Dataset, tr space.Training) space.Arch {
	longest := 0
	for _, split := range [][]data.Pair{ds.Train, ds.Valid, ds.Test} {
		for _, p := range split {
			longest = max(longest, len(p.Src), len(p.Tgt))
		}
	}
	pos := tr.Positions
	if pos == "" {
		pos = "sinusoidal"
	}
	return space.Arch{
		SrcVocab:      ds.SrcVocab.Size(),
		TgtVocab:      ds.TgtVocab.Size(),
		TieEmbeddings: tr.TieEmbeddings,
		Positions:     pos,
		MaxPositions:  longest + 1,
	}
}

// StudyArch is the one architecture description of a study on ds, computed once and used by both
// the cost model and Train: spec.Arch with ds's vocabularies and MaxPositions the larger of the
// task's bound (space.Task.MaxPositions, what an estimate without data counts) and what ds needs.
func StudyArch(spec *space.Spec, ds *data.Dataset) space.Arch {
	need := ArchFor(ds, spec.Training)
	a := spec.Arch(need.SrcVocab, need.TgtVocab)
	a.MaxPositions = max(a.MaxPositions, need.MaxPositions)
	return a
}

// dims is the full shape of one model.
type dims struct {
	D, H, KVH, HD, FF  int  // width, query heads, key/value heads, head width, feed-forward width
	Enc, Dec           int  // layers per side
	SrcV, TgtV, MaxPos int  // vocabularies and learned position rows
	Learned, Tied      bool // learned positions; tied output projection
	EncoderOnly        bool // reference benchmark model: encoder + output projection, no final LayerNorm
	EmbScale           bool // multiply token embeddings by sqrt(D)
	Composed           bool // build graphs from stock gorgonia ops only (the unoptimised reference path)
}

func newDims(cfg space.Config, a space.Arch) (dims, error) {
	d := dims{
		D: cfg.DModel, H: cfg.Heads, KVH: cfg.KVHeads, FF: cfg.DFF, Enc: cfg.EncLayers, Dec: cfg.DecLayers,
		SrcV: a.SrcVocab, TgtV: a.TgtVocab, MaxPos: a.MaxPositions,
		Learned: a.Positions == "learned", Tied: a.TieEmbeddings, EmbScale: true,
	}
	switch {
	case d.D <= 0 || d.H <= 0 || d.KVH <= 0 || d.FF <= 0:
		return d, fmt.Errorf("trainer: config: d_model, heads, kv_heads and d_ff must be positive (got %d, %d, %d, %d)", d.D, d.H, d.KVH, d.FF)
	case d.D%d.H != 0:
		return d, fmt.Errorf("trainer: config: d_model %d is not a multiple of heads %d", d.D, d.H)
	case d.H%d.KVH != 0:
		return d, fmt.Errorf("trainer: config: heads %d is not a multiple of kv_heads %d", d.H, d.KVH)
	case d.Enc < 1 || d.Dec < 1:
		return d, fmt.Errorf("trainer: config: enc_layers and dec_layers must be at least 1 (got %d, %d)", d.Enc, d.Dec)
	case d.SrcV < 5 || d.TgtV < 5:
		return d, fmt.Errorf("trainer: vocabularies too small (%d, %d)", d.SrcV, d.TgtV)
	case a.Positions != "sinusoidal" && a.Positions != "learned" && a.Positions != "":
		return d, fmt.Errorf("trainer: positions %q: want sinusoidal or learned", a.Positions)
	}
	d.HD = d.D / d.H
	return d, nil
}

// pspec is one parameter tensor's name, shape and initialiser.
type pspec struct {
	name   string
	shape  []int
	init   string  // zero | one | xavier (uniform, limit sqrt(6/(rows+cols))) | uniform (±lim) | normal (std)
	std    float64 // normal: standard deviation
	lim    float64 // xavier: the limit when set (a fused projection's fan); uniform: the limit
	padRow bool    // an embedding whose PAD row starts at zero
}

// layout lists every parameter of the model in a fixed order.
func (d dims) layout() []pspec {
	var ps []pspec
	// lin adds a linear layer's weight (xavier; wLim, when set, is its limit instead, a fused
	// projection's) and bias (U(±bLim), zero when bLim is 0); mat is the plain one.
	lin := func(name string, in, out int, wLim, bLim float64) {
		bias := pspec{name: name + ".b", shape: []int{1, out}, init: "zero"}
		if bLim > 0 {
			bias.init, bias.lim = "uniform", bLim
		}
		ps = append(ps, pspec{name: name + ".w", shape: []int{in, out}, init: "xavier", lim: wLim}, bias)
	}
	mat := func(name string, in, out int) { lin(name, in, out, 0, 0) }
	ln := func(name string) {
		ps = append(ps, pspec{name: name + ".g", shape: []int{1, d.D}, init: "one"})
		ps = append(ps, pspec{name: name + ".b", shape: []int{1, d.D}, init: "zero"})
	}
	att := func(name string) {
		kv := d.KVH * d.HD
		// Q, K and V as PyTorch initialises its fused in-projection: xavier over (d, d + 2·kv).
		fused := math.Sqrt(6 / float64(d.D+d.D+2*kv))
		lin(name+".q", d.D, d.D, fused, 0)
		lin(name+".k", d.D, kv, fused, 0)
		lin(name+".v", d.D, kv, fused, 0)
		mat(name+".o", d.D, d.D)
	}
	ffn := func(name string, in, out int) { lin(name, in, out, 0, 1/math.Sqrt(float64(in))) } // nn.Linear's bias: U(±1/√fan_in)
	embStd := 1 / math.Sqrt(float64(d.D))
	if !d.EmbScale {
		embStd = 1
	}
	// embed adds side's token embedding, and its learned position embedding when there is one.
	embed := func(side string, vocab int) {
		ps = append(ps, pspec{name: side + ".emb", shape: []int{vocab, d.D}, init: "normal", std: embStd, padRow: true})
		if d.Learned {
			ps = append(ps, pspec{name: side + ".pos", shape: []int{d.MaxPos, d.D}, init: "normal", std: posStd(d)})
		}
	}
	// layer adds one encoder or decoder layer: a layer norm (ln1, ln2, …) before each of its
	// attention blocks and before its feed-forward block.
	layer := func(p string, blocks ...string) {
		for i, blk := range blocks {
			ln(fmt.Sprintf("%s.ln%d", p, i+1))
			att(p + "." + blk)
		}
		ln(fmt.Sprintf("%s.ln%d", p, len(blocks)+1))
		ffn(p+".ff1", d.D, d.FF)
		ffn(p+".ff2", d.FF, d.D)
	}
	embed("src", d.SrcV)
	for l := range d.Enc {
		layer(fmt.Sprintf("enc.%d", l), "att")
	}
	if d.EncoderOnly {
		mat("out", d.D, d.TgtV)
		return ps
	}
	ln("enc.ln")
	embed("tgt", d.TgtV)
	for l := range d.Dec {
		layer(fmt.Sprintf("dec.%d", l), "self", "cross")
	}
	ln("dec.ln")
	if !d.Tied { // a tied output projection is the target embedding alone, without bias
		mat("out", d.D, d.TgtV)
	}
	return ps
}

func posStd(d dims) float64 {
	if d.EmbScale {
		return 0.1
	}
	return 1
}

// paramCount is the number of scalar parameters of the model.
func (d dims) paramCount() int64 {
	var n int64
	for _, p := range d.layout() {
		n += int64(p.shape[0]) * int64(p.shape[1])
	}
	return n
}

// params is the set of weight tensors shared by every graph and the inference path.
type params struct {
	dt    tensor.Dtype
	specs []pspec
	t     map[string]*tensor.Dense
}

// newParams allocates and initialises the weights of d in dtype dt from seed.
func newParams(d dims, dt tensor.Dtype, seed int64) *params {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed_0f_7e11))
	p := &params{dt: dt, specs: d.layout(), t: map[string]*tensor.Dense{}}
	for _, s := range p.specs {
		n := s.shape[0] * s.shape[1]
		v := make([]float64, n)
		switch s.init {
		case "one":
			for i := range v {
				v[i] = 1
			}
		case "xavier", "uniform":
			lim := s.lim
			if s.init == "xavier" && lim == 0 {
				lim = math.Sqrt(6 / float64(s.shape[0]+s.shape[1]))
			}
			for i := range v {
				v[i] = (2*rng.Float64() - 1) * lim
			}
		case "normal":
			for i := range v {
				v[i] = rng.NormFloat64() * s.std
			}
			if s.padRow {
				clear(v[data.PAD*s.shape[1] : (data.PAD+1)*s.shape[1]])
			}
		}
		p.t[s.name] = denseOf(dt, s.shape, v)
	}
	return p
}

// denseOf builds a tensor of dtype dt and shape from float64 values.
func denseOf(dt tensor.Dtype, shape []int, v []float64) *tensor.Dense {
	if dt == tensor.Float32 {
		f := make([]float32, len(v))
		for i, x := range v {
			f[i] = float32(x)
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(f))
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), v...)))
}

// f64 returns a float64 copy of a tensor's data.
func f64(t *tensor.Dense) []float64 {
	switch d := t.Data().(type) {
	case []float32:
		out := make([]float64, len(d))
		for i, x := range d {
			out[i] = float64(x)
		}
		return out
	case []float64:
		return append([]float64(nil), d...)
	}
	panic(fmt.Sprintf("trainer: unsupported tensor data %T", t.Data()))
}

// l2 returns the global Euclidean norm of all weights.
func (p *params) l2() float64 {
	var s float64
	for _, sp := range p.specs {
		switch d := p.t[sp.name].Data().(type) {
		case []float32:
			for _, x := range d {
				s += float64(x) * float64(x)
			}
		case []float64:
			for _, x := range d {
				s += x * x
			}
		}
	}
	return math.Sqrt(s)
}

// project scales all weights onto the ball ‖θ‖₂ ≤ r when they lie outside it and returns the norm after.
func (p *params) project(r float64) float64 {
	n := p.l2()
	if r <= 0 || n <= r {
		return n
	}
	f := r / n
	for _, sp := range p.specs {
		switch d := p.t[sp.name].Data().(type) {
		case []float32:
			for i := range d {
				d[i] *= float32(f)
			}
		case []float64:
			for i := range d {
				d[i] *= f
			}
		}
	}
	return p.l2()
}

// init replaces the weights w names with its values (each of its weight's size).
func (p *params) init(w map[string][]float32) error {
	for name, v := range w {
		t, ok := p.t[name]
		if !ok {
			return fmt.Errorf("trainer: initial weight %s: the model has none of that name", name)
		}
		if t.Shape().TotalSize() != len(v) {
			return fmt.Errorf("trainer: initial weight %s: %d values for shape %v", name, len(v), t.Shape())
		}
		switch d := t.Data().(type) {
		case []float32:
			copy(d, v)
		case []float64:
			for i, x := range v {
				d[i] = float64(x)
			}
		}
	}
	return nil
}
