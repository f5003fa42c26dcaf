package objective

import (
	"fmt"

	"github.com/attnsearch/attnsearch/record"
)

// MetricKey returns the trial attribute key holding objective metric m (bleu | accuracy).
func MetricKey(m string) (string, error) {
	if k, ok := Metrics[m]; ok {
		return k, nil
	}
	return "", fmt.Errorf("objective: unknown objective metric %q", m)
}

// CostKey returns the trial attribute key holding objective cost c: a built-in cost's record key
// (Costs), or for a predicted cost (a space file's costs section) its name.
func CostKey(c string) (string, error) {
	if d, ok := CostDefOf(c); ok {
		return d.Key, nil
	}
	if c != "" {
		return c, nil
	}
	return "", fmt.Errorf("objective: unknown objective cost %q", c)
}

// FrontKeys returns the stored figure keys a study's Pareto front is over and their directions
// ("maximize" or "minimize"), in goal order: [metric, cost] in the metric/cost form, the goals'
// keys (GoalKey) in the list form.
func FrontKeys(o record.Objective) (keys, dirs []string, err error) {
	if !o.Listed() {
		mk, err := MetricKey(o.Metric)
		if err != nil {
			return nil, nil, err
		}
		ck, err := CostKey(o.Cost)
		if err != nil {
			return nil, nil, err
		}
		return []string{mk, ck}, []string{"maximize", "minimize"}, nil
	}
	for _, g := range o.Goals() {
		keys = append(keys, GoalKey(g.Name))
		dirs = append(dirs, g.Direction())
	}
	return keys, dirs, nil
}

// StudyFrontKeys is FrontKeys of the objective in a study's stored settings (its system
// attribute record.SysStudyInfo, in sys).
func StudyFrontKeys(sys map[string]string) (keys, dirs []string, err error) {
	info, err := record.ParseStudyInfo(sys[record.SysStudyInfo])
	if err != nil {
		return nil, nil, fmt.Errorf("objective: %s: %w", record.SysStudyInfo, err)
	}
	return FrontKeys(info.Objective)
}
