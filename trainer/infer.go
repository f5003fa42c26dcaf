package trainer

import (
	"math"
	"sort"

	"github.com/attnsearch/attnsearch/trainer/data"
)

// infer is the plain-Go float64 inference path over a snapshot of the weights: encoder, a decoder
// step with a KV cache, greedy and beam search. It allocates per call and starts no goroutines.
type infer struct {
	d dims
	w map[string][]float64
}

func newInfer(d dims, p *params) *infer {
	in := &infer{d: d, w: map[string][]float64{}}
	for _, s := range p.specs {
		in.w[s.name] = f64(p.t[s.name])
	}
	return in
}

// linear returns x·W + b for x (n, in) and W (in, out).
func linear(x []float64, n, in int, w, b []float64, out int) []float64 {
	y := make([]float64, n*out)
	for i := 0; i < n; i++ {
		yi := y[i*out : (i+1)*out]
		copy(yi, b)
		xi := x[i*in : (i+1)*in]
		for k, xv := range xi {
			if xv == 0 {
				continue
			}
			wk := w[k*out : (k+1)*out]
			for j, wv := range wk {
				yi[j] += xv * wv
			}
		}
	}
	return y
}

func (in *infer) lin(x []float64, n int, name string, inDim, outDim int) []float64 {
	return linear(x, n, inDim, in.w[name+".w"], in.w[name+".b"], outDim)
}

// layerNorm normalises each of the n rows of x (width D).
func (in *infer) layerNorm(x []float64, n int, name string) []float64 {
	D := in.d.D
	g, b := in.w[name+".g"], in.w[name+".b"]
	y := make([]float64, len(x))
	for i := 0; i < n; i++ {
		r := x[i*D : (i+1)*D]
		var mean, v float64
		for _, a := range r {
			mean += a
		}
		mean /= float64(D)
		for _, a := range r {
			v += (a - mean) * (a - mean)
		}
		inv := 1 / math.Sqrt(v/float64(D)+1e-5)
		for j, a := range r {
			y[i*D+j] = (a-mean)*inv*g[j] + b[j]
		}
	}
	return y
}

// attendRows computes grouped-query attention of nq query rows (already projected, width D)
// against nk keys and values (width KVH*HD); causal limits query i to keys 0..offset+i.
func (in *infer) attendRows(q []float64, nq int, k, v []float64, nk int, causal bool, offset int) []float64 {
	d := in.d
	grp := d.H / d.KVH
	kvw := d.KVH * d.HD
	out := make([]float64, nq*d.D)
	sc := make([]float64, nk)
	scale := 1 / math.Sqrt(float64(d.HD))
	for i := 0; i < nq; i++ {
		lim := nk
		if causal {
			lim = min(nk, offset+i+1)
		}
		for h := 0; h < d.H; h++ {
			kvh := h / grp
			qh := q[i*d.D+h*d.HD : i*d.D+(h+1)*d.HD]
			mx := math.Inf(-1)
			for j := 0; j < lim; j++ {
				kj := k[j*kvw+kvh*d.HD : j*kvw+(kvh+1)*d.HD]
				var s float64
				for c, qv := range qh {
					s += qv * kj[c]
				}
				sc[j] = s * scale
				mx = math.Max(mx, sc[j])
			}
			var z float64
			for j := 0; j < lim; j++ {
				sc[j] = math.Exp(sc[j] - mx)
				z += sc[j]
			}
			o := out[i*d.D+h*d.HD : i*d.D+(h+1)*d.HD]
			for j := 0; j < lim; j++ {
				p := sc[j] / z
				vj := v[j*kvw+kvh*d.HD : j*kvw+(kvh+1)*d.HD]
				for c := range o {
					o[c] += p * vj[c]
				}
			}
		}
	}
	return out
}

// embed returns the scaled token embeddings plus positions of ids starting at position pos0.
func (in *infer) embed(side string, ids []int, pos0 int) []float64 {
	D := in.d.D
	emb := in.w[side+".emb"]
	x := make([]float64, len(ids)*D)
	sc := 1.0
	if in.d.EmbScale {
		sc = math.Sqrt(float64(D))
	}
	for i, id := range ids {
		p := pos0 + i
		for j := 0; j < D; j++ {
			x[i*D+j] = emb[id*D+j] * sc
			if in.d.Learned {
				if p < in.d.MaxPos {
					x[i*D+j] += in.w[side+".pos"][p*D+j]
				}
			} else {
				x[i*D+j] += sinusoidAt(float64(p), j, D)
			}
		}
	}
	return x
}

