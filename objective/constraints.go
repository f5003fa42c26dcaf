package objective

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/space"
)

// L2Tolerance is the relative slack allowed on max_l2_norm: the trainer projects θ onto the ball,
// so a measured norm above the limit by less than this is rounding, not a violation.
const L2Tolerance = 1e-6

// Violation is one broken budget constraint.
type Violation struct {
	Field    string  // budget key: max_params, max_flops_per_token, max_kv_cache_bytes, max_latency_ms, max_l2_norm
	Value    float64 // the point's figure
	Limit    float64 // the budget
	Relative float64 // (Value - Limit) / Limit, > 0
}

// String renders "params 1234 > max_params 1000 (+23.4%)".
func (v Violation) String() string {
	key := strings.TrimPrefix(v.Field, record.PredictedPrefix) // a predicted cost's figure: its name
	if f, ok := record.BudgetFieldNamed(v.Field); ok {
		key = f.Key
	}
	return fmt.Sprintf("%s %s > %s %s (+%.1f%%)", key, num(v.Value), v.Field, num(v.Limit), 100*v.Relative)
}

// num renders a figure compactly: integers in full, other values with 6 significant digits.
func num(x float64) string {
	if x == float64(int64(x)) && x < 1e15 && x > -1e15 {
		return strconv.FormatInt(int64(x), 10)
	}
	return strconv.FormatFloat(x, 'g', 6, 64)
}

// Measured holds the figures known only after training that enter constraints and the score.
type Measured struct {
	LatencyMS float64 // median decode latency per sentence
	L2Norm    float64 // ‖θ‖₂ at the end of training
}

// violation returns the violation of value against limit, if limit is set and exceeded by more
// than the relative tolerance tol.
func violation(field string, value, limit, tol float64) []Violation {
	if limit <= 0 || value <= limit*(1+tol) {
		return nil
	}
	return []Violation{{Field: field, Value: value, Limit: limit, Relative: (value - limit) / limit}}
}

// Check returns the constraints of b known before training that c breaks (params, FLOPs, KV
// cache, then the predicted costs' limits in name order), nil if feasible. A predicted limit
// whose figure c lacks (a Cost from Estimate, not EstimateSpec) is not checked.
func Check(c Cost, b space.Budget) []Violation {
	var v []Violation
	for _, d := range Costs {
		if !d.Measured {
			v = append(v, violation(d.BudgetField, d.Value(c, Measured{}), d.Limit(b), 0)...)
		}
	}
	for _, name := range b.PredictedNames() {
		if x, ok := c.Predicted[name]; ok {
			v = append(v, violation(record.PredictedPrefix+name, x, b.Predicted[name], 0)...)
		}
	}
	return v
}

// CheckMeasured returns the measured constraints of b (latency, L2 norm within L2Tolerance) that m breaks.
func CheckMeasured(m Measured, b space.Budget) []Violation {
	var v []Violation
	for _, d := range Costs {
		if d.Measured {
			v = append(v, violation(d.BudgetField, d.Value(Cost{}, m), d.Limit(b), 0)...)
		}
	}
	for _, f := range noCost() {
		v = append(v, violation(f.Name, figures[f.Key](Cost{}, m), f.Limit(b), L2Tolerance)...)
	}
	return v
}

// noCost returns the budget keys that bound no cost: max_l2_norm, which training enforces by
// projection (hence L2Tolerance), measured after the costs.
func noCost() []record.BudgetField {
	var out []record.BudgetField
	for _, f := range record.BudgetFields {
		if f.Cost == "" {
			out = append(out, f)
		}
	}
	return out
}

// Strings renders violations for storage and messages.
func Strings(vs []Violation) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.String()
	}
	return out
}
