package main

import (
	"math"

	"github.com/c-bata/goptuna"
)

// EvalProblems are the evaluation problems, written from their published definitions; no
// setting was chosen on them. The reference points lie beyond the values 200 random trials
// reach on the problem's front side, so that every sampler scores above 0 and the hypervolume
// still rewards reaching the front.
var EvalProblems = []Problem{
	{Name: "ZDT3", Set: "eval", About: "2 objectives, disconnected front, 10-D (Zitzler, Deb, Thiele 2000)",
		Ref: []float64{1.1, 11}, Space: unitSpace(10), Eval: zdt3},
	{Name: "ZDT4", Set: "eval", About: "2 objectives, multimodal (21⁹ local fronts), 10-D, x₂…x₁₀ in [−5, 5] (ZDT 2000)",
		Ref: []float64{1.1, 250}, Space: zdt4Space(), Eval: func(x []float64) []float64 {
			g := 1 + 10*float64(len(x)-1)
			for _, v := range x[1:] {
				g += v*v - 10*math.Cos(4*math.Pi*v)
			}
			return []float64{x[0], g * (1 - math.Sqrt(x[0]/g))}
		}},
	{Name: "ZDT6", Set: "eval", About: "2 objectives, biased (non-uniform) front and density, 10-D (ZDT 2000)",
		Ref: []float64{1.1, 11}, Space: unitSpace(10), Eval: zdt6},
	{Name: "DTLZ1", Set: "eval", About: "3 objectives, linear front, multimodal (11⁵−1 local fronts), 7-D (Deb et al. 2002)",
		Ref: []float64{100, 100, 100}, Space: unitSpace(7), Eval: func(x []float64) []float64 {
			xm := x[2:]
			g := float64(len(xm))
			for _, v := range xm {
				g += (v-0.5)*(v-0.5) - math.Cos(20*math.Pi*(v-0.5))
			}
			g *= 100
			return []float64{0.5 * x[0] * x[1] * (1 + g), 0.5 * x[0] * (1 - x[1]) * (1 + g), 0.5 * (1 - x[0]) * (1 + g)}
		}},
	{Name: "DTLZ5", Set: "eval", About: "3 objectives, degenerate (curve) front, 12-D (Deb et al. 2002)",
		Ref: []float64{2.5, 2.5, 2.5}, Space: unitSpace(12), Eval: func(x []float64) []float64 {
			g := dtlz2G(x[2:])
			th := []float64{x[0] * math.Pi / 2, math.Pi / (4 * (1 + g)) * (1 + 2*g*x[1])}
			return sphere(th, 3, g)
		}},
	{Name: "DTLZ7", Set: "eval", About: "3 objectives, disconnected front (4 regions), 22-D (Deb et al. 2002)",
		Ref: []float64{1.1, 1.1, 30}, Space: unitSpace(22), Eval: func(x []float64) []float64 {
			xm := x[2:]
			g := 0.0
			for _, v := range xm {
				g += v
			}
			g = 1 + 9*g/float64(len(xm))
			h := 3.0
			for _, f := range x[:2] {
				h -= f / (1 + g) * (1 + math.Sin(3*math.Pi*f))
			}
			return []float64{x[0], x[1], (1 + g) * h}
		}},
	{Name: "WFG1", Set: "eval", About: "2 objectives, flat and polynomial bias, convex-mixed front, k=4, l=4 (Huband et al. 2006)",
		Ref: []float64{3, 5}, Space: wfgSpace(8), Eval: func(x []float64) []float64 { return wfg1(x, 4, 2) }},
	{Name: "WFG2", Set: "eval", About: "2 objectives, non-separable, disconnected convex front, k=4, l=4 (Huband et al. 2006)",
		Ref: []float64{3, 5}, Space: wfgSpace(8), Eval: func(x []float64) []float64 { return wfg23(x, 4, 2, false) }},
	{Name: "WFG3", Set: "eval", About: "3 objectives, non-separable, degenerate linear front, k=4, l=4 (Huband et al. 2006)",
		Ref: []float64{3, 5, 7}, Space: wfgSpace(8), Eval: func(x []float64) []float64 { return wfg23(x, 4, 3, true) }},
	{Name: "WFG4", Set: "eval", About: "2 objectives, multimodal (s_multi), concave front, k=4, l=4 (Huband et al. 2006)",
		Ref: []float64{3, 5}, Space: wfgSpace(8), Eval: func(x []float64) []float64 { return wfg4(x, 4, 2) }},
	{Name: "TNK", Set: "eval", About: "2 objectives, 2 constraints, disconnected feasible front, 2-D (Tanaka et al. 1995)",
		Ref: []float64{1.2, 1.2}, Space: map[string]interface{}{
			"x00": goptuna.UniformDistribution{Low: 1e-12, High: math.Pi},
			"x01": goptuna.UniformDistribution{Low: 1e-12, High: math.Pi},
		}, Eval: func(x []float64) []float64 { return []float64{x[0], x[1]} },
		Cons: func(x []float64) []float64 {
			return []float64{
				-(x[0]*x[0] + x[1]*x[1] - 1 - 0.1*math.Cos(16*math.Atan(x[0]/x[1]))),
				(x[0]-0.5)*(x[0]-0.5) + (x[1]-0.5)*(x[1]-0.5) - 0.5,
			}
		}},
	{Name: "SRN", Set: "eval", About: "2 objectives, 2 constraints, 2-D in [−20, 20] (Srinivas and Deb 1994)",
		Ref: []float64{250, 0}, Space: boxSpace(2, -20, 20), Eval: func(x []float64) []float64 {
			return []float64{2 + (x[0]-2)*(x[0]-2) + (x[1]-1)*(x[1]-1), 9*x[0] - (x[1]-1)*(x[1]-1)}
		}, Cons: func(x []float64) []float64 {
			return []float64{x[0]*x[0] + x[1]*x[1] - 225, x[0] - 3*x[1] + 10}
		}},
	{Name: "OSY", Set: "eval", About: "2 objectives, 6 constraints, 6-D, front on constraint boundaries (Osyczka and Kundu 1995)",
		Ref: []float64{0, 80}, Space: map[string]interface{}{
			"x00": goptuna.UniformDistribution{Low: 0, High: 10}, "x01": goptuna.UniformDistribution{Low: 0, High: 10},
			"x02": goptuna.UniformDistribution{Low: 1, High: 5}, "x03": goptuna.UniformDistribution{Low: 0, High: 6},
			"x04": goptuna.UniformDistribution{Low: 1, High: 5}, "x05": goptuna.UniformDistribution{Low: 0, High: 10},
		}, Eval: func(x []float64) []float64 {
			f1 := -(25*sq(x[0]-2) + sq(x[1]-2) + sq(x[2]-1) + sq(x[3]-4) + sq(x[4]-1))
			f2 := 0.0
			for _, v := range x {
				f2 += v * v
			}
			return []float64{f1, f2}
		}, Cons: func(x []float64) []float64 {
			return []float64{ // the published C_i(x) ≥ 0, negated
				-(x[0] + x[1] - 2), -(6 - x[0] - x[1]), -(2 - x[1] + x[0]), -(2 - x[0] + 3*x[1]),
				-(4 - sq(x[2]-3) - x[3]), -(sq(x[4]-3) + x[5] - 4),
			}
		}},
	{Name: "C2-DTLZ2", Set: "eval", About: "3 objectives, 1 constraint leaving 4 disconnected feasible patches of the front, 12-D (Jain and Deb 2014)",
		Ref: []float64{2.1, 2.1, 2.1}, Space: unitSpace(12), Eval: func(x []float64) []float64 {
			return dtlzSphere(x, 3, dtlz2G(x[2:]))
		}, Cons: func(x []float64) []float64 { return []float64{c2dtlz2(dtlzSphere(x, 3, dtlz2G(x[2:])), 0.4)} }},
	{Name: "MixedZDT3", Set: "eval", About: "ZDT3 with x₁…x₅ integers 0…10 (value/10) and x₆…x₉ categorical over {0, ¼, ½, ¾, 1} in shuffled order",
		Ref: []float64{1.1, 11}, Space: mixedZDTSpace(), Eval: func(x []float64) []float64 { return zdt3(mixedZDTX(x)) }},
	{Name: "NoisyZDT6", Set: "eval", About: "ZDT6 seen through Gaussian noise (σ = 0.1 on each objective); scored on the true values",
		Ref: []float64{1.1, 11}, Space: unitSpace(10), Eval: zdt6, Noise: 0.1},
	{Name: "AckleyMixed", Set: "eval", About: "1 objective: Ackley (a=20, b=0.2, c=2π) in 8-D, x₀…x₃ in [−32.768, 32.768], x₄…x₇ categorical over {−2, −1, 0, 1, 2} shuffled; minimum 0",
		Space: ackleySpace(), Eval: func(x []float64) []float64 { return []float64{ackley(categoricalValues(x, 4, ackleyLevels))} }},
	{Name: "StyblinskiTangInt", Set: "eval", About: "1 objective: Styblinski–Tang in 6-D, x₀…x₂ in [−5, 5], x₃…x₅ integers −5…5; minimum −39.16617·3 − 3·39.0 = −234.4985",
		Space: stSpace(), Eval: func(x []float64) []float64 {
			s := 0.0
			for _, v := range x {
				s += v*v*v*v - 16*v*v + 5*v
			}
			return []float64{s / 2}
		}},
	{Name: "RastriginCat", Set: "eval", About: "1 objective: Rastrigin in 6-D, x₀…x₂ in [−5.12, 5.12], x₃…x₅ categorical over {−2, −1, 0, 1, 2} shuffled; minimum 0",
		Space: rastriginSpace(), Eval: func(x []float64) []float64 {
			v := categoricalValues(x, 3, ackleyLevels)
			s := 10 * float64(len(v))
			for _, z := range v {
				s += z*z - 10*math.Cos(2*math.Pi*z)
			}
			return []float64{s}
		}},
}