func add(x, y []float64) {
	for i := range x {
		x[i] += y[i]
	}
}

func (in *infer) ffn(h []float64, n int, pre string) []float64 {
	d := in.d
	f := in.lin(h, n, pre+".ff1", d.D, d.FF)
	for i, v := range f {
		if v < 0 {
			f[i] = 0
		}
	}
	return in.lin(f, n, pre+".ff2", d.FF, d.D)
}

// memory is one encoded source sentence with its per-layer cross-attention keys and values.
type memory struct {
	n        int
	crossK   [][]float64
	crossV   [][]float64
	encodedX []float64 // final encoder states (n, D)
}

// encode runs the encoder on one source sentence (token ids without EOS).
func (in *infer) encode(src []int) *memory {
	d := in.d
	ids := append(append([]int(nil), src...), data.EOS)
	n := len(ids)
	kvw := d.KVH * d.HD
	x := in.embed("src", ids, 0)
	for l := 0; l < d.Enc; l++ {
		pre := "enc." + itoa(l)
		h := in.layerNorm(x, n, pre+".ln1")
		q := in.lin(h, n, pre+".att.q", d.D, d.D)
		k := in.lin(h, n, pre+".att.k", d.D, kvw)
		v := in.lin(h, n, pre+".att.v", d.D, kvw)
		add(x, in.lin(in.attendRows(q, n, k, v, n, false, 0), n, pre+".att.o", d.D, d.D))
		add(x, in.ffn(in.layerNorm(x, n, pre+".ln2"), n, pre))
	}
	m := &memory{n: n, encodedX: in.layerNorm(x, n, "enc.ln")}
	for l := 0; l < d.Dec; l++ {
		pre := "dec." + itoa(l) + ".cross"
		m.crossK = append(m.crossK, in.lin(m.encodedX, n, pre+".k", d.D, kvw))
		m.crossV = append(m.crossV, in.lin(m.encodedX, n, pre+".v", d.D, kvw))
	}
	return m
}

// state is one decoding hypothesis' self-attention cache.
type state struct {
	k, v [][]float64 // per layer, (t, KVH*HD)
	t    int
}

func (s *state) clone() *state {
	c := &state{t: s.t}
	for l := range s.k {
		c.k = append(c.k, append([]float64(nil), s.k[l]...))
		c.v = append(c.v, append([]float64(nil), s.v[l]...))
	}
	return c
}

// step feeds token id at the state's next position and returns the log-probabilities of the next token.
func (in *infer) step(m *memory, s *state, id int) []float64 {
	d := in.d
	kvw := d.KVH * d.HD
	if s.k == nil {
		s.k, s.v = make([][]float64, d.Dec), make([][]float64, d.Dec)
	}
	y := in.embed("tgt", []int{id}, s.t)
	for l := 0; l < d.Dec; l++ {
		pre := "dec." + itoa(l)
		h := in.layerNorm(y, 1, pre+".ln1")
		q := in.lin(h, 1, pre+".self.q", d.D, d.D)
		s.k[l] = append(s.k[l], in.lin(h, 1, pre+".self.k", d.D, kvw)...)
		s.v[l] = append(s.v[l], in.lin(h, 1, pre+".self.v", d.D, kvw)...)
		add(y, in.lin(in.attendRows(q, 1, s.k[l], s.v[l], s.t+1, false, 0), 1, pre+".self.o", d.D, d.D))
		h = in.layerNorm(y, 1, pre+".ln2")
		q = in.lin(h, 1, pre+".cross.q", d.D, d.D)
		add(y, in.lin(in.attendRows(q, 1, m.crossK[l], m.crossV[l], m.n, false, 0), 1, pre+".cross.o", d.D, d.D))
		add(y, in.ffn(in.layerNorm(y, 1, pre+".ln3"), 1, pre))
	}
	s.t++
	y = in.layerNorm(y, 1, "dec.ln")
	return logSoftmax(in.logits(y))
}

// logits projects one decoder state (D) to the target vocabulary.
func (in *infer) logits(y []float64) []float64 {
	d := in.d
	if d.Tied {
		emb := in.w["tgt.emb"]
		out := make([]float64, d.TgtV) // tied: no output bias
		for v := 0; v < d.TgtV; v++ {
			var s float64
			for j := 0; j < d.D; j++ {
				s += y[j] * emb[v*d.D+j]
			}
			out[v] = s
		}
		return out
	}
	return linear(y, 1, d.D, in.w["out.w"], in.w["out.b"], d.TgtV)
}

