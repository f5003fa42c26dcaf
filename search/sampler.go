package search

import (
	"fmt"
	"github.com/attnsearch/attnsearch/store/record"
	"hash/fnv"
	"math/rand"
	"strconv"

	"github.com/attnsearch/attnsearch/search/internal/tpe"
	"github.com/attnsearch/attnsearch/space"
	"github.com/c-bata/goptuna"
	"github.com/c-bata/goptuna/cmaes"
	"github.com/c-bata/goptuna/sobol"
)

// splitmix64 is one step of the SplitMix64 mixer: a bijective, well-spread hash of x.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// DeriveSeed returns the seed of stream parts… under the study seed: a pure function, so a
// resumed study derives the same seeds as an uninterrupted one.
func DeriveSeed(seed int64, parts ...uint64) int64 {
	h := splitmix64(uint64(seed))
	for _, p := range parts {
		h = splitmix64(h ^ splitmix64(p))
	}
	return int64(h >> 1) // non-negative
}

// TrialSeed is the trainer seed of the point with the given ordinal.
func TrialSeed(studySeed int64, ordinal int) int64 {
	return DeriveSeed(studySeed, 1, uint64(ordinal))
}

// nameHash hashes a parameter name into a seed part.
func nameHash(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// isRetry reports whether ft repeats an earlier trial's point.
func isRetry(ft goptuna.FrozenTrial) bool {
	if _, ok := ft.SystemAttrs[record.SysRetryOf]; ok {
		return true
	}
	_, ok := ft.SystemAttrs[requeuedFrom]
	return ok
}

// ordinalOf returns the ordinal of trial: the stored one if the trial carries it (a retry), else
// the number of fresh (non-retry) trials numbered below it.
func ordinalOf(study *goptuna.Study, trial goptuna.FrozenTrial) (int, error) {
	if s, ok := trial.SystemAttrs[record.SysOrdinal]; ok {
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, fmt.Errorf("search: trial %d: system attribute %s: %w", trial.Number, record.SysOrdinal, err)
		}
		return n, nil
	}
	trials, err := study.Storage.GetAllTrials(study.ID)
	if err != nil {
		return 0, fmt.Errorf("search: ordinal of trial %d: %w", trial.Number, err)
	}
	n := 0
	for _, t := range trials {
		if t.Number < trial.Number && !isRetry(t) {
			n++
		}
	}
	return n, nil
}

// pointSampler is a goptuna Sampler and RelativeSampler whose draws depend only on the study
// seed, the point's ordinal and the study's stored history, never on what this process drew
// before (except CMA-ES, see the package documentation).
type pointSampler struct {
	kind  string        // tpe | cmaes | random | sobol
	opts  space.Sampler // sampler options from the space file
	seed  int64         // study seed
	view  *goptuna.Study
	cma   *cmaes.Sampler // the one CMA-ES optimizer of this process (kind cmaes)
	study *goptuna.Study // the study sampled for (set after the study exists)
}

var (
	_ goptuna.Sampler         = (*pointSampler)(nil)
	_ goptuna.RelativeSampler = (*pointSampler)(nil)
)

// newPointSampler builds the sampler the space file names.
func newPointSampler(opts space.Sampler, seed int64) (*pointSampler, error) {
	p := &pointSampler{kind: opts.Kind, opts: opts, seed: seed}
	switch opts.Kind {
	case "tpe", "random", "sobol":
	case "cmaes":
		copts := []cmaes.SamplerOption{cmaes.SamplerOptionSeed(seed)}
		if opts.StartupTrials > 0 {
			copts = append(copts, cmaes.SamplerOptionNStartupTrials(opts.StartupTrials))
		}
		if opts.Sigma0 > 0 {
			copts = append(copts, cmaes.SamplerOptionInitialSigma(opts.Sigma0))
		}
		p.cma = cmaes.NewSampler(copts...)
	default:
		return nil, fmt.Errorf("search: unknown sampler %q", opts.Kind)
	}
	return p, nil
}

// Sample draws one parameter of trial independently of the others.
func (p *pointSampler) Sample(study *goptuna.Study, trial goptuna.FrozenTrial, name string, dist interface{}) (float64, error) {
	ord, err := ordinalOf(study, trial)
	if err != nil {
		return 0, err
	}
	seed := DeriveSeed(p.seed, 2, uint64(ord), nameHash(name))
	if p.kind != "tpe" {
		return tpe.SampleRandom(rand.New(rand.NewSource(seed)), dist)
	}
	topts := []tpe.SamplerOption{tpe.SamplerOptionSeed(seed)}
	if p.opts.StartupTrials > 0 {
		topts = append(topts, tpe.SamplerOptionNumberOfStartupTrials(p.opts.StartupTrials))
	}
	if p.opts.EICandidates > 0 {
		topts = append(topts, tpe.SamplerOptionNumberOfEICandidates(p.opts.EICandidates))
	}
	return tpe.NewSampler(topts...).Sample(p.viewOf(study), trial, name, dist)
}

// SampleRelative draws several parameters jointly (Sobol, CMA-ES); other kinds sample independently.
func (p *pointSampler) SampleRelative(study *goptuna.Study, trial goptuna.FrozenTrial, searchSpace map[string]interface{}) (map[string]float64, error) {
	switch p.kind {
	case "sobol":
		ord, err := ordinalOf(study, trial)
		if err != nil {
			return nil, err
		}
		// A fresh engine advanced to this ordinal: the point depends on the ordinal alone.
		s := sobol.NewSampler()
		var out map[string]float64
		for i := 0; i <= ord; i++ {
			if out, err = s.SampleRelative(study, trial, searchSpace); err != nil || out == nil {
				return out, err
			}
		}
		return out, nil
	case "cmaes":
		return p.cma.SampleRelative(p.viewOf(study), trial, searchSpace)
	}
	return nil, nil
}

// viewOf returns the filtered view of study the samplers and pruners read (FAIL trials hidden).
func (p *pointSampler) viewOf(study *goptuna.Study) *goptuna.Study {
	if p.view != nil {
		return p.view
	}
	return study
}
