package search

import (
	"errors"
	"math/rand"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/search/internal/tpe"
	"github.com/attnsearch/attnsearch/search/sampler"
	"github.com/attnsearch/attnsearch/space"
	"github.com/c-bata/goptuna"
	"github.com/c-bata/goptuna/medianstopping"
)

func TestDeriveSeed(t *testing.T) {
	seen := map[int64]string{}
	for _, seed := range []int64{0, 1, -1, 42} {
		for ord := 0; ord < 50; ord++ {
			s := TrialSeed(seed, ord)
			if s < 0 {
				t.Fatalf("TrialSeed(%d, %d) = %d < 0", seed, ord, s)
			}
			if s != TrialSeed(seed, ord) {
				t.Fatalf("TrialSeed(%d, %d) not a pure function", seed, ord)
			}
			key := string(rune(seed)) + "/" + string(rune(ord))
			if prev, dup := seen[s]; dup {
				t.Fatalf("TrialSeed collision: %s and %s", prev, key)
			}
			seen[s] = key
		}
	}
	for _, scheme := range []int{record.SeedSchemeFirst, record.SeedSchemeMixed} {
		if pointSeed(scheme, 7, 1, "lr") == pointSeed(scheme, 7, 1, "d_model") {
			t.Errorf("scheme %d: parameter names do not separate seeds", scheme)
		}
	}
}

// spaceBase is the rest of a minimal space file.
const spaceBase = "task: {kind: synthetic}\nparams:\n  d_model: {low: 32, high: 64}\nbudget: {max_params: 100000}\n"

// TestSpaceKinds checks that the space parser, given the built-in sampler and pruner kinds
// (Registries), fills each pruner's defaults and reports a bad kind or option with
// file:line:col and field.
func TestSpaceKinds(t *testing.T) {
	for kind, want := range map[string]space.Pruner{
		"none":               {Kind: "none"},
		"median":             {Kind: "median", Options: map[string]float64{"startup_trials": 5}},
		"percentile":         {Kind: "percentile", Options: map[string]float64{"startup_trials": 5, "percentile": 50}},
		"successive_halving": {Kind: "successive_halving", Options: map[string]float64{"min_resource": 1, "reduction_factor": 3}},
	} {
		spec, err := space.ParseWith("p.yaml", []byte("study: {pruner: "+kind+"}\n"+spaceBase), Registries())
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(spec.Study.Pruner, want) {
			t.Errorf("pruner %s defaults = %+v, want %+v", kind, spec.Study.Pruner, want)
		}
	}
	base := spaceBase
	spec, err := space.ParseWith("s.yaml", []byte("study: {sampler: {kind: motpe, multivariate: true, sigma_weighted: true}}\n"+base), Registries())
	if err != nil || !reflect.DeepEqual(spec.Study.Sampler, space.Sampler{Kind: "motpe", Options: map[string]float64{"multivariate": 1, "sigma_weighted": 1}}) {
		t.Errorf("motpe with sigma_weighted: %+v, %v", spec.Study.Sampler, err)
	}
	for _, c := range []struct{ name, src, want string }{
		{"unknown sampler", "study: {sampler: bayes}\n" + base, `e.yaml:1:18: study.sampler: unknown value "bayes" (choose one of: tpe, cmaes, random, sobol, motpe, nsga2, auto)`},
		{"unknown pruner", "study: {pruner: {kind: hyperband}}\n" + base, `e.yaml:1:24: study.pruner.kind: unknown value "hyperband"`},
		{"option of other sampler", "study: {sampler: {kind: random, startup_trials: 3}}\n" + base, "e.yaml:1:33: study.sampler.startup_trials: does not apply to sampler random"},
		{"option of other pruner", "study: {pruner: {kind: median, reduction_factor: 3}}\n" + base, "e.yaml:1:32: study.pruner.reduction_factor: does not apply to pruner median"},
		{"reduction factor", "study: {pruner: {kind: successive_halving, reduction_factor: 1}}\n" + base, "e.yaml:1:62: study.pruner.reduction_factor: must be >= 2"},
		{"percentile range", "study: {pruner: {kind: percentile, percentile: 100}}\n" + base, "e.yaml:1:48: study.pruner.percentile: must be < 100"},
		{"sigma_weighted of tpe kinds", "study: {sampler: {kind: nsga2, sigma_weighted: true}}\n" + base, "e.yaml:1:32: study.sampler.sigma_weighted: does not apply to sampler nsga2 (only tpe, motpe)"},
		{"sigma_weighted a flag", "study: {sampler: {kind: motpe, sigma_weighted: 1}}\n" + base, "e.yaml:1:48: study.sampler.sigma_weighted: expected true or false"},
	} {
		_, err := space.ParseWith("e.yaml", []byte(c.src), Registries())
		var se *space.Error
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || !errors.As(err, &se) {
			t.Errorf("%s: error %v, want a *space.Error starting %q", c.name, err, c.want)
		}
	}
}

