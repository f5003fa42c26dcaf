package mohalving

import (
	"math"
	"sort"

	"github.com/attnsearch/attnsearch/objective/front"
)

// Entry is one trial's record at a rung.
type Entry struct {
	Ordinal   int       // the trial's ordinal (breaks ties)
	Values    []float64 // intermediate objective vector, every component minimised; NaN = not known
	Violation float64   // total constraint violation known at that step (0 = feasible)
}

// Rung returns the rung index of step for the given settings, and whether step is a rung step.
func Rung(step, minResource, eta, minEarlyStoppingRate int) (int, bool) {
	if minResource < 1 || eta < 2 || step < minResource {
		return 0, false
	}
	k := minResource
	for i := 0; i < minEarlyStoppingRate; i++ {
		k *= eta
	}
	for r := 0; k <= step; r++ {
		if k == step {
			return r, true
		}
		k *= eta
	}
	return 0, false
}

// Keep reports whether the trial self continues past a rung at which others have recorded their
// vectors (see the package documentation for the rule).
func Keep(self Entry, others []Entry, eta int) bool {
	all := append([]Entry{self}, others...)
	// Components known in every vector.
	var cols []int
	for k := range self.Values {
		ok := true
		for _, e := range all {
			if k >= len(e.Values) || math.IsNaN(e.Values[k]) {
				ok = false
				break
			}
		}
		if ok {
			cols = append(cols, k)
		}
	}
	vs := make([][]float64, len(all))
	viol := make([]float64, len(all))
	for i, e := range all {
		vs[i] = make([]float64, len(cols))
		for j, k := range cols {
			vs[i][j] = e.Values[k]
		}
		viol[i] = e.Violation
	}
	ranks := front.ConstrainedRanks(vs, viol)
	if ranks[0] == 0 && self.Violation == 0 {
		return true
	}
	order := Order(vs, ranks, func(i, j int) bool { return all[i].Ordinal < all[j].Ordinal })
	keep := max(1, len(all)/eta)
	for pos, i := range order {
		if i == 0 {
			return pos < keep
		}
	}
	return false
}

// Order returns the indices of the vectors vs (minimised) best first: by rank (ranks, as
// front.Ranks gives them), then by crowding distance within the rank (larger first), then by
// before (i before j).
func Order(vs [][]float64, ranks []int, before func(i, j int) bool) []int {
	crowd := front.CrowdingByRank(vs, ranks)
	order := make([]int, len(vs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		i, j := order[a], order[b]
		if ranks[i] != ranks[j] {
			return ranks[i] < ranks[j]
		}
		if crowd[i] != crowd[j] {
			return crowd[i] > crowd[j]
		}
		return before(i, j)
	})
	return order
}
