package main

import (
	"fmt"
	"math"
	"sort"

	"github.com/attnsearch/attnsearch/objective/front"
	"github.com/attnsearch/attnsearch/search/internal/observe"
	"github.com/c-bata/goptuna"
)

// Problem is a test function over [0, 1]^Dim (or Branin's box) with Objectives minimised
// objectives, scored by the hypervolume against Ref (multi-objective) or the best value (one).
type Problem struct {
	Name  string
	Dim   int
	Ref   []float64 // hypervolume reference point (multi-objective only)
	Space map[string]interface{}
	Eval  func(x []float64) []float64 // x indexed like Names(Space)
}

// Objectives returns the number of objectives.
func (p Problem) Objectives() int { return len(p.Eval(make([]float64, p.Dim))) }

// unitSpace is [0, 1]^n with parameters x00, x01, … (names that sort in index order).
func unitSpace(n int) map[string]interface{} {
	s := map[string]interface{}{}
	for i := 0; i < n; i++ {
		s[fmt.Sprintf("x%02d", i)] = goptuna.UniformDistribution{Low: 0, High: 1}
	}
	return s
}

func zdtG(x []float64) float64 {
	s := 0.0
	for _, v := range x[1:] {
		s += v
	}
	return 1 + 9*s/float64(len(x)-1)
}

// Problems are the benchmark problems, with the reference points the Optuna script uses too.
var Problems = []Problem{
	{Name: "ZDT1", Dim: 10, Ref: []float64{1.1, 11}, Space: unitSpace(10), Eval: func(x []float64) []float64 {
		g := zdtG(x)
		return []float64{x[0], g * (1 - math.Sqrt(x[0]/g))}
	}},
	{Name: "ZDT2", Dim: 10, Ref: []float64{1.1, 11}, Space: unitSpace(10), Eval: func(x []float64) []float64 {
		g := zdtG(x)
		return []float64{x[0], g * (1 - (x[0]/g)*(x[0]/g))}
	}},
	{Name: "DTLZ2", Dim: 6, Ref: []float64{2.1, 2.1, 2.1}, Space: unitSpace(6), Eval: func(x []float64) []float64 {
		g := 0.0
		for _, v := range x[2:] {
			g += (v - 0.5) * (v - 0.5)
		}
		a, b := x[0]*math.Pi/2, x[1]*math.Pi/2
		return []float64{(1 + g) * math.Cos(a) * math.Cos(b), (1 + g) * math.Cos(a) * math.Sin(b), (1 + g) * math.Sin(a)}
	}},
	{Name: "Branin", Dim: 2, Space: map[string]interface{}{
		"x00": goptuna.UniformDistribution{Low: -5, High: 10},
		"x01": goptuna.UniformDistribution{Low: 0, High: 15},
	}, Eval: func(x []float64) []float64 {
		a, b, c, r, s, t := 1.0, 5.1/(4*math.Pi*math.Pi), 5/math.Pi, 6.0, 10.0, 1/(8*math.Pi)
		y := x[1] - b*x[0]*x[0] + c*x[0] - r
		return []float64{a*y*y + s*(1-t)*math.Cos(x[0]) + s}
	}},
	{Name: "Hartmann6", Dim: 6, Space: unitSpace(6), Eval: func(x []float64) []float64 {
		alpha := []float64{1.0, 1.2, 3.0, 3.2}
		A := [4][6]float64{{10, 3, 17, 3.5, 1.7, 8}, {0.05, 10, 17, 0.1, 8, 14}, {3, 3.5, 1.7, 10, 17, 8}, {17, 8, 0.05, 10, 0.1, 14}}
		P := [4][6]float64{{1312, 1696, 5569, 124, 8283, 5886}, {2329, 4135, 8307, 3736, 1004, 9991},
			{2348, 1451, 3522, 2883, 3047, 6650}, {4047, 8828, 8732, 5743, 1091, 381}}
		y := 0.0
		for i := 0; i < 4; i++ {
			s := 0.0
			for j := 0; j < 6; j++ {
				d := x[j] - P[i][j]*1e-4
				s += A[i][j] * d * d
			}
			y -= alpha[i] * math.Exp(-s)
		}
		return []float64{y}
	}},
}

// Run evaluates trials points of p proposed by s, one at a time, the point of ordinal i seeded
// from (seed, i) the way search seeds a study's points, and returns the objective vectors.
func Run(p Problem, s observe.Sampler, trials int, seed int64) ([][]float64, error) {
	names := observe.Names(p.Space)
	var past []observe.Trial
	var ys [][]float64
	for i := 0; i < trials; i++ {
		pt, err := s.SamplePoint(p.Space, past, i, observe.Seed(seed, 2, uint64(i)))
		if err != nil {
			return nil, fmt.Errorf("%s trial %d: %w", p.Name, i, err)
		}
		x := make([]float64, len(names))
		for j, n := range names {
			x[j] = pt[n]
		}
		y := p.Eval(x)
		ys = append(ys, y)
		past = append(past, observe.Trial{Ordinal: i, State: observe.Complete, Params: pt, Values: y})
	}
	return ys, nil
}

// Score is the hypervolume of the first n vectors against p.Ref, or their best value for a
// single objective.
func Score(p Problem, ys [][]float64, n int) float64 {
	if len(p.Ref) == 0 {
		best := math.Inf(1)
		for _, y := range ys[:n] {
			best = math.Min(best, y[0])
		}
		return best
	}
	return front.HypervolumeMin(ys[:n], p.Ref)
}

// median of xs (the mean of the middle two for an even count).
func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
