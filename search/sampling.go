package search

import (
	"fmt"
	"hash/fnv"
	"strconv"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/search/sampler"
	"github.com/c-bata/goptuna"
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

// pointSeed is the seed of one parameter's draw for the point with the given ordinal.
func pointSeed(studySeed int64, ordinal int, name string) int64 {
	return DeriveSeed(studySeed, 2, uint64(ordinal), nameHash(name))
}

// nameHash hashes a parameter name into a seed part.
func nameHash(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// ordinalOf returns the ordinal of trial: the stored one if the trial carries it; for a retry the
// ordinal of the trial it retries; else the number of fresh (non-retry) trials numbered below it.
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
	of, retry, err := record.RetryOf(trial)
	if err != nil {
		return 0, err
	}
	if retry {
		for _, t := range trials {
			if t.Number == of {
				return ordinalOf(study, t)
			}
		}
		return 0, fmt.Errorf("search: trial %d retries trial %d, which does not exist", trial.Number, of)
	}
	n := 0
	for _, t := range trials {
		if _, r, _ := record.RetryOf(t); t.Number < trial.Number && !r {
			n++
		}
	}
	return n, nil
}

// pointSampler is a goptuna Sampler and RelativeSampler that hands every draw to the registered
// algorithm with the seed of the point (study seed, ordinal, parameter name) and the view of the
// study without FAIL trials, so that draws depend only on the study's stored history.
type pointSampler struct {
	algo sampler.Algorithm
	seed int64          // study seed
	view *goptuna.Study // the study without FAIL trials (set once the study exists)
}

var (
	_ goptuna.Sampler         = (*pointSampler)(nil)
	_ goptuna.RelativeSampler = (*pointSampler)(nil)
)

// Sample draws one parameter of trial independently of the others.
func (p *pointSampler) Sample(study *goptuna.Study, trial goptuna.FrozenTrial, name string, dist interface{}) (float64, error) {
	ord, err := ordinalOf(study, trial)
	if err != nil {
		return 0, err
	}
	return p.algo.Sample(p.viewOf(study), trial, name, dist, pointSeed(p.seed, ord, name))
}

// SampleRelative draws several parameters jointly (relative kinds); others return nil.
func (p *pointSampler) SampleRelative(study *goptuna.Study, trial goptuna.FrozenTrial, searchSpace map[string]interface{}) (map[string]float64, error) {
	ord, err := ordinalOf(study, trial)
	if err != nil {
		return nil, err
	}
	return p.algo.SampleRelative(p.viewOf(study), trial, searchSpace, ord, DeriveSeed(p.seed, 3, uint64(ord)))
}

// viewOf returns the filtered view of study the samplers and pruners read (FAIL trials hidden).
func (p *pointSampler) viewOf(study *goptuna.Study) *goptuna.Study {
	if p.view != nil {
		return p.view
	}
	return study
}
