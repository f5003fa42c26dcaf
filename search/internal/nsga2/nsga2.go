package nsga2

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand"
	"slices"
	"sort"
	"sync"

	"github.com/attnsearch/attnsearch/objective/front"
	"github.com/attnsearch/attnsearch/search/internal/observe"
	"github.com/attnsearch/attnsearch/search/internal/tpe"
	"github.com/c-bata/goptuna"
)

// Options configures the sampler; zero values take the defaults.
type Options struct {
	Population    int     // points per generation (default 50, as Optuna)
	CrossoverProb float64 // probability that a child crosses its parents (default 0.9)
	MutationProb  float64 // per-parameter mutation probability (default 1/number of parameters)
	EtaC          float64 // SBX distribution index (default 20)
	EtaM          float64 // polynomial mutation distribution index (default 20)
}

// Sampler is the NSGA-II sampler. It keeps the parent populations it has computed, each with
// the trials it was selected from, and reuses them while the history still holds those trials
// in the same states: a point costs one generation's selection instead of the whole history's,
// and the parents are the same as recomputed ones.
type Sampler struct {
	o    Options
	mu   sync.Mutex
	gens []generation // gens[g−1]: the parents of generation g
	nobj int          // the objectives gens were selected on
}

// generation is one computed parent population and what it was computed from.
type generation struct {
	from []uint64 // fingerprints of the complete trials of the previous generation, in order
	par  []member
}

// fingerprint identifies a trial by its ordinal, point, objective values and constraints, so
// that a history which reuses an ordinal for another trial (another study, another run) is not
// taken for the one the parents were selected from.
func fingerprint(t observe.Trial, names []string) uint64 {
	h := fnv.New64a()
	var b [8]byte
	put := func(x uint64) {
		binary.LittleEndian.PutUint64(b[:], x)
		h.Write(b[:])
	}
	put(uint64(t.Ordinal))
	for _, n := range names {
		put(math.Float64bits(t.Params[n]))
	}
	put(uint64(len(t.Values)))
	for _, v := range t.Values {
		put(math.Float64bits(v))
	}
	for _, c := range t.Constraints {
		put(math.Float64bits(c))
	}
	return h.Sum64()
}

var _ observe.Sampler = (*Sampler)(nil)

// New returns an NSGA-II sampler.
func New(o Options) *Sampler {
	if o.Population <= 0 {
		o.Population = 50
	}
	if o.CrossoverProb <= 0 {
		o.CrossoverProb = 0.9
	}
	if o.EtaC <= 0 {
		o.EtaC = 20
	}
	if o.EtaM <= 0 {
		o.EtaM = 20
	}
	return &Sampler{o: o}
}

// member is a trial of the population with its rank and crowding distance.
type member struct {
	t        observe.Trial
	viol     float64
	rank     int
	crowding float64
}

// select keeps the n best of pool by constrained rank, then crowding distance.
func selectElite(pool []member, n, nobj int) []member {
	vs := make([][]float64, len(pool))
	viol := make([]float64, len(pool))
	for i, m := range pool {
		vs[i] = m.t.Values[:nobj]
		viol[i] = m.viol
	}
	ranks := front.ConstrainedRanks(vs, viol)
	crowd := front.CrowdingByRank(vs, ranks)
	byRank := map[int][]int{}
	top := 0
	for i, r := range ranks {
		pool[i].rank, pool[i].crowding = r, crowd[i]
		byRank[r] = append(byRank[r], i)
		top = max(top, r)
	}
	var out []member
	for r := 0; r <= top; r++ {
		at := byRank[r]
		if len(out)+len(at) > n {
			sort.SliceStable(at, func(a, b int) bool {
				ca, cb := pool[at[a]].crowding, pool[at[b]].crowding
				if ca != cb {
					return ca > cb
				}
				return pool[at[a]].t.Ordinal < pool[at[b]].t.Ordinal
			})
			at = at[:n-len(out)]
		}
		for _, k := range at {
			out = append(out, pool[k])
		}
		if len(out) >= n {
			break
		}
	}
	// Rank and crowding of the survivors among themselves, for the tournaments.
	if len(out) > 0 {
		return rerank(out, nobj)
	}
	return out
}

