package tpe

import (
	"math"
	"math/bits"
	"math/rand"
	"sort"

	"github.com/attnsearch/attnsearch/search/internal/observe"
)

// jointBad is the multivariate estimator g(x) over the bad group, laid out for evaluation: the
// same mixture as NewMixture with Multivariate (one product kernel per observation, Scott-style
// bandwidths, a prior component), with each component's constants computed once per point and
// each grid dimension's cell probabilities tabulated by (mean, cell).
type jointBad struct {
	dims   []dim
	m      int       // components (the prior last when present)
	logw   []float64 // per component
	mu     []float64 // [j*m+c] kernel-space mean (numerical) or choice (categorical), by column
	konst  []float64 // per component: log w − Σ_j log(σ_j√(2π)·accept_cj) over continuous dims (SigmaWeighted: without log σ_j)
	sigma  []float64 // per dimension: the observations' σ (the prior's is the span)
	catLog [][2]float64
	grid   [][]float64 // per grid dimension j: table[muIndex*cells+cell] (nil: not tabulated)
	cell   []int32     // [j*m+c] for tabulated grid dimensions: the row of the component's mean
	ncells []int       // per grid dimension: its number of values
	prior  bool
	lead   int       // the first dimension of evalOrder when continuous (−1: none)
	byLead []int32   // the observations' components by increasing mean in lead (ties by ordinal)
	leadMu []float64 // their means in lead
	kmax   float64   // the largest constant of an observation's component
}

// newJointBad fits g over the index's trials with non-negative Index.apos. Its per-component
// arrays reuse the index's scratch (ix.joint), so g is valid until the next call.
func (ix *Index) newJointBad(bw badWeights, p MixtureParams, above []*rec) *jointBad {
	d := len(ix.names)
	n := len(above)
	m := n + btoi(bw.prior)
	sc := &ix.joint
	g := &jointBad{m: m, prior: bw.prior, logw: bw.logw}
	g.dims = make([]dim, d)
	g.sigma = make([]float64, d)
	g.catLog = make([][2]float64, d)
	g.grid = make([][]float64, d)
	g.ncells = make([]int, d)
	sc.mu = grow(sc.mu, m*d)
	sc.konst = grow(sc.konst, m)
	g.mu, g.konst = sc.mu, sc.konst
	bwf := p.Bandwidth
	if bwf <= 0 {
		bwf = 0.2
	}
	for j := range g.dims {
		dm := newDim(ix.dists[j])
		g.dims[j] = dm
		if dm.choices > 0 {
			k := float64(g.m)
			share := p.PriorWeight / k
			den := float64(dm.choices)*share + 1
			g.catLog[j] = [2]float64{math.Log(share / den), math.Log((share + 1) / den)}
			continue
		}
		span := dm.high - dm.low
		s := bwf * math.Pow(float64(max(n, 1)), -1/float64(d+4)) * span
		lo, hi := 1e-12, span
		if p.ConsiderMagicClip {
			lo = span / math.Min(100, 1+float64(g.m))
		}
		g.sigma[j] = math.Min(math.Max(s, lo), hi)
	}
	for c, r := range above {
		for j, v := range r.x {
			g.mu[j*m+c] = v
		}
		g.konst[c] = bw.logw[c]
	}
	if g.prior {
		c := g.m - 1
		for j, dm := range g.dims {
			g.mu[j*m+c] = 0.5 * (dm.low + dm.high)
		}
		g.konst[c] = bw.logw[c]
	}
	for j, dm := range g.dims {
		if dm.choices > 0 || dm.fixed {
			continue
		}
		if dm.q > 0 {
			g.tabulate(j)
			if g.grid[j] != nil {
				if g.cell == nil {
					sc.cell = grow(sc.cell, m*d)
					g.cell = sc.cell
				}
				for c := 0; c < g.m; c++ {
					k := g.ncells[j] // the prior's row
					if !(g.prior && c == g.m-1) {
						k = cellOf(dm, g.mu[j*m+c])
					}
					g.cell[j*m+c] = int32(k)
				}
			}
			continue
		}
		s := g.sigma[j]
		// unscale is what SigmaWeighted leaves out of each kernel's log normaliser: log σ.
		unscale, unscalePrior := 0.0, 0.0
		if p.SigmaWeighted {
			unscale, unscalePrior = math.Log(s), math.Log(dm.high-dm.low)
		}
		base := math.Log(s) + logSqrt2Pi - unscale
		for c := 0; c < g.m; c++ {
			mu := g.mu[j*m+c]
			if g.prior && c == g.m-1 {
				g.konst[c] -= lnorm(mu, dm.high-dm.low, dm.low, dm.high) - unscalePrior
				continue
			}
			// The truncation mass is 1 to within 1e-19 when both bounds are over 9σ away.
			if (dm.high-mu)/s > 9 && (mu-dm.low)/s > 9 {
				g.konst[c] -= base
			} else {
				g.konst[c] -= lnorm(mu, s, dm.low, dm.high) - unscale
			}
		}
	}
	g.kmax = math.Inf(-1)
	for _, k := range g.konst[:n] {
		g.kmax = math.Max(g.kmax, k)
	}
	// The components by their mean in the leading continuous dimension: the index keeps every
	// parameter's values sorted, so this is one pass.
	g.lead = -1
	if order := g.evalOrder(); len(order) > 0 && g.dims[order[0]].choices == 0 && g.dims[order[0]].q == 0 && !g.dims[order[0]].fixed {
		g.lead = order[0]
		sc.byLead, sc.leadMu = sc.byLead[:0], sc.leadMu[:0]
		for _, e := range ix.byParam[g.lead] {
			if c := ix.apos[e.id]; c >= 0 && int(c) < n {
				sc.byLead, sc.leadMu = append(sc.byLead, c), append(sc.leadMu, e.v)
			}
		}
		g.byLead, g.leadMu = sc.byLead, sc.leadMu
	}
	return g
}

