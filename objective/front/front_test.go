package front

import (
	"math"
	"math/rand"
	"sort"
	"testing"
)

// gridSet draws n vectors of dimension d with integer components in [0, k): small k makes ties
// and duplicates common.
func gridSet(rng *rand.Rand, n, d, k int) [][]float64 {
	vs := make([][]float64, n)
	for i := range vs {
		vs[i] = make([]float64, d)
		for j := range vs[i] {
			vs[i][j] = float64(rng.Intn(k))
		}
	}
	return vs
}

// bruteRanks peels fronts: rank r is the set of points no remaining point dominates.
func bruteRanks(n int, dom func(i, j int) bool) []int {
	ranks := make([]int, n)
	left := map[int]bool{}
	for i := 0; i < n; i++ {
		left[i] = true
	}
	for r := 0; len(left) > 0; r++ {
		var front []int
		for i := range left {
			dominated := false
			for j := range left {
				if j != i && dom(j, i) {
					dominated = true
					break
				}
			}
			if !dominated {
				front = append(front, i)
			}
		}
		for _, i := range front {
			ranks[i] = r
			delete(left, i)
		}
	}
	return ranks
}

// bruteHV counts the unit cells of the integer grid [0, ref) that some point dominates.
func bruteHV(vs [][]float64, ref []int) float64 {
	d := len(ref)
	cell := make([]int, d)
	count := 0
	var walk func(k int)
	walk = func(k int) {
		if k == d {
			for _, v := range vs {
				in := true
				for j := 0; j < d; j++ {
					if !(v[j] <= float64(cell[j])) {
						in = false
						break
					}
				}
				if in {
					count++
					return
				}
			}
			return
		}
		for c := 0; c < ref[k]; c++ {
			cell[k] = c
			walk(k + 1)
		}
	}
	walk(0)
	return float64(count)
}

func TestRanksMatchPeeling(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for iter := 0; iter < 200; iter++ {
		d := 2 + iter%3
		vs := gridSet(rng, 1+rng.Intn(40), d, 2+rng.Intn(5))
		got := Ranks(vs)
		want := bruteRanks(len(vs), func(i, j int) bool { return DominatesMin(vs[i], vs[j]) })
		for i := range vs {
			if got[i] != want[i] {
				t.Fatalf("iter %d point %d %v: rank %d, brute force %d", iter, i, vs[i], got[i], want[i])
			}
		}
	}
}

func TestConstrainedRanksMatchPeeling(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for iter := 0; iter < 200; iter++ {
		vs := gridSet(rng, 1+rng.Intn(30), 2, 4)
		viol := make([]float64, len(vs))
		for i := range viol {
			if rng.Intn(3) == 0 {
				viol[i] = float64(1 + rng.Intn(3)) // ties among infeasible points too
			}
		}
		got := ConstrainedRanks(vs, viol)
		want := bruteRanks(len(vs), func(i, j int) bool { return ConstrainedDominates(vs[i], vs[j], viol[i], viol[j]) })
		for i := range vs {
			if got[i] != want[i] {
				t.Fatalf("iter %d point %d: rank %d, brute force %d", iter, i, got[i], want[i])
			}
		}
		// Every feasible point ranks before every infeasible one.
		for i := range vs {
			for j := range vs {
				if viol[i] == 0 && viol[j] > 0 && got[i] >= got[j] {
					t.Fatalf("feasible %d rank %d not before infeasible %d rank %d", i, got[i], j, got[j])
				}
			}
		}
	}
}

func TestConstrainedDominatesByHand(t *testing.T) {
	a, b := []float64{1, 1}, []float64{2, 2}
	cases := []struct {
		name   string
		x, y   []float64
		vx, vy float64
		want   bool
	}{
		{"both feasible, x dominates", a, b, 0, 0, true},
		{"both feasible, y dominates", b, a, 0, 0, false},
		{"both feasible, equal", a, a, 0, 0, false},
		{"feasible worse objectives beats infeasible", b, a, 0, 0.5, true},
		{"infeasible never beats feasible", a, b, 0.1, 0, false},
		{"both infeasible, smaller violation wins", b, a, 0.2, 0.3, true},
		{"both infeasible, larger violation loses", a, b, 0.3, 0.2, false},
		{"both infeasible, equal violation: neither", a, b, 0.3, 0.3, false},
	}
	for _, c := range cases {
		if got := ConstrainedDominates(c.x, c.y, c.vx, c.vy); got != c.want {
			t.Errorf("%s: got %v", c.name, got)
		}
	}
	if v := TotalViolation([]float64{-1, 0, 0.5, 2}); v != 2.5 {
		t.Errorf("TotalViolation = %v, want 2.5", v)
	}
	if v := TotalViolation([]float64{2, math.NaN()}); v != 2 {
		t.Errorf("TotalViolation with an unknown value = %v, want 2", v)
	}
	if !Feasible(nil) || !Feasible([]float64{0, -3}) || Feasible([]float64{1e-9}) {
		t.Error("Feasible wrong")
	}
}

func TestHypervolumeMatchesGridCount(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for iter := 0; iter < 300; iter++ {
		d := 2 + iter%2
		k := 3 + rng.Intn(6)
		vs := gridSet(rng, rng.Intn(25), d, k)
		ref := make([]int, d)
		rf := make([]float64, d)
		for j := range ref {
			ref[j] = k - rng.Intn(2) // some points lie on or beyond the reference
			rf[j] = float64(ref[j])
		}
		got, want := HypervolumeMin(vs, rf), bruteHV(vs, ref)
		if math.Abs(got-want) > 1e-9 {
			t.Fatalf("iter %d d=%d ref %v points %v: hv %v, grid count %v", iter, d, rf, vs, got, want)
		}
	}
}

