package search

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/c-bata/goptuna"
)

// successiveHalving is Optuna's asynchronous successive halving pruner (ASHA without
// suspension). goptuna v0.9.0's successivehalving.Pruner has an off-by-one in its current rung
// (it re-enters the last completed rung instead of the next one), so a trial competes with its
// own earlier value at that rung and is pruned whenever its score dips, however good it is. This
// is the Optuna algorithm: rung r is reached at epoch min_resource·η^(s+r); a trial reaching it
// records its value there and continues only if that value is among the best 1/η of every value
// recorded at rung r so far (the best one while fewer than η trials have reached it).
type successiveHalving struct {
	minResource          int // epochs before the first rung
	reductionFactor      int // η >= 2
	minEarlyStoppingRate int // s
}

var _ goptuna.Pruner = (*successiveHalving)(nil)

// rungKey is the trial system attribute holding its value at rung r (Optuna's name).
func rungKey(r int) string { return fmt.Sprintf("completed_rung_%d", r) }

// nextRung is the number of rungs the trial has completed: the first rung r it has no
// attribute key(r) for (rungKey for values, rungVectorKey for objective vectors).
func nextRung(t goptuna.FrozenTrial, key func(int) string) int {
	r := 0
	for {
		if _, ok := t.SystemAttrs[key(r)]; !ok {
			return r
		}
		r++
	}
}

// promotionStep is the epoch at which rung r is reached.
func (p *successiveHalving) promotionStep(r int) int {
	return p.minResource * int(math.Pow(float64(p.reductionFactor), float64(p.minEarlyStoppingRate+r)))
}

// Prune records the trial's value at every rung its latest step reaches and says whether it
// falls outside the best 1/η there.
func (p *successiveHalving) Prune(study *goptuna.Study, trial goptuna.FrozenTrial) (bool, error) {
	step, ok := trial.GetLatestStep()
	if !ok {
		return false, nil
	}
	value := trial.IntermediateValues[step]
	var others []goptuna.FrozenTrial
	for r := nextRung(trial, rungKey); step >= p.promotionStep(r); r++ {
		if math.IsNaN(value) {
			return true, nil
		}
		if others == nil {
			all, err := study.GetTrials()
			if err != nil {
				return false, fmt.Errorf("successive halving: %w", err)
			}
			for _, t := range all {
				if t.ID != trial.ID {
					others = append(others, t)
				}
			}
		}
		if err := study.Storage.SetTrialSystemAttr(trial.ID, rungKey(r), strconv.FormatFloat(value, 'g', -1, 64)); err != nil {
			return false, fmt.Errorf("successive halving: %w", err)
		}
		competing := []float64{value}
		for _, t := range others {
			if s, ok := t.SystemAttrs[rungKey(r)]; ok {
				v, err := strconv.ParseFloat(s, 64)
				if err != nil {
					return false, fmt.Errorf("successive halving: trial %d %s: %w", t.Number, rungKey(r), err)
				}
				competing = append(competing, v)
			}
		}
		if !p.promotable(value, competing, study.Direction()) {
			return true, nil
		}
	}
	return false, nil
}

// promotable reports whether value is among the best len/η of competing (the best one when
// fewer than η values compete).
func (p *successiveHalving) promotable(value float64, competing []float64, dir goptuna.StudyDirection) bool {
	sort.Float64s(competing)
	k := len(competing)/p.reductionFactor - 1
	if k < 0 {
		k = 0
	}
	if dir == goptuna.StudyDirectionMaximize {
		return value >= competing[len(competing)-1-k]
	}
	return value <= competing[k]
}