// tabulate fills the cell log-probabilities of grid dimension j for every distinct mean.
func (g *jointBad) tabulate(j int) {
	dm := g.dims[j]
	cells := int(math.Round((dm.high - dm.low) / dm.q)) // the grid's values
	g.ncells[j] = cells
	if cells > 512 {
		return
	}
	tab := make([]float64, 0, (cells+1)*cells)
	// Means of observations are grid values (index k: kernel value low + q/2 + k·q); the prior's
	// is the middle, tabulated last.
	for k := 0; k <= cells; k++ {
		mu, s := dm.low+0.5*dm.q+float64(k)*dm.q, g.sigma[j]
		if k == cells {
			mu, s = 0.5*(dm.low+dm.high), dm.high-dm.low
		}
		acc := math.Log(phi((dm.high-mu)/s) - phi((dm.low-mu)/s) + 1e-12)
		for x := 0; x < cells; x++ {
			v := dm.low + 0.5*dm.q + float64(x)*dm.q
			up, lo := math.Min(v+0.5*dm.q, dm.high), math.Max(v-0.5*dm.q, dm.low)
			tab = append(tab, math.Log(phi((up-mu)/s)-phi((lo-mu)/s)+1e-12)-acc)
		}
	}
	g.grid[j] = tab
}

// cellOf returns the grid index of kernel value v in dimension dm.
func cellOf(dm dim, v float64) int {
	return int(math.Round((v - dm.low - 0.5*dm.q) / dm.q))
}

// logPDF returns log g at each point of xs (internal representation, indexed like the names);
// sc holds its per-component memory (grown when short).
//
// Its value is, bit for bit, that of the component-by-component sum (logPDFScan in the tests):
// each component's term is its constant plus each dimension's term in evalOrder (the same
// operations in the same order), and the terms within cutoff of the largest, top, are summed as
// logSum sums them, in component order. It computes fewer terms: with a leading continuous
// dimension, only those of the components whose means there lie in the window around the point
// outside which no term can come within cutoff of top (window); then it goes dimension by
// dimension over the components still in the running, dropping a component once its partial
// term, which bounds its term from above (every dimension's term is ≤ 0), is cutoff below a
// complete term. A component left out is one logSum leaves out anyway.
func (g *jointBad) logPDF(xs [][]float64, sc *jointScratch) []float64 {
	d, m := len(g.dims), g.m
	n := m - btoi(g.prior) // the observations' components; the prior, when present, is the last
	out := make([]float64, len(xs))
	kv := make([]float64, d)
	cells := make([]int, d)
	inv := g.inverses()
	order := g.evalOrder()
	if sc == nil {
		sc = &jointScratch{}
	}
	sc.terms = grow(sc.terms, n)
	sc.live = grow(sc.live, n)
	sc.bits = grow(sc.bits, (n+63)/64)
	clear(sc.bits)
	t := sc.terms
	for i, x := range xs {
		g.kernelValues(x, kv, cells)
		top := math.Inf(-1)
		prior := top
		if g.prior {
			prior = g.complete(m-1, order, kv, cells, inv)
			top = prior
		}
		var live []int32
		if g.lead >= 0 {
			live, top = g.window(sc.live[:0], sc.bits, kv, top, order, cells, inv)
		} else {
			live = sc.live[:n]
			for c := range live {
				live[c] = int32(c)
			}
		}
		for _, c := range live {
			t[c] = g.konst[c]
		}
		for k, j := range order {
			g.addDim(j, live, t, kv, cells, inv)
			if k == 0 && g.lead < 0 && len(live) > 0 {
				best := live[0]
				for _, c := range live {
					if t[c] > t[best] {
						best = c
					}
				}
				top = math.Max(top, g.complete(int(best), order, kv, cells, inv))
			}
			// Drop the components that cannot come within cutoff of top (the margin covers the
			// rounding of terms that are ≤ 0 only up to it: a grid cell's mass against its range's).
			keep := live[:0]
			for _, c := range live {
				if t[c]-top > cutoff-1e-6 {
					keep = append(keep, c)
				}
			}
			live = keep
		}
		for _, c := range live {
			top = math.Max(top, t[c])
		}
		if math.IsInf(top, -1) {
			out[i] = top
			continue
		}
		s := 0.0
		for _, c := range live { // in component order
			if t[c]-top > cutoff {
				s += math.Exp(t[c] - top)
			}
		}
		if g.prior && prior-top > cutoff {
			s += math.Exp(prior - top)
		}
		out[i] = top + math.Log(s)
	}
	return out
}

