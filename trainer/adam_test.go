package trainer

import (
	"math"
	"testing"

	"github.com/attnsearch/attnsearch/space"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestSchedule(t *testing.T) {
	cases := []struct {
		schedule string
		warmup   int
		step     int
		want     float64
	}{
		{"inverse_sqrt", 100, 1, 0.01 * 1 / 100},
		{"inverse_sqrt", 100, 50, 0.01 * 50 / 100},
		{"inverse_sqrt", 100, 100, 0.01},
		{"inverse_sqrt", 100, 400, 0.01 * 0.5},
		{"inverse_sqrt", 0, 4, 0.01 * 0.5},
		{"cosine", 100, 100, 0.01},
		{"cosine", 100, 550, 0.01 * 0.5},
		{"cosine", 100, 1000, 0},
		{"cosine", 0, 1000, 0},
		{"constant", 10, 5, 0.005},
		{"constant", 10, 500, 0.01},
	}
	for _, c := range cases {
		a, err := newAdam(space.Config{LR: 0.01, WarmupSteps: c.warmup}, space.Training{Schedule: c.schedule}, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.rate(c.step); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s warmup %d step %d: rate %g, want %g", c.schedule, c.warmup, c.step, got, c.want)
		}
	}
	for _, tr := range []space.Training{{Schedule: "linear"}, {WeightDecayMode: "l1"}} {
		if _, err := newAdam(space.Config{LR: 0.01}, tr, 10); err == nil {
			t.Errorf("%+v accepted", tr)
		}
	}
}

// TestAdamStep checks two Adam updates with clipping and both weight-decay modes against the
// formulas computed by hand, and the ‖θ‖₂ projection.
func TestAdamStep(t *testing.T) {
	cases := []struct {
		mode string
		clip float64
	}{{"decoupled", 0}, {"l2", 0}, {"decoupled", 0.5}, {"l2", 0.5}}
	for _, c := range cases {
		g := G.NewGraph()
		p := &params{dt: tensor.Float64, specs: []pspec{{name: "a.w", shape: []int{1, 2}}, {name: "a.b", shape: []int{1, 1}}},
			t: map[string]*tensor.Dense{"a.w": denseOf(tensor.Float64, []int{1, 2}, []float64{1, -2}), "a.b": denseOf(tensor.Float64, []int{1, 1}, []float64{0.5})}}
		grad := []float64{0.3, -0.4, 1.2}
		gw := G.NewMatrix(g, tensor.Float64, G.WithShape(1, 2), G.WithValue(denseOf(tensor.Float64, []int{1, 2}, grad[:2])), G.WithName("gw"))
		gb := G.NewMatrix(g, tensor.Float64, G.WithShape(1, 1), G.WithValue(denseOf(tensor.Float64, []int{1, 1}, grad[2:])), G.WithName("gb"))
		a, err := newAdam(space.Config{LR: 0.1, WeightDecay: 0.01}, space.Training{Beta1: 0.9, Beta2: 0.99, Eps: 1e-8, ClipNorm: c.clip, WeightDecayMode: c.mode, Schedule: "constant"}, 10)
		if err != nil {
			t.Fatal(err)
		}
		theta := []float64{1, -2, 0.5}
		decay := []bool{true, true, false}
		m, v := make([]float64, 3), make([]float64, 3)
		for step := 1; step <= 2; step++ {
			gs := append([]float64(nil), grad...)
			if c.mode == "l2" {
				for i := range gs {
					if decay[i] {
						gs[i] += 0.01 * theta[i]
					}
				}
			}
			var n float64
			for _, x := range gs {
				n += x * x
			}
			n = math.Sqrt(n)
			norm, err := a.step(p, []*G.Node{gw, gb})
			if err != nil || math.Abs(norm-n) > 1e-12 {
				t.Fatalf("%+v: norm %v (want %v), %v", c, norm, n, err)
			}
			sc := 1.0
			if c.clip > 0 && n > c.clip {
				sc = c.clip / n
			}
			for i := range theta {
				gi := gs[i] * sc
				m[i] = 0.9*m[i] + 0.1*gi
				v[i] = 0.99*v[i] + 0.01*gi*gi
				upd := (m[i] / (1 - math.Pow(0.9, float64(step)))) / (math.Sqrt(v[i]/(1-math.Pow(0.99, float64(step)))) + 1e-8)
				if c.mode == "decoupled" && decay[i] {
					upd += 0.01 * theta[i]
				}
				theta[i] -= 0.1 * upd
			}
			got := append(f64(p.t["a.w"]), f64(p.t["a.b"])...)
			for i := range theta {
				if math.Abs(got[i]-theta[i]) > 1e-12 {
					t.Fatalf("%+v step %d: θ = %v, want %v", c, step, got, theta)
				}
			}
		}
		before := p.l2()
		if after := p.project(before / 2); math.Abs(after-before/2) > 1e-12 {
			t.Fatalf("projection onto %v gave norm %v", before/2, after)
		}
		if after := p.project(before); math.Abs(after-before/2) > 1e-12 {
			t.Fatalf("projection inside the ball changed the norm to %v", after)
		}
	}
}
