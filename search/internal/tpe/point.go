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
// the unnormalised weights of the good observations (nil: the default weights).
type SplitFunc func(trials []observe.Trial, nBelow int) (below, above []int, wBelow []float64)

// PointSampler is Optuna 3.1's TPESampler over observe histories, independent or multivariate.
// Every estimator is fitted afresh from the history and every draw comes from a generator seeded
// by the point's seed (and the parameter's name when independent), so the point is a pure
// function of (history, seed).
type PointSampler struct {
	Startup    int           // trials drawn at random before TPE starts (default 10)
	Candidates int           // candidates drawn from l(x) per point (default 24)
	Gamma      FuncGamma     // size of the good group (default DefaultGamma: min(⌈n/10⌉, 25))
	Weights    FuncWeights   // observation weights by recency (default DefaultWeights)
	Params     MixtureParams // estimator settings (Multivariate: joint product kernels)
	Split      SplitFunc     // how trials divide (default SplitSingle: by first objective value)
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
	out := make(map[string]float64, len(names))
	if s.Params.Multivariate {
		trials := observe.Finished(past, names, 1)
		if len(trials) >= s.startup() {
			x, err := s.sampleGroup(space, names, trials, rand.New(rand.NewSource(observe.Seed(seed, observe.NameHash("tpe/joint")))))
			if err != nil {
				return nil, err
			}
			for j, n := range names {
				out[n] = x[j]
			}
			return out, nil
		}
	}
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
