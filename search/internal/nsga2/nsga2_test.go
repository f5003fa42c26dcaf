package nsga2

import (
	"math"
	"math/rand"
	"reflect"
	"testing"

	"github.com/attnsearch/attnsearch/search/internal/observe"
	"github.com/attnsearch/attnsearch/search/internal/samplertest"
	"github.com/attnsearch/attnsearch/search/internal/tpe"
	"github.com/c-bata/goptuna"
)

var space = map[string]interface{}{
	"x": goptuna.UniformDistribution{Low: 0, High: 1},
	"k": goptuna.IntUniformDistribution{Low: 1, High: 6},
	"s": goptuna.StepIntUniformDistribution{Low: 8, High: 60, Step: 8}, // grid 8 … 56
	"l": goptuna.LogUniformDistribution{Low: 1e-4, High: 1},
	"c": goptuna.CategoricalDistribution{Choices: []string{"a", "b", "c"}},
}

// history runs n sequential points of s on a two-objective function with one constraint.
func history(t *testing.T, s *Sampler, n int, seed int64) []observe.Trial {
	t.Helper()
	var past []observe.Trial
	for i := 0; i < n; i++ {
		p, err := s.SamplePoint(space, past, i, observe.Seed(seed, uint64(i)))
		if err != nil {
			t.Fatal(err)
		}
		tr := observe.Trial{Ordinal: i, State: observe.Complete, Params: p,
			Values:      []float64{p["x"] + p["c"], 1 - p["x"] + p["k"]/6 + math.Log(p["l"])/10},
			Constraints: []float64{p["s"] - 40}}
		if p["s"] > 48 { // rejected before its objectives were measured
			tr.Values = nil
		}
		past = append(past, tr)
	}
	return past
}

func TestChildrenStayInTheSpace(t *testing.T) {
	s := New(Options{Population: 10})
	for _, tr := range history(t, s, 60, 1) {
		p := tr.Params
		if p["x"] < 0 || p["x"] > 1 || p["k"] != math.Round(p["k"]) || p["k"] < 1 || p["k"] > 6 ||
			int(p["s"])%8 != 0 || p["s"] < 8 || p["s"] > 56 || p["l"] < 1e-4 || p["l"] > 1 ||
			p["c"] != math.Round(p["c"]) || p["c"] < 0 || p["c"] > 2 {
			t.Fatalf("trial %d out of the space: %v", tr.Ordinal, p)
		}
	}
}

func TestResumedHistoryGivesTheSamePoints(t *testing.T) {
	s := New(Options{Population: 8})
	a := history(t, s, 40, 7)
	// A fresh sampler (a resumed process) given the first 25 trials proposes the same 26th.
	p, err := New(Options{Population: 8}).SamplePoint(space, a[:25], 25, observe.Seed(7, 25))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, a[25].Params) {
		t.Fatalf("resumed point %v, uninterrupted %v", p, a[25].Params)
	}
}

func TestEliteSelectionByHand(t *testing.T) {
	m := func(ord int, v []float64, viol float64) member {
		return member{t: observe.Trial{Ordinal: ord, Values: v}, viol: viol}
	}
	pool := []member{
		m(0, []float64{0, 4}, 0), // rank 0, extreme
		m(1, []float64{1, 2}, 0), // rank 0, interior
		m(2, []float64{2, 1}, 0), // rank 0, interior
		m(3, []float64{4, 0}, 0), // rank 0, extreme
		m(4, []float64{0, 0}, 1), // infeasible: last despite the best objectives
		m(5, []float64{3, 3}, 0), // rank 1
	}
	// Keep 3 of rank 0's four: the extremes have infinite crowding; (1,2) has x-neighbours 0, 2
	// and y-neighbours 1, 4: 2/4 + 3/4 = 1.25; (2,1) has x-neighbours 1, 4 and y-neighbours 0, 2:
	// 3/4 + 2/4 = 1.25; the tie goes to the earlier ordinal, trial 1.
	got := selectElite(pool, 3, 2)
	var ords []int
	for _, g := range got {
		ords = append(ords, g.t.Ordinal)
	}
	if !reflect.DeepEqual(ords, []int{0, 1, 3}) && !reflect.DeepEqual(ords, []int{0, 3, 1}) {
		t.Fatalf("kept %v, want trials 0, 1, 3", ords)
	}
	got = selectElite(append([]member(nil), pool...), 6, 2)
	last := got[len(got)-1]
	if last.t.Ordinal != 4 || last.rank != 2 {
		t.Fatalf("infeasible trial should rank last (2), got trial %d rank %d", last.t.Ordinal, last.rank)
	}
}

func TestSBXAndMutationStayInBounds(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for i := 0; i < 10000; i++ {
		a, b := rng.Float64()*2-1, rng.Float64()*2-1
		if c := sbx(rng, a, b, -1, 1, 15); c < -1 || c > 1 || math.IsNaN(c) {
			t.Fatalf("sbx(%v, %v) = %v", a, b, c)
		}
		if c := polyMutate(rng, a, -1, 1, 20); c < -1 || c > 1 || math.IsNaN(c) {
			t.Fatalf("polyMutate(%v) = %v", a, c)
		}
	}
}

// TestCachedGenerationsEqualRecomputed pins that the parents carried from point to point give
// the points a fresh sampler computes from the same history, also when a trial of a past
// generation finishes late (the cached generations after it are recomputed).
func TestCachedGenerationsEqualRecomputed(t *testing.T) {
	s := New(Options{Population: 6})
	var past []observe.Trial
	late := -1
	for i := 0; i < 60; i++ {
		seed := observe.Seed(5, uint64(i))
		p, err := s.SamplePoint(space, past, i, seed)
		if err != nil {
			t.Fatal(err)
		}
		q, _ := New(Options{Population: 6}).SamplePoint(space, past, i, seed)
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("point %d: carried %v, recomputed %v", i, p, q)
		}
		tr := observe.Trial{Ordinal: i, State: observe.Complete, Params: p,
			Values: []float64{p["x"] + p["c"], 1 - p["x"] + p["k"]/6}}
		if i == 20 { // trial 20 runs until point 40
			tr.State, tr.Values, late = observe.Running, nil, i
		}
		if i == 40 {
			past[late].State, past[late].Values = observe.Complete, []float64{0, 0}
		}
		past = append(past, tr)
	}
	if len(s.gens) < 5 {
		t.Fatalf("%d generations kept", len(s.gens))
	}
	// The same sampler on another history with the same ordinals (another run) draws what a
	// fresh one draws: the kept parents are not taken for that history's.
	s8 := New(Options{Population: 8})
	history(t, s8, 40, 7)
	if a, b := history(t, s8, 40, 9), history(t, New(Options{Population: 8}), 40, 9); !reflect.DeepEqual(a, b) {
		t.Fatal("a sampler reused on another history drew other points than a fresh one")
	}
}

// BenchmarkSamplePoint is NSGA-II's cost of one point after a history of N finished trials with
// two objectives on samplertest's architecture-like space, the parent populations carried from
// the previous point.
func BenchmarkSamplePoint(b *testing.B) {
	samplertest.SamplePoints(b, "nsga2", tpe.SampleRandom, func() observe.Sampler { return New(Options{}) })
}
