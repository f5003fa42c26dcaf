package objective

import "github.com/attnsearch/attnsearch/space"

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
