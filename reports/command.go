package reports

import (
	"errors"
	"sort"

	"github.com/attnsearch/attnsearch/store/record"
	"github.com/c-bata/goptuna"
)

// ErrNoPlot means the study has no quality-against-cost front to draw (a command's study).
var ErrNoPlot = errors.New("plots are drawn for the built-in tasks' quality against cost")

// buildCommand builds the report of a command's study: the front is the set of COMPLETE feasible
// trials that no other such trial dominates on the declared goals (maximised goals first, then
// minimised ones, as Objectives and Directions list them), sorted by the first goal, best first.
// No hypervolume is computed (no reference point is declared): Hypervolume and RefCost are 0.
func buildCommand(study string, info record.StudyInfo, trials []goptuna.FrozenTrial) (*Report, error) {
	o := info.Objective
	r := &Report{Study: study, Info: info, Constraints: o.Constraints}
	for _, g := range o.Goals() {
		r.Objectives = append(r.Objectives, g.Name)
		r.Directions = append(r.Directions, g.Direction())
	}
	for _, ft := range trials {
		t, err := record.Decode(ft)
		if err != nil {
			return nil, err
		}
		r.Trials = append(r.Trials, t)
	}
	sort.SliceStable(r.Trials, func(i, j int) bool { return r.Trials[i].Number < r.Trials[j].Number })

	var cand []int
	var vecs [][]float64 // minimised form
	for i, t := range r.Trials {
		v, ok := r.goalVector(t)
		if !ok || t.State != goptuna.TrialStateComplete || !t.Feasible {
			continue
		}
		cand = append(cand, i)
		vecs = append(vecs, v)
	}
	for a := range cand {
		dominated := false
		for b := range cand {
			if a != b && dominates(vecs[b], vecs[a]) {
				dominated = true
				break
			}
		}
		if !dominated {
			r.Front = append(r.Front, cand[a])
			r.Trials[cand[a]].Pareto = true
		}
	}
	sort.SliceStable(r.Front, func(a, b int) bool {
		va, _ := r.goalVector(r.Trials[r.Front[a]])
		vb, _ := r.goalVector(r.Trials[r.Front[b]])
		return va[0] < vb[0]
	})
	return r, nil
}

// goalVector returns a command trial's goal values, negated where maximised (smaller is better
// in every component); ok is false when one is missing or not finite.
func (r *Report) goalVector(t record.Trial) ([]float64, bool) {
	v := make([]float64, len(r.Objectives))
	for i, name := range r.Objectives {
		x, ok := t.Metrics[name]
		if !ok || !finite(x) {
			return nil, false
		}
		if r.Directions[i] == "maximize" {
			x = -x
		}
		v[i] = x
	}
	return v, true
}

// dominates reports whether a is no worse than b in every component and better in one (both in
// minimised form).
func dominates(a, b []float64) bool {
	better := false
	for i := range a {
		if a[i] > b[i] {
			return false
		}
		if a[i] < b[i] {
			better = true
		}
	}
	return better
}

// commandColumns are a command study's figure columns: its goals, then its constraints.
func (r *Report) commandColumns() []string {
	return append(append([]string(nil), r.Objectives...), r.Constraints...)
}
