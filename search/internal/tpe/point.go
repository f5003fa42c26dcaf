package tpe

import (
	"fmt"
	"math"
	"math/rand"
	"sort"

	"github.com/attnsearch/attnsearch/objective/front"
	"github.com/attnsearch/attnsearch/search/internal/observe"
)

// SplitFunc divides finished trials (all with a value for every parameter sampled) into the
// "good" group, whose density l(x) TPE maximises against the density g(x) of the rest, given
// nBelow = gamma(len(trials)). It returns the indices of both groups in increasing ordinal and
// the unnormalised weights of the good observations (nil: the default weights). It must not keep
// trials (the sampler reuses the slice).
type SplitFunc func(trials []observe.Trial, nBelow int) (below, above []int, wBelow []float64)

// PointSampler is Optuna 3.1's TPESampler over observe histories, independent or multivariate.
// Every draw comes from a generator seeded by the point's seed (and the parameter's name when
// independent), and the estimators are a function of the history alone, so the point is a pure
// function of (history, seed). Independent sampling reads the history through an Index kept
// across points (the estimators' sorted values and kernel constants are updated as trials finish
// instead of rebuilt); multivariate sampling, and histories where some finished trial lacks a
// parameter (conditional spaces), fit every estimator afresh.
type PointSampler struct {
	Startup    int           // trials drawn at random before TPE starts (default 10)
	Candidates int           // candidates drawn from l(x) per point (default 24)
	Gamma      FuncGamma     // size of the good group (default DefaultGamma: min(⌈n/10⌉, 25))
	Weights    FuncWeights   // observation weights by recency (default DefaultWeights)
	Params     MixtureParams // estimator settings (Multivariate: joint product kernels)
	Split      SplitFunc     // how trials divide (default SplitSingle: by first objective value)
	// Index carries the finished trials from one point to the next (independent sampling);
	// nil builds it afresh from the history at every point. Either way the point is the same.
	Index *Index
}

var _ observe.Sampler = (*PointSampler)(nil)

// SplitSingle is Optuna 3.1's single-objective split with its constraint semantics: trials are
// ordered by (−step, value) (complete trials as step +∞, so they precede pruned ones, which
// follow by how far they got); when trials carry constraints, feasible trials fill the good group
// first and infeasible ones follow by increasing total violation.
func SplitSingle(trials []observe.Trial, nBelow int) (below, above []int, wBelow []float64) {
	order := make([]int, len(trials))
	for i := range order {
		order[i] = i
	}
	key := func(t observe.Trial) (float64, float64) {
		if t.State == observe.Complete {
			return math.Inf(-1), t.Values[0]
		}
		return -float64(t.Step), t.Values[0]
	}
	viol := make([]float64, len(trials))
	for i, t := range trials {
		viol[i] = front.TotalViolation(t.Constraints)
	}
	sort.SliceStable(order, func(a, b int) bool {
		i, j := order[a], order[b]
		if (viol[i] == 0) != (viol[j] == 0) {
			return viol[i] == 0
		}
		if viol[i] > 0 && viol[i] != viol[j] {
			return viol[i] < viol[j]
		}
		si, vi := key(trials[i])
		sj, vj := key(trials[j])
		if si != sj {
			return si < sj
		}
		return vi < vj
	})
	below = append([]int(nil), order[:nBelow]...)
	above = append([]int(nil), order[nBelow:]...)
	sort.Ints(below)
	sort.Ints(above)
	return below, above, nil
}

func (s *PointSampler) startup() int {
	if s.Startup > 0 {
		return s.Startup
	}
	return 10
}

func (s *PointSampler) candidates() int {
	if s.Candidates > 0 {
		return s.Candidates
	}
	return 24
}

// SamplePoint draws one point of space.
func (s *PointSampler) SamplePoint(space map[string]interface{}, past []observe.Trial, ordinal int, seed int64) (map[string]float64, error) {
	names := observe.Names(space)
	if out, ok, err := s.sampleIndexed(space, names, past, seed); ok || err != nil {
		return out, err
	}
	if s.Params.Multivariate {
		if trials := observe.Finished(past, names, 1); len(trials) >= s.startup() {
			x, err := s.sampleGroup(space, names, trials, rand.New(rand.NewSource(observe.Seed(seed, observe.NameHash("tpe/joint")))))
			if err != nil {
				return nil, err
			}
			out := make(map[string]float64, len(names))
			for j, n := range names {
				out[n] = x[j]
			}
			return out, nil
		}
	}
	return s.sampleEach(space, names, past, seed)
}

// sampleEach is independent sampling with every parameter's estimators fitted afresh from the
// trials that hold it (the reference the index reproduces; used for conditional spaces).
func (s *PointSampler) sampleEach(space map[string]interface{}, names []string, past []observe.Trial, seed int64) (map[string]float64, error) {
	out := make(map[string]float64, len(names))
	for _, name := range names {
		rng := rand.New(rand.NewSource(observe.Seed(seed, observe.NameHash(name))))
		trials := observe.Finished(past, []string{name}, 1)
		var (
			v   float64
			err error
		)
		if len(trials) < s.startup() {
			v, err = SampleRandom(rng, space[name])
		} else {
			var x []float64
			p := s.Params
			p.Multivariate = false
			ps := *s
			ps.Params = p
			x, err = ps.sampleGroup(space, []string{name}, trials, rng)
			if err == nil {
				v = x[0]
			}
		}
		if err != nil {
			return nil, fmt.Errorf("tpe: parameter %s: %w", name, err)
		}
		out[name] = v
	}
	return out, nil
}

