package motpe

import (
	"math"
	"sort"
	"sync"

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
	// SigmaWeighted evaluates l and g as Optuna 3.1 does (tpe.MixtureParams.SigmaWeighted).
	SigmaWeighted bool
}

// New returns the multi-objective TPE sampler.
func New(o Options) *tpe.PointSampler {
	p := MixtureParams(o.Multivariate)
	p.SigmaWeighted = o.SigmaWeighted
	return &tpe.PointSampler{
		Startup:    o.Startup,
		Candidates: o.Candidates,
		Params:     p,
		Split:      (&Splitter{}).Split,
		Index:      &tpe.Index{},
	}
}

// MultivariateBandwidth is motpe's multivariate bandwidth factor: half Optuna's 0.2, twice the
// single-objective tpe.DefaultBandwidth.
const MultivariateBandwidth = 0.1

// MixtureParams are motpe's estimator settings: tpe.DefaultMixtureParams, with
// MultivariateBandwidth when multivariate. The good group of a multi-objective split is not a
// cluster around one optimum but a sample of the front, spread along it (on ZDT, x0 over [0, 1]
// while x1…x9 sit near 0), so joint kernels as narrow as the single-objective 0.05 (σ ≈ 0.04 of
// the range for the 10 good trials of a 100-trial 10-D study) put l(x)'s mass in small cells
// around the known front points and leave the gaps between them unfilled.
//
// Measured with samplerbench on seeds 100–119 (disjoint from the 0–4 of the published table),
// median hypervolume after 100 / 200 trials, multivariate bandwidth 0.05 → 0.1 (0.15; 0.2):
// ZDT1 10.08 / 11.04 → 10.65 / 11.13 (10.71 / 11.06; 10.58 / 10.95), ZDT2 9.60 / 10.68 →
// 9.96 / 10.55 (9.97 / 10.39; 9.78 / 10.15), DTLZ2 7.86 / 8.40 → 8.24 / 8.51 (8.26 / 8.50;
// 8.26 / 8.46); the independent sampler there: ZDT1 10.07 / 10.52, ZDT2 9.06 / 9.59, DTLZ2
// 8.37 / 8.58, so it stays the default. Tried there and not taken: 0.1 with 100 candidates
// (ZDT1 10.76 / 11.26, ZDT2 10.21 / 10.67, but DTLZ2 8.19 / 8.52); 0.05 with the magic clip
// (ZDT1 10.57 / 11.17); a per-parameter Scott's rule σ = max(0.1·range, weighted std of the
// observations)·n^(−1/(d+4)) (ZDT1 10.68 / 11.18, ZDT2 9.48 / 10.45); and on ZDT1 at 100 trials,
// 100 candidates, prior weight 0.5, gamma ⌈0.05n⌉ or ⌈0.15n⌉, 5 or 20 startup trials (each with
// either sampler, multivariate at 0.05), consider_endpoints or no magic clip (independent): 9.68 to 10.24.
func MixtureParams(multivariate bool) tpe.MixtureParams {
	p := tpe.DefaultMixtureParams(multivariate)
	if multivariate {
		p.Bandwidth = MultivariateBandwidth
	}
	return p
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
	nobj, feasible, infeasible, above, viol := partition(trials)
	return splitRanked(trials, nBelow, nobj, feasible, infeasible, above, viol, func() []int { return leading(trials, feasible, nBelow, nobj) })
}

// partition sorts trials (indices) into the feasible and infeasible complete ones and the rest
// (above: never in the good group), with each trial's total constraint violation and the number
// of objectives every trial has.
func partition(trials []observe.Trial) (nobj int, feasible, infeasible, above []int, viol []float64) {
	nobj = len(trials[0].Values)
	for _, t := range trials {
		nobj = min(nobj, len(t.Values))
	}
	viol = make([]float64, len(trials))
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
	return nobj, feasible, infeasible, above, viol
}

// leading returns the feasible trials (indices into trials) that fewer than n others dominate:
// they hold every rank up to the first at which the ranks hold n trials, and a trial's dominators
// all have fewer dominators than it, so ranking them alone gives their ranks among all.
func leading(trials []observe.Trial, feasible []int, n, nobj int) []int {
	var out []int
	for _, k := range feasible {
		c := 0
		for _, q := range feasible {
			if q != k && front.DominatesMin(trials[q].Values[:nobj], trials[k].Values[:nobj]) {
				if c++; c >= n {
					break
				}
			}
		}
		if c < n {
			out = append(out, k)
		}
	}
	return out
}

