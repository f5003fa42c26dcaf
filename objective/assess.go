package objective

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/attnsearch/attnsearch/space"
)

// Assessment is what the cost model says about one point of a space before any training.
type Assessment struct {
	Cost          Cost        // the point's analytic cost
	Violations    []Violation // analytic budgets it breaks (params, FLOPs, KV cache)
	AfterTraining []string    // budgets known only after training ("max_latency_ms 5", …)
	Objective     string      // "metric vs cost (tradeoff λ)"
	RefCost       float64     // the budget the objective's cost is measured against
	// ObjectiveCost and ScoreAtZero are the objective's cost E and the score at quality 0; they
	// are known before training only for analytic costs (ok false for latency).
	ObjectiveCost, ScoreAtZero float64
	Analytic                   bool
}

// Feasible reports whether the point meets every analytic budget.
func (a Assessment) Feasible() bool { return len(a.Violations) == 0 }

// Assess estimates cfg with architecture a against spec's budget and objective.
func Assess(spec *space.Spec, cfg space.Config, a space.Arch) Assessment {
	o, b := spec.Objective, spec.Budget
	c := EstimateSpec(spec, cfg, a)
	as := Assessment{Cost: c, Violations: Check(c, b), AfterTraining: []string{},
		Objective: fmt.Sprintf("%s vs %s (tradeoff %s)", o.Metric, o.Cost, strconv.FormatFloat(o.Tradeoff, 'g', -1, 64)),
		RefCost:   RefCost(o, b)}
	if o.Listed() {
		parts := make([]string, 0, len(o.Goals()))
		for _, g := range o.Goals() {
			parts = append(parts, g.Direction()+" "+g.Name)
		}
		as.Objective = fmt.Sprintf("%s; score %s", strings.Join(parts, ", "), as.Objective)
	}
	for _, d := range Costs {
		if d.Measured && d.Limit(b) > 0 {
			as.AfterTraining = append(as.AfterTraining, d.BudgetField+" "+strconv.FormatFloat(d.Limit(b), 'g', -1, 64))
		}
	}
	for _, f := range noCost() {
		if f.Limit(b) > 0 {
			as.AfterTraining = append(as.AfterTraining, f.Name+" "+strconv.FormatFloat(f.Limit(b), 'g', -1, 64)+" (enforced by projection during training)")
		}
	}
	if d, ok := CostDefOf(o.Cost); ok && !d.Measured {
		as.Analytic = true
		as.ObjectiveCost = d.Value(c, Measured{})
		as.ScoreAtZero = Score(0, as.ObjectiveCost, as.RefCost, o.Tradeoff, as.Violations)
	} else if v, ok := c.Predicted[o.Cost]; ok {
		as.Analytic = true // known before training: predicted
		as.ObjectiveCost = v
		as.ScoreAtZero = Score(0, v, as.RefCost, o.Tradeoff, as.Violations)
	}
	return as
}

// SmallestVocab is the smallest possible vocabulary: the 4 specials and one word.
const SmallestVocab = 5

// ValidateBound is ValidateSpace with vocabularies known only as upper bounds: the sides whose
// size is not exact are checked at SmallestVocab, so that no budget some data could meet is rejected.
func ValidateBound(spec *space.Spec, a space.Arch, srcExact, tgtExact bool) error {
	lower := a
	if !srcExact {
		lower.SrcVocab = SmallestVocab
	}
	if !tgtExact {
		lower.TgtVocab = SmallestVocab
	}
	return ValidateSpace(spec, lower)
}
