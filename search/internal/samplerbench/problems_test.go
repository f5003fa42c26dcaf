package main

import (
	"math"
	"strings"
	"testing"

	"github.com/attnsearch/attnsearch/search/internal/tpe"
)

func find(t *testing.T, name string) Problem {
	t.Helper()
	p, ok := Lookup(name)
	if !ok {
		t.Fatalf("no problem %s", name)
	}
	return p
}

// wfgPoint is the WFG point with position parameters pos (normalised) and every distance
// parameter at its optimum 0.35, scaled to z_i ∈ [0, 2i].
func wfgPoint(pos []float64, n int) []float64 {
	z := make([]float64, n)
	for i := range z {
		v := 0.35
		if i < len(pos) {
			v = pos[i]
		}
		s := 2 * float64(i+1)
		z[i] = v * s
		// The WFG1 bias b_poly(·, 0.02) turns a rounding error of 1e-16 in y into 0.5: step z
		// to the double whose normalised value is exactly v.
		for k := 0; k < 8 && z[i]/s != v; k++ {
			z[i] = math.Nextafter(z[i], math.Copysign(math.Inf(1), v-z[i]/s))
		}
	}
	return z
}

// wfgOptimum is the point of WFG5–WFG9 (k = 4, l = 4) with normalised position parameters pos and
// the distance parameters where their transformed values are 0: y = 0.35, except where b_param
// biases them (WFG8: by the mean of the parameters before; WFG9: of those after), y is the value
// that b_param maps to 0.35.
func wfgOptimum(name string, pos []float64) []float64 {
	const k, n = 4, 8
	y := make([]float64, n)
	copy(y, pos)
	for i := k; i < n; i++ {
		y[i] = 0.35
	}
	unbias := func(u float64) float64 { // the y with bParam(y, u) = 0.35
		v := wfgBParamA - (1-2*u)*math.Abs(math.Floor(0.5-u)+wfgBParamA)
		return math.Pow(0.35, 1/(wfgBParamB+(wfgBParamC-wfgBParamB)*v))
	}
	switch name {
	case "WFG8":
		for i := k; i < n; i++ {
			y[i] = unbias(mean(y[:i]))
		}
	case "WFG9":
		for i := n - 2; i >= k; i-- {
			y[i] = unbias(mean(y[i+1:]))
		}
	}
	z := make([]float64, n)
	for i := range z {
		z[i] = y[i] * 2 * float64(i+1)
	}
	return z
}

func zeros(n int, first ...float64) []float64 {
	x := make([]float64, n)
	copy(x, first)
	return x
}

func fill(n int, v float64, first ...float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = v
	}
	copy(x, first)
	return x
}