// splitRanked fills the good group rank by rank from the trials lead returns (indices into
// trials, increasing), or with the feasible trials and then the least infeasible ones when there
// are no more than nBelow feasible trials.
func splitRanked(trials []observe.Trial, nBelow, nobj int, feasible, infeasible, above []int, viol []float64, lead func() []int) (below, _ []int, wBelow []float64) {
	inBelow := map[int]bool{}
	if len(feasible) > nBelow {
		feasible = lead()
		vs := make([][]float64, len(feasible))
		for i, k := range feasible {
			vs[i] = trials[k].Values[:nobj]
		}
		ranks := leadingRanks(vs, nBelow)
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

// Splitter is Split with the trials that fewer than 25 others dominate (an archive holding every
// rank the good group can reach, gamma being at most 25) carried from one point to the next, so
// a point costs one pass over the history instead of a non-dominated sort of all of it. The
// archive is the same set whatever order the trials arrived in: each trial's dominator count is
// exact while it is below the threshold (its dominators are all in the archive), and a trial
// that leaves never returns. A history that loses or changes a trial rebuilds it.
type Splitter struct {
	mu      sync.Mutex
	nobj    int
	limit   int
	seen    []seenTrial // every trial split so far, increasing ordinal
	archive []member    // feasible complete trials with fewer than limit dominators
	version int         // counts the archive's changes
	last    lastSplit
}

type seenTrial struct {
	ordinal int
	state   observe.State
	step    int
}

type member struct {
	ordinal int
	values  []float64
	count   int // dominators among the archive (exact while below limit)
}

// Split is Split (a tpe.SplitFunc) through the archive.
func (sp *Splitter) Split(trials []observe.Trial, nBelow int) (below, above []int, wBelow []float64) {
	nobj, feasible, infeasible, above, viol := partition(trials)
	if len(feasible) <= nBelow {
		return splitRanked(trials, nBelow, nobj, feasible, infeasible, above, viol, nil)
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	sp.update(trials, viol, nobj, max(25, nBelow))
	// The good group is a function of the archive and nBelow alone: while neither changed (a new
	// trial that fewer than 25 others dominate changes the archive), it is the last one.
	if c := sp.last; c.version == sp.version && c.nBelow == nBelow && c.below != nil {
		return sp.reuse(trials)
	}
	inArchive := make(map[int]bool, len(sp.archive))
	for _, m := range sp.archive {
		inArchive[m.ordinal] = true
	}
	var lead []int
	for _, k := range feasible {
		if inArchive[trials[k].Ordinal] {
			lead = append(lead, k)
		}
	}
	// Ranked among themselves, the archive's trials have their ranks among all.
	below, above, wBelow = splitRanked(trials, nBelow, nobj, feasible, infeasible, above, viol, func() []int { return lead })
	sp.last = lastSplit{version: sp.version, nBelow: nBelow, w: wBelow}
	for _, k := range below {
		sp.last.below = append(sp.last.below, trials[k].Ordinal)
	}
	return below, above, wBelow
}

// lastSplit is the good group the archive gave last.
type lastSplit struct {
	version int       // the archive's version it was computed from
	nBelow  int       // its size
	below   []int     // ordinals, increasing
	w       []float64 // their weights
}

// reuse returns the last good group as indices into trials (increasing ordinal), every other
// trial in the bad group.
func (sp *Splitter) reuse(trials []observe.Trial) (below, above []int, wBelow []float64) {
	k := 0
	for i, t := range trials {
		if k < len(sp.last.below) && t.Ordinal == sp.last.below[k] {
			below = append(below, i)
			k++
		} else {
			above = append(above, i)
		}
	}
	return below, above, append([]float64(nil), sp.last.w...)
}

// update brings the archive to trials (increasing ordinal).
func (sp *Splitter) update(trials []observe.Trial, viol []float64, nobj, limit int) {
	if sp.nobj != nobj || sp.limit != limit || !sp.extends(trials) {
		sp.nobj, sp.limit, sp.seen, sp.archive = nobj, limit, nil, nil
		sp.version++
	}
	i := 0
	for k, t := range trials {
		if i < len(sp.seen) && sp.seen[i].ordinal == t.Ordinal {
			i++
			continue
		}
		sp.seen = append(sp.seen, seenTrial{})
		copy(sp.seen[i+1:], sp.seen[i:])
		sp.seen[i] = seenTrial{t.Ordinal, t.State, t.Step}
		i++
		if t.State == observe.Complete && viol[k] == 0 {
			sp.add(t.Ordinal, t.Values[:nobj])
		}
	}
}

// extends reports whether trials hold every trial seen so far, unchanged, in increasing ordinal.
func (sp *Splitter) extends(trials []observe.Trial) bool {
	i := 0
	for k, t := range trials {
		if k > 0 && t.Ordinal <= trials[k-1].Ordinal {
			return false
		}
		if i < len(sp.seen) && sp.seen[i].ordinal < t.Ordinal {
			return false
		}
		if i < len(sp.seen) && sp.seen[i].ordinal == t.Ordinal {
			if s := sp.seen[i]; s.state != t.State || s.step != t.Step {
				return false
			}
			i++
		}
	}
	return i == len(sp.seen)
}

// add inserts a feasible complete trial into the archive.
func (sp *Splitter) add(ordinal int, v []float64) {
	c := 0
	for _, m := range sp.archive {
		if front.DominatesMin(m.values, v) {
			if c++; c >= sp.limit {
				return
			}
		}
	}
	keep := sp.archive[:0]
	for _, m := range sp.archive {
		if front.DominatesMin(v, m.values) {
			m.count++
		}
		if m.count < sp.limit {
			keep = append(keep, m)
		}
	}
	sp.archive = append(keep, member{ordinal: ordinal, values: append([]float64(nil), v...), count: c})
	sp.version++
}

// leadingRanks is front.Ranks for the leading ranks: it peels non-dominated fronts off vs until
// they hold n points and gives the points left rank math.MaxInt32.
func leadingRanks(vs [][]float64, n int) []int {
	ranks := make([]int, len(vs))
	rest := make([]int, len(vs))
	for i := range rest {
		rest[i] = i
		ranks[i] = math.MaxInt32
	}
	if len(vs) > 0 && len(vs[0]) == 2 {
		return leadingRanks2(vs, n, ranks, rest)
	}
	placed := 0
	for r := 0; placed < n && len(rest) > 0; r++ {
		var next []int
		for _, i := range rest {
			dominated := false
			for _, j := range rest {
				if j != i && front.DominatesMin(vs[j], vs[i]) {
					dominated = true
					break
				}
			}
			if dominated {
				next = append(next, i)
			} else {
				ranks[i] = r
				placed++
			}
		}
		rest = next
	}
	return ranks
}

// leadingRanks2 is leadingRanks for two objectives: rest sorted by (f₀, f₁) once, each front is
// one sweep — a point is dominated exactly when an earlier point of smaller f₀ has f₁ ≤ its f₁,
// or an earlier point of equal f₀ has a smaller f₁.
func leadingRanks2(vs [][]float64, n int, ranks, rest []int) []int {
	sort.Slice(rest, func(a, b int) bool {
		x, y := vs[rest[a]], vs[rest[b]]
		if x[0] != y[0] {
			return x[0] < y[0]
		}
		if x[1] != y[1] {
			return x[1] < y[1]
		}
		return rest[a] < rest[b]
	})
	placed := 0
	for r := 0; placed < n && len(rest) > 0; r++ {
		next := rest[:0:0]
		best := math.Inf(1) // smallest f₁ among points of smaller f₀
		for g := 0; g < len(rest); {
			e := g
			for e < len(rest) && vs[rest[e]][0] == vs[rest[g]][0] {
				e++
			}
			groupMin := vs[rest[g]][1] // the group is sorted by f₁
			for _, i := range rest[g:e] {
				if best <= vs[i][1] || groupMin < vs[i][1] {
					next = append(next, i)
				} else {
					ranks[i] = r
					placed++
				}
			}
			best = math.Min(best, groupMin)
			g = e
		}
		rest = next
	}
	return ranks
}
