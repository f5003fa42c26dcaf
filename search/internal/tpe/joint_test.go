package tpe

import (
	"math"
	"math/rand"
	"testing"

	"github.com/attnsearch/attnsearch/search/internal/observe"
	"github.com/c-bata/goptuna"
)

// logPDFScan is jointBad.logPDF component by component, as it was computed before logPDF went
// dimension by dimension: every component's term in turn, each stopped once it is cutoff below
// the largest term so far, then logSum. It is the reference logPDF must equal bit for bit.
func (g *jointBad) logPDFScan(xs [][]float64, terms []float64) []float64 {
	d, m := len(g.dims), g.m
	out := make([]float64, len(xs))
	terms = grow(terms, m)
	kv := make([]float64, d)
	cells := make([]int, d)
	inv, order := g.inverses(), g.evalOrder()
	lead := -1 // order[0] when continuous
	var col []float64
	if len(order) > 0 {
		if dm := g.dims[order[0]]; dm.choices == 0 && dm.q == 0 && !dm.fixed {
			lead = order[0]
			col = g.mu[lead*m : (lead+1)*m]
		}
	}
	for i, x := range xs {
		g.kernelValues(x, kv, cells)
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
				t += g.dimTerm(j, c, kv, cells, inv)
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

// TestLogPDFEqualsScan pins that the multivariate g evaluated dimension by dimension (logPDF)
// gives, bit for bit, the value of the component-by-component pass it replaced (logPDFScan), so
// that the points proposed are the same: on spaces with and without continuous dimensions,
// grids (tabulated and not), categorical and fixed parameters, with and without the prior and the
// magic clip, at candidates drawn from the good trials' l (where g's terms crowd within cutoff of
// each other), at random points and at the bounds.
func TestLogPDFEqualsScan(t *testing.T) {
	arch := archSpace()
	arch["k"] = goptuna.DiscreteUniformDistribution{Low: 0, High: 1, Q: 0.1}
	arch["wide"] = goptuna.IntUniformDistribution{Low: 0, High: 2000} // a grid of over 512 cells: not tabulated
	arch["one"] = goptuna.CategoricalDistribution{Choices: []string{"only"}}
	spaces := map[string]map[string]interface{}{
		"arch": arch,
		"continuous": {"a": goptuna.UniformDistribution{Low: -3, High: 2}, "b": goptuna.LogUniformDistribution{Low: 1e-3, High: 10},
			"c": goptuna.UniformDistribution{Low: 0, High: 1}},
		"discrete": {"k": goptuna.DiscreteUniformDistribution{Low: 0, High: 1, Q: 0.1}, "c": goptuna.CategoricalDistribution{Choices: []string{"x", "y", "z"}}},
	}
	for name, space := range spaces {
		names := observe.Names(space)
		for _, n := range []int{1, 30, 700} {
			past := history(space, n, false, false, int64(n))
			ix := &Index{}
			ix.update(past, names, space, 1)
			var above []*rec
			obs := make([][]float64, 0, len(ix.recs))
			for _, r := range ix.recs {
				ix.apos[r.id] = int32(len(above))
				above = append(above, r)
				o := make([]float64, len(names))
				for j, nm := range names {
					o[j] = r.t.Params[nm]
				}
				obs = append(obs, o)
			}
			for _, p := range []MixtureParams{DefaultMixtureParams(true), {ConsiderPrior: true, PriorWeight: 1, ConsiderMagicClip: true, Multivariate: true, Bandwidth: 0.1},
				{Multivariate: true, Bandwidth: 0.02}} {
				w := DefaultWeights(len(above))
				rng := rand.New(rand.NewSource(int64(n)))
				good := NewMixture(space, names, obs[:min(len(obs), 10)], DefaultWeights(min(len(obs), 10)), p)
				pts := append(good.Sample(rng, 200), NewMixture(space, names, nil, nil, MixtureParams{ConsiderPrior: true, PriorWeight: 1, Multivariate: true}).Sample(rng, 50)...)
				lo, hi := make([]float64, len(names)), make([]float64, len(names))
				for j, nm := range names {
					lo[j], hi[j] = bounds(space[nm])
				}
				pts = append(pts, lo, hi)
				g := ix.newJointBad(newBadWeights(w, p), p, above)
				want := g.logPDFScan(pts, nil)
				got := g.logPDF(pts, &jointScratch{})
				for i := range pts {
					if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
						t.Fatalf("%s, %d trials, %+v, at %v: logPDF %v, component by component %v", name, n, p, pts[i], got[i], want[i])
					}
				}
			}
		}
	}
}

// bounds returns the lowest and highest internal values of distribution d.
func bounds(d interface{}) (float64, float64) {
	switch d := d.(type) {
	case goptuna.UniformDistribution:
		return d.Low, d.High
	case goptuna.LogUniformDistribution:
		return d.Low, d.High
	case goptuna.IntUniformDistribution:
		return float64(d.Low), float64(d.High)
	case goptuna.StepIntUniformDistribution:
		return float64(d.Low), float64(d.High)
	case goptuna.DiscreteUniformDistribution:
		return d.Low, d.High
	case goptuna.CategoricalDistribution:
		return 0, float64(len(d.Choices) - 1)
	}
	panic("bounds: unknown distribution")
}