// rerank recomputes ranks and crowding distances within ms.
func rerank(ms []member, nobj int) []member {
	vs := make([][]float64, len(ms))
	viol := make([]float64, len(ms))
	for i, m := range ms {
		vs[i], viol[i] = m.t.Values[:nobj], m.viol
	}
	ranks := front.ConstrainedRanks(vs, viol)
	crowd := front.CrowdingByRank(vs, ranks)
	for i := range ms {
		ms[i].rank, ms[i].crowding = ranks[i], crowd[i]
	}
	return ms
}

// parents returns the parent population of generation gen.
func (s *Sampler) parents(trials []observe.Trial, names []string, gen, nobj int) []member {
	P := s.o.Population
	s.mu.Lock()
	defer s.mu.Unlock()
	byGen := make([][]observe.Trial, gen)
	for _, t := range trials {
		if g := t.Ordinal / P; g < gen && t.State == observe.Complete {
			byGen[g] = append(byGen[g], t)
		}
	}
	if s.nobj != nobj {
		s.gens, s.nobj = nil, nobj
	}
	var par []member
	for g := 1; g <= gen; g++ {
		from := byGen[g-1]
		prints := make([]uint64, len(from))
		for i, t := range from {
			prints[i] = fingerprint(t, names)
		}
		if g <= len(s.gens) && slices.Equal(s.gens[g-1].from, prints) {
			par = s.gens[g-1].par
			continue
		}
		s.gens = s.gens[:g-1]
		pool := append([]member(nil), par...)
		for _, t := range from {
			pool = append(pool, member{t: t, viol: front.TotalViolation(t.Constraints)})
		}
		par = selectElite(pool, P, nobj)
		s.gens = append(s.gens, generation{from: prints, par: par})
	}
	return par
}

// SamplePoint draws the point of the given ordinal.
func (s *Sampler) SamplePoint(space map[string]interface{}, past []observe.Trial, ordinal int, seed int64) (map[string]float64, error) {
	names := observe.Names(space)
	gen := ordinal / s.o.Population
	var par []member
	if gen > 0 {
		nobj := 0
		for _, t := range past {
			if t.State == observe.Complete && (nobj == 0 || len(t.Values) < nobj) {
				nobj = len(t.Values)
			}
		}
		if nobj > 0 {
			par = s.parents(observe.Finished(past, names, nobj), names, gen, nobj)
		}
	}
	if len(par) == 0 {
		return tpe.Random{}.SamplePoint(space, past, ordinal, seed)
	}
	rng := rand.New(rand.NewSource(observe.Seed(seed, observe.NameHash("nsga2"))))
	tournament := func() member {
		a, b := par[rng.Intn(len(par))], par[rng.Intn(len(par))]
		switch {
		case a.rank != b.rank:
			if a.rank < b.rank {
				return a
			}
			return b
		case a.crowding != b.crowding:
			if a.crowding > b.crowding {
				return a
			}
			return b
		case rng.Intn(2) == 0:
			return a
		}
		return b
	}
	p1, p2 := tournament(), tournament()
	cross := rng.Float64() < s.o.CrossoverProb
	pm := s.o.MutationProb
	if pm <= 0 {
		pm = 1 / float64(max(1, len(names)))
	}
	out := make(map[string]float64, len(names))
	for _, name := range names {
		d := space[name]
		x1, x2 := p1.t.Params[name], p2.t.Params[name]
		b, ok := boundsOf(d)
		if !ok { // categorical
			c := int(x1)
			if cross && rng.Intn(2) == 1 {
				c = int(x2)
			}
			if rng.Float64() < pm {
				c = rng.Intn(len(d.(goptuna.CategoricalDistribution).Choices))
			}
			out[name] = float64(c)
			continue
		}
		y := b.to(x1)
		if cross {
			y = sbx(rng, b.to(x1), b.to(x2), b.low, b.high, s.o.EtaC)
		}
		if rng.Float64() < pm {
			y = polyMutate(rng, y, b.low, b.high, s.o.EtaM)
		}
		out[name] = b.from(y)
	}
	return out, nil
}

