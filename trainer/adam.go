package trainer

import (
	"fmt"
	"math"
	"strings"

	"github.com/attnsearch/attnsearch/space"
	G "gorgonia.org/gorgonia"
)

// adam is Adam with bias correction over the shared weight tensors. Its state is keyed by
// parameter name, so every cached graph updates the same moments.
type adam struct {
	lr, beta1, beta2, eps float64
	wd                    float64
	decoupled             bool
	clip                  float64
	warmup, total         int
	schedule              string
	t                     int
	m, v                  map[string][]float64
	gbuf                  [][]float64 // per-parameter float64 gradient buffers, reused every step
}

func newAdam(cfg space.Config, tr space.Training, total int) (*adam, error) {
	a := &adam{
		lr: cfg.LR, beta1: tr.Beta1, beta2: tr.Beta2, eps: tr.Eps, wd: cfg.WeightDecay,
		clip: tr.ClipNorm, warmup: cfg.WarmupSteps, total: total, schedule: tr.Schedule,
		m: map[string][]float64{}, v: map[string][]float64{},
	}
	if a.beta1 == 0 && a.beta2 == 0 {
		a.beta1, a.beta2 = 0.9, 0.98
	}
	if a.eps == 0 {
		a.eps = 1e-9
	}
	if a.schedule == "" {
		a.schedule = "inverse_sqrt"
	}
	switch tr.WeightDecayMode {
	case "", "decoupled":
		a.decoupled = true
	case "l2":
	default:
		return nil, fmt.Errorf("trainer: weight decay mode %q: want decoupled or l2", tr.WeightDecayMode)
	}
	switch a.schedule {
	case "inverse_sqrt", "cosine", "constant":
	default:
		return nil, fmt.Errorf("trainer: schedule %q: want inverse_sqrt, cosine or constant", a.schedule)
	}
	if a.lr <= 0 || math.IsNaN(a.lr) {
		return nil, fmt.Errorf("trainer: learning rate %g must be positive", a.lr)
	}
	return a, nil
}

// rate is the learning rate at 1-based step t: linear warm-up, then the schedule.
func (a *adam) rate(t int) float64 {
	if a.warmup > 0 && t <= a.warmup {
		return a.lr * float64(t) / float64(a.warmup)
	}
	switch a.schedule {
	case "inverse_sqrt":
		return a.lr * math.Sqrt(float64(max(a.warmup, 1))/float64(t))
	case "cosine":
		span := a.total - a.warmup
		if span <= 0 {
			return a.lr
		}
		frac := math.Min(1, float64(t-a.warmup)/float64(span))
		return a.lr * 0.5 * (1 + math.Cos(math.Pi*frac))
	}
	return a.lr
}

// decays reports whether weight decay applies to a parameter (matrices and embeddings, not
// biases or LayerNorm gains).
func decays(name string) bool {
	return strings.HasSuffix(name, ".w") || strings.HasSuffix(name, ".emb") || strings.HasSuffix(name, ".pos")
}

// gradData returns a gradient node's values as float64 (a copy into buf, grown as needed, for float32).
func gradData(n *G.Node, buf []float64) ([]float64, error) {
	if n.Value() == nil {
		return nil, fmt.Errorf("trainer: gradient %s has no value", n.Name())
	}
	switch d := n.Value().Data().(type) {
	case []float32:
		out := buf
		if cap(out) < len(d) {
			out = make([]float64, len(d))
		}
		out = out[:len(d)]
		for i, x := range d {
			out[i] = float64(x)
		}
		return out, nil
	case []float64:
		return d, nil
	}
	return nil, fmt.Errorf("trainer: gradient %s of type %T", n.Name(), n.Value().Data())
}

// step applies one update from the graph's gradients and returns the gradient norm before clipping.
func (a *adam) step(p *params, grads []*G.Node) (float64, error) {
	a.t++
	if len(a.gbuf) != len(p.specs) {
		a.gbuf = make([][]float64, len(p.specs))
	}
	gs := a.gbuf
	var sq float64
	for i, s := range p.specs {
		g, err := gradData(grads[i], gs[i])
		if err != nil {
			return 0, err
		}
		if !a.decoupled && a.wd > 0 && decays(s.name) {
			th := f64(p.t[s.name])
			if _, isF64 := grads[i].Value().Data().([]float64); isF64 {
				g = append([]float64(nil), g...)
			}
			for j := range g {
				g[j] += a.wd * th[j]
			}
		}
		for _, x := range g {
			sq += x * x
		}
		gs[i] = g
	}
	norm := math.Sqrt(sq)
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		return norm, fmt.Errorf("trainer: gradient norm %v: %w", norm, ErrDiverged)
	}
	scale := 1.0
	if a.clip > 0 && norm > a.clip {
		scale = a.clip / norm
	}
	lr := a.rate(a.t)
	bc1 := 1 - math.Pow(a.beta1, float64(a.t))
	bc2 := 1 - math.Pow(a.beta2, float64(a.t))
	for i, s := range p.specs {
		g := gs[i]
		m, v := a.m[s.name], a.v[s.name]
		if m == nil {
			m, v = make([]float64, len(g)), make([]float64, len(g))
			a.m[s.name], a.v[s.name] = m, v
		}
		wd := 0.0
		if a.decoupled && decays(s.name) {
			wd = a.wd
		}
		// Constants in locals and the bias corrections as reciprocals: one division and one
		// square root per element (float64 results differ from dividing by bc1, bc2 in the last
		// bit at most, far below the float32 weights' resolution).
		b1, b2, c1, c2, eps := a.beta1, a.beta2, 1-a.beta1, 1-a.beta2, a.eps
		ib1, ib2 := 1/bc1, 1/bc2
		upd := func(j int, th float64) float64 {
			gj := g[j] * scale
			mj := b1*m[j] + c1*gj
			vj := b2*v[j] + c2*gj*gj
			m[j], v[j] = mj, vj
			return th - lr*((mj*ib1)/(math.Sqrt(vj*ib2)+eps)+wd*th)
		}
		switch th := p.t[s.name].Data().(type) {
		case []float32:
			g, m, v := g[:len(th)], m[:len(th)], v[:len(th)]
			for j := range th {
				gj := g[j] * scale
				mj := b1*m[j] + c1*gj
				vj := b2*v[j] + c2*gj*gj
				m[j], v[j] = mj, vj
				t := float64(th[j])
				th[j] = float32(t - lr*((mj*ib1)/(math.Sqrt(vj*ib2)+eps)+wd*t))
			}
		case []float64:
			for j := range th {
				th[j] = upd(j, th[j])
			}
		}
	}
	return norm, nil
}
