package tpe

import (
	"math"
	"sort"
)

// cutoff is the log ratio below the largest term under which logPDF leaves a term out.
const cutoff = -40

// logSqrt2Pi is log √(2π).
var logSqrt2Pi = 0.5 * math.Log(2*math.Pi)

// badDensity is the estimator g(x) of one parameter over the bad group, built from the index's
// sorted values: the same mixture as NewMixture over the bad observations (hyperopt bandwidths
// from the sorted values, the magic clip, the prior), held in the form that evaluates fastest —
// categorical as one probability per choice, grids as one component per distinct (mean, sigma),
// continuous as per-component constants.
type badDensity struct {
	d       dim
	fixed   bool
	pmf     []float64 // categorical: log probability of each choice
	mus     []float64 // numerical components, in sorted order
	invs    []float64 // 1/σ
	sigmas  []float64
	consts  []float64 // continuous: log w − log(σ√(2π)·accept) (SigmaWeighted: without log σ); grids: log w
	accepts []float64 // grids: log(accept + 1e-12)
	prior   int       // continuous: index of the prior component, −1 when none
	cmax    float64   // continuous: the largest constant but the prior's (set by bounds)
	widest  float64   // continuous: the largest σ but the prior's (set by bounds)
}

// badWeights are the bad group's normalised component weights (the prior's last), linear and
// log, shared by every parameter's g.
type badWeights struct {
	w, logw []float64
	n       int  // observations
	prior   bool // the prior component is present
}

// newBadWeights normalises the bad group's weights w together with the prior's.
func newBadWeights(w []float64, p MixtureParams) badWeights {
	n := len(w)
	prior := p.ConsiderPrior || n == 0
	all := append(append([]float64(nil), w...), p.PriorWeight)
	if !prior {
		all = all[:n]
	}
	normalise(all)
	lw := make([]float64, len(all))
	for i, x := range all {
		lw[i] = math.Log(x)
	}
	return badWeights{w: all, logw: lw, n: n, prior: prior}
}

// newBadDensity fits g for parameter j of the index over the trials whose Index.apos is not
// negative, weighted by bw at their positions.
func (ix *Index) newBadDensity(j int, bw badWeights, p MixtureParams) *badDensity {
	d := newDim(ix.dists[j])
	b := &badDensity{d: d, fixed: d.fixed, prior: -1}
	if d.fixed {
		return b
	}
	es := ix.byParam[j]
	n, prior := bw.n, bw.prior
	norm := func(a int) float64 { return bw.w[a] }
	if d.choices > 0 {
		k := float64(n + btoi(prior))
		share := p.PriorWeight / k
		byChoice := make([]float64, d.choices)
		wObs := 0.0
		for _, e := range es {
			a := ix.apos[e.id]
			if a < 0 {
				continue
			}
			wc := norm(int(a))
			byChoice[int(e.v)] += wc
			wObs += wc
		}
		den := float64(d.choices)*share + 1
		b.pmf = make([]float64, d.choices)
		for c := range b.pmf {
			v := (share*wObs + byChoice[c]) / den
			if prior {
				v += norm(n) / float64(d.choices)
			}
			b.pmf[c] = math.Log(v)
		}
		return b
	}
	if p.Multivariate {
		panic("tpe: badDensity is univariate")
	}
	// The components in sorted order of their means, the prior's mean after any equal value (it
	// is the last observation); one pass computes each one's hyperopt sigma from its neighbours.
	span := d.high - d.low
	priorMu := 0.5 * (d.low + d.high)
	m := n + btoi(prior)
	clipLo, clipHi := 1e-12, span
	if p.ConsiderMagicClip {
		clipLo = span / math.Min(100, 1+float64(m))
	}
	type comp struct {
		mu float64
		a  int    // weight index
		e  *entry // nil: the prior
	}
	k, priorDone := 0, !prior
	next := func() (comp, bool) {
		for k < len(es) && ix.apos[es[k].id] < 0 {
			k++
		}
		if !priorDone && (k == len(es) || es[k].v > priorMu) {
			priorDone = true
			return comp{mu: priorMu, a: n}, true
		}
		if k == len(es) {
			return comp{}, false
		}
		e := &es[k]
		k++
		return comp{mu: e.v, a: int(ix.apos[e.id]), e: e}, true
	}
	grid := d.q > 0
	if !grid {
		b.mus, b.invs, b.consts = make([]float64, 0, m), make([]float64, 0, m), make([]float64, 0, m)
	}
	add := func(c comp, sigma float64) {
		sigma = math.Min(math.Max(sigma, clipLo), clipHi)
		if c.e == nil {
			sigma = span
		}
		if grid {
			if last := len(b.mus) - 1; last >= 0 && b.mus[last] == c.mu && b.sigmas[last] == sigma {
				b.consts[last] += bw.w[c.a]
				return
			}
			b.mus, b.sigmas, b.consts = append(b.mus, c.mu), append(b.sigmas, sigma), append(b.consts, bw.w[c.a])
			return
		}
		var ln float64
		if c.e != nil && c.e.sigma == sigma {
			ln = c.e.lnorm
		} else {
			ln = lnorm(c.mu, sigma, d.low, d.high)
			if c.e != nil {
				c.e.sigma, c.e.lnorm = sigma, ln
			}
		}
		if p.SigmaWeighted {
			ln -= math.Log(sigma)
		}
		if c.e == nil {
			b.prior = len(b.mus)
		}
		b.mus = append(b.mus, c.mu)
		b.invs = append(b.invs, 1/math.Max(sigma, 1e-12))
		b.consts = append(b.consts, bw.logw[c.a]-ln)
	}
	cur, _ := next()
	prev := d.low
	for i := 0; i < m; i++ {
		nx, more := next()
		hi := d.high
		if more {
			hi = nx.mu
		}
		sigma := math.Max(cur.mu-prev, hi-cur.mu)
		if !p.ConsiderEndpoints && m >= 2 {
			switch i {
			case 0:
				sigma = hi - cur.mu
			case m - 1:
				sigma = cur.mu - prev
			}
		}
		add(cur, sigma)
		prev, cur = cur.mu, nx
	}
	if grid {
		b.accepts = make([]float64, len(b.mus))
		for k := range b.mus {
			mu, s := b.mus[k], b.sigmas[k]
			b.accepts[k] = math.Log(phi((d.high-mu)/s) - phi((d.low-mu)/s) + 1e-12)
			b.consts[k] = math.Log(b.consts[k])
		}
	}
	return b
}