// TestKnownPoints checks each problem at points whose values the published definitions give
// (mostly points on the true front).
func TestKnownPoints(t *testing.T) {
	st := -2.903534
	cases := []struct {
		problem string
		x       []float64
		want    []float64
		cons    []bool // feasibility of each constraint, when the problem has some
	}{
		{"Branin", []float64{math.Pi, 2.275}, []float64{0.397887}, nil},
		{"Branin", []float64{-math.Pi, 12.275}, []float64{0.397887}, nil},
		{"Hartmann6", []float64{0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573}, []float64{-3.32237}, nil},
		{"ZDT1", zeros(10, 0.25), []float64{0.25, 0.5}, nil},
		{"ZDT2", zeros(10, 0.5), []float64{0.5, 0.75}, nil},
		{"DTLZ2", []float64{0, 0, 0.5, 0.5, 0.5, 0.5}, []float64{1, 0, 0}, nil},
		{"BNH", []float64{0, 0}, []float64{0, 50}, []bool{true, true}},
		{"BNH", []float64{0, 3}, []float64{36, 29}, []bool{false, true}},
		{"CONSTR", []float64{1, 0}, []float64{1, 1}, []bool{true, true}},
		{"CONSTR", []float64{0.1, 0}, []float64{0.1, 10}, []bool{false, false}},
		{"ChankongHaimes", []float64{2, 1}, []float64{2, 18}, []bool{true, false}},
		{"ChankongHaimes", []float64{-5, 5}, []float64{67, -61}, []bool{true, true}},
		{"Kursawe", []float64{0, 0, 0}, []float64{-20, 0}, nil},
		{"Kursawe", []float64{1, 0, 0}, []float64{-10 - 10*math.Exp(-0.2), 1 + 5*math.Sin(1)}, nil},
		{"Fonseca", fill(3, 1/math.Sqrt(3)), []float64{0, 1 - math.Exp(-4)}, nil},
		{"Poloni", []float64{1, 2}, []float64{1, 25}, nil},
		{"DTLZ4", fill(12, 0.5, 1, 1), []float64{0, 0, 1}, nil},
		{"DTLZ4", fill(12, 0.5), []float64{1, 0, 0}, nil},
		{"MixedZDT2", []float64{0.5, 0, 0, 0, 0, 0, 2, 2, 2, 2}, []float64{0.5, 0.75}, nil},
		{"NoisyZDT1", zeros(10, 0.25), []float64{0.25, 0.5}, nil},
		{"SixHumpCamel", []float64{0.08984201, -0.71265640}, []float64{-1.031628}, nil},
		{"SixHumpCamel", []float64{-0.08984201, 0.71265640}, []float64{-1.031628}, nil},
		{"LevyInt", fill(6, 1), []float64{0}, nil},
		{"RosenbrockInt", fill(6, 1), []float64{0}, nil},
		{"RosenbrockInt", []float64{0, 0, 0, 0, 0, 0}, []float64{5}, nil},
		{"GriewankCat", []float64{0, 0, 0, 3, 3, 3}, []float64{0}, nil}, // choice 3 is the value 0
		{"ZDT3", zeros(10, 0.5), []float64{0.5, 1 - math.Sqrt(0.5)}, nil},
		{"ZDT3", zeros(10, 0.1), []float64{0.1, 1 - math.Sqrt(0.1) - 0.1*math.Sin(math.Pi)}, nil},
		{"ZDT4", zeros(10, 0.25), []float64{0.25, 0.5}, nil},
		{"ZDT6", zeros(10, 1.0/12), []float64{1 - math.Exp(-1.0/3), 1 - math.Pow(1-math.Exp(-1.0/3), 2)}, nil},
		{"ZDT6", zeros(10, 0), []float64{1, 0}, nil},
		{"DTLZ1", fill(7, 0.5), []float64{0.125, 0.125, 0.25}, nil},
		{"DTLZ1", fill(7, 0.5, 1, 0), []float64{0, 0.5, 0}, nil},
		{"DTLZ5", fill(12, 0.5, 0), []float64{math.Sqrt(0.5), math.Sqrt(0.5), 0}, nil},
		{"DTLZ5", fill(12, 0.5, 1, 0.9), []float64{0, 0, 1}, nil},
		{"DTLZ7", zeros(22), []float64{0, 0, 6}, nil},
		{"DTLZ7", zeros(22, 1, 0), []float64{1, 0, 2 * (3 - 0.5*(1+math.Sin(3*math.Pi)))}, nil},
		{"WFG2", wfgPoint([]float64{0, 0, 0, 0}, 8), []float64{0, 4}, nil},
		{"WFG2", wfgPoint([]float64{1, 1, 1, 1}, 8), []float64{2, 0}, nil},
		{"WFG3", wfgPoint([]float64{0, 0, 0, 0}, 8), []float64{0, 0, 6}, nil},
		{"WFG3", wfgPoint([]float64{0.5, 0.5, 0.5, 0.5}, 8), []float64{0.5, 1, 3}, nil},
		{"WFG4", wfgPoint([]float64{0.35, 0.35, 0.35, 0.35}, 8), []float64{0, 4}, nil},
		{"TNK", []float64{1, 0.5}, []float64{1, 0.5}, []bool{true, true}},
		{"TNK", []float64{0.1, 0.1}, []float64{0.1, 0.1}, []bool{false, true}},
		{"SRN", []float64{-2.5, 5}, []float64{38.25, -38.5}, []bool{true, true}},
		{"SRN", []float64{5, 1}, []float64{11, 45}, []bool{true, false}},
		{"OSY", []float64{5, 1, 5, 0, 5, 0}, []float64{-274, 76}, []bool{true, true, true, true, true, true}},
		{"OSY", []float64{1, 2, 3, 0, 3, 0}, []float64{-(25 + 0 + 4 + 16 + 4), 23}, []bool{true, true, true, true, true, false}},
		{"C2-DTLZ2", []float64{0, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5}, []float64{1, 0, 0}, []bool{true}},
		{"C2-DTLZ2", fill(12, 0.5, 0, 0.5), []float64{math.Sqrt(0.5), math.Sqrt(0.5), 0}, []bool{false}},
		{"MixedZDT3", []float64{0.5, 0, 0, 0, 0, 0, 2, 2, 2, 2}, []float64{0.5, 1 - math.Sqrt(0.5)}, nil},
		{"NoisyZDT6", zeros(10, 0), []float64{1, 0}, nil},
		{"AckleyMixed", []float64{0, 0, 0, 0, 2, 2, 2, 2}, []float64{0}, nil},
		{"StyblinskiTangInt", []float64{st, st, st, -3, -3, -3}, []float64{-3*39.16617 - 3*39}, nil},
		{"RastriginCat", []float64{0, 0, 0, 2, 2, 2}, []float64{0}, nil},
		{"RastriginCat", []float64{0, 0, 0, 0, 2, 2}, []float64{1}, nil},
	}
	for _, c := range cases {
		p := find(t, c.problem)
		if len(c.x) != p.Dim() {
			t.Fatalf("%s: point of %d coordinates, problem has %d", c.problem, len(c.x), p.Dim())
		}
		got := p.Eval(c.x)
		if len(got) != p.Objectives() {
			t.Errorf("%s: %d objectives, want %d", c.problem, len(got), p.Objectives())
		}
		for i := range c.want {
			if math.Abs(got[i]-c.want[i]) > 1e-4 {
				t.Errorf("%s%v = %v, want %v", c.problem, c.x, got, c.want)
				break
			}
		}
		if (p.Cons != nil) != (c.cons != nil) {
			t.Fatalf("%s: constrained %v", c.problem, p.Cons != nil)
		}
		if p.Cons != nil {
			cs := p.Cons(c.x)
			for i, ok := range c.cons {
				if (cs[i] <= 0) != ok {
					t.Errorf("%s%v: constraint %d = %v, want feasible %v", c.problem, c.x, i, cs[i], ok)
				}
			}
		}
	}
}