// window returns in live, in component order, the observations' components that can come within
// cutoff of the largest term, and a lower bound of that term (top: at least the given one); set
// is an empty set of components it uses and leaves empty. The bound is the largest
// complete term of the few components whose means in the leading dimension are nearest to the
// point's; a component whose mean is further away than the one at which even the largest
// constant, less the leading dimension's term, falls cutoff below it cannot count (every other
// dimension's term is ≤ 0), and the components are sorted by that mean, so the rest is one run
// of byLead.
func (g *jointBad) window(live []int32, set []uint64, kv []float64, top float64, order []int, cells []int, inv []float64) ([]int32, float64) {
	nl := len(g.byLead)
	if nl == 0 {
		return live, top
	}
	v := kv[g.lead]
	p := sort.SearchFloat64s(g.leadMu, v)
	for q := max(0, p-4); q < min(nl, p+4); q++ {
		top = math.Max(top, g.complete(int(g.byLead[q]), order, kv, cells, inv))
	}
	// Outside ±w, kmax − z²/2 < top + cutoff − margin, with a margin for the rounding of z and of
	// the bounds.
	r := g.kmax - top - cutoff + 1e-3
	if r <= 0 {
		return live, top
	}
	w := math.Sqrt(2*r) / inv[g.lead] * (1 + 1e-9)
	lo := sort.SearchFloat64s(g.leadMu, v-w)
	hi := sort.Search(nl, func(k int) bool { return g.leadMu[k] > v+w })
	// In component order (through the set), so that the passes read memory in order.
	for _, c := range g.byLead[lo:hi] {
		set[c>>6] |= 1 << (c & 63)
	}
	for i, word := range set {
		for ; word != 0; word &= word - 1 {
			live = append(live, int32(i<<6|bits.TrailingZeros64(word)))
		}
		set[i] = 0
	}
	return live, top
}

// inverses returns 1/σ of each continuous dimension (0 elsewhere).
func (g *jointBad) inverses() []float64 {
	inv := make([]float64, len(g.dims))
	for j, dm := range g.dims {
		if dm.choices == 0 && dm.q == 0 {
			inv[j] = 1 / math.Max(g.sigma[j], 1e-12)
		}
	}
	return inv
}

// evalOrder is the order in which a component's dimension terms are added: continuous dimensions
// first, then grids, then categorical ones (with kernels a few hundredths of the range wide, one
// continuous dimension drops most components).
func (g *jointBad) evalOrder() []int {
	order := make([]int, 0, len(g.dims))
	for class := 0; class < 3; class++ {
		for j, dm := range g.dims {
			c := 0
			switch {
			case dm.choices > 0:
				c = 2
			case dm.q > 0:
				c = 1
			}
			if c == class {
				order = append(order, j)
			}
		}
	}
	return order
}

// kernelValues fills kv with point x in kernel space and cells with its grid dimensions' cells.
func (g *jointBad) kernelValues(x, kv []float64, cells []int) {
	for j, dm := range g.dims {
		switch {
		case dm.choices > 0:
			kv[j] = x[j]
		case dm.log:
			kv[j] = math.Log(x[j])
		case dm.q > 0:
			kv[j] = x[j] - dm.shift
			cells[j] = cellOf(dm, kv[j])
		default:
			kv[j] = x[j]
		}
	}
}

