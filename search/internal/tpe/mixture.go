package tpe

import (
	"math"
	"math/rand"

	"github.com/c-bata/goptuna"
)

// MixtureParams configures a Mixture the way Optuna 3.1's _ParzenEstimatorParameters does.
type MixtureParams struct {
	ConsiderPrior     bool    // add a broad prior component (mean: the middle; sigma: the range)
	PriorWeight       float64 // the prior component's weight before normalisation
	ConsiderMagicClip bool    // floor sigmas at range/min(100, 1+components)
	ConsiderEndpoints bool    // let the extreme components' sigmas reach the bounds
	Multivariate      bool    // one joint product kernel per observation (Scott-style bandwidth)
	Bandwidth         float64 // multivariate: sigma = Bandwidth·n^(−1/(d+4))·range (0: Optuna's 0.2)
	// SigmaWeighted evaluates l and g as Optuna 3.1 does. Its truncated-normal log density
	// (optuna/samplers/_tpe/_truncnorm.py, logpdf) leaves out the −log σ of the change of
	// variable, so its TPE compares densities in which every continuous kernel counts σ times its
	// weight: broad kernels (the prior, isolated observations) outweigh the narrow ones of crowded
	// regions. Draws from l are unaffected (they use the true weights). Optuna fixed it in 3.5
	// (issue optuna#5109, pull request #5110); Debian's 3.1, the benchmark's reference, has it.
	SigmaWeighted bool
}

// DefaultBandwidth is attnsearch's multivariate bandwidth factor: a quarter of Optuna's 0.2
// (Scott's rule scaled as in BOHB).
const DefaultBandwidth = 0.05

// DefaultMixtureParams are Optuna 3.1's TPESampler defaults, except when multivariate:
// DefaultBandwidth and no magic clip. Optuna's clip floors every sigma at range/min(100, 1+n),
// which for the ~10 good observations of a 100-trial study is range/11 and holds l(x) wide
// whatever the bandwidth; with narrower joint kernels TPE refines the good region. Measured with
// samplerbench on seeds 100–120 (disjoint from the 0–4 of the published table), median best value
// at 100 trials: Branin 0.4414 (0.05, clip) / 0.4065 (0.05, no clip) / 0.4263 (0.2, no clip);
// Hartmann-6 −3.122 / −3.232 / −2.932; Optuna's settings (0.2, clip) gave 0.477 and −2.999 on
// seeds 0–20.
func DefaultMixtureParams(multivariate bool) MixtureParams {
	p := MixtureParams{ConsiderPrior: true, PriorWeight: 1, ConsiderMagicClip: true, Multivariate: multivariate}
	if multivariate {
		p.Bandwidth, p.ConsiderMagicClip = DefaultBandwidth, false
	}
	return p
}

// dim is one parameter of a Mixture, in the space its kernels live in: log space for log
// distributions, shifted so the lowest grid value is 0 for stepped ones.
type dim struct {
	choices   int     // categorical: the number of choices; 0 for numerical
	low, high float64 // kernel-space bounds (widened by q/2 for grids)
	q         float64 // grid step in kernel space; 0 when continuous
	shift     float64 // internal value = kernel value + shift (grids); 0 otherwise
	log       bool    // internal value = exp(kernel value)
	fixed     bool    // a single-valued distribution: always low
	mus       []float64
	sigmas    []float64
	probs     [][]float64 // categorical: per component, the probability of each choice
}

// Mixture is Optuna 3.1's _ParzenEstimator: a weighted mixture of product kernels over the
// parameters names, one component per observation plus an optional prior component. Numerical
// kernels are Gaussians truncated to the parameter's range (each normalised over it; discretised
// by the grid step), categorical kernels put mass 1 on the observed choice plus a prior share on
// every choice. Univariate (one parameter) it is the independent TPE's estimator.
type Mixture struct {
	names   []string
	weights []float64 // normalised component weights
	dims    []dim
	sigmaW  bool // MixtureParams.SigmaWeighted
}

// toKernel maps an internal value of distribution d into kernel space.
func toKernel(d interface{}, v float64) float64 {
	switch d := d.(type) {
	case goptuna.LogUniformDistribution:
		return math.Log(v)
	case goptuna.StepIntUniformDistribution:
		return v - float64(d.Low)
	case goptuna.DiscreteUniformDistribution:
		return v - d.Low
	}
	return v
}

