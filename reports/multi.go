package reports

import (
	"math"
	"sort"

	"github.com/attnsearch/attnsearch/objective"
	"github.com/attnsearch/attnsearch/objective/front"
	"github.com/attnsearch/attnsearch/record"
	"github.com/c-bata/goptuna"
)

// buildListed is Build for an objective declared as maximize/minimize lists: the front is the
// non-dominated set of the COMPLETE feasible trials over every goal, and the hypervolume is
// exact against the reference (objective.reference, else 0 for a quality and the budget for a
// cost, else the worst value among those trials).
// r holds the trials (setTrials), prev is BuildTrialsAfter's.
func (r *Report) buildListed(prev *Report) (*Report, error) {
	info, p := r.Info, r.part
	goals := info.Objective.Goals()

	var cand []int
	var vs [][]float64 // minimised
	for i, t := range r.Trials {
		v, ok := r.vector(t)
		if !ok || t.State != goptuna.TrialStateComplete || !t.Feasible {
			continue
		}
		cand = append(cand, i)
		vs = append(vs, r.minimised(v))
	}
	for _, k := range frontAfter(prev, r.Trials, cand, vs) {
		r.Front = append(r.Front, cand[k])
		r.Trials[cand[k]].Pareto = true
	}
	// The front ordered by its first cost goal (else its first goal).
	key := 0
	for j, d := range r.Directions {
		if d == "minimize" {
			key = j
			break
		}
	}
	sort.SliceStable(r.Front, func(a, b int) bool {
		va, _ := r.vector(r.Trials[r.Front[a]])
		vb, _ := r.vector(r.Trials[r.Front[b]])
		return va[key] < vb[key]
	})
	r.Reference = make([]float64, len(goals))
	for j, g := range goals {
		ref, ok := info.Objective.Reference[g.Name]
		if !ok {
			ref, ok = defaultReference(g, info.Budget)
		}
		if !ok { // the worst value among the candidates
			ref = math.NaN()
			for _, v := range vs {
				if math.IsNaN(ref) || v[j] > ref {
					ref = v[j]
				}
			}
			if p != nil && p.worst != nil {
				if w := r.minimised(p.worst)[j]; math.IsNaN(ref) || w > ref {
					ref = w
				}
			}
			if g.Maximize {
				ref = -ref
			}
			if math.IsNaN(ref) {
				ref = 0
			}
		}
		r.Reference[j] = ref
		if !g.Maximize && key == j {
			r.RefCost = ref
		}
	}
	fvs := make([][]float64, len(r.Front))
	for k, i := range r.Front {
		v, _ := r.vector(r.Trials[i])
		fvs[k] = r.minimised(v)
	}
	r.Hypervolume = front.HypervolumeMin(fvs, r.minimised(r.Reference))
	return r, nil
}

// defaultReference is a goal's reference when the space file gives none: 0 for a quality, the
// budget limit for a cost (built-in or predicted) that has one.
func defaultReference(g record.Goal, b record.Budget) (float64, bool) {
	if _, ok := objective.Metrics[g.Name]; ok && g.Maximize {
		return 0, true
	}
	if d, ok := objective.CostDefOf(g.Name); ok && d.Limit(b) > 0 {
		return d.Limit(b), true
	}
	if v, ok := b.Predicted[g.Name]; ok && !g.Maximize { // a predicted cost's budget
		return v, true
	}
	return 0, false
}

// vector returns a trial's objective vector by the report's objective keys; ok is false when a
// figure is missing or not finite.
func (r *Report) vector(t record.Trial) ([]float64, bool) { return Vector(t, r.Objectives) }

// minimised negates the maximised components of v.
func (r *Report) minimised(v []float64) []float64 { return Minimised(v, r.Directions) }

// Vector returns a trial's figures of keys, in order; ok is false when one is missing or not finite.
func Vector(t record.Trial, keys []string) ([]float64, bool) { return record.FiguresOf(t, keys) }

// Minimised returns v with the components whose direction is "maximize" negated.
func Minimised(v []float64, directions []string) []float64 {
	out := make([]float64, len(v))
	for j, x := range v {
		if directions[j] == "maximize" {
			x = -x
		}
		out[j] = x
	}
	return out
}