func sq(x float64) float64 { return x * x }

func zdt3(x []float64) []float64 {
	g := zdtG(x)
	r := x[0] / g
	return []float64{x[0], g * (1 - math.Sqrt(r) - r*math.Sin(10*math.Pi*x[0]))}
}

func zdt6(x []float64) []float64 {
	f1 := 1 - math.Exp(-4*x[0])*math.Pow(math.Sin(6*math.Pi*x[0]), 6)
	s := 0.0
	for _, v := range x[1:] {
		s += v
	}
	g := 1 + 9*math.Pow(s/float64(len(x)-1), 0.25)
	return []float64{f1, g * (1 - (f1/g)*(f1/g))}
}

func zdt4Space() map[string]interface{} {
	s := boxSpace(10, -5, 5)
	s[name(0)] = goptuna.UniformDistribution{Low: 0, High: 1}
	return s
}

// c2dtlz2 is C2-DTLZ2's constraint in ≤ 0 form: min(min_i[(f_i−1)² + Σ_{j≠i} f_j² − r²],
// Σ_i (f_i − 1/√M)² − r²).
func c2dtlz2(f []float64, r float64) float64 {
	m := len(f)
	best := math.Inf(1)
	for i := range f {
		v := sq(f[i]-1) - r*r
		for j := range f {
			if j != i {
				v += f[j] * f[j]
			}
		}
		best = math.Min(best, v)
	}
	c := -r * r
	for _, v := range f {
		c += sq(v - 1/math.Sqrt(float64(m)))
	}
	return math.Min(best, c)
}

