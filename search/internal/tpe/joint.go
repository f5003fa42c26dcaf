package tpe

import (
	"math"
	"math/rand"

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
	konst  []float64 // per component: log w − Σ_j log(σ_j√(2π)·accept_cj) over continuous dims
	sigma  []float64 // per dimension: the observations' σ (the prior's is the span)
	catLog [][2]float64
	grid   [][]float64 // per grid dimension j: table[muIndex*cells+cell] (nil: not tabulated)
	cell   []int32     // [j*m+c] for tabulated grid dimensions: the row of the component's mean
	ncells []int       // per grid dimension: its number of values
	prior  bool
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
		base := math.Log(s) + logSqrt2Pi
		for c := 0; c < g.m; c++ {
			mu := g.mu[j*m+c]
			if g.prior && c == g.m-1 {
				g.konst[c] -= lnorm(mu, dm.high-dm.low, dm.low, dm.high)
				continue
			}
			// The truncation mass is 1 to within 1e-19 when both bounds are over 9σ away.
			if (dm.high-mu)/s > 9 && (mu-dm.low)/s > 9 {
				g.konst[c] -= base
			} else {
				g.konst[c] -= lnorm(mu, s, dm.low, dm.high)
			}
		}
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
// terms is scratch (reallocated when shorter than the components).
func (g *jointBad) logPDF(xs [][]float64, terms []float64) []float64 {
	d, m := len(g.dims), g.m
	out := make([]float64, len(xs))
	terms = grow(terms, m)
	kv := make([]float64, d)
	inv := make([]float64, d)
	cells := make([]int, d)
	for j, dm := range g.dims {
		if dm.choices == 0 && dm.q == 0 {
			inv[j] = 1 / math.Max(g.sigma[j], 1e-12)
		}
	}
	// Continuous dimensions first, then grids, then categorical: with kernels a few hundredths of
	// the range wide, one continuous dimension drops most components.
	order := make([]int, 0, d)
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
	lead := -1 // order[0] when continuous
	var col []float64
	if len(order) > 0 {
		if dm := g.dims[order[0]]; dm.choices == 0 && dm.q == 0 && !dm.fixed {
			lead = order[0]
			col = g.mu[lead*m : (lead+1)*m]
		}
	}
	for i, x := range xs {
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
		top := math.Inf(-1)
		for c := 0; c < g.m; c++ {
			t := g.konst[c]
			isPrior := g.prior && c == g.m-1
			rest := order
			if lead >= 0 && !isPrior {
				// The leading continuous dimension, unrolled from the loop below (the same
				// operations): most components end here.
				if t-top > cutoff {
					z := (kv[lead] - col[c]) * inv[lead]
					t -= 0.5 * z * z
				}
				rest = order[1:]
			}
			// Every dimension's term is ≤ 0 (the normalisers are in konst): once t is cutoff
			// below the largest term so far, the component cannot count.
			for _, j := range rest {
				if t-top <= cutoff {
					break
				}
				dm := &g.dims[j]
				switch {
				case dm.fixed:
				case dm.choices > 0:
					if isPrior {
						t -= math.Log(float64(dm.choices))
					} else if int(g.mu[j*m+c]) == int(kv[j]) {
						t += g.catLog[j][1]
					} else {
						t += g.catLog[j][0]
					}
				case dm.q > 0 && g.grid[j] != nil:
					t += g.grid[j][int(g.cell[j*m+c])*g.ncells[j]+cells[j]]
				case dm.q > 0:
					t += g.gridLog(j, g.mu[j*m+c], kv[j], isPrior)
				default:
					mu := g.mu[j*m+c]
					z := (kv[j] - mu) * inv[j]
					if isPrior {
						z = (kv[j] - mu) / (dm.high - dm.low)
					}
					t -= 0.5 * z * z
				}
			}
			terms[c] = t
			if t > top {
				top = t
			}
		}
		out[i] = logSum(terms, top)
	}
	return out
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
	ix.joint.terms = grow(ix.joint.terms, g.m)
	ll, lg := l.LogPDF(cands), g.logPDF(cands, ix.joint.terms)
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
	mu, konst, terms []float64
	cell             []int32
}

// grow returns buf resized to n, reallocated only when its capacity is short.
func grow[T any](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, n, n+n/8)
	}
	return buf[:n]
}