func TestContributionsMatchDefinition(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for iter := 0; iter < 100; iter++ {
		d := 2 + iter%2
		vs := gridSet(rng, 1+rng.Intn(12), d, 5)
		ref := []int{5, 5, 5}[:d]
		rf := []float64{5, 5, 5}[:d]
		got := Contributions(vs, rf)
		all := bruteHV(vs, ref)
		for i := range vs {
			rest := append(append([][]float64{}, vs[:i]...), vs[i+1:]...)
			want := all - bruteHV(rest, ref)
			if math.Abs(got[i]-want) > 1e-9 {
				t.Fatalf("iter %d point %d %v: contribution %v, want %v", iter, i, vs[i], got[i], want)
			}
			// A dominated point or a duplicate contributes nothing.
			for j := range vs {
				if j != i && (DominatesMin(vs[j], vs[i]) || equal(vs[i], vs[j])) && got[i] != 0 {
					t.Fatalf("iter %d: dominated/duplicate point %d contributes %v", iter, i, got[i])
				}
			}
		}
	}
}

func equal(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// bruteCrowding finds each point's neighbours in every component by scanning, with ties broken
// by index, instead of sorting.
func bruteCrowding(vs [][]float64) []float64 {
	n := len(vs)
	d := make([]float64, n)
	less := func(k, i, j int) bool { // (value, index) order
		return vs[i][k] < vs[j][k] || (vs[i][k] == vs[j][k] && i < j)
	}
	for k := range vs[0] {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range vs {
			lo, hi = math.Min(lo, v[k]), math.Max(hi, v[k])
		}
		for i := range vs {
			prev, next := -1, -1
			for j := range vs {
				if j == i {
					continue
				}
				if less(k, j, i) && (prev < 0 || less(k, prev, j)) {
					prev = j
				}
				if less(k, i, j) && (next < 0 || less(k, j, next)) {
					next = j
				}
			}
			if prev < 0 || next < 0 {
				d[i] = math.Inf(1)
				continue
			}
			if hi > lo {
				d[i] += (vs[next][k] - vs[prev][k]) / (hi - lo)
			}
		}
	}
	return d
}

func TestCrowdingMatchesNeighbourScan(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	for iter := 0; iter < 200; iter++ {
		vs := gridSet(rng, 1+rng.Intn(20), 2+iter%2, 2+rng.Intn(6))
		got, want := Crowding(vs), bruteCrowding(vs)
		for i := range vs {
			if got[i] != want[i] && math.Abs(got[i]-want[i]) > 1e-12 {
				t.Fatalf("iter %d point %d: crowding %v, brute force %v (%v)", iter, i, got[i], want[i], vs)
			}
		}
	}
	// Hand-worked: a line of 4 points, ranges 3 and 3.
	got := Crowding([][]float64{{0, 3}, {1, 2}, {2, 1}, {3, 0}})
	want := []float64{math.Inf(1), 4.0 / 3, 4.0 / 3, math.Inf(1)}
	for i := range want {
		if got[i] != want[i] && math.Abs(got[i]-want[i]) > 1e-12 {
			t.Fatalf("crowding %v, want %v", got, want)
		}
	}
}

// TestCrowdingByRankIsPerFront checks CrowdingByRank against the neighbour scan of each front
// peeled by Ranks, taken alone.
func TestCrowdingByRankIsPerFront(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for iter := 0; iter < 100; iter++ {
		vs := gridSet(rng, 1+rng.Intn(25), 2+iter%2, 2+rng.Intn(4))
		ranks := Ranks(vs)
		got := CrowdingByRank(vs, ranks)
		for r := 0; ; r++ {
			var at []int
			var fr [][]float64
			for i, ri := range ranks {
				if ri == r {
					at, fr = append(at, i), append(fr, vs[i])
				}
			}
			if len(at) == 0 {
				break
			}
			for j, want := range bruteCrowding(fr) {
				if g := got[at[j]]; g != want && math.Abs(g-want) > 1e-12 {
					t.Fatalf("iter %d rank %d point %d: crowding %v, brute force within the front %v", iter, r, at[j], g, want)
				}
			}
		}
	}
}

func TestSelectByHypervolumeIsGreedy(t *testing.T) {
	// Three front points against ref (4, 4): (0, 3) adds 4, (1, 1) adds 9, (3, 0) adds 4.
	vs := [][]float64{{0, 3}, {1, 1}, {3, 0}, {2, 2}}
	got := SelectByHypervolume(vs, 2, []float64{4, 4})
	if len(got) != 2 || got[0] != 1 {
		t.Fatalf("picked %v, want (1, 1) first", got)
	}
	// Second pick: (0,3) adds 1·… compare brute force over the rest.
	best, gain := -1, -1.0
	for _, i := range []int{0, 2, 3} {
		g := HypervolumeMin([][]float64{vs[1], vs[i]}, []float64{4, 4})
		if g > gain {
			best, gain = i, g
		}
	}
	if got[1] != best {
		t.Fatalf("second pick %d, want %d", got[1], best)
	}
	all := SelectByHypervolume(vs, 10, []float64{4, 4})
	sort.Ints(all)
	if len(all) != 4 {
		t.Fatalf("k ≥ n picks %v", all)
	}
}
