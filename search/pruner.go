package search

import (
	"fmt"

	"github.com/attnsearch/attnsearch/space"
	"github.com/c-bata/goptuna"
	"github.com/c-bata/goptuna/medianstopping"
)

// noFailStorage is a view of a goptuna.Storage whose GetAllTrials hides FAIL trials, so that an
// interrupted attempt (which a retry repeats) does not count twice in sampling or pruning.
type noFailStorage struct {
	goptuna.Storage
}

// GetAllTrials returns the study's trials that are not FAIL.
func (s noFailStorage) GetAllTrials(studyID int) ([]goptuna.FrozenTrial, error) {
	all, err := s.Storage.GetAllTrials(studyID)
	if err != nil {
		return nil, err
	}
	kept := all[:0]
	for _, t := range all {
		if t.State != goptuna.TrialStateFail {
			kept = append(kept, t)
		}
	}
	return kept, nil
}

// viewPruner runs a goptuna pruner against the FAIL-free view of the study.
type viewPruner struct {
	inner goptuna.Pruner
	view  *goptuna.Study
}

// Prune asks the inner pruner, showing it the study without FAIL trials.
func (p *viewPruner) Prune(_ *goptuna.Study, trial goptuna.FrozenTrial) (bool, error) {
	return p.inner.Prune(p.view, trial)
}

// newPruner builds the pruner the space file names; nil for "none". With several goals declared
// (objective.maximize/minimize), successive_halving compares objective vectors (paretoHalving).
func newPruner(opts space.Pruner, obj space.Objective) (goptuna.Pruner, error) {
	switch opts.Kind {
	case "", "none":
		return nil, nil
	case "median", "percentile":
		q := 50.0
		if opts.Kind == "percentile" {
			q = opts.Percentile
		}
		p, err := medianstopping.NewPercentilePruner(q)
		if err != nil {
			return nil, fmt.Errorf("search: %s pruner: %w", opts.Kind, err)
		}
		p.NStartUpTrials = opts.StartupTrials
		p.NWarmUpSteps = opts.WarmupSteps
		return p, nil
	case "successive_halving":
		// goptuna's successivehalving defaults: min_resource 1, η = 4, s = 0.
		p := &successiveHalving{minResource: 1, reductionFactor: 4, minEarlyStoppingRate: opts.MinEarlyStoppingRate}
		if opts.MinResource > 0 {
			p.minResource = opts.MinResource
		}
		if opts.ReductionFactor > 0 {
			p.reductionFactor = opts.ReductionFactor
		}
		if p.reductionFactor < 2 || p.minEarlyStoppingRate < 0 {
			return nil, fmt.Errorf("search: successive_halving pruner: reduction_factor %d must be >= 2 and min_early_stopping_rate %d >= 0",
				p.reductionFactor, p.minEarlyStoppingRate)
		}
		if obj.Listed() && len(obj.Goals()) > 1 {
			return &paretoHalving{successiveHalving: *p, goals: obj.Goals()}, nil
		}
		return p, nil
	}
	return nil, fmt.Errorf("search: unknown pruner %q", opts.Kind)
}
