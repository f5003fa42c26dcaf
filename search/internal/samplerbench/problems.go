package main

import (
	"fmt"
	"math"
	"math/rand"
	"slices"

	"github.com/attnsearch/attnsearch/objective/front"
	"github.com/attnsearch/attnsearch/search/internal/observe"
	"github.com/c-bata/goptuna"
)

// Problem is a test problem: a space of named parameters (x00, x01, … so that names sort in
// index order), minimised objectives, optional constraints (≤ 0 feasible) and optional
// observation noise, scored by the hypervolume of the feasible true objective vectors against Ref
// (multi-objective) or the best true value (one objective).
type Problem struct {
	Name  string
	Set   string    // "dev": settings may be chosen on it; "eval": only reported
	About string    // what the problem tests and where it is defined
	Ref   []float64 // hypervolume reference point (multi-objective only)
	Space map[string]interface{}
	Eval  func(x []float64) []float64 // true objective vector; x indexed like observe.Names(Space)
	Cons  func(x []float64) []float64 // constraint values, ≤ 0 feasible (nil: unconstrained)
	Noise float64                     // standard deviation of the Gaussian noise the sampler sees on each objective
}

// Objectives returns the number of objectives.
func (p Problem) Objectives() int {
	if len(p.Ref) > 0 {
		return len(p.Ref)
	}
	return 1
}

// Dim returns the number of parameters.
func (p Problem) Dim() int { return len(p.Space) }

// Multi reports whether p has several objectives.
func (p Problem) Multi() bool { return len(p.Ref) > 0 }

// name is the parameter name of index i.
func name(i int) string { return fmt.Sprintf("x%02d", i) }

// unitSpace is [0, 1]^n.
func unitSpace(n int) map[string]interface{} { return boxSpace(n, 0, 1) }

