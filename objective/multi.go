package objective

import (
	"math"

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
		if v, ok := values[GoalKey(g.Name)]; ok {
			out[i] = v
		}
	}
	return out
}

// budgetFields are the budget's limits in the order their constraint values are stored.
var budgetFields = []struct {
	field string
	limit func(space.Budget) float64
}{
	{"max_params", func(b space.Budget) float64 { return float64(b.MaxParams) }},
	{"max_flops_per_token", func(b space.Budget) float64 { return b.MaxFlopsPerToken }},
	{"max_kv_cache_bytes", func(b space.Budget) float64 { return float64(b.MaxKVCacheBytes) }},
	{"max_latency_ms", func(b space.Budget) float64 { return b.MaxLatencyMS }},
	{"max_l2_norm", func(b space.Budget) float64 { return b.MaxL2Norm }},
}

// ConstraintNames names a study's constraint values in stored order: every budget limit that is
// set (max_params, max_flops_per_token, max_kv_cache_bytes, max_latency_ms, max_l2_norm), then the
// objective's reported constraints.
func ConstraintNames(o space.Objective, b space.Budget) []string {
	var out []string
	for _, f := range budgetFields {
		if f.limit(b) > 0 {
			out = append(out, f.field)
		}
	}
	return append(out, o.Constraints...)
}

// ConstraintValues are a trial's constraint values in ConstraintNames order, ≤ 0 feasible: a
// budget limit gives figure/limit − 1 (the figure from c, or from m once measured; NaN before),
// within L2Tolerance for ‖θ‖₂; a reported constraint is values[name] (NaN when not reported).
func ConstraintValues(o space.Objective, b space.Budget, c *Cost, m *Measured, values map[string]float64) []float64 {
	var out []float64
	rel := func(v, limit, tol float64) float64 {
		if math.IsNaN(v) {
			return v
		}
		r := v/limit - 1
		if r > 0 && r <= tol {
			return 0
		}
		return r
	}
	nan := math.NaN()
	for _, f := range budgetFields {
		limit := f.limit(b)
		if limit <= 0 {
			continue
		}
		v := nan
		switch f.field {
		case "max_params", "max_flops_per_token", "max_kv_cache_bytes":
			if c != nil {
				v = map[string]float64{"max_params": float64(c.Params), "max_flops_per_token": c.FlopsPerToken,
					"max_kv_cache_bytes": float64(c.KVCacheBytesPerToken)}[f.field]
			}
		case "max_latency_ms":
			if m != nil {
				v = m.LatencyMS
			}
		case "max_l2_norm":
			if m != nil {
				v = m.L2Norm
			}
		}
		tol := 0.0
		if f.field == "max_l2_norm" {
			tol = L2Tolerance
		}
		out = append(out, rel(v, limit, tol))
	}
	for _, n := range o.Constraints {
		v, ok := values[n]
		if !ok {
			v = nan
		}
		out = append(out, v)
	}
	return out
}