func TestNewPruner(t *testing.T) {
	for _, tc := range []struct {
		opts    space.Pruner
		want    goptuna.Pruner
		wantErr bool
	}{
		{space.Pruner{Kind: "none"}, nil, false},
		{space.Pruner{Kind: "median", Options: map[string]float64{"startup_trials": 2, "warmup_steps": 1}},
			&medianstopping.PercentilePruner{Percentile: 50, NStartUpTrials: 2, NWarmUpSteps: 1}, false},
		{space.Pruner{Kind: "percentile", Options: map[string]float64{"percentile": 25, "startup_trials": 3}},
			&medianstopping.PercentilePruner{Percentile: 25, NStartUpTrials: 3}, false},
		{space.Pruner{Kind: "percentile", Options: map[string]float64{"percentile": 100}}, nil, true},
		{space.Pruner{Kind: "successive_halving", Options: map[string]float64{"min_resource": 2, "reduction_factor": 3, "min_early_stopping_rate": 1}},
			&successiveHalving{minResource: 2, reductionFactor: 3, minEarlyStoppingRate: 1}, false},
		{space.Pruner{Kind: "successive_halving"}, &successiveHalving{minResource: 1, reductionFactor: 3}, false}, // the kind's defaults, as a space file has them
		{space.Pruner{Kind: "successive_halving", Options: map[string]float64{"reduction_factor": 1}}, nil, true},
		{space.Pruner{Kind: "hyperband"}, nil, true},
	} {
		got, err := newPruner(tc.opts, space.Objective{})
		if (err != nil) != tc.wantErr {
			t.Errorf("%+v: error %v, want error %v", tc.opts, err, tc.wantErr)
			continue
		}
		if !tc.wantErr && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%+v: got %#v, want %#v", tc.opts, got, tc.want)
		}
	}
}

func TestNewPointSamplerKinds(t *testing.T) {
	reg := sampler.Builtin()
	for _, kind := range []string{"tpe", "cmaes", "random", "sobol"} {
		if _, _, err := reg.New(kind, 1, nil); err != nil {
			t.Errorf("%s: %v", kind, err)
		}
	}
	if _, _, err := reg.New("grid", 1, nil); err == nil {
		t.Error("unknown sampler accepted")
	}
	if _, _, err := reg.New("tpe", 1, map[string]float64{"sigma0": 1}); err == nil {
		t.Error("option of another sampler accepted")
	}
	if _, _, err := reg.New("tpe", 1, map[string]float64{"ei_candidates": 0.5}); err == nil {
		t.Error("fractional ei_candidates accepted")
	}
}

func TestSampleRandomCoversBounds(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	seen := map[float64]bool{}
	for i := 0; i < 400; i++ {
		v, err := tpe.SampleRandom(rng, goptuna.StepIntUniformDistribution{Low: 16, High: 48, Step: 16})
		if err != nil {
			t.Fatal(err)
		}
		seen[v] = true
	}
	if !reflect.DeepEqual(seen, map[float64]bool{16: true, 32: true, 48: true}) {
		t.Errorf("step int draws %v, want exactly {16, 32, 48} (upper bound included)", seen)
	}
}

func TestNoFailStorageHidesFailedTrials(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "v.db"))
	sid, err := st.CreateNewStudy("v")
	if err != nil {
		t.Fatal(err)
	}
	for _, state := range []goptuna.TrialState{goptuna.TrialStateComplete, goptuna.TrialStateFail, goptuna.TrialStatePruned, goptuna.TrialStateRunning} {
		id, err := st.CreateNewTrial(sid)
		if err != nil {
			t.Fatal(err)
		}
		if state != goptuna.TrialStateRunning {
			if err := st.SetTrialState(id, state); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := noFailStorage{st}.GetAllTrials(sid)
	if err != nil {
		t.Fatal(err)
	}
	var states []goptuna.TrialState
	for _, ft := range got {
		states = append(states, ft.State)
	}
	want := []goptuna.TrialState{goptuna.TrialStateComplete, goptuna.TrialStatePruned, goptuna.TrialStateRunning}
	if !reflect.DeepEqual(states, want) {
		t.Errorf("view states %v, want %v", states, want)
	}
}