// boxSpace is [lo, hi]^n.
func boxSpace(n int, lo, hi float64) map[string]interface{} {
	s := map[string]interface{}{}
	for i := 0; i < n; i++ {
		s[name(i)] = goptuna.UniformDistribution{Low: lo, High: hi}
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

// DevProblems are the development problems: defaults were chosen on them.
var DevProblems = []Problem{
	{Name: "ZDT1", Set: "dev", About: "2 objectives, convex front, 10-D (Zitzler, Deb, Thiele 2000)",
		Ref: []float64{1.1, 11}, Space: unitSpace(10), Eval: zdt1},
	{Name: "ZDT2", Set: "dev", About: "2 objectives, concave front, 10-D (Zitzler, Deb, Thiele 2000)",
		Ref: []float64{1.1, 11}, Space: unitSpace(10), Eval: zdt2},
	{Name: "DTLZ2", Set: "dev", About: "3 objectives, spherical front, 6-D (Deb, Thiele, Laumanns, Zitzler 2002)",
		Ref: []float64{2.1, 2.1, 2.1}, Space: unitSpace(6), Eval: func(x []float64) []float64 {
			return dtlzSphere(x, 3, dtlz2G(x[2:]))
		}},
	{Name: "Branin", Set: "dev", About: "1 objective, 2-D, three global minima 0.397887", Space: map[string]interface{}{
		"x00": goptuna.UniformDistribution{Low: -5, High: 10},
		"x01": goptuna.UniformDistribution{Low: 0, High: 15},
	}, Eval: func(x []float64) []float64 {
		a, b, c, r, s, t := 1.0, 5.1/(4*math.Pi*math.Pi), 5/math.Pi, 6.0, 10.0, 1/(8*math.Pi)
		y := x[1] - b*x[0]*x[0] + c*x[0] - r
		return []float64{a*y*y + s*(1-t)*math.Cos(x[0]) + s}
	}},
	{Name: "Hartmann6", Set: "dev", About: "1 objective, 6-D, minimum −3.32237", Space: unitSpace(6), Eval: func(x []float64) []float64 {
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

// dtlz2G is DTLZ2's distance function Σ (x − 0.5)².
func dtlz2G(xm []float64) float64 {
	g := 0.0
	for _, v := range xm {
		g += (v - 0.5) * (v - 0.5)
	}
	return g
}

// dtlzSphere maps angles x[0:m−1] (in [0, 1]) to (1+g)·the point of the unit sphere's positive
// orthant, as DTLZ2–DTLZ6 do.
func dtlzSphere(x []float64, m int, g float64) []float64 {
	th := make([]float64, m-1)
	for i := range th {
		th[i] = x[i] * math.Pi / 2
	}
	return sphere(th, m, g)
}

// sphere is f_i = (1+g) Π_{j<m−1−i} cos θ_j · (sin θ_{m−1−i} when i > 0).
func sphere(th []float64, m int, g float64) []float64 {
	f := make([]float64, m)
	for i := 0; i < m; i++ {
		v := 1 + g
		for j := 0; j < m-1-i; j++ {
			v *= math.Cos(th[j])
		}
		if i > 0 {
			v *= math.Sin(th[m-1-i])
		}
		f[i] = v
	}
	return f
}

// AllProblems returns the development problems (round 2's, then MoreDevProblems), then the
// evaluation ones.
func AllProblems() []Problem {
	return slices.Concat(DevProblems, MoreDevProblems, EvalProblems)
}

// Lookup returns the problem called name.
func Lookup(name string) (Problem, bool) {
	for _, p := range AllProblems() {
		if p.Name == name {
			return p, true
		}
	}
	return Problem{}, false
}

// Outcome is one evaluation: the objective vector the sampler sees (with noise), the true one,
// and the constraint values.
type Outcome struct {
	Seen, True, Cons []float64
}

// Evaluate evaluates x for the trial of the given ordinal of the run with the given seed: the
// noise, when p has some, is drawn from (seed, ordinal), so every sampler sees the same noise
// at the same ordinal.
func Evaluate(p Problem, x []float64, seed int64, ordinal int) Outcome {
	y := p.Eval(x)
	o := Outcome{True: y, Seen: y}
	if p.Cons != nil {
		o.Cons = p.Cons(x)
	}
	if p.Noise > 0 {
		rng := rand.New(rand.NewSource(observe.Seed(seed, 7, uint64(ordinal))))
		o.Seen = make([]float64, len(y))
		for i, v := range y {
			o.Seen[i] = v + p.Noise*rng.NormFloat64()
		}
	}
	return o
}

// Run evaluates trials points of p proposed by s, one at a time, the point of ordinal i seeded
// from (seed, i) the way search seeds a study's points, and returns the outcomes.
func Run(p Problem, s observe.Sampler, trials int, seed int64) ([]Outcome, error) {
	names := observe.Names(p.Space)
	var past []observe.Trial
	var out []Outcome
	for i := 0; i < trials; i++ {
		pt, err := s.SamplePoint(p.Space, past, i, observe.Seed(seed, 2, uint64(i)))
		if err != nil {
			return nil, fmt.Errorf("%s trial %d: %w", p.Name, i, err)
		}
		x := make([]float64, len(names))
		for j, n := range names {
			x[j] = pt[n]
		}
		o := Evaluate(p, x, seed, i)
		out = append(out, o)
		past = append(past, observe.Trial{Ordinal: i, State: observe.Complete, Params: pt, Values: o.Seen, Constraints: o.Cons})
	}
	return out, nil
}

// Score is the hypervolume of the feasible true vectors among the first n outcomes against
// p.Ref, or their best true value for a single objective (+Inf when none is feasible).
func Score(p Problem, os []Outcome, n int) float64 {
	var ys [][]float64
	for _, o := range os[:n] {
		if front.TotalViolation(o.Cons) == 0 {
			ys = append(ys, o.True)
		}
	}
	if !p.Multi() {
		best := math.Inf(1)
		for _, y := range ys {
			best = math.Min(best, y[0])
		}
		return best
	}
	if len(ys) == 0 {
		return 0
	}
	return front.HypervolumeMin(ys, p.Ref)
}

// quantile of xs at q in [0, 1] (linear interpolation between order statistics, numpy's default).
func quantile(xs []float64, q float64) float64 {
	s := append([]float64(nil), xs...)
	slices.Sort(s)
	if len(s) == 0 {
		return math.NaN()
	}
	h := q * float64(len(s)-1)
	lo := int(math.Floor(h))
	if lo+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}

// median of xs.
func median(xs []float64) float64 { return quantile(xs, 0.5) }
