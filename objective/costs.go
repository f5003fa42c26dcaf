package objective

import (
	"math"

	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/store/record"
)

// CostDef is one cost a study can minimise (objective.cost) and bound (budget): the one table that
// names costs, their budget fields, how to read them and where a trial stores them.
type CostDef struct {
	Name        string                           // objective.cost value: params | flops | kv_bytes | latency
	BudgetField string                           // the budget key bounding it
	Limit       func(b space.Budget) float64     // the budget's bound (0 = unset)
	Value       func(c Cost, m Measured) float64 // the point's figure
	Key         string                           // trial user attribute holding the figure
	Measured    bool                             // known only after training
}

// Costs lists every cost, in the order the space file documents them.
var Costs = []CostDef{
	{Name: "params", BudgetField: "max_params", Key: record.KeyParams,
		Limit: func(b space.Budget) float64 { return float64(b.MaxParams) },
		Value: func(c Cost, _ Measured) float64 { return float64(c.Params) }},
	{Name: "flops", BudgetField: "max_flops_per_token", Key: record.KeyFlops,
		Limit: func(b space.Budget) float64 { return b.MaxFlopsPerToken },
		Value: func(c Cost, _ Measured) float64 { return c.FlopsPerToken }},
	{Name: "kv_bytes", BudgetField: "max_kv_cache_bytes", Key: record.KeyKVBytes,
		Limit: func(b space.Budget) float64 { return float64(b.MaxKVCacheBytes) },
		Value: func(c Cost, _ Measured) float64 { return float64(c.KVCacheBytesPerToken) }},
	{Name: "latency", BudgetField: "max_latency_ms", Key: record.KeyLatency, Measured: true,
		Limit: func(b space.Budget) float64 { return b.MaxLatencyMS },
		Value: func(_ Cost, m Measured) float64 { return m.LatencyMS }},
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
