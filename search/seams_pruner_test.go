package search

import (
	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/space"
	"github.com/c-bata/goptuna"
)

// stopAtKind is a fake pruner kind, declared the way a new one is: it prunes every trial at the
// step its option says.
var stopAtKind = PrunerKind{
	Name:    "stop_at",
	Options: []space.Option{{Name: "step", Int: true, Min: 1, Max: 100, Default: 2}},
	New: func(opts map[string]float64, _ []record.Goal) (goptuna.Pruner, error) {
		return stopAt(int(opts["step"])), nil
	},
}

// stopAt prunes a trial once it has reported the given step.
type stopAt int

var _ goptuna.Pruner = stopAt(0)

// Prune reports whether trial has reached the step.
func (s stopAt) Prune(_ *goptuna.Study, trial goptuna.FrozenTrial) (bool, error) {
	step, ok := trial.GetLatestStep()
	return ok && step >= int(s), nil
}
