package reports

import (
	"fmt"
	"math/rand/v2"
	"testing"

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
