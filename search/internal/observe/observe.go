package observe

import (
	"hash/fnv"
	"math"
	"sort"
)

// State is the state of a past trial as a sampler sees it.
type State int

const (
	// Complete trials carry their final objective vector.
	Complete State = iota
	// Pruned trials carry the objective vector of their last reported step.
	Pruned
	// Running trials have a point but no values yet (a sampler may avoid re-proposing them).
	Running
)

// Trial is one past trial.
type Trial struct {
	Ordinal     int                // the point's ordinal in the study (0, 1, …)
	State       State              // Complete, Pruned or Running
	Params      map[string]float64 // goptuna's internal representation (categorical: index)
	Values      []float64          // objective vector, every component minimised; nil when Running
	Constraints []float64          // constraint values, ≤ 0 feasible; nil when the study has none
	Step        int                // Pruned: the step Values were reported at
}

// Source returns the past trials a sampler learns from, in increasing ordinal.
type Source func() ([]Trial, error)

// Sampler draws one whole point of a search space (name → goptuna distribution) from the past
// trials. seed is the point's seed (from the study seed and the point's ordinal); a sampler
// derives one stream per parameter name from it with Seed(seed, NameHash(name)) where it draws
// parameters independently. The returned map holds internal representations.
type Sampler interface {
	SamplePoint(space map[string]interface{}, past []Trial, ordinal int, seed int64) (map[string]float64, error)
}

// Names returns the space's parameter names in sorted order (the order every sampler visits them).
func Names(space map[string]interface{}) []string {
	out := make([]string, 0, len(space))
	for n := range space {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// splitmix64 is one step of the SplitMix64 mixer.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Seed derives the seed of the stream parts… under seed: the project's one seed mixer (package
// search derives trainer, draw and relative-draw seeds with it, the samplers their streams). The
// running hash is mixed once more than each part before they are combined, so that swapping seed
// and a part, or two parts, gives a different stream (a plain h ^ mix(p) chain is symmetric in
// its first two inputs). The result is non-negative.
func Seed(seed int64, parts ...uint64) int64 {
	h := splitmix64(uint64(seed))
	for _, p := range parts {
		h = splitmix64(splitmix64(h) ^ p)
	}
	return int64(h >> 1)
}

// NameHash hashes a name into a seed part (FNV-1a).
func NameHash(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// Finished returns the Complete and Pruned trials of past that hold a value for every name and
// either a finite objective vector of length nobj or a positive total violation (an infeasible
// trial rejected before its objectives were measured still teaches where the feasible region is).
func Finished(past []Trial, names []string, nobj int) []Trial {
	var out []Trial
outer:
	for _, t := range past {
		if t.State == Running {
			continue
		}
		if !infeasible(t.Constraints) {
			if len(t.Values) < nobj {
				continue
			}
			for _, v := range t.Values[:nobj] {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					continue outer
				}
			}
		} else if len(t.Values) < nobj {
			v := make([]float64, nobj)
			copy(v, t.Values)
			for i := len(t.Values); i < nobj; i++ {
				v[i] = math.NaN()
			}
			t.Values = v
		}
		for _, n := range names {
			if _, ok := t.Params[n]; !ok {
				continue outer
			}
		}
		out = append(out, t)
	}
	return out
}

// infeasible reports whether some constraint value is positive.
func infeasible(c []float64) bool {
	for _, x := range c {
		if x > 0 {
			return true
		}
	}
	return false
}
