package objective

import (
	"math"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/space"
)

// Minimized returns the objective vector v (ordered like goals) with every maximised component
// negated, the all-minimised form package front takes. NaN stays NaN.
func Minimized(goals []space.Goal, v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		if i < len(goals) && goals[i].Maximize {
			x = -x
		}
		out[i] = x
	}
	return out
}

// GoalKey is the trial user attribute holding goal name's figure: the metric's or cost's record
// key for the built-in names, the name itself for a reported value (trial commands).
func GoalKey(name string) string {
	if k, ok := Metrics[name]; ok {
		return k
	}
	if d, ok := CostDefOf(name); ok {
		return d.Key
	}
	return name
}

// GoalValues is a trial's objective vector, ordered like goals: a cost the model computes comes
// from c (nil: not computed), any other figure from values by GoalKey; NaN where unknown.
func GoalValues(goals []space.Goal, c *Cost, values map[string]float64) []float64 {
	out := make([]float64, len(goals))
	for i, g := range goals {
		out[i] = math.NaN()
		if d, ok := CostDefOf(g.Name); ok && !d.Measured && c != nil {
			out[i] = d.Value(*c, Measured{})
			continue
		}
		if v, ok := c.predicted(g.Name); ok {
			out[i] = v
			continue
		}
		if v, ok := values[GoalKey(g.Name)]; ok {
			out[i] = v
		}
	}
	return out
}

// ConstraintValues are a trial's constraint values in stored order (every budget limit that is
// set, in record.BudgetFields order, then the predicted costs' limits in name order, then the
// objective's reported constraints), ≤ 0 feasible: a
// budget limit gives figure/limit − 1 (the figure from the cost model c, or from the measured m
// for a figure known only after training; NaN while unknown), within L2Tolerance for ‖θ‖₂; a
// predicted cost's limit its predicted figure/limit − 1 (from c); a
// reported constraint is values[name] (NaN when not reported).
func ConstraintValues(o space.Objective, b space.Budget, c *Cost, m *Measured, values map[string]float64) []float64 {
	var out []float64
	for _, f := range record.BudgetFields {
		limit := f.Limit(b)
		if limit <= 0 {
			continue
		}
		v := math.NaN()
		switch {
		case f.Measured && m != nil:
			v = figures[f.Key](Cost{}, *m)
		case !f.Measured && c != nil:
			v = figures[f.Key](*c, Measured{})
		}
		r := v/limit - 1
		if f.Key == record.KeyL2Norm && r > 0 && r <= L2Tolerance {
			r = 0
		}
		out = append(out, r)
	}
	for _, n := range b.PredictedNames() {
		v, ok := c.predicted(n)
		if !ok {
			v = math.NaN()
		}
		out = append(out, v/b.Predicted[n]-1)
	}
	for _, n := range o.Constraints {
		v, ok := values[n]
		if !ok {
			v = math.NaN()
		}
		out = append(out, v)
	}
	return out
}
