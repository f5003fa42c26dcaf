package space

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/attnsearch/attnsearch/record"
	"gopkg.in/yaml.v3"
)

// PredictedCost is one entry of the costs section: a cost whose figure a fitted predictor
// (attnsearch latency fit) gives for every point before training. It is a goal name
// (objective.minimize) and is bounded by budget.max_<name>.
type PredictedCost struct {
	Name  string    // the cost's name
	File  string    // the predictor file as written
	Path  string    // File resolved against the space file's directory
	Model Predictor // the loaded predictor
}

// Predictor is a fitted predictor as a costs entry uses it (objective/predict.Model is one).
type Predictor interface {
	Inputs() []string            // the features it reads, in input order
	Predict(x []float64) float64 // its figure for the features x, ordered like Inputs
}

// PredictorLoader reads the predictor file at path (With.Predictors).
type PredictorLoader func(path string) (Predictor, error)

// costKeys are the keys of one costs entry.
var costKeys = []string{"predictor"}

// costs decodes the costs section of top, loads each predictor and checks that the space
// provides its features, then takes the predicted costs' limits (budget.max_<name>) out of the
// budget section (which then decodes the built-in limits alone). It runs before the other
// sections, once the task kind is known.
func (d *decoder) costs(top []entry, spec *Spec) error {
	var sec, budget *entry
	for i := range top {
		switch top[i].key {
		case "costs":
			sec = &top[i]
		case "budget":
			budget = &top[i]
		}
	}
	if sec == nil {
		return nil
	}
	es, err := d.mapping(sec.value, sec.path, nil)
	if err != nil {
		return err
	}
	if d.command && len(es) > 0 {
		return d.errAt(sec.keyN, sec.path, "applies only to the built-in tasks (a predictor reads the architecture); have the command report the figure")
	}
	for _, e := range es {
		if !goalName.MatchString(e.key) {
			return d.errAt(e.keyN, e.path, "%q is not a name (letters, digits, underscore)", e.key)
		}
		if _, builtin := builtinGoals[e.key]; builtin || contains(metrics, e.key) {
			return d.errAt(e.keyN, e.path, "%s is a built-in figure; name the predicted cost otherwise (e.g. pi_ms)", e.key)
		}
		fs, err := d.mapping(e.value, e.path, costKeys)
		if err != nil {
			return err
		}
		c := PredictedCost{Name: e.key}
		for _, f := range fs {
			if c.File, err = d.str(f.value, f.path); err != nil {
				return err
			}
			c.Path = c.File
			if !filepath.IsAbs(c.Path) {
				c.Path = filepath.Join(filepath.Dir(d.file), c.Path)
			}
			if d.predictors == nil {
				return d.errAt(f.value, f.path, "this reader of space files loads no predictors")
			}
			if c.Model, err = d.predictors(c.Path); err != nil {
				return d.errAt(f.value, f.path, "%v", err)
			}
			if miss := missing(c.Model.Inputs(), d.features); len(miss) > 0 {
				return d.errAt(f.value, f.path, "predictor %s needs feature %s, which this space's architecture does not provide (it provides: %s)",
					c.File, strings.Join(miss, ", "), strings.Join(d.features, ", "))
			}
		}
		if c.Model == nil {
			return d.errAt(e.keyN, e.path, "missing predictor: FILE.json (from attnsearch latency fit)")
		}
		spec.Costs = append(spec.Costs, c)
		d.predicted = append(d.predicted, c.Name)
	}
	if budget == nil {
		return nil
	}
	return d.predictedLimits(budget, spec)
}

// predictedLimits moves the budget's max_<name> keys of predicted costs into
// spec.Budget.Predicted, removing them from the budget node.
func (d *decoder) predictedLimits(budget *entry, spec *Spec) error {
	n, err := d.resolve(budget.value, budget.path)
	if err != nil || n.Kind != yaml.MappingNode {
		return err // budget decodes and reports its own shape
	}
	var keep []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name, ok := strings.CutPrefix(k.Value, record.PredictedPrefix)
		if k.Kind != yaml.ScalarNode || !ok || !slices.Contains(d.predicted, name) {
			keep = append(keep, k, v)
			continue
		}
		path := budget.path + "." + k.Value
		if _, dup := spec.Budget.Predicted[name]; dup {
			return d.errAt(k, path, "duplicate key")
		}
		x, err := d.number(v, path)
		if err != nil {
			return err
		}
		if x <= 0 {
			return d.errAt(v, path, "must be > 0 (leave the key out for no limit)")
		}
		if spec.Budget.Predicted == nil {
			spec.Budget.Predicted = map[string]float64{}
		}
		spec.Budget.Predicted[name] = x
		d.pos[path] = Pos{v.Line, v.Column}
	}
	n.Content = keep
	return nil
}

// Predicted returns the predicted cost called name.
func (s *Spec) Predicted(name string) (PredictedCost, bool) {
	for _, c := range s.Costs {
		if c.Name == name {
			return c, true
		}
	}
	return PredictedCost{}, false
}

// missing returns the names of need that are not among have, in need's order.
func missing(need, have []string) []string {
	var out []string
	for _, f := range need {
		if !slices.Contains(have, f) {
			out = append(out, f)
		}
	}
	return out
}
