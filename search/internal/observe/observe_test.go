package observe

import (
	"math"
	"testing"
)

func TestFinishedKeepsUsableTrials(t *testing.T) {
	past := []Trial{
		{Ordinal: 0, State: Complete, Params: map[string]float64{"x": 1}, Values: []float64{1, 2}},
		{Ordinal: 1, State: Running, Params: map[string]float64{"x": 1}},
		{Ordinal: 2, State: Complete, Params: map[string]float64{"y": 1}, Values: []float64{1, 2}},
		{Ordinal: 3, State: Pruned, Params: map[string]float64{"x": 1}, Values: []float64{1, 2}, Step: 3},
		{Ordinal: 4, State: Complete, Params: map[string]float64{"x": 1}, Values: []float64{math.NaN(), 2}},
		{Ordinal: 5, State: Complete, Params: map[string]float64{"x": 1}, Values: []float64{1}},
		{Ordinal: 6, State: Complete, Params: map[string]float64{"x": 1}, Constraints: []float64{0.5, math.NaN()}},
		{Ordinal: 7, State: Complete, Params: map[string]float64{"x": 1}, Values: []float64{1, 2}, Constraints: []float64{-1}},
	}
	got := Finished(past, []string{"x"}, 2)
	if len(got) != 4 || got[0].Ordinal != 0 || got[1].Ordinal != 3 || got[2].Ordinal != 6 || got[3].Ordinal != 7 {
		t.Fatalf("Finished kept %v", got)
	}
	if len(got[2].Values) != 2 || !math.IsNaN(got[2].Values[0]) {
		t.Fatalf("an infeasible trial without values gets NaN values, got %v", got[2].Values)
	}
}

func TestSeedDependsOnEveryPart(t *testing.T) {
	seen := map[int64]bool{}
	for s := int64(0); s < 3; s++ {
		for o := uint64(0); o < 3; o++ {
			for _, n := range []string{"a", "b"} {
				v := Seed(s, o, NameHash(n))
				if v < 0 || seen[v] {
					t.Fatalf("seed (%d, %d, %s) = %d repeated or negative", s, o, n, v)
				}
				seen[v] = true
			}
		}
	}
	if Seed(1, 2, 3) != Seed(1, 2, 3) {
		t.Fatal("Seed is not a function")
	}
}
