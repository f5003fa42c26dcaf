package objective

import (
	"math"
	"sort"
)

// Point is one candidate for the Pareto front: quality P (maximised) and costs (each minimised).
type Point struct {
	Quality float64   // P
	Costs   []float64 // one or more costs E; a missing cost counts as +Inf
}

// Point2 is a point of the 2-D (quality, cost) plane used by Hypervolume.
type Point2 struct {
	Quality, Cost float64 // P (maximised), E (minimised)
}

// valid reports whether p has no NaN figure.
func (p Point) valid() bool {
	if math.IsNaN(p.Quality) {
		return false
	}
	for _, c := range p.Costs {
		if math.IsNaN(c) {
			return false
		}
	}
	return true
}

// cost returns the i-th cost or +Inf when missing.
func (p Point) cost(i int) float64 {
	if i < len(p.Costs) {
		return p.Costs[i]
	}
	return math.Inf(1)
}

// Dominates reports whether a is at least as good as b everywhere and strictly better somewhere.
func Dominates(a, b Point) bool {
	if a.Quality < b.Quality {
		return false
	}
	strict := a.Quality > b.Quality
	n := max(len(a.Costs), len(b.Costs))
	for i := 0; i < n; i++ {
		ca, cb := a.cost(i), b.cost(i)
		if ca > cb {
			return false
		}
		if ca < cb {
			strict = true
		}
	}
	return strict
}

// Pareto returns, in increasing order, the indices of the points no other point dominates.
// Duplicates do not dominate each other, so all copies of a front point are on the front; points
// with a NaN figure are never on the front and dominate nothing.
func Pareto(points []Point) []int {
	var front []int
	for i, p := range points {
		if !p.valid() {
			continue
		}
		dominated := false
		for j, q := range points {
			if j != i && q.valid() && Dominates(q, p) {
				dominated = true
				break
			}
		}
		if !dominated {
			front = append(front, i)
		}
	}
	return front
}

// Hypervolume is the area of the union of the rectangles [ref.Quality, p.Quality] × [p.Cost,
// ref.Cost] over points (the region they dominate, bounded by ref); points not strictly better
// than ref in both figures, or with a NaN figure, add nothing. With ref = (0, budget) this is the
// study's quality-versus-cost hypervolume.
func Hypervolume(points []Point2, ref Point2) float64 {
	ps := make([]Point2, 0, len(points))
	for _, p := range points {
		if p.Quality > ref.Quality && p.Cost < ref.Cost && !math.IsNaN(p.Quality) && !math.IsNaN(p.Cost) {
			ps = append(ps, p)
		}
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].Cost != ps[j].Cost {
			return ps[i].Cost < ps[j].Cost
		}
		return ps[i].Quality > ps[j].Quality
	})
	area, best := 0.0, ref.Quality
	for i, p := range ps {
		best = math.Max(best, p.Quality)
		next := ref.Cost
		if i+1 < len(ps) {
			next = ps[i+1].Cost
		}
		area += (next - p.Cost) * (best - ref.Quality)
	}
	return area
}
