package objective

import (
	"github.com/attnsearch/attnsearch/space"
)

// EstimateSpec is Estimate at spec's objective lengths with the predicted costs of spec's costs
// section filled in (Cost.Predicted): each predictor evaluated on the point's features.
func EstimateSpec(spec *space.Spec, cfg space.Config, a space.Arch) Cost {
	c := Estimate(cfg, a, spec.Objective.SrcLen, spec.Objective.TgtLen)
	if len(spec.Costs) == 0 {
		return c
	}
	feats := Features(cfg, c)
	c.Predicted = make(map[string]float64, len(spec.Costs))
	x := make([]float64, 0, 16)
	for _, pc := range spec.Costs {
		x = x[:0]
		for _, f := range pc.Model.Inputs() {
			x = append(x, feats[f]) // space.Load checked that Features provides every one
		}
		c.Predicted[pc.Name] = pc.Model.Predict(x)
	}
	return c
}

// predicted returns the predicted cost called name; ok is false when c is nil or lacks it.
func (c *Cost) predicted(name string) (float64, bool) {
	if c == nil {
		return 0, false
	}
	v, ok := c.Predicted[name]
	return v, ok
}