// newDim sets up the bounds of distribution d.
func newDim(d interface{}) dim {
	switch d := d.(type) {
	case goptuna.UniformDistribution:
		return dim{low: d.Low, high: d.High, fixed: d.Low == d.High}
	case goptuna.LogUniformDistribution:
		return dim{low: math.Log(d.Low), high: math.Log(d.High), log: true, fixed: d.Low == d.High}
	case goptuna.IntUniformDistribution:
		return dim{low: float64(d.Low) - 0.5, high: float64(d.High) + 0.5, q: 1, fixed: d.Low == d.High}
	case goptuna.StepIntUniformDistribution:
		s := float64(d.Step)
		r := float64((d.High-d.Low)/d.Step) * s
		return dim{low: -0.5 * s, high: r + 0.5*s, q: s, shift: float64(d.Low), fixed: d.Low == d.High}
	case goptuna.DiscreteUniformDistribution:
		r := math.Round((d.High-d.Low)/d.Q) * d.Q
		return dim{low: -0.5 * d.Q, high: r + 0.5*d.Q, q: d.Q, shift: d.Low, fixed: d.Low == d.High}
	case goptuna.CategoricalDistribution:
		return dim{choices: len(d.Choices), fixed: len(d.Choices) == 1}
	}
	return dim{fixed: true}
}

// NewMixture fits the estimator to observations obs ([i][j]: the internal value of names[j] in
// observation i) with unnormalised observation weights w (len(obs)) over the distributions of
// space. With no observation the prior is always used.
func NewMixture(space map[string]interface{}, names []string, obs [][]float64, w []float64, p MixtureParams) *Mixture {
	n := len(obs)
	prior := p.ConsiderPrior || n == 0
	m := &Mixture{names: names, sigmaW: p.SigmaWeighted}
	m.weights = append([]float64(nil), w...)
	if prior {
		m.weights = append(m.weights, p.PriorWeight)
	}
	normalise(m.weights)
	k := len(m.weights)
	for j, name := range names {
		d := newDim(space[name])
		if d.choices > 0 {
			d.probs = make([][]float64, k)
			for c := range d.probs {
				row := make([]float64, d.choices)
				for x := range row {
					row[x] = p.PriorWeight / float64(k)
				}
				if c < n {
					row[int(obs[c][j])]++
				}
				normalise(row)
				d.probs[c] = row
			}
			m.dims = append(m.dims, d)
			continue
		}
		mus := make([]float64, 0, k)
		for i := 0; i < n; i++ {
			mus = append(mus, toKernel(space[name], obs[i][j]))
		}
		span := d.high - d.low
		priorMu, priorSigma := 0.5*(d.low+d.high), span
		if prior {
			mus = append(mus, priorMu)
		}
		var sigmas []float64
		if p.Multivariate {
			bw := p.Bandwidth
			if bw <= 0 {
				bw = 0.2
			}
			s := bw * math.Pow(float64(max(n, 1)), -1/float64(len(names)+4)) * span
			sigmas = make([]float64, len(mus))
			for i := range sigmas {
				sigmas[i] = s
			}
		} else {
			sigmas = hyperoptSigmas(mus, d.low, d.high, p.ConsiderEndpoints)
		}
		lo, hi := 1e-12, span
		if p.ConsiderMagicClip {
			lo = span / math.Min(100, 1+float64(len(mus)))
		}
		for i := range sigmas {
			sigmas[i] = math.Min(math.Max(sigmas[i], lo), hi)
		}
		if prior {
			sigmas[len(sigmas)-1] = priorSigma
		}
		d.mus, d.sigmas = mus, sigmas
		m.dims = append(m.dims, d)
	}
	return m
}

// hyperoptSigmas gives each mean the larger distance to its sorted neighbours (the bounds count
// as neighbours; without endpoints the extreme means use their inner neighbour only).
func hyperoptSigmas(mus []float64, low, high float64, endpoints bool) []float64 {
	n := len(mus)
	order := argsort(mus)
	ext := make([]float64, n+2)
	ext[0], ext[n+1] = low, high
	for i, o := range order {
		ext[i+1] = mus[o]
	}
	sorted := make([]float64, n)
	for i := 0; i < n; i++ {
		sorted[i] = math.Max(ext[i+1]-ext[i], ext[i+2]-ext[i+1])
	}
	if !endpoints && n+2 >= 4 {
		sorted[0] = ext[2] - ext[1]
		sorted[n-1] = ext[n] - ext[n-1]
	}
	out := make([]float64, n)
	for i, o := range order {
		out[o] = sorted[i]
	}
	return out
}

// argsort returns the indices that sort xs ascending (stable).
func argsort(xs []float64) []int {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	// insertion sort keeps it stable and allocation-free for the small n TPE sees
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && xs[idx[j]] < xs[idx[j-1]]; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	return idx
}

