package sampler

import (
	"fmt"
	"sync"

	"github.com/attnsearch/attnsearch/record"
	"github.com/c-bata/goptuna"
)

// Auto chooses, once per study, the sampler configuration for its space and declared objectives
// (Choose) and draws every point with it. The choice depends only on the stored study info and
// the space, so a resumed study makes the same one.
var Auto = Kind{
	Name:     "auto",
	Relative: true,
	New: func(seed int64, _ map[string]float64) (Algorithm, error) {
		return &autoAlgo{seed: seed}, nil
	},
}

// Features are what Choose reads of a study.
type Features struct {
	Objectives  int  // declared goals (1: the scalar score)
	Constrained bool // a budget limit or declared constraint values
	Params      int  // searched parameters
	Categorical int  // categorical parameters among them
	Trials      int  // finished trials wanted
}

// Choice is a sampler kind with its options.
type Choice struct {
	Kind    string
	Options map[string]float64
}

// String renders c as a space file would write it.
func (c Choice) String() string {
	if len(c.Options) == 0 {
		return c.Kind
	}
	return fmt.Sprintf("%s %v", c.Kind, c.Options)
}

// Choose is auto's rule, chosen on samplerbench's development problems only (ZDT1, ZDT2, DTLZ2,
// Branin, Hartmann-6, seeds 0–4, against Optuna 3.1's best sampler): one objective, tpe with
// multivariate kernels (Branin, Hartmann-6: ahead of Optuna's TPE, where independent tpe, Optuna's
// own algorithm, is behind on Hartmann-6); two objectives, motpe multivariate (ZDT1, ZDT2: ahead
// at 100 and 200 trials, where independent motpe is behind on ZDT1); three or more, motpe
// independent (DTLZ2: multivariate is 6% behind at 100 trials, independent ahead). Checked again
// on the 23 development problems of round 3, session 7 (seeds 0–14; docs/samplers-benchmark.md):
// the rule picks the best of our configurations on 40 of 46 cells, is at or above Optuna 3.1's
// best on all ten cells of WFG5–WFG9 and its TPE on 10 of 12 one-objective cells; its one
// consistent miss, LevyInt (independent tpe leads), is contradicted by the other two problems
// with integer or categorical dimensions (RosenbrockInt, GriewankCat). So it is unchanged, and
// sigma_weighted (Optuna 3.1's densities) is not part of it.
func Choose(f Features) Choice {
	switch {
	case f.Objectives <= 1:
		return Choice{Kind: "tpe", Options: map[string]float64{"multivariate": 1}}
	case f.Objectives == 2:
		return Choice{Kind: "motpe", Options: map[string]float64{"multivariate": 1}}
	}
	return Choice{Kind: "motpe"}
}

// autoAlgo builds the chosen algorithm at the first point and keeps it.
type autoAlgo struct {
	independent
	seed   int64
	mu     sync.Mutex
	choice Choice
	algo   Algorithm
}

var _ Algorithm = (*autoAlgo)(nil)

// SampleRelative draws the point with the configuration Choose picks for the study.
func (a *autoAlgo) SampleRelative(view *goptuna.Study, trial goptuna.FrozenTrial, space map[string]interface{}, ordinal int, seed int64) (map[string]float64, error) {
	algo, err := a.chosen(view, space)
	if err != nil {
		return nil, err
	}
	return algo.SampleRelative(view, trial, space, ordinal, seed)
}

// chosen returns the algorithm of the study's choice, building it the first time.
func (a *autoAlgo) chosen(view *goptuna.Study, space map[string]interface{}) (Algorithm, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.algo != nil {
		return a.algo, nil
	}
	f, err := StudyFeatures(view, space)
	if err != nil {
		return nil, err
	}
	c := Choose(f)
	algo, _, err := Builtin().New(c.Kind, a.seed, c.Options)
	if err != nil {
		return nil, fmt.Errorf("sampler auto: %w", err)
	}
	a.choice, a.algo = c, algo
	return algo, nil
}

// StudyFeatures reads the features of the study behind view (its stored record.StudyInfo; a
// study without one, or whose objective is written in the metric/cost form, optimises the scalar
// score: one objective) with the given space.
func StudyFeatures(view *goptuna.Study, space map[string]interface{}) (Features, error) {
	f := Features{Objectives: 1, Params: len(space)}
	for _, d := range space {
		if _, ok := d.(goptuna.CategoricalDistribution); ok {
			f.Categorical++
		}
	}
	attrs, err := view.Storage.GetStudySystemAttrs(view.ID)
	if err != nil {
		return f, fmt.Errorf("sampler auto: study attributes: %w", err)
	}
	js, ok := attrs[record.SysStudyInfo]
	if !ok {
		return f, nil
	}
	info, err := record.ParseStudyInfo(js)
	if err != nil {
		return f, fmt.Errorf("sampler auto: %w", err)
	}
	if info.Objective.Listed() { // else the metric/cost form: the scalar score is the objective
		f.Objectives = max(1, len(info.Objective.Goals()))
	}
	f.Constrained = !info.Budget.Equal(record.Budget{}) || len(info.Objective.Constraints) > 0
	f.Trials = info.Trials
	return f, nil
}
