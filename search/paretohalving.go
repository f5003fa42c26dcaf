package search

import (
	"fmt"

	"github.com/attnsearch/attnsearch/objective"
	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/search/internal/mohalving"
	"github.com/attnsearch/attnsearch/space"
	"github.com/c-bata/goptuna"
)

// paretoHalving is successive halving for a study with several goals (objective.maximize /
// minimize): at each rung a trial's intermediate objective vector (its stored KeyObjectives at
// that step: the reported quality, the cost model's costs, NaN for what is measured only after
// training) competes with the vectors other trials recorded at the same rung by non-domination
// rank (package mohalving states the rule).
type paretoHalving struct {
	successiveHalving
	goals []space.Goal
}

var _ goptuna.Pruner = (*paretoHalving)(nil)

// rungVectorKey is the trial system attribute holding its objective vector at rung r.
func rungVectorKey(r int) string { return fmt.Sprintf("%s%d", record.SysRungPrefix, r) }

// minimised returns v with the maximised goals negated.
func (p *paretoHalving) minimised(v []float64) []float64 { return objective.Minimized(p.goals, v) }

// Prune records the trial's vector at every rung its latest step reaches and says whether the
// rule prunes it there.
func (p *paretoHalving) Prune(study *goptuna.Study, trial goptuna.FrozenTrial) (bool, error) {
	step, ok := trial.GetLatestStep()
	if !ok {
		return false, nil
	}
	text, ok := trial.UserAttrs[record.KeyObjectives]
	if !ok {
		return false, nil
	}
	vec, err := record.ParseVector(text)
	if err != nil {
		return false, fmt.Errorf("pareto halving: trial %d: %w", trial.Number, err)
	}
	ord, err := ordinalOf(study, trial)
	if err != nil {
		return false, err
	}
	self := mohalving.Entry{Ordinal: ord, Values: p.minimised(vec)}
	var all []goptuna.FrozenTrial
	for r := nextRung(trial, rungVectorKey); step >= p.promotionStep(r); r++ {
		if all == nil {
			if all, err = study.GetTrials(); err != nil {
				return false, fmt.Errorf("pareto halving: %w", err)
			}
		}
		if err := study.Storage.SetTrialSystemAttr(trial.ID, rungVectorKey(r), text); err != nil {
			return false, fmt.Errorf("pareto halving: %w", err)
		}
		var others []mohalving.Entry
		for _, t := range all {
			s, ok := t.SystemAttrs[rungVectorKey(r)]
			if !ok || t.ID == trial.ID {
				continue
			}
			v, err := record.ParseVector(s)
			if err != nil {
				return false, fmt.Errorf("pareto halving: trial %d %s: %w", t.Number, rungVectorKey(r), err)
			}
			o, err := ordinalOf(study, t)
			if err != nil {
				return false, err
			}
			others = append(others, mohalving.Entry{Ordinal: o, Values: p.minimised(v)})
		}
		if !mohalving.Keep(self, others, p.reductionFactor) {
			return true, nil
		}
	}
	return false, nil
}