// normalise scales xs to sum to 1 (uniform when the sum is not positive).
func normalise(xs []float64) {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	for i := range xs {
		if s > 0 {
			xs[i] /= s
		} else {
			xs[i] = 1 / float64(len(xs))
		}
	}
}

// phi is the standard normal CDF.
func phi(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// truncNormal draws from the standard normal truncated to [a, b] by inverting the CDF on the
// side of the mode that keeps precision.
func truncNormal(rng *rand.Rand, a, b float64) float64 {
	if a > 0 { // work in the left tail, where Φ is accurate
		return -truncNormal(rng, -b, -a)
	}
	pa, pb := phi(a), phi(b)
	u := pa + rng.Float64()*(pb-pa)
	if u <= 0 {
		return a
	}
	x := -math.Sqrt2 * math.Erfcinv(2*u)
	return math.Min(math.Max(x, a), b)
}

// Sample draws size points from the mixture; each point is in internal representation,
// indexed like names.
func (m *Mixture) Sample(rng *rand.Rand, size int) [][]float64 {
	out := make([][]float64, size)
	for i := range out {
		out[i] = make([]float64, len(m.dims))
		c := pick(rng, m.weights)
		for j := range m.dims {
			d := &m.dims[j]
			switch {
			case d.fixed && d.choices > 0:
				out[i][j] = 0
			case d.choices > 0:
				out[i][j] = float64(pick(rng, d.probs[c]))
			case d.fixed:
				out[i][j] = d.fromKernel(d.low + 0.5*d.q)
			default:
				mu, s := d.mus[c], d.sigmas[c]
				x := mu + s*truncNormal(rng, (d.low-mu)/s, (d.high-mu)/s)
				out[i][j] = d.fromKernel(x)
			}
		}
	}
	return out
}

// fromKernel maps a kernel-space draw to the internal value (snapped to the grid, clipped).
func (d *dim) fromKernel(x float64) float64 {
	if d.q > 0 {
		lo, hi := d.low+0.5*d.q, d.high-0.5*d.q
		x = math.Round((x-lo)/d.q)*d.q + lo
		x = math.Min(math.Max(x, lo), hi)
		return x + d.shift
	}
	x = math.Min(math.Max(x, d.low), d.high)
	if d.log {
		return math.Exp(x)
	}
	return x
}

// pick draws an index with probabilities p.
func pick(rng *rand.Rand, p []float64) int {
	u, acc := rng.Float64(), 0.0
	for i, x := range p {
		acc += x
		if u < acc {
			return i
		}
	}
	return len(p) - 1
}

// LogPDF returns the log density of the mixture at each point of xs (internal representation,
// indexed like names; grid parameters as probabilities of their grid cell).
func (m *Mixture) LogPDF(xs [][]float64) []float64 {
	out := make([]float64, len(xs))
	k := len(m.weights)
	comp := make([]float64, k)
	for i, x := range xs {
		for c := range comp {
			comp[c] = math.Log(m.weights[c])
		}
		for j := range m.dims {
			d := &m.dims[j]
			if d.fixed {
				continue
			}
			if d.choices > 0 {
				for c := range comp {
					comp[c] += math.Log(d.probs[c][int(x[j])])
				}
				continue
			}
			v := x[j]
			switch {
			case d.log:
				v = math.Log(v)
			case d.q > 0:
				v -= d.shift
			}
			for c := range comp {
				mu, s := d.mus[c], d.sigmas[c]
				accept := phi((d.high-mu)/s) - phi((d.low-mu)/s)
				if d.q > 0 {
					up, lo := math.Min(v+0.5*d.q, d.high), math.Max(v-0.5*d.q, d.low)
					comp[c] += math.Log(phi((up-mu)/s)-phi((lo-mu)/s)+1e-12) - math.Log(accept+1e-12)
				} else {
					z := (v - mu) / math.Max(s, 1e-12)
					norm := math.Log(math.Sqrt(2*math.Pi) * s)
					if m.sigmaW { // Optuna 3.1: without the log σ
						norm = logSqrt2Pi
					}
					comp[c] += -0.5*z*z - norm - math.Log(accept)
				}
			}
		}
		out[i] = logSumExp(comp)
	}
	return out
}

// logSumExp is log Σ exp(xs) computed stably.
func logSumExp(xs []float64) float64 {
	m := math.Inf(-1)
	for _, x := range xs {
		m = math.Max(m, x)
	}
	if math.IsInf(m, -1) {
		return m
	}
	s := 0.0
	for _, x := range xs {
		s += math.Exp(x - m)
	}
	return m + math.Log(s)
}
