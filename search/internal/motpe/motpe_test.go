package motpe

import (
	"fmt"
	"math"
	"math/rand"
	"reflect"
	"sort"
	"testing"

	"github.com/attnsearch/attnsearch/objective/front"
	"github.com/attnsearch/attnsearch/search/internal/observe"
	"github.com/attnsearch/attnsearch/search/internal/samplertest"
	"github.com/attnsearch/attnsearch/search/internal/tpe"
	"github.com/c-bata/goptuna"
)

func trial(ord int, vals []float64, cons ...float64) observe.Trial {
	return observe.Trial{Ordinal: ord, State: observe.Complete, Params: map[string]float64{}, Values: vals, Constraints: cons}
}

func TestSplitTakesRanksThenHypervolume(t *testing.T) {
	ts := []observe.Trial{
		trial(0, []float64{5, 5}), // rank 1
		trial(1, []float64{1, 4}), // rank 0
		trial(2, []float64{4, 1}), // rank 0
		trial(3, []float64{2, 6}), // rank 1
		trial(4, []float64{6, 6}), // rank 2
		trial(5, []float64{7, 2}), // rank 1
	}
	// nBelow 3: rank 0 (two trials) fits whole; one more from rank 1 by greedy hypervolume
	// against max(1.1·worst, 0.9·worst) of rank 1 = (7.7, 6.6): (5,5) adds 2.7·1.6 = 4.32,
	// (2,6) adds 5.7·0.6 = 3.42, (7,2) adds 0.7·4.6 = 3.22, so trial 0 joins.
	below, above, w := Split(ts, 3)
	if !reflect.DeepEqual(below, []int{0, 1, 2}) || !reflect.DeepEqual(above, []int{3, 4, 5}) {
		t.Fatalf("below %v above %v", below, above)
	}
	// Weights: contributions within the good group {(5,5), (1,4), (4,1)} against (5.5, 5.5):
	// (5,5) is dominated there and adds nothing (eps); (1,4) adds 3·1.5 = 4.5, (4,1) the same,
	// so both weigh 1.
	if w[0] != eps || w[1] != 1 || w[2] != 1 {
		t.Fatalf("weights %v, want [eps 1 1]", w)
	}
	top := 0.0
	for _, x := range w {
		if x <= 0 || x > 1 {
			t.Fatalf("weight %v outside (0, 1]", x)
		}
		top = max(top, x)
	}
	if top != 1 {
		t.Fatalf("largest weight %v, want 1", top)
	}
}

func TestSplitConstraintsFeasibleFirst(t *testing.T) {
	ts := []observe.Trial{
		trial(0, []float64{0, 0}, 3),  // infeasible, best objectives
		trial(1, []float64{5, 5}, -1), // feasible
		trial(2, []float64{0, 1}, 1),  // infeasible, smaller violation
		trial(3, []float64{1, 1}, 2),  // infeasible
	}
	below, above, w := Split(ts, 2)
	if !reflect.DeepEqual(below, []int{1, 2}) || !reflect.DeepEqual(above, []int{0, 3}) {
		t.Fatalf("below %v above %v, want feasible 1 then least-violating 2", below, above)
	}
	if w[0] != 1 || w[1] != eps {
		t.Fatalf("weights %v: want 1 for the single feasible, eps for the infeasible", w)
	}
	// Pruned trials never join the good group.
	ts[1].State = observe.Pruned
	below, above, _ = Split(ts, 1)
	if !reflect.DeepEqual(below, []int{2}) || !reflect.DeepEqual(above, []int{0, 1, 3}) {
		t.Fatalf("with trial 1 pruned: below %v above %v", below, above)
	}
}

func TestSamplePointIsPureAndInRange(t *testing.T) {
	space := map[string]interface{}{
		"x": goptuna.UniformDistribution{Low: 0, High: 1},
		"k": goptuna.StepIntUniformDistribution{Low: 2, High: 10, Step: 2},
		"c": goptuna.CategoricalDistribution{Choices: []string{"a", "b", "c"}},
		"l": goptuna.LogUniformDistribution{Low: 1e-4, High: 1},
	}
	rng := rand.New(rand.NewSource(1))
	var past []observe.Trial
	for i := 0; i < 30; i++ {
		x, k, c, l := rng.Float64(), float64(2+2*rng.Intn(5)), float64(rng.Intn(3)), 1e-4+rng.Float64()
		past = append(past, observe.Trial{Ordinal: i, State: observe.Complete,
			Params: map[string]float64{"x": x, "k": k, "c": c, "l": l},
			Values: []float64{x + c, (1 - x) + k/10}, Constraints: []float64{l - 0.5}})
		if l > 0.9 { // rejected before its objectives were measured
			past[i].Values = nil
		}
	}
	for _, mv := range []bool{false, true} {
		s := New(Options{Multivariate: mv})
		for seed := int64(0); seed < 20; seed++ {
			a, err := s.SamplePoint(space, past, 30, seed)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := s.SamplePoint(space, past, 30, seed)
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("seed %d: %v then %v", seed, a, b)
			}
			if a["x"] < 0 || a["x"] > 1 || int(a["k"])%2 != 0 || a["k"] < 2 || a["k"] > 10 ||
				a["c"] != float64(int(a["c"])) || a["c"] < 0 || a["c"] > 2 || a["l"] < 1e-4 || a["l"] > 1 {
				t.Fatalf("point out of the space: %v", a)
			}
		}
	}
}

