package fit

import (
	"fmt"

	"github.com/attnsearch/attnsearch/objective/predict"
)

// HoldOut is the fraction of the rows held out when no test file is given.
const HoldOut = 0.1

// Report is what a fit prints: the rows used and both predictors' held-out errors.
type Report struct {
	Target    string   `json:"target"`     // predicted column
	Features  []string `json:"features"`   // input columns
	TrainRows int      `json:"train_rows"` // rows fitted on
	TestRows  int      `json:"test_rows"`  // rows the errors are measured on
	HeldOut   string   `json:"held_out"`   // "FILE" (the test file) or "seeded 10% split (seed N)"
	MLP       Errors   `json:"mlp"`        // the MLP's errors (the predictor a space file uses)
	Linear    Errors   `json:"linear"`     // the linear baseline's errors
}

// Run fits target from features on the rows of tr and measures both predictors on the rows of
// te, or without te on a seeded HoldOut share of tr's rows (left out of the fit).
func Run(tr, te *Table, features []string, target string, o Options) (*predict.Model, Report, error) {
	rep := Report{Target: target, Features: features}
	x, y, err := tr.Select(features, target)
	if err != nil {
		return nil, rep, err
	}
	var tx [][]float64
	var ty []float64
	if te != nil {
		if tx, ty, err = te.Select(features, target); err != nil {
			return nil, rep, err
		}
		if len(tx) == 0 {
			return nil, rep, fmt.Errorf("fit: %s: no rows to test on", te.Path)
		}
		rep.HeldOut = te.Path
	} else {
		if len(x) < MinRows+1 {
			return nil, rep, fmt.Errorf("fit: %s: %d rows: need at least %d (%d to fit on and 10%% held out)", tr.Path, len(x), MinRows+1, MinRows)
		}
		trainIdx, testIdx := Split(len(x), HoldOut, o.Seed)
		fx, fy := pick(x, y, trainIdx)
		tx, ty = pick(x, y, testIdx)
		x, y = fx, fy
		rep.HeldOut = fmt.Sprintf("seeded 10%% split (seed %d)", o.Seed)
	}
	if len(x) < MinRows {
		return nil, rep, fmt.Errorf("fit: %s: %d rows to fit on: need at least %d", tr.Path, len(x), MinRows)
	}
	m, err := Fit(x, y, features, target, o)
	if err != nil {
		return nil, rep, fmt.Errorf("%w (%s)", err, tr.Path)
	}
	rep.TrainRows, rep.TestRows = len(x), len(tx)
	rep.MLP, rep.Linear = Evaluate(m, tx, ty)
	return m, rep, nil
}

// pick returns the rows of x and y at idx.
func pick(x [][]float64, y []float64, idx []int) ([][]float64, []float64) {
	px, py := make([][]float64, len(idx)), make([]float64, len(idx))
	for i, k := range idx {
		px[i], py[i] = x[k], y[k]
	}
	return px, py
}
