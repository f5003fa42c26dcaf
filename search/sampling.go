package search

import (
	"fmt"
	"strconv"
	"sync"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/search/internal/observe"
	"github.com/attnsearch/attnsearch/search/sampler"
	"github.com/c-bata/goptuna"
)

// A study's seeds descend from its seed through one mixer, observe.Seed (documented there): the
// trainer seed of a point is stream 1 (ordinal), a parameter's draw stream 2 (ordinal, name),
// a relative draw stream 3 (ordinal). Studies stored before record.StudyInfo.SeedScheme keep the
// first derivation (legacySeed), whose first step is symmetric in the study seed and the stream
// number (study seed 3's trainer seeds were study seed 1's relative-sampler seeds), so that they
// resume with the seeds they started with.

// deriveSeed returns the seed of stream parts… under the study seed in the given scheme.
func deriveSeed(scheme int, studySeed int64, parts ...uint64) int64 {
	if scheme == record.SeedSchemeFirst {
		return legacySeed(studySeed, parts...)
	}
	return observe.Seed(studySeed, parts...)
}

// legacySeed is the derivation of record.SeedSchemeFirst, frozen: a SplitMix64 chain
// h ← mix(h ^ mix(part)) from h = mix(seed).
func legacySeed(seed int64, parts ...uint64) int64 {
	h := splitmix64(uint64(seed))
	for _, p := range parts {
		h = splitmix64(h ^ splitmix64(p))
	}
	return int64(h >> 1) // non-negative
}

// splitmix64 is one step of the SplitMix64 mixer (legacySeed's).
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// TrialSeed is the trainer seed of the point with the given ordinal in a study created now
// (record.SeedSchemeCurrent).
func TrialSeed(studySeed int64, ordinal int) int64 {
	return trialSeed(record.SeedSchemeCurrent, studySeed, ordinal)
}

// trialSeed is the trainer seed of the point with the given ordinal in the given scheme.
func trialSeed(scheme int, studySeed int64, ordinal int) int64 {
	return deriveSeed(scheme, studySeed, 1, uint64(ordinal))
}

// pointSeed is the seed of one parameter's draw for the point with the given ordinal.
func pointSeed(scheme int, studySeed int64, ordinal int, name string) int64 {
	return deriveSeed(scheme, studySeed, 2, uint64(ordinal), observe.NameHash(name))
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

// ordinals counts the ordinal of a new trial (the fresh trials numbered below it) from the retry
// marks of the trials it has read, by number, instead of reading every trial of the study again
// for each new one: a trial's retry mark is stored when it is created and never changes, and a
// trial exists before any trial numbered above it. It reads the study's trials only when a number
// below the new trial's is unseen (another worker's or process's trial). It is safe for
// concurrent use; the zero value is ready.
type ordinals struct {
	mu    sync.Mutex
	seen  []int8 // by trial number: 0 not read, 1 fresh, 2 a retry, 3 absent from the store
	fresh []int  // fresh[k]: fresh trials numbered below k, for k ≤ len(seen) (prefix counts)
}

// of returns ordinalOf(study, trial).
func (o *ordinals) of(study *goptuna.Study, trial goptuna.FrozenTrial) (int, error) {
	_, stored := trial.SystemAttrs[record.SysOrdinal]
	_, retry, err := record.RetryOf(trial)
	if err != nil {
		return 0, err
	}
	if stored || retry || o == nil {
		return ordinalOf(study, trial)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.fresh) <= trial.Number {
		read := false
		for k := max(len(o.fresh)-1, 0); k < trial.Number && !read; k++ {
			read = k >= len(o.seen) || o.seen[k] == 0
		}
		if read {
			trials, err := study.Storage.GetAllTrials(study.ID)
			if err != nil {
				return 0, fmt.Errorf("search: ordinal of trial %d: %w", trial.Number, err)
			}
			for _, t := range trials {
				o.mark(t.Number, t)
			}
		}
		o.extend(trial.Number)
	}
	o.mark(trial.Number, trial)
	return o.fresh[trial.Number], nil
}

// mark records trial t, numbered n.
func (o *ordinals) mark(n int, t goptuna.FrozenTrial) {
	for len(o.seen) <= n {
		o.seen = append(o.seen, 0)
	}
	if _, r, _ := record.RetryOf(t); r {
		o.seen[n] = 2
	} else {
		o.seen[n] = 1
	}
}

// extend brings the prefix counts up to number n: numbers below n still unseen after a read of
// every trial are absent from the store (ordinalOf does not count them either).
func (o *ordinals) extend(n int) {
	if len(o.fresh) == 0 {
		o.fresh = append(o.fresh, 0)
	}
	for k := len(o.fresh) - 1; k < n; k++ {
		if k >= len(o.seen) {
			o.seen = append(o.seen, 0)
		}
		if o.seen[k] == 0 {
			o.seen[k] = 3
		}
		c := o.fresh[k]
		if o.seen[k] == 1 {
			c++
		}
		o.fresh = append(o.fresh, c)
	}
}

// pointSampler is a goptuna Sampler and RelativeSampler that hands every draw to the registered
// algorithm with the seed of the point (study seed, ordinal, parameter name) and the view of the
// study without FAIL trials, so that draws depend only on the study's stored history.
type pointSampler struct {
	algo   sampler.Algorithm
	seed   int64          // study seed
	scheme int            // the study's record.StudyInfo.SeedScheme (set once the study exists)
	view   *goptuna.Study // the study without FAIL trials (set once the study exists)
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
	return p.algo.Sample(p.viewOf(study), trial, name, dist, pointSeed(p.scheme, p.seed, ord, name))
}

// SampleRelative draws several parameters jointly (relative kinds); others return nil.
func (p *pointSampler) SampleRelative(study *goptuna.Study, trial goptuna.FrozenTrial, searchSpace map[string]interface{}) (map[string]float64, error) {
	ord, err := ordinalOf(study, trial)
	if err != nil {
		return nil, err
	}
	return p.algo.SampleRelative(p.viewOf(study), trial, searchSpace, ord, deriveSeed(p.scheme, p.seed, 3, uint64(ord)))
}

// viewOf returns the filtered view of study the samplers and pruners read (FAIL trials hidden).
func (p *pointSampler) viewOf(study *goptuna.Study) *goptuna.Study {
	if p.view != nil {
		return p.view
	}
	return study
}
