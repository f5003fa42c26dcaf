package main

import (
	"math"

	"github.com/c-bata/goptuna"
)

// MoreDevProblems are the development problems added in round 3, session 6, so that settings are
// chosen on every kind of problem the evaluation set has (constrained, multimodal, disconnected,
// biased, mixed, noisy), not on five smooth functions: written from their published
// definitions, none of them (or a variant of one) among the evaluation problems. Their reference
// points lie beyond the values the problem's objectives reach on the feasible region.
var MoreDevProblems = []Problem{
	{Name: "BNH", Set: "dev", About: "2 objectives, 2 constraints, 2-D (Binh and Korn 1997)",
		Ref: []float64{140, 55}, Space: map[string]interface{}{
			name(0): goptuna.UniformDistribution{Low: 0, High: 5},
			name(1): goptuna.UniformDistribution{Low: 0, High: 3},
		}, Eval: func(x []float64) []float64 {
			return []float64{4*sq(x[0]) + 4*sq(x[1]), sq(x[0]-5) + sq(x[1]-5)}
		}, Cons: func(x []float64) []float64 {
			return []float64{sq(x[0]-5) + sq(x[1]) - 25, 7.7 - sq(x[0]-8) - sq(x[1]+3)}
		}},
	{Name: "CONSTR", Set: "dev", About: "2 objectives, 2 constraints cutting the front, 2-D (Deb 2001)",
		Ref: []float64{1.1, 10}, Space: map[string]interface{}{
			name(0): goptuna.UniformDistribution{Low: 0.1, High: 1},
			name(1): goptuna.UniformDistribution{Low: 0, High: 5},
		}, Eval: func(x []float64) []float64 {
			return []float64{x[0], (1 + x[1]) / x[0]}
		}, Cons: func(x []float64) []float64 {
			return []float64{6 - x[1] - 9*x[0], 1 + x[1] - 9*x[0]}
		}},
	{Name: "ChankongHaimes", Set: "dev", About: "2 objectives, 2 constraints, 2-D in [−20, 20] (Chankong and Haimes 1983)",
		Ref: []float64{300, 140}, Space: boxSpace(2, -20, 20), Eval: func(x []float64) []float64 {
			return []float64{2 + sq(x[0]-2) + sq(x[1]-1), 9*x[0] - sq(x[1]-1)}
		}, Cons: func(x []float64) []float64 {
			return []float64{sq(x[0]) + sq(x[1]) - 225, x[0] - 3*x[1] + 10}
		}},
	{Name: "Kursawe", Set: "dev", About: "2 objectives, multimodal, disconnected front, 3-D in [−5, 5] (Kursawe 1991)",
		Ref: []float64{-4, 27}, Space: boxSpace(3, -5, 5), Eval: func(x []float64) []float64 {
			f1, f2 := 0.0, 0.0
			for i := range x {
				if i+1 < len(x) {
					f1 -= 10 * math.Exp(-0.2*math.Sqrt(sq(x[i])+sq(x[i+1])))
				}
				f2 += math.Pow(math.Abs(x[i]), 0.8) + 5*math.Sin(x[i]*x[i]*x[i])
			}
			return []float64{f1, f2}
		}},
	{Name: "Fonseca", Set: "dev", About: "2 objectives, concave front, 3-D in [−4, 4] (Fonseca and Fleming 1995)",
		Ref: []float64{1.1, 1.1}, Space: boxSpace(3, -4, 4), Eval: func(x []float64) []float64 {
			s1, s2, c := 0.0, 0.0, 1/math.Sqrt(float64(len(x)))
			for _, v := range x {
				s1 += sq(v - c)
				s2 += sq(v + c)
			}
			return []float64{1 - math.Exp(-s1), 1 - math.Exp(-s2)}
		}},
	{Name: "Poloni", Set: "dev", About: "2 objectives, disconnected front, 2-D in [−π, π] (Poloni et al. 2000)",
		Ref: []float64{70, 60}, Space: boxSpace(2, -math.Pi, math.Pi), Eval: func(x []float64) []float64 {
			a1, a2 := poloniAB(1, 2)
			b1, b2 := poloniAB(x[0], x[1])
			return []float64{1 + sq(a1-b1) + sq(a2-b2), sq(x[0]+3) + sq(x[1]+1)}
		}},
	{Name: "DTLZ4", Set: "dev", About: "3 objectives, spherical front with biased density (α = 100), 12-D (Deb et al. 2002)",
		Ref: []float64{2.5, 2.5, 2.5}, Space: unitSpace(12), Eval: func(x []float64) []float64 {
			y := append([]float64(nil), x...)
			for i := 0; i < 2; i++ {
				y[i] = math.Pow(x[i], 100)
			}
			return dtlzSphere(y, 3, dtlz2G(x[2:]))
		}},
	{Name: "MixedZDT2", Set: "dev", About: "ZDT2 with x₁…x₅ integers 0…10 (value/10) and x₆…x₉ categorical over {0, ¼, ½, ¾, 1} in shuffled order",
		Ref: []float64{1.1, 11}, Space: mixedZDTSpace(), Eval: func(x []float64) []float64 { return zdt2(mixedZDTX(x)) }},
	{Name: "NoisyZDT1", Set: "dev", About: "ZDT1 seen through Gaussian noise (σ = 0.1 on each objective); scored on the true values",
		Ref: []float64{1.1, 11}, Space: unitSpace(10), Eval: zdt1, Noise: 0.1},
	{Name: "SixHumpCamel", Set: "dev", About: "1 objective, 2-D, x₀ in [−3, 3], x₁ in [−2, 2], six local minima, two global −1.031628",
		Space: map[string]interface{}{
			name(0): goptuna.UniformDistribution{Low: -3, High: 3},
			name(1): goptuna.UniformDistribution{Low: -2, High: 2},
		}, Eval: func(x []float64) []float64 {
			a, b := x[0], x[1]
			return []float64{(4-2.1*a*a+a*a*a*a/3)*a*a + a*b + (-4+4*b*b)*b*b}
		}},
	{Name: "LevyInt", Set: "dev", About: "1 objective: Levy in 6-D, x₀…x₂ in [−10, 10], x₃…x₅ integers −10…10; minimum 0 at x = 1",
		Space: boxThen(3, -10, 10, 6, goptuna.IntUniformDistribution{Low: -10, High: 10}), Eval: func(x []float64) []float64 {
			w := make([]float64, len(x))
			for i, v := range x {
				w[i] = 1 + (v-1)/4
			}
			d := len(w) - 1
			s := sq(math.Sin(math.Pi * w[0]))
			for _, v := range w[:d] {
				s += sq(v-1) * (1 + 10*sq(math.Sin(math.Pi*v+1)))
			}
			return []float64{s + sq(w[d]-1)*(1+sq(math.Sin(2*math.Pi*w[d])))}
		}},
	{Name: "RosenbrockInt", Set: "dev", About: "1 objective: Rosenbrock in 6-D, x₀…x₂ in [−5, 10], x₃…x₅ integers −5…10; minimum 0 at x = 1 (round 3, session 7)",
		Space: boxThen(3, -5, 10, 6, goptuna.IntUniformDistribution{Low: -5, High: 10}), Eval: func(x []float64) []float64 {
			s := 0.0
			for i := 0; i+1 < len(x); i++ {
				s += 100*sq(x[i+1]-x[i]*x[i]) + sq(1-x[i])
			}
			return []float64{s}
		}},
	{Name: "GriewankCat", Set: "dev", About: "1 objective: Griewank in 6-D, x₀…x₂ in [−10, 10], x₃…x₅ categorical over {−2, −1, 0, 1, 2} shuffled; minimum 0 at x = 0 (round 3, session 7)",
		Space: boxThen(3, -10, 10, 6, goptuna.CategoricalDistribution{Choices: catChoices(len(griewankLevels))}), Eval: func(x []float64) []float64 {
			s, p := 1.0, 1.0
			for i, v := range categoricalValues(x, 3, griewankLevels) {
				s += v * v / 4000
				p *= math.Cos(v / math.Sqrt(float64(i+1)))
			}
			return []float64{s - p}
		}},
	{Name: "WFG5", Set: "dev", About: "2 objectives, deceptive (s_decept), concave front, k=4, l=4 (Huband et al. 2006; round 3, session 7)",
		Ref: []float64{3, 5}, Space: wfgSpace(8), Eval: func(x []float64) []float64 { return wfg5(x, 4, 2) }},
	{Name: "WFG6", Set: "dev", About: "2 objectives, non-separable (r_nonsep), concave front, k=4, l=4 (Huband et al. 2006; round 3, session 7)",
		Ref: []float64{3, 5}, Space: wfgSpace(8), Eval: func(x []float64) []float64 { return wfg6(x, 4, 2) }},
	{Name: "WFG7", Set: "dev", About: "2 objectives, parameter-dependent bias of the position parameters, concave front, k=4, l=4 (Huband et al. 2006; round 3, session 7)",
		Ref: []float64{3, 5}, Space: wfgSpace(8), Eval: func(x []float64) []float64 { return wfg7(x, 4, 2) }},
	{Name: "WFG8", Set: "dev", About: "2 objectives, parameter-dependent bias of the distance parameters, concave front, k=4, l=4 (Huband et al. 2006; round 3, session 7)",
		Ref: []float64{3, 5}, Space: wfgSpace(8), Eval: func(x []float64) []float64 { return wfg8(x, 4, 2) }},
	{Name: "WFG9", Set: "dev", About: "2 objectives, biased, deceptive and multimodal, non-separable, concave front, k=4, l=4 (Huband et al. 2006; round 3, session 7)",
		Ref: []float64{3, 5}, Space: wfgSpace(8), Eval: func(x []float64) []float64 { return wfg9(x, 4, 2) }},
}

// griewankLevels are GriewankCat's categorical values, in choice order (a different shuffle
// from the evaluation problems' ackleyLevels).
var griewankLevels = []float64{-1, 2, -2, 0, 1}

// poloniAB is the pair Poloni's problem compares: at (1, 2) its constants A₁, A₂, at the
// point (a, b) its B₁, B₂.
func poloniAB(a, b float64) (float64, float64) {
	return 0.5*math.Sin(a) - 2*math.Cos(a) + math.Sin(b) - 1.5*math.Cos(b),
		1.5*math.Sin(a) - math.Cos(a) + 2*math.Sin(b) - 0.5*math.Cos(b)
}

// zdt1 is ZDT1 on [0, 1]^n.
func zdt1(x []float64) []float64 {
	g := zdtG(x)
	return []float64{x[0], g * (1 - math.Sqrt(x[0]/g))}
}

// zdt2 is ZDT2 on [0, 1]^n.
func zdt2(x []float64) []float64 {
	g := zdtG(x)
	return []float64{x[0], g * (1 - (x[0]/g)*(x[0]/g))}
}
