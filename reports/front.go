package reports

import (
	"cmp"
	"math"
	"slices"
	"sort"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/objective/front"
	"github.com/attnsearch/attnsearch/record"
)

// FrontOf returns, in increasing order, the indices of the vectors no other vector dominates
// (every component minimised; NaN counts as +Inf, as in front.DominatesMin): rank 0 of
// front.Ranks, found without ranking the rest. The vectors are sorted in lexicographic order,
// where no vector can be dominated by a later one. Two goals take one sweep over that order
// (O(n log n) time, O(n) memory); more goals check each vector against the front found so far
// (O(n log n + n·|front|) time, O(n) memory).
func FrontOf(vs [][]float64) []int {
	order := make([]int, len(vs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { // lexicographic, then by index: a stable order
		va, vb := vs[a], vs[b]
		for k := range va {
			if x, y := worse(va[k]), worse(vb[k]); x != y {
				return cmp.Compare(x, y)
			}
		}
		return cmp.Compare(a, b)
	})
	var out []int
	if twoGoals(vs) {
		out = front2(vs, order)
	} else {
		for _, i := range order {
			dominated := false
			for _, j := range out {
				if front.DominatesMin(vs[j], vs[i]) {
					dominated = true
					break
				}
			}
			if !dominated {
				out = append(out, i)
			}
		}
	}
	sort.Ints(out)
	return out
}

// twoGoals reports whether every vector has exactly two components.
func twoGoals(vs [][]float64) bool {
	for _, v := range vs {
		if len(v) != 2 {
			return false
		}
	}
	return true
}

// front2 is FrontOf's sweep for two goals over order (lexicographic): within a run of equal
// first components, only the vectors with the run's least second component can be undominated,
// and they are when that component is below every earlier run's least.
func front2(vs [][]float64, order []int) []int {
	var out []int
	best := math.Inf(1) // least second component of the runs before
	anyBefore := false
	for lo := 0; lo < len(order); {
		x := worse(vs[order[lo]][0])
		hi := lo
		for hi < len(order) && worse(vs[order[hi]][0]) == x {
			hi++
		}
		least := worse(vs[order[lo]][1]) // the run is sorted by its second component
		if !anyBefore || least < best {
			for _, i := range order[lo:hi] {
				if worse(vs[i][1]) == least {
					out = append(out, i)
				}
			}
		}
		if !anyBefore || least < best {
			best = least
		}
		anyBefore = true
		lo = hi
	}
	return out
}

// worse maps NaN to +Inf (an unknown figure is the worst value of a minimised goal).
func worse(x float64) float64 {
	if math.IsNaN(x) {
		return math.Inf(1)
	}
	return x
}

// frontAfter is FrontOf(vs), where vs[k] is the vector of trials[cand[k]], found among the
// vectors of the trials on prev's front or not COMPLETE in prev (see BuildTrialsAfter): every
// other one was a candidate of prev off its front, dominated by a member of that front.
func frontAfter(prev *Report, trials []record.Trial, cand []int, vs [][]float64) []int {
	if prev == nil {
		return FrontOf(vs)
	}
	onFront := make(map[int]bool, len(prev.Front))
	for _, i := range prev.Front {
		onFront[prev.Trials[i].Number] = true
	}
	var sub []int // positions in cand
	j := 0        // walks prev.Trials, in number order as trials are
	for k, i := range cand {
		n := trials[i].Number
		for j < len(prev.Trials) && prev.Trials[j].Number < n {
			j++
		}
		wasComplete := j < len(prev.Trials) && prev.Trials[j].Number == n && prev.Trials[j].State == goptuna.TrialStateComplete
		if !wasComplete || onFront[n] {
			sub = append(sub, k)
		}
	}
	svs := make([][]float64, len(sub))
	for x, k := range sub {
		svs[x] = vs[k]
	}
	out := FrontOf(svs)
	for x, k := range out {
		out[x] = sub[k]
	}
	return out
}
