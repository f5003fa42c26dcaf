package objective

import (
	"math"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
)

// TestParetoHand checks small fronts, ties and duplicates.
func TestParetoHand(t *testing.T) {
	pt := func(q float64, c ...float64) Point { return Point{Quality: q, Costs: c} }
	cases := []struct {
		name string
		pts  []Point
		want []int
	}{
		{"empty", nil, nil},
		{"one", []Point{pt(1, 1)}, []int{0}},
		{"chain", []Point{pt(1, 5), pt(2, 4), pt(3, 3)}, []int{2}},
		{"trade-off", []Point{pt(1, 1), pt(2, 2), pt(3, 3)}, []int{0, 1, 2}},
		{"duplicates stay", []Point{pt(2, 2), pt(2, 2), pt(1, 3)}, []int{0, 1}},
		{"tie in quality", []Point{pt(2, 2), pt(2, 3)}, []int{0}},
		{"tie in cost", []Point{pt(2, 2), pt(3, 2)}, []int{1}},
		{"two costs", []Point{pt(2, 1, 5), pt(2, 5, 1), pt(2, 5, 5)}, []int{0, 1}},
		{"NaN skipped", []Point{pt(math.NaN(), 1), pt(1, 2)}, []int{1}},
	}
	for _, c := range cases {
		if got := Pareto(c.pts); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: Pareto = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestParetoProperties checks on random sets with many ties and duplicates: the front is mutually
// non-dominated, every other point is dominated by a front point, and copies share their fate.
func TestParetoProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for round := 0; round < 300; round++ {
		n, k := 1+rng.IntN(30), 1+rng.IntN(3)
		pts := make([]Point, n)
		for i := range pts {
			if i > 0 && rng.IntN(5) == 0 {
				pts[i] = pts[rng.IntN(i)]
				continue
			}
			pts[i].Quality = float64(rng.IntN(5))
			for j := 0; j < k; j++ {
				pts[i].Costs = append(pts[i].Costs, float64(rng.IntN(5)))
			}
		}
		front := Pareto(pts)
		on := map[int]bool{}
		for _, i := range front {
			on[i] = true
		}
		for _, i := range front {
			for _, j := range front {
				if Dominates(pts[i], pts[j]) {
					t.Fatalf("front point %v dominates front point %v", pts[i], pts[j])
				}
			}
		}
		for i := range pts {
			if on[i] {
				continue
			}
			found := false
			for _, j := range front {
				found = found || Dominates(pts[j], pts[i])
			}
			if !found {
				t.Fatalf("point %v is off the front but no front point dominates it (front %v)", pts[i], front)
			}
			for _, j := range front {
				if reflect.DeepEqual(pts[i], pts[j]) {
					t.Fatalf("duplicate %v is on and off the front", pts[i])
				}
			}
		}
	}
}

// bruteHypervolume measures the dominated area cell by cell on the grid of all coordinates.
func bruteHypervolume(pts []Point2, ref Point2) float64 {
	qs, cs := []float64{ref.Quality}, []float64{ref.Cost}
	for _, p := range pts {
		qs, cs = append(qs, p.Quality), append(cs, p.Cost)
	}
	sort.Float64s(qs)
	sort.Float64s(cs)
	area := 0.0
	for i := 0; i+1 < len(qs); i++ {
		for j := 0; j+1 < len(cs); j++ {
			q0, q1, c0, c1 := qs[i], qs[i+1], cs[j], cs[j+1]
			if q0 < ref.Quality || c1 > ref.Cost || q1 == q0 || c1 == c0 {
				continue
			}
			for _, p := range pts { // the cell is dominated if some point covers its whole extent
				if p.Quality >= q1 && p.Cost <= c0 {
					area += (q1 - q0) * (c1 - c0)
					break
				}
			}
		}
	}
	return area
}

// TestHypervolumeHand checks simple areas.
func TestHypervolumeHand(t *testing.T) {
	ref := Point2{Quality: 0, Cost: 10}
	cases := []struct {
		name string
		pts  []Point2
		want float64
	}{
		{"empty", nil, 0},
		{"one", []Point2{{5, 6}}, 5 * 4},
		{"staircase", []Point2{{5, 6}, {8, 8}}, 5*4 + 3*2},
		{"dominated adds nothing", []Point2{{5, 6}, {4, 7}}, 20},
		{"duplicates", []Point2{{5, 6}, {5, 6}}, 20},
		{"outside reference", []Point2{{5, 12}, {-1, 1}, {0, 1}}, 0},
	}
	for _, c := range cases {
		if got := Hypervolume(c.pts, ref); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s: Hypervolume = %g, want %g", c.name, got, c.want)
		}
	}
}

// TestHypervolumeBrute compares with the grid computation on random sets with ties and duplicates.
func TestHypervolumeBrute(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for round := 0; round < 500; round++ {
		ref := Point2{Quality: float64(rng.IntN(3)), Cost: float64(8 + rng.IntN(5))}
		n := rng.IntN(25)
		pts := make([]Point2, n)
		for i := range pts {
			if i > 0 && rng.IntN(4) == 0 {
				pts[i] = pts[rng.IntN(i)]
				continue
			}
			pts[i] = Point2{Quality: float64(rng.IntN(12)) - 1, Cost: float64(rng.IntN(14))}
			if rng.IntN(3) == 0 {
				pts[i].Quality += rng.Float64()
			}
		}
		got, want := Hypervolume(pts, ref), bruteHypervolume(pts, ref)
		if math.Abs(got-want) > 1e-9*math.Max(1, want) {
			t.Fatalf("round %d: Hypervolume = %g, brute force %g (ref %v, points %v)", round, got, want, ref, pts)
		}
		// Only the front matters.
		var fp []Point
		for _, p := range pts {
			fp = append(fp, Point{Quality: p.Quality, Costs: []float64{p.Cost}})
		}
		var front []Point2
		for _, i := range Pareto(fp) {
			front = append(front, pts[i])
		}
		if hv := Hypervolume(front, ref); math.Abs(hv-got) > 1e-9*math.Max(1, got) {
			t.Fatalf("round %d: front hypervolume %g differs from full set %g", round, hv, got)
		}
	}
}
