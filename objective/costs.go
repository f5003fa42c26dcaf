package objective

import (
	"math"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/space"
)

// CostDef is one cost a study can minimise (objective.cost) and bound (budget): an entry of
// record.BudgetFields that names a cost, with the getter of the point's figure.
type CostDef struct {
	Name        string                           // objective.cost value (record.Cost* constants)
	BudgetField string                           // the budget key bounding it
	Limit       func(b space.Budget) float64     // the budget's bound (0 = unset)
	Value       func(c Cost, m Measured) float64 // the point's figure
	Key         string                           // trial user attribute holding the figure
	Measured    bool                             // known only after training
}

// Costs lists every cost, in the order of record.BudgetFields.
var Costs = costDefs()

// figures reads each bounded figure of a point, by the record key holding it: the one part of
// the cost table that needs the cost model (every record.BudgetFields entry has one).
var figures = map[string]func(c Cost, m Measured) float64{
	record.KeyParams:  func(c Cost, _ Measured) float64 { return float64(c.Params) },
	record.KeyFlops:   func(c Cost, _ Measured) float64 { return c.FlopsPerToken },
	record.KeyKVBytes: func(c Cost, _ Measured) float64 { return float64(c.KVCacheBytesPerToken) },
	record.KeyLatency: func(_ Cost, m Measured) float64 { return m.LatencyMS },
	record.KeyL2Norm:  func(_ Cost, m Measured) float64 { return m.L2Norm },
}

// costDefs joins record.BudgetFields' costs with their figures.
func costDefs() []CostDef {
	var out []CostDef
	for _, f := range record.BudgetFields {
		if f.Cost != "" {
			out = append(out, CostDef{Name: f.Cost, BudgetField: f.Name, Limit: f.Limit, Value: figures[f.Key],
				Key: f.Key, Measured: f.Measured})
		}
	}
	return out
}

// CostDefOf returns the cost called name.
func CostDefOf(name string) (CostDef, bool) {
	for _, d := range Costs {
		if d.Name == name {
			return d, true
		}
	}
	return CostDef{}, false
}

// Metrics maps the quality metrics an objective can name to the trial attribute holding them.
var Metrics = map[string]string{"bleu": record.KeyBLEU, "accuracy": record.KeyAccuracy}

// Quality returns the objective's quality P on Score's 0-100 scale from a trial's figures by
// record key (accuracy is a 0-1 rate); NaN when the figure is missing.
func Quality(metric string, values map[string]float64) float64 {
	v, ok := values[Metrics[metric]]
	if !ok {
		return math.NaN()
	}
	if metric == "accuracy" {
		return 100 * v
	}
	return v
}
