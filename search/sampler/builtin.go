package sampler

import (
	"math/rand"

	"github.com/attnsearch/attnsearch/search/internal/tpe"
	"github.com/c-bata/goptuna"
	"github.com/c-bata/goptuna/cmaes"
	"github.com/c-bata/goptuna/sobol"
)

// optStartup is the startup_trials option of tpe and cmaes.
var optStartup = Option{Name: "startup_trials", Int: true, Min: 0, Max: 1e6} // random trials before the model is used (0 = library default)

// TPE is Optuna 3.1's tree-structured Parzen estimator (tpe.PointSampler): independent by
// default (one estimator and one stream per parameter, from the point's seed), or with
// multivariate: true joint product kernels over all parameters; both on the study's scalar score.
var TPE = Kind{
	Name:     "tpe",
	Relative: true,
	Options: []Option{optStartup, optCandidates,
		{Name: "multivariate", Bool: true, Min: 0, Max: 1}, // sample all parameters jointly (Optuna's multivariate TPE)
		optSigmaWeighted},
	New: func(_ int64, opts map[string]float64) (Algorithm, error) {
		p := tpe.DefaultMixtureParams(opts["multivariate"] == 1)
		p.SigmaWeighted = opts["sigma_weighted"] == 1
		return tpeAlgo{s: &tpe.PointSampler{Startup: int(opts["startup_trials"]), Candidates: int(opts["ei_candidates"]),
			Params: p, Index: &tpe.Index{}}, cache: &historyCache{}}, nil
	},
}

// optSigmaWeighted is the sigma_weighted option of the TPE kinds: l(x) and g(x) compared as
// Optuna 3.1 compares them, each Gaussian kernel counting σ times its weight
// (tpe.MixtureParams.SigmaWeighted).
var optSigmaWeighted = Option{Name: "sigma_weighted", Bool: true, Min: 0, Max: 1} // compare l and g with each kernel weighted by its width, as Optuna 3.1 does

// optCandidates is the ei_candidates option of the TPE kinds.
var optCandidates = Option{Name: "ei_candidates", Int: true, Min: 1, Max: 1e6} // candidates drawn per suggestion (absent = library default)

// tpeAlgo draws the whole point with TPE from the stored history; a parameter outside the joint
// space is drawn uniformly.
type tpeAlgo struct {
	independent
	s     *tpe.PointSampler
	cache *historyCache
}

// SampleRelative draws the point of the given ordinal.
func (a tpeAlgo) SampleRelative(view *goptuna.Study, _ goptuna.FrozenTrial, space map[string]interface{}, ordinal int, seed int64) (map[string]float64, error) {
	return samplePoint(a.s, a.cache, view, space, ordinal, seed, false)
}

// independent draws every parameter uniformly from the point's seed; the relative kinds use it
// for parameters outside their joint space.
type independent struct{}

// Sample draws one parameter uniformly.
func (independent) Sample(_ *goptuna.Study, _ goptuna.FrozenTrial, _ string, dist interface{}, seed int64) (float64, error) {
	return tpe.SampleRandom(rand.New(rand.NewSource(seed)), dist)
}

// SampleRelative samples nothing jointly.
func (independent) SampleRelative(*goptuna.Study, goptuna.FrozenTrial, map[string]interface{}, int, int64) (map[string]float64, error) {
	return nil, nil
}

// Random draws every parameter uniformly and independently.
var Random = Kind{
	Name: "random",
	New:  func(int64, map[string]float64) (Algorithm, error) { return independent{}, nil },
}

// Sobol draws the point of a scrambled-free Sobol sequence at the point's ordinal (goptuna's engine).
var Sobol = Kind{
	Name:     "sobol",
	Relative: true,
	New:      func(int64, map[string]float64) (Algorithm, error) { return sobolAlgo{}, nil },
}

// sobolAlgo advances a fresh engine to the ordinal: the point depends on the ordinal alone.
type sobolAlgo struct{ independent }

// SampleRelative returns the Sobol point of the ordinal.
func (sobolAlgo) SampleRelative(view *goptuna.Study, trial goptuna.FrozenTrial, space map[string]interface{}, ordinal int, _ int64) (map[string]float64, error) {
	s := sobol.NewSampler()
	var out map[string]float64
	var err error
	for i := 0; i <= ordinal; i++ {
		if out, err = s.SampleRelative(view, trial, space); err != nil || out == nil {
			return out, err
		}
	}
	return out, nil
}

// CMAES is goptuna's CMA-ES; it keeps its optimizer in the process, so it is reproducible only
// for uninterrupted runs.
var CMAES = Kind{
	Name:     "cmaes",
	Relative: true,
	Options: []Option{optStartup,
		{Name: "sigma0", Min: 0, MinOpen: true}}, // initial step size (absent = library default)
	New: func(seed int64, opts map[string]float64) (Algorithm, error) {
		copts := []cmaes.SamplerOption{cmaes.SamplerOptionSeed(seed)}
		if n := int(opts["startup_trials"]); n > 0 {
			copts = append(copts, cmaes.SamplerOptionNStartupTrials(n))
		}
		if s := opts["sigma0"]; s > 0 {
			copts = append(copts, cmaes.SamplerOptionInitialSigma(s))
		}
		return cmaAlgo{cma: cmaes.NewSampler(copts...)}, nil
	},
}

// cmaAlgo is the one CMA-ES optimizer of a study in this process.
type cmaAlgo struct {
	independent
	cma *cmaes.Sampler
}

// SampleRelative asks the optimizer for the next point.
func (a cmaAlgo) SampleRelative(view *goptuna.Study, trial goptuna.FrozenTrial, space map[string]interface{}, _ int, _ int64) (map[string]float64, error) {
	return a.cma.SampleRelative(view, trial, space)
}

var (
	_ Algorithm = tpeAlgo{}
	_ Algorithm = independent{}
	_ Algorithm = sobolAlgo{}
	_ Algorithm = cmaAlgo{}
)