// catLevels are the values of the categorical parameters' choices, in choice order (shuffled
// so that the choice index carries no order).
var catLevels = []float64{0.5, 1, 0, 0.75, 0.25}

// catChoices names the choices of a categorical parameter with n levels.
func catChoices(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = string(rune('a' + i))
	}
	return out
}

// mixedZDTSpace is MixedZDT3's and MixedZDT2's space: x₀ in [0, 1], x₁…x₅ integers 0…10,
// x₆…x₉ categorical over catLevels.
func mixedZDTSpace() map[string]interface{} {
	s := map[string]interface{}{name(0): goptuna.UniformDistribution{Low: 0, High: 1}}
	for i := 1; i <= 5; i++ {
		s[name(i)] = goptuna.IntUniformDistribution{Low: 0, High: 10}
	}
	for i := 6; i <= 9; i++ {
		s[name(i)] = goptuna.CategoricalDistribution{Choices: catChoices(len(catLevels))}
	}
	return s
}

// mixedZDTX maps a point of mixedZDTSpace to ZDT's [0, 1]^10.
func mixedZDTX(x []float64) []float64 {
	z := make([]float64, len(x))
	z[0] = x[0]
	for i := 1; i <= 5; i++ {
		z[i] = x[i] / 10
	}
	for i := 6; i <= 9; i++ {
		z[i] = catLevels[int(x[i])]
	}
	return z
}

// ackleyLevels are AckleyMixed's and RastriginCat's categorical values, in choice order.
var ackleyLevels = []float64{1, -2, 0, 2, -1}

// categoricalValues maps the parameters from index first on (categorical indices) to their values
// in levels.
func categoricalValues(x []float64, first int, levels []float64) []float64 {
	z := append([]float64(nil), x...)
	for i := first; i < len(z); i++ {
		z[i] = levels[int(x[i])]
	}
	return z
}

func ackleySpace() map[string]interface{} {
	return boxThen(4, -32.768, 32.768, 8, goptuna.CategoricalDistribution{Choices: catChoices(len(ackleyLevels))})
}

// boxThen is boxSpace(k, low, high) followed by parameters k … n−1 with distribution d.
func boxThen(k int, low, high float64, n int, d interface{}) map[string]interface{} {
	s := boxSpace(k, low, high)
	for i := k; i < n; i++ {
		s[name(i)] = d
	}
	return s
}

func ackley(x []float64) float64 {
	d := float64(len(x))
	s1, s2 := 0.0, 0.0
	for _, v := range x {
		s1 += v * v
		s2 += math.Cos(2 * math.Pi * v)
	}
	return -20*math.Exp(-0.2*math.Sqrt(s1/d)) - math.Exp(s2/d) + 20 + math.E
}

func stSpace() map[string]interface{} {
	return boxThen(3, -5, 5, 6, goptuna.IntUniformDistribution{Low: -5, High: 5})
}

func rastriginSpace() map[string]interface{} {
	return boxThen(3, -5.12, 5.12, 6, goptuna.CategoricalDistribution{Choices: catChoices(len(ackleyLevels))})
}