// TestFronts checks the published front equations at points built on the front.
func TestFronts(t *testing.T) {
	// WFG1 from normalised values (its b_poly(·, 0.02) bias makes z = 0.35·2i, rounded, miss the
	// front): the ends of the front are (0, 4) and (2, 0).
	for _, c := range []struct{ pos, want []float64 }{{[]float64{0, 0, 0, 0}, []float64{0, 4}}, {[]float64{1, 1, 1, 1}, []float64{2, 0}}} {
		y := append(append([]float64(nil), c.pos...), 0.35, 0.35, 0.35, 0.35)
		if f := wfg1y(y, 4, 2); math.Abs(f[0]-c.want[0]) > 1e-9 || math.Abs(f[1]-c.want[1]) > 1e-9 {
			t.Errorf("WFG1 at y = %v: %v, want %v", y, f, c.want)
		}
	}
	for _, pos := range [][]float64{{0.1, 0.2, 0.3, 0.4}, {0.9, 0.6, 0.5, 0.05}, {0.35, 0.7, 0.2, 1}} {
		// WFG4: concave front Σ (f_m / 2m)² = 1.
		f := find(t, "WFG4").Eval(wfgPoint(pos, 8))
		if s := sq(f[0]/2) + sq(f[1]/4); math.Abs(s-1) > 1e-9 {
			t.Errorf("WFG4 front: Σ(f/S)² = %v at %v", s, f)
		}
		// WFG5–WFG9 (development): the same concave front, with each problem's distance
		// parameters at their optimum (WFG8's and WFG9's depend on the others' values).
		for _, name := range []string{"WFG5", "WFG6", "WFG7", "WFG8", "WFG9"} {
			f := find(t, name).Eval(wfgOptimum(name, pos))
			if s := sq(f[0]/2) + sq(f[1]/4); math.Abs(s-1) > 1e-9 {
				t.Errorf("%s front: Σ(f/S)² = %v at %v", name, s, f)
			}
			if g := find(t, name).Eval(wfgPoint(append(append([]float64(nil), pos...), 0.9), 8)); sq(g[0]/2)+sq(g[1]/4) < 1+1e-6 {
				t.Errorf("%s: a distance parameter off its optimum still on the front: %v", name, g)
			}
		}
		// WFG3 (3 objectives, degenerate): f_1/2 + f_2/4 + f_3/6 = 1 and f_2 = 2 f_1.
		f = find(t, "WFG3").Eval(wfgPoint(pos, 8))
		if s := f[0]/2 + f[1]/4 + f[2]/6; math.Abs(s-1) > 1e-9 || math.Abs(f[1]-2*f[0]) > 1e-9 {
			t.Errorf("WFG3 front: %v", f)
		}
		// DTLZ1: Σ f = 0.5 on the front (x_M = 0.5).
		x := fill(7, 0.5, pos[0], pos[1])
		f = find(t, "DTLZ1").Eval(x)
		if s := f[0] + f[1] + f[2]; math.Abs(s-0.5) > 1e-9 {
			t.Errorf("DTLZ1 front: Σf = %v", s)
		}
		// DTLZ5: on the unit sphere with f_1 = f_2 (the degenerate curve).
		f = find(t, "DTLZ5").Eval(fill(12, 0.5, pos[0], pos[1]))
		if s := sq(f[0]) + sq(f[1]) + sq(f[2]); math.Abs(s-1) > 1e-9 || math.Abs(f[0]-f[1]) > 1e-9 {
			t.Errorf("DTLZ5 front: %v", f)
		}
	}
}

