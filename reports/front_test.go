package reports

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/attnsearch/attnsearch/objective"
	"github.com/attnsearch/attnsearch/objective/front"
)

// TestFrontOfIsRankZero checks FrontOf against front.Ranks on random vectors with copies and ties.
func TestFrontOfIsRankZero(t *testing.T) {
	for _, c := range []struct{ n, dims, levels int }{{0, 2, 5}, {1, 3, 5}, {50, 2, 4}, {300, 3, 6}, {300, 4, 1000}} {
		t.Run(fmt.Sprintf("%dx%d", c.n, c.dims), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(c.n), uint64(c.dims)))
			vs := make([][]float64, c.n)
			for i := range vs {
				vs[i] = make([]float64, c.dims)
				for k := range vs[i] {
					vs[i][k] = float64(rng.IntN(c.levels)) // few levels: ties and copies
				}
			}
			var want []int
			for i, r := range front.Ranks(vs) {
				if r == 0 {
					want = append(want, i)
				}
			}
			if got := FrontOf(vs); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("FrontOf %v, rank 0 %v", got, want)
			}
		})
	}
}

// TestFrontOfMatchesPairwise compares FrontOf with the quadratic definition (every pair checked
// with front.DominatesMin, and for two goals objective.Pareto, which Build used before) on random
// vectors with ties, copies, infinities and NaNs, in two and three goals.
func TestFrontOfMatchesPairwise(t *testing.T) {
	for _, c := range []struct {
		n, dims, levels int
		special         bool
	}{{2000, 2, 7, false}, {2000, 2, 1 << 20, false}, {500, 2, 5, true}, {700, 3, 6, false}, {300, 3, 4, true}, {1, 2, 3, true}} {
		t.Run(fmt.Sprintf("%dx%d/%d/%v", c.n, c.dims, c.levels, c.special), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(c.n*c.dims), uint64(c.levels)))
			vs := make([][]float64, c.n)
			for i := range vs {
				vs[i] = make([]float64, c.dims)
				for k := range vs[i] {
					vs[i][k] = float64(rng.IntN(c.levels)) - float64(c.levels)/2
					if c.special && rng.IntN(20) == 0 {
						vs[i][k] = []float64{math.NaN(), math.Inf(1), math.Inf(-1)}[rng.IntN(3)]
					}
				}
			}
			var want []int
			for i := range vs {
				dominated := false
				for j := range vs {
					if j != i && front.DominatesMin(vs[j], vs[i]) {
						dominated = true
						break
					}
				}
				if !dominated {
					want = append(want, i)
				}
			}
			got := FrontOf(vs)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("FrontOf %v, pairwise %v", got, want)
			}
			if c.dims != 2 || c.special {
				return
			}
			points := make([]objective.Point, len(vs))
			for i, v := range vs {
				points[i] = objective.Point{Quality: -v[0], Costs: []float64{v[1]}}
			}
			if p := objective.Pareto(points); fmt.Sprint(p) != fmt.Sprint(got) {
				t.Fatalf("FrontOf %v, objective.Pareto %v", got, p)
			}
		})
	}
}

// BenchmarkFrontOf times FrontOf on n vectors that are all on the front (the worst case of a
// check against the front found so far, which three goals still take: quadratic in time, not
// in memory): two goals on a line, three on a plane.
func BenchmarkFrontOf(b *testing.B) {
	for _, dims := range []int{2, 3} {
		for _, n := range []int{1000, 10000, 100000} {
			if dims == 3 && n > 10000 {
				continue
			}
			vs := make([][]float64, n)
			for i := range vs {
				x := float64(i) / float64(n)
				vs[i] = []float64{x, 1 - x}
				if dims == 3 {
					vs[i] = []float64{x, 1 - x, math.Mod(x*7, 1)}
				}
			}
			b.Run(fmt.Sprintf("%dgoals/%d", dims, n), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if len(FrontOf(vs)) == 0 {
						b.Fatal("empty front")
					}
				}
			})
		}
	}
}
