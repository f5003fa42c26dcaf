package search

import (
	"context"

	"github.com/attnsearch/attnsearch/objective"
	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer"
)

// builtinKind trains transformer points with package trainer on the space's data set (task
// kinds synthetic, aligned and tsv): the cost model rejects infeasible points before training,
// each epoch is a step, and reports show a trained model's figures.
var builtinKind = TaskKind{
	Name:        "builtin",
	Tasks:       []string{"synthetic", "aligned", "tsv"},
	Figures:     record.FiguresTrained,
	Transformer: true,
	Unit:        "epoch",
	Describe:    func(*space.Spec) string { return "" },
	Prepare:     prepareBuiltin,
	Evaluate: func(ctx context.Context, t *trialRun, seed int64, seedText string) (float64, error) {
		return t.evaluateBuiltin(ctx, seed, seedText)
	},
	Step: func(t *trialRun, values map[string]float64) (float64, bool, map[string]float64, *objective.Cost) {
		o := t.spec.Objective
		s, _ := objective.ScoreTrial(objective.Quality(o.Metric, values), t.cost, nil, o, t.spec.Budget)
		return s, true, values, &t.cost
	},
	Epochs: func(spec *space.Spec) int { return spec.Training.Epochs },
}

// prepareBuiltin loads the data (unless Options carries it and the architecture), computes the
// study's architecture once, and rejects a budget no point of the space can meet.
func prepareBuiltin(ctx context.Context, p *Prepared) error {
	spec, opts := p.spec, p.opts
	if opts.Arch != nil && opts.Trainer != nil {
		p.arch = *opts.Arch
	} else {
		ds, err := loadData(ctx, spec, opts.Dataset)
		if err != nil {
			return err
		}
		p.arch = trainer.StudyArch(spec, ds)
		if opts.Arch != nil {
			p.arch = *opts.Arch
		}
		if p.trainer == nil {
			p.trainer = &gorgoniaTrainer{spec: spec, ds: ds}
		}
	}
	return objective.ValidateSpace(spec, p.arch)
}
