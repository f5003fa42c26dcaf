package benchtrial

import "github.com/c-bata/goptuna"

// Param is one parameter of a benchmark trial: its name, distribution and internal value.
type Param struct {
	Name     string
	Dist     any     // a goptuna distribution
	Internal float64 // the internal representation stored
}

// Params returns the five parameters of one benchmark trial.
func Params() []Param {
	return []Param{
		{"d_model", goptuna.StepIntUniformDistribution{Low: 64, High: 512, Step: 64}, 256},
		{"heads", goptuna.CategoricalDistribution{Choices: []string{"1", "2", "4", "8"}}, 2},
		{"layers", goptuna.IntUniformDistribution{Low: 1, High: 6}, 3},
		{"lr", goptuna.LogUniformDistribution{Low: 1e-5, High: 1e-2}, 3e-4},
		{"dropout", goptuna.UniformDistribution{Low: 0, High: 0.5}, 0.1},
	}
}

// Write writes trial n of study into s as a worker does: create, Params, 10 intermediate values
// (n/(step+1)), value n, complete.
func Write(s goptuna.Storage, study, n int) error {
	id, err := s.CreateNewTrial(study)
	if err != nil {
		return err
	}
	for _, p := range Params() {
		if err := s.SetTrialParam(id, p.Name, p.Internal, p.Dist); err != nil {
			return err
		}
	}
	for step := 0; step < 10; step++ {
		if err := s.SetTrialIntermediateValue(id, step, float64(n)/float64(step+1)); err != nil {
			return err
		}
	}
	if err := s.SetTrialValue(id, float64(n)); err != nil {
		return err
	}
	return s.SetTrialState(id, goptuna.TrialStateComplete)
}
