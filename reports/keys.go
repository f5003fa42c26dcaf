package reports

import (
	"fmt"
	"math"

	"github.com/attnsearch/attnsearch/objective"
)

// MetricKey returns the trial attribute key holding objective metric m (bleu | accuracy).
func MetricKey(m string) (string, error) {
	if k, ok := objective.Metrics[m]; ok {
		return k, nil
	}
	return "", fmt.Errorf("reports: unknown objective metric %q", m)
}

// CostKey returns the trial attribute key holding objective cost c: a built-in cost's record key
// (objective.Costs), or for a predicted cost (a space file's costs section) its name.
func CostKey(c string) (string, error) {
	if d, ok := objective.CostDefOf(c); ok {
		return d.Key, nil
	}
	if c != "" {
		return c, nil
	}
	return "", fmt.Errorf("reports: unknown objective cost %q", c)
}

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
