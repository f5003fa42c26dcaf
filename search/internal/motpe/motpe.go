package motpe

import (
	"math"
	"sort"

	"github.com/attnsearch/attnsearch/objective/front"
	"github.com/attnsearch/attnsearch/search/internal/observe"
	"github.com/attnsearch/attnsearch/search/internal/tpe"
)

// eps is Optuna's EPS: the weight of a good observation that adds no hypervolume.
const eps = 1e-12

// Options configures the sampler; zero values take Optuna's defaults.
type Options struct {
	Startup      int  // random trials before TPE starts (default 10)
	Candidates   int  // candidates drawn from l(x) per point (default 24)
	Multivariate bool // joint product kernels instead of one estimator per parameter
}

// New returns the multi-objective TPE sampler.
func New(o Options) *tpe.PointSampler {
	return &tpe.PointSampler{
		Startup:    o.Startup,
		Candidates: o.Candidates,
		Params:     tpe.DefaultMixtureParams(o.Multivariate),
		Split:      Split,
	}
}

// refFor is Optuna's reference point for a set of loss vectors: max(1.1·worst, 0.9·worst)
// per component, a zero component replaced by eps.
func refFor(vs [][]float64) []float64 {
	ref := append([]float64(nil), vs[0]...)
	for _, v := range vs[1:] {
		for k := range ref {
			ref[k] = math.Max(ref[k], v[k])
		}
	}
	for k, w := range ref {
		ref[k] = math.Max(1.1*w, 0.9*w)
		if ref[k] == 0 {
			ref[k] = eps
		}
	}
	return ref
}

// Split is the multi-objective split (a tpe.SplitFunc).
func Split(trials []observe.Trial, nBelow int) (below, above []int, wBelow []float64) {
	nobj := len(trials[0].Values)
	for _, t := range trials {
		nobj = min(nobj, len(t.Values))
	}
	var feasible, infeasible []int
	viol := make([]float64, len(trials))
	for i, t := range trials {
		viol[i] = front.TotalViolation(t.Constraints)
		switch {
		case t.State != observe.Complete:
			above = append(above, i)
		case viol[i] == 0:
			feasible = append(feasible, i)
		default:
			infeasible = append(infeasible, i)
		}
	}
	inBelow := map[int]bool{}
	if len(feasible) > nBelow {
		vs := make([][]float64, len(feasible))
		for i, k := range feasible {
			vs[i] = trials[k].Values[:nobj]
		}
		ranks := front.Ranks(vs)
		for r := 0; len(inBelow) < nBelow; r++ {
			var at []int
			for i, rk := range ranks {
				if rk == r {
					at = append(at, i)
				}
			}
			if len(inBelow)+len(at) <= nBelow {
				for _, i := range at {
					inBelow[feasible[i]] = true
				}
				continue
			}
			sub := make([][]float64, len(at))
			for i, a := range at {
				sub[i] = vs[a]
			}
			for _, i := range front.SelectByHypervolume(sub, nBelow-len(inBelow), refFor(sub)) {
				inBelow[feasible[at[i]]] = true
			}
		}
	} else {
		for _, k := range feasible {
			inBelow[k] = true
		}
		sort.SliceStable(infeasible, func(a, b int) bool { return viol[infeasible[a]] < viol[infeasible[b]] })
		for _, k := range infeasible[:min(nBelow-len(feasible), len(infeasible))] {
			inBelow[k] = true
		}
	}
	for i := range trials {
		if inBelow[i] {
			below = append(below, i)
		} else if trials[i].State == observe.Complete {
			above = append(above, i)
		}
	}
	sort.Ints(above)
	return below, above, weights(trials, below, viol, nobj)
}

// weights are the good observations' hypervolume contributions against refFor of the feasible
// ones, divided by the largest (Optuna's _calculate_weights_below_for_multi_objective), floored
// at eps; infeasible good observations get eps.
func weights(trials []observe.Trial, below []int, viol []float64, nobj int) []float64 {
	w := make([]float64, len(below))
	var vs [][]float64
	var at []int
	for i, k := range below {
		w[i] = eps
		if viol[k] == 0 {
			vs = append(vs, trials[k].Values[:nobj])
			at = append(at, i)
		}
	}
	switch len(vs) {
	case 0:
		return w
	case 1:
		w[at[0]] = 1
		return w
	}
	c := front.Contributions(vs, refFor(vs))
	top := 0.0
	for _, x := range c {
		top = math.Max(top, x)
	}
	for i, x := range c {
		if top > 0 {
			w[at[i]] = math.Max(eps, math.Min(1, x/top))
		} else {
			w[at[i]] = 1
		}
	}
	return w
}