// lnorm is log(σ√(2π)·accept) of a Gaussian kernel truncated to [low, high].
func lnorm(mu, s, low, high float64) float64 {
	return math.Log(s) + logSqrt2Pi + math.Log(phi((high-mu)/s)-phi((low-mu)/s))
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// logPDF returns log g at each internal value of xs.
func (b *badDensity) logPDF(xs []float64) []float64 {
	out := make([]float64, len(xs))
	if b.fixed {
		return out
	}
	d := &b.d
	if d.choices > 0 {
		for i, x := range xs {
			out[i] = b.pmf[int(x)]
		}
		return out
	}
	terms := make([]float64, len(b.mus))
	for i, x := range xs {
		v := x
		switch {
		case d.log:
			v = math.Log(v)
		case d.q > 0:
			v -= d.shift
		}
		top := math.Inf(-1)
		if d.q > 0 {
			up, lo := math.Min(v+0.5*d.q, d.high), math.Max(v-0.5*d.q, d.low)
			for k, mu := range b.mus {
				s := b.sigmas[k]
				t := b.consts[k] + math.Log(phi((up-mu)/s)-phi((lo-mu)/s)+1e-12) - b.accepts[k]
				terms[k] = t
				top = math.Max(top, t)
			}
		} else {
			out[i] = b.continuousLogPDF(v, terms)
			continue
		}
		out[i] = logSum(terms, top)
	}
	return out
}

// logSum is log Σ exp(terms) given the largest term, top. A term more than cutoff below the
// largest adds less than e^−40 of it: with at most 10⁶ components they change the value by less
// than 1e-11, so their exp is skipped.
func logSum(terms []float64, top float64) float64 {
	if math.IsInf(top, -1) {
		return top
	}
	s := 0.0
	for _, t := range terms {
		if t-top > cutoff {
			s += math.Exp(t - top)
		}
	}
	return top + math.Log(s)
}

// continuousLogPDF is log g(v) for a continuous parameter. The components are sorted by mean, so
// it computes the terms outward from v and stops on each side where no further component can
// come within cutoff of the largest term (bounded with the largest constant and the widest
// kernel); the prior, the widest kernel of all, is counted apart. The terms it skips are the
// ones the cutoff leaves out anyway, so the value is that of the full sum.
func (b *badDensity) continuousLogPDF(v float64, terms []float64) float64 {
	if b.cmax == 0 && b.widest == 0 {
		b.bounds()
	}
	terms = terms[:0]
	top := math.Inf(-1)
	term := func(k int) {
		z := (v - b.mus[k]) * b.invs[k]
		t := b.consts[k] - 0.5*z*z
		terms = append(terms, t)
		if t > top {
			top = t
		}
	}
	if b.prior >= 0 {
		term(b.prior)
	}
	reach := func(mu float64) bool { // can a component at mu come within cutoff of top?
		z := (v - mu) / b.widest
		return b.cmax-0.5*z*z > top+cutoff
	}
	hi := sort.SearchFloat64s(b.mus, v)
	for k := hi - 1; k >= 0; k-- {
		if k == b.prior {
			continue
		}
		if !reach(b.mus[k]) {
			break
		}
		term(k)
	}
	for k := hi; k < len(b.mus); k++ {
		if k == b.prior {
			continue
		}
		if !reach(b.mus[k]) {
			break
		}
		term(k)
	}
	return logSum(terms, top)
}

// bounds finds the prior component, the largest constant and the widest kernel of the others.
func (b *badDensity) bounds() {
	b.cmax, b.widest = math.Inf(-1), 1e-300
	for k := range b.mus {
		if k == b.prior {
			continue
		}
		b.cmax = math.Max(b.cmax, b.consts[k])
		b.widest = math.Max(b.widest, 1/b.invs[k])
	}
}