// bounds is a numerical parameter in the scale its operators work in.
type bounds struct {
	low, high float64
	to, from  func(float64) float64
}

// boundsOf returns the operator scale of d; ok is false for categorical distributions.
func boundsOf(d interface{}) (bounds, bool) {
	id := func(x float64) float64 { return x }
	grid := func(lo, hi, q float64) bounds {
		return bounds{low: lo - 0.5*q, high: hi + 0.5*q, to: id, from: func(x float64) float64 {
			v := math.Round((x-lo)/q)*q + lo
			return math.Min(math.Max(v, lo), hi)
		}}
	}
	switch d := d.(type) {
	case goptuna.UniformDistribution:
		return bounds{low: d.Low, high: d.High, to: id, from: func(x float64) float64 { return math.Min(math.Max(x, d.Low), d.High) }}, true
	case goptuna.LogUniformDistribution:
		return bounds{low: math.Log(d.Low), high: math.Log(d.High), to: math.Log, from: func(x float64) float64 {
			return math.Min(math.Max(math.Exp(x), d.Low), d.High)
		}}, true
	case goptuna.IntUniformDistribution:
		return grid(float64(d.Low), float64(d.High), 1), true
	case goptuna.StepIntUniformDistribution:
		hi := float64(d.Low + (d.High-d.Low)/d.Step*d.Step)
		return grid(float64(d.Low), hi, float64(d.Step)), true
	case goptuna.DiscreteUniformDistribution:
		hi := d.Low + math.Round((d.High-d.Low)/d.Q)*d.Q
		return grid(d.Low, hi, d.Q), true
	case goptuna.CategoricalDistribution:
		return bounds{}, false
	}
	panic(fmt.Sprintf("nsga2: unknown distribution %T", d))
}

// sbx is bounded simulated binary crossover of one variable (Deb and Agrawal 1995, in the
// bounded form of Deb's NSGA-II code); it returns one of the two children at random.
func sbx(rng *rand.Rand, x1, x2, lo, hi, eta float64) float64 {
	if rng.Float64() > 0.5 || math.Abs(x1-x2) < 1e-14 || hi <= lo {
		if rng.Intn(2) == 0 {
			return x1
		}
		return x2
	}
	y1, y2 := math.Min(x1, x2), math.Max(x1, x2)
	u := rng.Float64()
	betaq := func(beta float64) float64 {
		alpha := 2 - math.Pow(beta, -(eta+1))
		if u <= 1/alpha {
			return math.Pow(u*alpha, 1/(eta+1))
		}
		return math.Pow(1/(2-u*alpha), 1/(eta+1))
	}
	c1 := 0.5 * ((y1 + y2) - betaq(1+2*(y1-lo)/(y2-y1))*(y2-y1))
	c2 := 0.5 * ((y1 + y2) + betaq(1+2*(hi-y2)/(y2-y1))*(y2-y1))
	c := c1
	if rng.Intn(2) == 1 {
		c = c2
	}
	return math.Min(math.Max(c, lo), hi)
}

// polyMutate is Deb's bounded polynomial mutation of one variable.
func polyMutate(rng *rand.Rand, y, lo, hi, eta float64) float64 {
	if hi <= lo {
		return y
	}
	d1, d2 := (y-lo)/(hi-lo), (hi-y)/(hi-lo)
	r, pow := rng.Float64(), 1/(eta+1)
	var dq float64
	if r < 0.5 {
		v := 2*r + (1-2*r)*math.Pow(1-d1, eta+1)
		dq = math.Pow(v, pow) - 1
	} else {
		v := 2*(1-r) + 2*(r-0.5)*math.Pow(1-d2, eta+1)
		dq = 1 - math.Pow(v, pow)
	}
	return math.Min(math.Max(y+dq*(hi-lo), lo), hi)
}