func TestRunIsDeterministic(t *testing.T) {
	for _, name := range []string{"ZDT1", "NoisyZDT6", "OSY"} {
		p := find(t, name)
		a, err := Run(p, tpe.Random{}, 30, 4)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Run(p, tpe.Random{}, 30, 4)
		if Score(p, a, 30) != Score(p, b, 30) {
			t.Fatalf("%s: scores %v and %v", name, Score(p, a, 30), Score(p, b, 30))
		}
		if name == "NoisyZDT6" && a[0].Seen[0] == a[0].True[0] {
			t.Errorf("NoisyZDT6: the sampler sees the true value")
		}
	}
}

func TestSetsAreSeparate(t *testing.T) {
	seen := map[string]bool{}
	evalN := 0
	for _, p := range AllProblems() {
		if seen[p.Name] {
			t.Errorf("%s listed twice", p.Name)
		}
		seen[p.Name] = true
		if p.Set == "eval" {
			evalN++
		} else if p.Set != "dev" {
			t.Errorf("%s: set %q", p.Name, p.Set)
		}
	}
	if evalN < 14 {
		t.Errorf("%d evaluation problems, want at least 14", evalN)
	}
	for _, p := range MoreDevProblems { // no development problem is an evaluation problem's variant
		for _, e := range EvalProblems {
			if strings.TrimPrefix(strings.TrimPrefix(p.Name, "Mixed"), "Noisy") == strings.TrimPrefix(strings.TrimPrefix(e.Name, "Mixed"), "Noisy") {
				t.Errorf("development problem %s is a variant of evaluation problem %s", p.Name, e.Name)
			}
		}
	}
}
