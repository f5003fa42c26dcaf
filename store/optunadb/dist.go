package optunadb

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/c-bata/goptuna"
)

// optunaDist is Optuna's distribution JSON: a name and its attributes.
type optunaDist struct {
	Name       string         `json:"name"`
	Attributes map[string]any `json:"attributes"`
}

// halfInt reports whether x is an integer plus one half.
func halfInt(x float64) bool { return x-math.Floor(x) == 0.5 }

// toOptunaDist converts goptuna's distribution JSON and a parameter's internal value to Optuna's.
// attnsearch draws an integer with log: true as a log-uniform float on [low−0.5, high+0.5] and
// rounds it (goptuna has no log-scaled integers); such a parameter becomes Optuna's
// IntDistribution(log=True) on [low, high] holding the rounded value, as Optuna stores it.
func toOptunaDist(js []byte, internal float64) ([]byte, float64, error) {
	d, err := goptuna.JSONToDistribution(js)
	if err != nil {
		return nil, 0, fmt.Errorf("distribution %s: %w", js, err)
	}
	var o optunaDist
	switch d := d.(type) {
	case goptuna.LogUniformDistribution:
		if halfInt(d.Low) && halfInt(d.High) && d.Low > 0 {
			lo, hi := d.Low+0.5, d.High-0.5
			internal = math.Min(hi, math.Max(lo, math.Round(internal)))
			o = optunaDist{"IntDistribution", map[string]any{"low": int(lo), "high": int(hi), "log": true, "step": 1}}
		} else {
			o = optunaDist{"FloatDistribution", map[string]any{"low": d.Low, "high": d.High, "log": true, "step": nil}}
		}
	case goptuna.UniformDistribution:
		o = optunaDist{"FloatDistribution", map[string]any{"low": d.Low, "high": d.High, "log": false, "step": nil}}
	case goptuna.DiscreteUniformDistribution:
		o = optunaDist{"FloatDistribution", map[string]any{"low": d.Low, "high": d.High, "log": false, "step": d.Q}}
	case goptuna.IntUniformDistribution:
		o = optunaDist{"IntDistribution", map[string]any{"low": d.Low, "high": d.High, "log": false, "step": 1}}
	case goptuna.StepIntUniformDistribution:
		o = optunaDist{"IntDistribution", map[string]any{"low": d.Low, "high": d.High, "log": false, "step": d.Step}}
	case goptuna.CategoricalDistribution:
		o = optunaDist{"CategoricalDistribution", map[string]any{"choices": d.Choices}}
	default:
		return nil, 0, fmt.Errorf("distribution %s: no Optuna equivalent", js)
	}
	b, err := json.Marshal(o)
	return b, internal, err
}

// num reads a JSON number attribute.
func (o optunaDist) num(key string) (float64, bool) {
	v, ok := o.Attributes[key].(float64)
	return v, ok
}

// fromOptunaDist converts Optuna's distribution JSON (3.x names and the older ones Optuna still
// reads) to goptuna's nearest distribution, as goptuna's JSON.
func fromOptunaDist(js string) ([]byte, error) {
	var o optunaDist
	if err := json.Unmarshal([]byte(js), &o); err != nil {
		return nil, fmt.Errorf("distribution %s: %w", js, err)
	}
	low, okl := o.num("low")
	high, okh := o.num("high")
	step, _ := o.num("step")
	if _, ok := o.num("q"); ok {
		step, _ = o.num("q")
	}
	logScale, _ := o.Attributes["log"].(bool)
	var d any
	switch o.Name {
	case "FloatDistribution", "UniformDistribution", "LogUniformDistribution", "DiscreteUniformDistribution":
		if !okl || !okh {
			return nil, fmt.Errorf("distribution %s: low and high must be numbers", js)
		}
		switch {
		case logScale || o.Name == "LogUniformDistribution":
			d = goptuna.LogUniformDistribution{Low: low, High: high}
		case step > 0:
			d = goptuna.DiscreteUniformDistribution{Low: low, High: high, Q: step}
		default:
			d = goptuna.UniformDistribution{Low: low, High: high}
		}
	case "IntDistribution", "IntUniformDistribution", "IntLogUniformDistribution":
		if !okl || !okh || low != math.Trunc(low) || high != math.Trunc(high) {
			return nil, fmt.Errorf("distribution %s: low and high must be integers", js)
		}
		if step > 1 && !logScale {
			d = goptuna.StepIntUniformDistribution{Low: int(low), High: int(high), Step: int(step)}
		} else {
			d = goptuna.IntUniformDistribution{Low: int(low), High: int(high)}
		}
	case "CategoricalDistribution":
		raw, ok := o.Attributes["choices"].([]any)
		if !ok {
			return nil, fmt.Errorf("distribution %s: choices must be a list", js)
		}
		choices := make([]string, len(raw))
		for i, c := range raw {
			choices[i] = choiceText(c)
		}
		d = goptuna.CategoricalDistribution{Choices: choices}
	default:
		return nil, fmt.Errorf("distribution %s: unknown Optuna distribution %q", js, o.Name)
	}
	return goptuna.DistributionToJSON(d)
}

// choiceText renders a categorical choice as a goptuna string choice: a string as is, anything
// else (number, bool, null) as its JSON text.
func choiceText(c any) string {
	switch c := c.(type) {
	case string:
		return c
	case float64:
		return strconv.FormatFloat(c, 'g', -1, 64)
	}
	b, _ := json.Marshal(c)
	return string(b)
}