// addDim adds dimension j's term at kernel point kv to the partial terms t of the (observation)
// components in live.
func (g *jointBad) addDim(j int, live []int32, t, kv []float64, cells []int, inv []float64) {
	m := g.m
	dm := &g.dims[j]
	mu := g.mu[j*m : (j+1)*m]
	switch {
	case dm.fixed:
	case dm.choices > 0:
		hit, miss, v := g.catLog[j][1], g.catLog[j][0], int(kv[j])
		for _, c := range live {
			if int(mu[c]) == v {
				t[c] += hit
			} else {
				t[c] += miss
			}
		}
	case dm.q > 0 && g.grid[j] != nil:
		tab, nc, cell, x := g.grid[j], g.ncells[j], g.cell[j*m:(j+1)*m], cells[j]
		for _, c := range live {
			t[c] += tab[int(cell[c])*nc+x]
		}
	case dm.q > 0:
		for _, c := range live {
			t[c] += g.gridLog(j, mu[c], kv[j], false)
		}
	default:
		x, iv := kv[j], inv[j]
		for _, c := range live {
			z := (x - mu[c]) * iv
			t[c] -= 0.5 * z * z
		}
	}
}

// complete returns component c's whole term at kernel point kv: its constant plus each
// dimension's term in order.
func (g *jointBad) complete(c int, order []int, kv []float64, cells []int, inv []float64) float64 {
	t := g.konst[c]
	for _, j := range order {
		t += g.dimTerm(j, c, kv, cells, inv)
	}
	return t
}

// dimTerm is dimension j's term (≤ 0) of component c at kernel point kv: the operations of
// addDim, or of the prior's own kernels for the prior (adding its negation subtracts exactly).
func (g *jointBad) dimTerm(j, c int, kv []float64, cells []int, inv []float64) float64 {
	m := g.m
	isPrior := g.prior && c == m-1
	dm := &g.dims[j]
	switch {
	case dm.fixed:
		return 0
	case dm.choices > 0:
		if isPrior {
			return -math.Log(float64(dm.choices))
		} else if int(g.mu[j*m+c]) == int(kv[j]) {
			return g.catLog[j][1]
		}
		return g.catLog[j][0]
	case dm.q > 0 && g.grid[j] != nil:
		return g.grid[j][int(g.cell[j*m+c])*g.ncells[j]+cells[j]]
	case dm.q > 0:
		return g.gridLog(j, g.mu[j*m+c], kv[j], isPrior)
	}
	z := (kv[j] - g.mu[j*m+c]) * inv[j]
	if isPrior {
		z = (kv[j] - g.mu[j*m+c]) / (dm.high - dm.low)
	}
	return -(0.5 * z * z)
}

// gridLog is the log cell probability of kernel value v under the kernel of (untabulated) grid
// dimension j centred at mu.
func (g *jointBad) gridLog(j int, mu, v float64, isPrior bool) float64 {
	dm := &g.dims[j]
	s := g.sigma[j]
	if isPrior {
		s = dm.high - dm.low
	}
	up, lo := math.Min(v+0.5*dm.q, dm.high), math.Max(v-0.5*dm.q, dm.low)
	return math.Log(phi((up-mu)/s)-phi((lo-mu)/s)+1e-12) - math.Log(phi((dm.high-mu)/s)-phi((dm.low-mu)/s)+1e-12)
}

// sampleJoint is multivariate sampling through the index: l over the good trials (NewMixture),
// g over the bad ones (jointBad), the candidate maximising l/g.
func (s *PointSampler) sampleJoint(ix *Index, space map[string]interface{}, names []string, seed int64, below []*rec, wBelow []float64, bw badWeights, above []*rec) map[string]float64 {
	obs := make([][]float64, len(below))
	for i, r := range below {
		obs[i] = make([]float64, len(names))
		for j, n := range names {
			obs[i][j] = r.t.Params[n]
		}
	}
	l := NewMixture(space, names, obs, wBelow, s.Params)
	g := ix.newJointBad(bw, s.Params, above)
	rng := rand.New(rand.NewSource(observe.Seed(seed, observe.NameHash("tpe/joint"))))
	cands := l.Sample(rng, s.candidates())
	ll, lg := l.LogPDF(cands), g.logPDF(cands, &ix.joint)
	best := 0
	for i := range cands {
		if ll[i]-lg[i] > ll[best]-lg[best] {
			best = i
		}
	}
	out := make(map[string]float64, len(names))
	for j, n := range names {
		out[n] = cands[best][j]
	}
	return out
}

// jointScratch is the per-component memory of the multivariate g, kept by the index from one
// point to the next (every entry is rewritten before it is read).
type jointScratch struct {
	mu, konst, terms, leadMu []float64
	cell, live, byLead       []int32
	bits                     []uint64 // a set of components (window's scratch, empty between uses)
}

// grow returns buf resized to n, reallocated only when its capacity is short.
func grow[T any](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, n, n+n/8)
	}
	return buf[:n]
}
