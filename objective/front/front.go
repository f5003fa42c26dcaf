package front

import (
	"math"
	"sort"

	"github.com/attnsearch/attnsearch/record"
)

// TotalViolation is the total violation of constraint values c (each ≤ 0 is satisfied):
// Σ max(0, c_i). A NaN value is a constraint not known yet (a limit on a figure measured after
// training, for a trial rejected or pruned before it) and adds nothing.
func TotalViolation(c []float64) float64 {
	v := 0.0
	for _, x := range c {
		if x > 0 {
			v += x
		}
	}
	return v
}

// Feasible reports whether every constraint value is ≤ 0.
func Feasible(c []float64) bool { return TotalViolation(c) == 0 }

// worse maps NaN to +Inf so that an unknown figure is the worst value of a minimised goal.
func worse(x float64) float64 {
	if math.IsNaN(x) {
		return math.Inf(1)
	}
	return x
}

// DominatesMin reports whether a Pareto-dominates b, every component minimised: a is no worse
// in every component and strictly better in one. NaN counts as +Inf; vectors of different
// lengths are compared over the longer, a missing component counting as +Inf.
func DominatesMin(a, b []float64) bool { return record.DominatesMin(a, b) }

// ConstrainedDominates is Deb's constrained domination (Deb et al. 2002, NSGA-II): with va and
// vb the total violations of a and b, a feasible point beats an infeasible one, of two infeasible
// points the one with the smaller total violation wins, and two feasible points compare by
// Pareto domination (DominatesMin).
func ConstrainedDominates(a, b []float64, va, vb float64) bool {
	fa, fb := va == 0, vb == 0
	switch {
	case fa && !fb:
		return true
	case !fa && fb:
		return false
	case !fa && !fb:
		return va < vb
	}
	return DominatesMin(a, b)
}

// rankBy is the fast non-dominated sort (Deb et al. 2002) under the strict partial order dom:
// rank 0 holds the points nothing dominates, rank k the points only ranks < k dominate.
func rankBy(n int, dom func(i, j int) bool) []int {
	ranks := make([]int, n)
	count := make([]int, n)   // how many points dominate i
	beats := make([][]int, n) // the points i dominates
	var front []int
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			switch {
			case dom(i, j):
				beats[i] = append(beats[i], j)
				count[j]++
			case dom(j, i):
				beats[j] = append(beats[j], i)
				count[i]++
			}
		}
	}
	for i := 0; i < n; i++ {
		if count[i] == 0 {
			front = append(front, i)
		}
	}
	for r := 0; len(front) > 0; r++ {
		var next []int
		for _, i := range front {
			ranks[i] = r
			for _, j := range beats[i] {
				count[j]--
				if count[j] == 0 {
					next = append(next, j)
				}
			}
		}
		front = next
	}
	return ranks
}

// Ranks returns the non-domination rank of every vector (0 = the Pareto front), every component
// minimised. Copies of a vector share a rank.
func Ranks(vs [][]float64) []int {
	return rankBy(len(vs), func(i, j int) bool { return DominatesMin(vs[i], vs[j]) })
}

// ConstrainedRanks is Ranks under constrained domination, with viol[i] the total violation of
// vs[i] (TotalViolation): the feasible points' ranks come first, then the infeasible points ranked by
// increasing violation.
func ConstrainedRanks(vs [][]float64, viol []float64) []int {
	return rankBy(len(vs), func(i, j int) bool { return ConstrainedDominates(vs[i], vs[j], viol[i], viol[j]) })
}

// Crowding returns the crowding distance of every vector of vs (normally one front), every
// component minimised: for each component, the points are ordered by value (ties by index), the
// two extremes get +Inf, and every other point adds the gap between its two neighbours divided
// by the component's range; a component with zero range adds nothing.
func Crowding(vs [][]float64) []float64 {
	n := len(vs)
	d := make([]float64, n)
	if n == 0 {
		return d
	}
	order := make([]int, n)
	for k := 0; k < len(vs[0]); k++ {
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return worse(vs[order[a]][k]) < worse(vs[order[b]][k]) })
		lo, hi := worse(vs[order[0]][k]), worse(vs[order[n-1]][k])
		d[order[0]], d[order[n-1]] = math.Inf(1), math.Inf(1)
		span := hi - lo
		if span == 0 || math.IsInf(span, 0) || math.IsNaN(span) {
			continue
		}
		for i := 1; i < n-1; i++ {
			d[order[i]] += (worse(vs[order[i+1]][k]) - worse(vs[order[i-1]][k])) / span
		}
	}
	return d
}