// logSoftmax returns the log-softmax of x in a new slice.
func logSoftmax(x []float64) []float64 { return logSoftmaxTo(make([]float64, len(x)), x) }

// logSoftmaxTo writes the log-softmax of x into dst (len(x) long) and returns it.
func logSoftmaxTo(dst, x []float64) []float64 {
	mx := math.Inf(-1)
	for _, v := range x {
		mx = math.Max(mx, v)
	}
	var z float64
	for _, v := range x {
		z += math.Exp(v - mx)
	}
	lz := mx + math.Log(z)
	for i, v := range x {
		dst[i] = v - lz
	}
	return dst
}

func argmax(x []float64) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

// maxDecodeLen bounds the output length for a source of n tokens.
func (in *infer) maxDecodeLen(n int) int {
	l := 2*n + 10
	if in.d.Learned {
		l = min(l, in.d.MaxPos)
	}
	return l
}

// greedy translates one source sentence; the result excludes BOS and EOS.
func (in *infer) greedy(src []int) []int {
	m := in.encode(src)
	s := &state{}
	var out []int
	tok := data.BOS
	for len(out) < in.maxDecodeLen(len(src)) {
		next := argmax(in.step(m, s, tok))
		if next == data.EOS {
			break
		}
		out = append(out, next)
		tok = next
	}
	return out
}

// teacherForced returns the per-position log-probabilities of the reference continuation
// (target + EOS) given BOS + target as decoder input.
func (in *infer) teacherForced(src, tgt []int) [][]float64 {
	m := in.encode(src)
	s := &state{}
	dec := append([]int{data.BOS}, tgt...)
	out := make([][]float64, len(dec))
	for i, id := range dec {
		out[i] = in.step(m, s, id)
	}
	return out
}

// hyp is one beam hypothesis.
type hyp struct {
	toks  []int
	score float64 // sum of log-probabilities
	st    *state
	done  bool
}

// normScore is the length-normalised score (mean log-probability per emitted token, EOS included).
func (h hyp) normScore() float64 { return h.score / float64(len(h.toks)+1) }

// beam translates one source sentence with beam search of width k, length-normalised.
func (in *infer) beam(src []int, k int) []int {
	if k <= 1 {
		return in.greedy(src)
	}
	return in.beamSearch(src, k).toks
}

// beamSearch returns the best finished hypothesis (the best live one if none finished) by
// length-normalised score; the search stops when k hypotheses have finished and none of the live
// ones scores better so far, or at the length limit.
func (in *infer) beamSearch(src []int, k int) hyp {
	m := in.encode(src)
	live := []hyp{{st: &state{}}}
	var finished []hyp
	maxLen := in.maxDecodeLen(len(src))
	for step := 0; len(live) > 0 && step <= maxLen; step++ {
		type cand struct {
			from, tok int
			score     float64
		}
		var cands []cand
		for hi, h := range live {
			tok := data.BOS
			if len(h.toks) > 0 {
				tok = h.toks[len(h.toks)-1]
			}
			lp := in.step(m, h.st, tok)
			for v, l := range lp {
				if v == data.PAD || v == data.BOS {
					continue
				}
				if step == maxLen && v != data.EOS {
					continue
				}
				cands = append(cands, cand{hi, v, h.score + l})
			}
		}
		sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
		var next []hyp
		for _, c := range cands {
			if len(next) >= k {
				break
			}
			h := live[c.from]
			if c.tok == data.EOS {
				finished = append(finished, hyp{toks: h.toks, score: c.score, done: true})
				continue
			}
			toks := append(append([]int(nil), h.toks...), c.tok)
			next = append(next, hyp{toks: toks, score: c.score, st: h.st.clone()})
		}
		live = next
		if len(finished) >= k {
			// Stop once the best finished hypothesis beats every live one's normalised score so far.
			best := finished[0].normScore()
			for _, f := range finished {
				best = math.Max(best, f.normScore())
			}
			stop := true
			for _, h := range live {
				if h.normScore() > best {
					stop = false
				}
			}
			if stop {
				break
			}
		}
	}
	if len(finished) == 0 {
		finished = live
	}
	best := finished[0]
	for _, f := range finished[1:] {
		if f.normScore() > best.normScore() {
			best = f
		}
	}
	return best
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