// sampleGroup fits l and g over the parameters names and returns the candidate maximising l/g.
func (s *PointSampler) sampleGroup(space map[string]interface{}, names []string, trials []observe.Trial, rng *rand.Rand) ([]float64, error) {
	gamma, weights, split := s.Gamma, s.Weights, s.Split
	if gamma == nil {
		gamma = DefaultGamma
	}
	if weights == nil {
		weights = DefaultWeights
	}
	if split == nil {
		split = SplitSingle
	}
	nBelow := min(gamma(len(trials)), len(trials))
	below, above, wBelow := split(trials, nBelow)
	if wBelow == nil {
		wBelow = weights(len(below))
	}
	obs := func(idx []int) [][]float64 {
		out := make([][]float64, len(idx))
		for i, k := range idx {
			out[i] = make([]float64, len(names))
			for j, n := range names {
				out[i][j] = trials[k].Params[n]
			}
		}
		return out
	}
	l := NewMixture(space, names, obs(below), wBelow, s.Params)
	g := NewMixture(space, names, obs(above), weights(len(above)), s.Params)
	cands := l.Sample(rng, s.candidates())
	ll, lg := l.LogPDF(cands), g.LogPDF(cands)
	best := 0
	for i := range cands {
		if ll[i]-lg[i] > ll[best]-lg[best] {
			best = i
		}
	}
	return cands[best], nil
}

// Random draws every parameter uniformly (log-uniformly for log distributions) from its own
// stream, seeded by the point's seed and the parameter's name.
type Random struct{}

var _ observe.Sampler = Random{}

// SamplePoint draws one point of space at random.
func (Random) SamplePoint(space map[string]interface{}, _ []observe.Trial, _ int, seed int64) (map[string]float64, error) {
	out := make(map[string]float64, len(space))
	for _, name := range observe.Names(space) {
		v, err := SampleRandom(rand.New(rand.NewSource(observe.Seed(seed, observe.NameHash(name)))), space[name])
		if err != nil {
			return nil, fmt.Errorf("random: parameter %s: %w", name, err)
		}
		out[name] = v
	}
	return out, nil
}

// sampleIndexed is independent sampling through the index; ok is false when the history has
// finished trials without every parameter (the caller then fits each parameter on its own).
func (s *PointSampler) sampleIndexed(space map[string]interface{}, names []string, past []observe.Trial, seed int64) (map[string]float64, bool, error) {
	ix := s.Index
	if ix == nil {
		ix = &Index{}
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	// Independent sampling reads every trial with a finite first objective (motpe's split
	// then uses the components all of them have).
	const nobj = 1
	if !ix.update(past, names, space, nobj) {
		return nil, false, nil
	}
	out := make(map[string]float64, len(names))
	if len(ix.recs) < s.startup() {
		for _, name := range names {
			v, err := SampleRandom(rand.New(rand.NewSource(observe.Seed(seed, observe.NameHash(name)))), space[name])
			if err != nil {
				return nil, true, fmt.Errorf("tpe: parameter %s: %w", name, err)
			}
			out[name] = v
		}
		return out, true, nil
	}
	gamma, weights := s.Gamma, s.Weights
	if gamma == nil {
		gamma = DefaultGamma
	}
	if weights == nil {
		weights = DefaultWeights
	}
	n := len(ix.recs)
	nBelow := min(gamma(n), n)
	for _, r := range ix.recs {
		r.below = false
	}
	var wBelow []float64
	if s.Split == nil {
		for _, r := range ix.byKey[:nBelow] {
			r.below = true
		}
	} else {
		ix.trials = grow(ix.trials, n) // the split reads them and keeps none
		trials := ix.trials
		for i, r := range ix.recs {
			trials[i] = r.t
		}
		var below []int
		below, _, wBelow = s.Split(trials, nBelow)
		for _, i := range below {
			ix.recs[i].below = true
		}
	}
	var below, above []*rec
	for _, r := range ix.recs {
		if r.below {
			below = append(below, r)
			ix.apos[r.id] = -1
		} else {
			ix.apos[r.id] = int32(len(above))
			above = append(above, r)
		}
	}
	nAbove := len(above)
	if wBelow == nil {
		wBelow = weights(len(below))
	}
	if s.Params.Multivariate {
		return s.sampleJoint(ix, space, names, seed, below, wBelow, newBadWeights(weights(nAbove), s.Params), above), true, nil
	}
	p := s.Params
	p.Multivariate = false
	bw := newBadWeights(weights(nAbove), p)
	for j, name := range names {
		rng := rand.New(rand.NewSource(observe.Seed(seed, observe.NameHash(name))))
		obs := make([][]float64, len(below))
		for i, r := range below {
			obs[i] = []float64{r.t.Params[name]}
		}
		l := NewMixture(space, []string{name}, obs, wBelow, p)
		g := ix.newBadDensity(j, bw, p)
		cands := l.Sample(rng, s.candidates())
		xs := make([]float64, len(cands))
		for i, c := range cands {
			xs[i] = c[0]
		}
		ll, lg := l.LogPDF(cands), g.logPDF(xs)
		best := 0
		for i := range cands {
			if ll[i]-lg[i] > ll[best]-lg[best] {
				best = i
			}
		}
		out[name] = xs[best]
	}
	return out, true, nil
}