// CrowdingByRank returns the crowding distance of every vector of vs within its own front:
// ranks[i] is vs[i]'s rank (as Ranks or ConstrainedRanks give), and each rank's vectors get
// Crowding of that rank alone.
func CrowdingByRank(vs [][]float64, ranks []int) []float64 {
	d := make([]float64, len(vs))
	byRank := map[int][]int{}
	for i, r := range ranks {
		byRank[r] = append(byRank[r], i)
	}
	for _, at := range byRank {
		fr := make([][]float64, len(at))
		for i, k := range at {
			fr[i] = vs[k]
		}
		for i, c := range Crowding(fr) {
			d[at[i]] = c
		}
	}
	return d
}

// HypervolumeMin is the exact Lebesgue measure of the region that vs dominates and ref bounds,
// every component minimised: the union over points p strictly below ref in every component of
// the boxes [p, ref]. Points not strictly better than ref in every component, or with a NaN,
// add nothing. 2-D is a sort and a sweep (O(n log n)); d ≥ 3 slices along the last component and
// sums the (d−1)-dimensional hypervolumes of the slabs (O(n² log n) for 3-D).
func HypervolumeMin(vs [][]float64, ref []float64) float64 {
	ps := make([][]float64, 0, len(vs))
	for _, v := range vs {
		if len(v) < len(ref) {
			continue
		}
		ok := true
		for k, r := range ref {
			if math.IsNaN(v[k]) || !(v[k] < r) {
				ok = false
				break
			}
		}
		if ok {
			ps = append(ps, v[:len(ref)])
		}
	}
	return hv(ps, ref)
}

// hv is HypervolumeMin over points already strictly inside ref.
func hv(ps [][]float64, ref []float64) float64 {
	d := len(ref)
	switch {
	case len(ps) == 0 || d == 0:
		return 0
	case d == 1:
		best := ref[0]
		for _, p := range ps {
			best = math.Min(best, p[0])
		}
		return ref[0] - best
	case d == 2:
		s := append([][]float64(nil), ps...)
		sort.Slice(s, func(i, j int) bool {
			if s[i][0] != s[j][0] {
				return s[i][0] < s[j][0]
			}
			return s[i][1] < s[j][1]
		})
		area, y := 0.0, ref[1]
		for _, p := range s {
			if p[1] < y {
				area += (ref[0] - p[0]) * (y - p[1])
				y = p[1]
			}
		}
		return area
	}
	s := append([][]float64(nil), ps...)
	sort.SliceStable(s, func(i, j int) bool { return s[i][d-1] < s[j][d-1] })
	vol := 0.0
	for i := 0; i < len(s); i++ {
		next := ref[d-1]
		if i+1 < len(s) {
			next = s[i+1][d-1]
		}
		if next == s[i][d-1] {
			continue
		}
		vol += hv(s[:i+1], ref[:d-1]) * (next - s[i][d-1])
	}
	return vol
}

// Contributions returns each vector's exclusive hypervolume contribution: HypervolumeMin of
// all minus HypervolumeMin without that vector. Copies of a vector contribute nothing.
func Contributions(vs [][]float64, ref []float64) []float64 {
	total := HypervolumeMin(vs, ref)
	out := make([]float64, len(vs))
	rest := make([][]float64, 0, len(vs))
	for i := range vs {
		rest = rest[:0]
		rest = append(rest, vs[:i]...)
		rest = append(rest, vs[i+1:]...)
		out[i] = math.Max(0, total-HypervolumeMin(rest, ref))
	}
	return out
}

// SelectByHypervolume greedily picks k of vs (every component minimised) that add the most
// hypervolume against ref, one at a time (the greedy hypervolume subset selection of Optuna's
// multi-objective TPE); ties go to the lower index. It returns the chosen indices in the order
// picked.
func SelectByHypervolume(vs [][]float64, k int, ref []float64) []int {
	if k >= len(vs) {
		out := make([]int, len(vs))
		for i := range out {
			out[i] = i
		}
		return out
	}
	chosen := make([]int, 0, k)
	used := make([]bool, len(vs))
	set := make([][]float64, 0, k+1)
	base := 0.0
	for len(chosen) < k {
		best, gain := -1, -1.0
		for i, v := range vs {
			if used[i] {
				continue
			}
			g := HypervolumeMin(append(set, v), ref) - base
			if g > gain {
				best, gain = i, g
			}
		}
		used[best] = true
		chosen = append(chosen, best)
		set = append(set, vs[best])
		base += gain
	}
	return chosen
}
