package trainer

import (
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer/fastmath"
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
	threads               int // goroutines for the per-parameter passes (0 or 1 = the calling one)
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

// gradSum returns the sum of a parameter's gradients over the shards as float64: the gradient's
// own slice for one float64 shard (aliased reports that), else a copy into buf, grown as needed.
// With sq non-nil it adds the squares of the sum to *sq, element by element in order, in the
// same pass.
func gradSum(shards []*G.Node, buf []float64, sq *float64) (g []float64, aliased bool, err error) {
	last := len(shards) - 1
	for k, n := range shards {
		if n.Value() == nil {
			return nil, false, fmt.Errorf("trainer: gradient %s has no value", n.Name())
		}
		switch d := n.Value().Data().(type) {
		case []float32:
			switch {
			case k == 0 && k == last && sq != nil:
				g = grow(buf, len(d))
				acc := *sq
				for j, x := range d {
					y := float64(x)
					g[j] = y
					acc += y * y
				}
				*sq = acc
				return g, false, nil
			case k == 0:
				g = grow(buf, len(d))
				for j, x := range d {
					g[j] = float64(x)
				}
			default:
				g = g[:len(d)]
				for j, x := range d {
					g[j] += float64(x)
				}
			}
		case []float64:
			if k == 0 && k == last {
				g, aliased = d, true
				break
			}
			if k == 0 {
				g = append(grow(buf, len(d))[:0], d...)
				continue
			}
			g = g[:len(d)]
			for j, x := range d {
				g[j] += x
			}
		default:
			return nil, false, fmt.Errorf("trainer: gradient %s of type %T", n.Name(), n.Value().Data())
		}
	}
	if sq != nil {
		acc := *sq
		for _, x := range g {
			acc += x * x
		}
		*sq = acc
	}
	return g, aliased, nil
}

// grow returns buf resized to n, reallocated when its capacity is short.
func grow(buf []float64, n int) []float64 {
	if cap(buf) < n {
		return make([]float64, n)
	}
	return buf[:n]
}

// groups splits the parameters (in specs order) into at most n contiguous runs of about equal
// element counts, for the parallel passes of step; n = 1 gives one run of all.
func groups(specs []pspec, n int) [][2]int {
	total := 0
	for _, s := range specs {
		total += s.shape[0] * s.shape[1]
	}
	var out [][2]int
	lo, acc := 0, 0
	for i, s := range specs {
		acc += s.shape[0] * s.shape[1]
		if len(out) < n-1 && acc*n >= total*(len(out)+1) {
			out = append(out, [2]int{lo, i + 1})
			lo = i + 1
		}
	}
	if lo < len(specs) {
		out = append(out, [2]int{lo, len(specs)})
	}
	return out
}

// forGroups runs f on each group, concurrently when there are several (the first on the calling
// goroutine).
func forGroups(gs [][2]int, f func(g int)) {
	var wg sync.WaitGroup
	for g := 1; g < len(gs); g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(g)
		}()
	}
	f(0)
	wg.Wait()
}

// step applies one update from the gradients (one list per data-parallel shard, in params.specs
// order, summed) and returns the gradient norm before clipping. With a.threads > 1 both passes
// run over contiguous groups of parameters concurrently; the norm adds the groups' sums in
// order, so the result depends on the thread count only through that rounding, and not at all
// on scheduling.
func (a *adam) step(p *params, shards ...[]*G.Node) (float64, error) {
	if len(shards) == 0 {
		return 0, fmt.Errorf("trainer: optimizer step without gradients")
	}
	a.begin(p)
	if len(a.gbuf) != len(p.specs) {
		a.gbuf = make([][]float64, len(p.specs))
	}
	gs := a.gbuf
	parts := groups(p.specs, max(1, a.threads))
	sqs := make([]float64, len(parts))
	errs := make([]error, len(parts))
	forGroups(parts, func(k int) {
		per := make([]*G.Node, len(shards))
		var sq float64
		for i := parts[k][0]; i < parts[k][1]; i++ {
			s := p.specs[i]
			for j := range shards {
				per[j] = shards[j][i]
			}
			l2 := !a.decoupled && a.wd > 0 && decays(s.name)
			acc := &sq
			if l2 {
				acc = nil // the squares are of the gradient with the decay term, added below
			}
			g, aliased, err := gradSum(per, gs[i], acc)
			if err != nil {
				errs[k] = err
				return
			}
			if l2 {
				th := f64(p.t[s.name])
				if aliased {
					g = append([]float64(nil), g...)
				}
				for j := range g {
					g[j] += a.wd * th[j]
				}
				for _, x := range g {
					sq += x * x
				}
			}
			gs[i] = g
		}
		sqs[k] = sq
	})
	var sq float64
	for k := range parts {
		if errs[k] != nil {
			return 0, errs[k]
		}
		sq += sqs[k]
	}
	return a.finish(p, gs, sq, parts)
}

// begin counts a new step and creates the moments of parameters that have none (here, not in
// the concurrent passes).
func (a *adam) begin(p *params) {
	a.t++
	for _, s := range p.specs {
		if a.m[s.name] == nil {
			n := s.shape[0] * s.shape[1]
			a.m[s.name], a.v[s.name] = make([]float64, n), make([]float64, n)
		}
	}
}

// finish ends a step begun by begin: from the summed gradients gs (params.specs order) and the
// sum of their squares sq, it clips to the norm limit and updates every parameter, the groups
// of parts concurrently, and returns the norm before clipping (ErrDiverged when not finite).
func (a *adam) finish(p *params, gs [][]float64, sq float64, parts [][2]int) (float64, error) {
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
	forGroups(parts, func(k int) {
		for i := parts[k][0]; i < parts[k][1]; i++ {
			a.update(p, i, gs[i], scale, lr, bc1, bc2)
		}
	})
	return norm, nil
}

// update applies parameter i's Adam update from its (summed) gradient g.
func (a *adam) update(p *params, i int, g []float64, scale, lr, bc1, bc2 float64) {
	s := p.specs[i]
	m, v := a.m[s.name], a.v[s.name]
	wd := 0.0
	if a.decoupled && decays(s.name) {
		wd = a.wd
	}
	// Constants in locals and the bias corrections as reciprocals: one division and one
	// square root per element (float64 results differ from dividing by bc1, bc2 in the last
	// bit at most, far below the float32 weights' resolution).
	b1, b2, c1, c2, eps := a.beta1, a.beta2, 1-a.beta1, 1-a.beta2, a.eps
	ib1, ib2 := 1/bc1, 1/bc2
	switch th := p.t[s.name].Data().(type) {
	case []float32:
		fastmath.AdamUpdate(th, g, m, v, &fastmath.Adam{Scale: scale, B1: b1, C1: c1, B2: b2, C2: c2, IB1: ib1, IB2: ib2,
			Eps: eps, LR: lr, WD: wd})
	case []float64:
		for j := range th {
			gj := g[j] * scale
			mj := b1*m[j] + c1*gj
			vj := b2*v[j] + c2*gj*gj
			m[j], v[j] = mj, vj
			th[j] -= lr * ((mj*ib1)/(math.Sqrt(vj*ib2)+eps) + wd*th[j])
		}
	}
}