func TestNewEstimatorSettings(t *testing.T) {
	for _, tc := range []struct {
		mv   bool
		want tpe.MixtureParams
	}{
		// Independent: Optuna 3.1's settings, as single-objective tpe.
		{false, tpe.DefaultMixtureParams(false)},
		// Multivariate: tpe's, with the wider bandwidth of a good group spread along the front.
		{true, tpe.MixtureParams{ConsiderPrior: true, PriorWeight: 1, Multivariate: true, Bandwidth: 0.1}},
	} {
		s := New(Options{Multivariate: tc.mv})
		if s.Params != tc.want {
			t.Errorf("multivariate=%v: params %+v, want %+v", tc.mv, s.Params, tc.want)
		}
		if s.Split == nil {
			t.Errorf("multivariate=%v: no multi-objective split", tc.mv)
		}
	}
}

// TestSplitterEqualsSplit pins that the archive carried across points splits every history as
// Split does from scratch, with trials finishing out of order, infeasible and pruned ones.
func TestSplitterEqualsSplit(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	var trials, held []observe.Trial
	sp := &Splitter{}
	for i := 0; i < 400; i++ {
		x := rng.Float64()
		tr := observe.Trial{Ordinal: i, State: observe.Complete, Values: []float64{x, 1 - math.Sqrt(x) + rng.Float64(), rng.Float64()}}
		if i%3 == 0 {
			tr.Values = tr.Values[:2]
		}
		if i%11 == 5 {
			tr.Constraints = []float64{0.5}
		}
		if i%13 == 7 {
			tr.State, tr.Step = observe.Pruned, 2
		}
		// Every tenth trial finishes three points late: it joins the history in the middle.
		if i%10 == 9 {
			held = append(held, tr)
		} else {
			trials = append(trials, tr)
		}
		for len(held) > 0 && held[0].Ordinal <= i-3 {
			h := held[0]
			held = held[1:]
			k := sort.Search(len(trials), func(a int) bool { return trials[a].Ordinal > h.Ordinal })
			trials = append(trials[:k], append([]observe.Trial{h}, trials[k:]...)...)
		}
		if i < 12 {
			continue
		}
		n := tpe.DefaultGamma(len(trials))
		b1, a1, w1 := sp.Split(trials, n)
		b2, a2, w2 := Split(trials, n)
		if fmt.Sprint(b1, a1, w1) != fmt.Sprint(b2, a2, w2) {
			t.Fatalf("after %d trials: splitter %v / %v / %v, Split %v / %v / %v", i+1, b1, a1, w1, b2, a2, w2)
		}
	}
	if len(sp.archive) == 0 || len(sp.archive) > 200 {
		t.Errorf("archive of %d trials", len(sp.archive))
	}
	// A history that lost a trial rebuilds the archive.
	short := append(append([]observe.Trial(nil), trials[:100]...), trials[101:]...)
	b1, _, _ := sp.Split(short, 25)
	b2, _, _ := Split(short, 25)
	if fmt.Sprint(b1) != fmt.Sprint(b2) {
		t.Fatalf("after a trial left: %v, want %v", b1, b2)
	}
}

// TestLeadingRanks checks the peeled ranks against front.Ranks on the leading fronts, for two
// objectives (the sweep) and three, with ties and copies.
func TestLeadingRanks(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	for _, m := range []int{2, 3} {
		vs := make([][]float64, 300)
		for i := range vs {
			vs[i] = make([]float64, m)
			for k := range vs[i] {
				vs[i][k] = float64(rng.Intn(30))
			}
		}
		vs[7] = append([]float64(nil), vs[3]...)
		want := front.Ranks(vs)
		got := leadingRanks(vs, 40)
		placed := 0
		for i := range vs {
			if got[i] != math.MaxInt32 {
				placed++
				if got[i] != want[i] {
					t.Fatalf("m=%d: point %v rank %d, front.Ranks says %d", m, vs[i], got[i], want[i])
				}
			}
		}
		top := 0
		for i := range vs {
			if got[i] != math.MaxInt32 {
				top = max(top, got[i])
			}
		}
		for i := range vs {
			if want[i] <= top && got[i] != want[i] {
				t.Fatalf("m=%d: point %v of rank %d left out", m, vs[i], want[i])
			}
		}
		if placed < 40 {
			t.Fatalf("m=%d: %d placed", m, placed)
		}
	}
}

// BenchmarkSamplePoint is motpe's cost of one point after a history of N finished trials with two
// objectives on samplertest's architecture-like space, the index and archive carried from the
// previous point.
func BenchmarkSamplePoint(b *testing.B) {
	samplertest.SamplePoints(b, "motpe", tpe.SampleRandom, func() observe.Sampler { return New(Options{}) })
}
