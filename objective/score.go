package objective

import (
	"math"

	"github.com/attnsearch/attnsearch/space"
)

// MinCostRatio is the smallest cost/reference ratio the score distinguishes: costs below
// RefCost·MinCostRatio score as if they were equal to it (keeps the score finite for a zero cost).
const MinCostRatio = 0x1p-40

// CostOf picks the objective's cost E (see Costs) from c and m; NaN for an unknown cost.
func CostOf(o space.Objective, c Cost, m Measured) float64 {
	if d, ok := CostDefOf(o.Cost); ok {
		return d.Value(c, m)
	}
	if v, ok := c.Predicted[o.Cost]; ok {
		return v
	}
	return math.NaN()
}

// RefCost is the budget of the objective's cost (space.Parse requires it to be set): the score's
// and the hypervolume's reference cost; NaN for an unknown cost.
func RefCost(o space.Objective, b space.Budget) float64 {
	if d, ok := CostDefOf(o.Cost); ok {
		return d.Limit(b)
	}
	if v, ok := b.Predicted[o.Cost]; ok {
		return v
	}
	return math.NaN()
}

// Score is the value the sampler maximises.
//
// Feasible (no violation and cost <= refCost):
//
//	S = P − λ·log2(max(cost, refCost·MinCostRatio) / refCost)   >= P >= 0
//
// where P is the quality on a 0–100 scale (BLEU, or token accuracy × 100; NaN or negative counts
// as 0, above 100 as 100) and λ = tradeoff: halving the cost is worth λ points of P. Infeasible
// (any violation, or cost > refCost, which counts as one):
//
//	S = −1 − 100·Σ relative violations   < −1
//
// so every infeasible point scores below every feasible one, and lower the further it is from
// the budget. The same function scores per-epoch P for pruning.
func Score(quality, cost, refCost, tradeoff float64, violations []Violation) float64 {
	total := 0.0
	for _, v := range violations {
		if v.Relative > 0 && !math.IsInf(v.Relative, 1) {
			total += v.Relative
		} else if math.IsInf(v.Relative, 1) || math.IsNaN(v.Relative) {
			total += 1e6
		}
	}
	if len(violations) == 0 && refCost > 0 && cost > refCost {
		total += (cost - refCost) / refCost
	}
	if len(violations) > 0 || total > 0 {
		return -1 - 100*math.Min(total, 1e12)
	}
	p := quality
	if math.IsNaN(p) || p < 0 {
		p = 0
	}
	if p > 100 {
		p = 100
	}
	if !(refCost > 0) || math.IsNaN(cost) {
		return p
	}
	ratio := math.Max(cost/refCost, MinCostRatio)
	return p - tradeoff*math.Log2(ratio)
}

// ScoreTrial checks c (and m, when known) against b and scores quality with the objective's cost.
// Pass m == nil for an intermediate (per-epoch) score: the measured constraints are skipped and a
// latency cost is taken as equal to its budget (log term 0), so pruning compares P alone there.
func ScoreTrial(quality float64, c Cost, m *Measured, o space.Objective, b space.Budget) (float64, []Violation) {
	v := Check(c, b)
	ref := RefCost(o, b)
	var cost float64
	if m != nil {
		v = append(v, CheckMeasured(*m, b)...)
		cost = CostOf(o, c, *m)
	} else {
		cost = CostOf(o, c, Measured{LatencyMS: ref})
	}
	return Score(quality, cost, ref, o.Tradeoff, v), v
}
