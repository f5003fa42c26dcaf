package search

import (
	"math/rand"
	"path/filepath"
	"reflect"
	"testing"

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
	if DeriveSeed(7, 2, 1, nameHash("lr")) == DeriveSeed(7, 2, 1, nameHash("d_model")) {
		t.Error("parameter names do not separate seeds")
	}
}

func TestNewPruner(t *testing.T) {
	for _, tc := range []struct {
		opts    space.Pruner
		want    goptuna.Pruner
		wantErr bool
	}{
		{space.Pruner{Kind: "none"}, nil, false},
		{space.Pruner{Kind: "median", StartupTrials: 2, WarmupSteps: 1},
			&medianstopping.PercentilePruner{Percentile: 50, NStartUpTrials: 2, NWarmUpSteps: 1}, false},
		{space.Pruner{Kind: "percentile", Percentile: 25, StartupTrials: 3},
			&medianstopping.PercentilePruner{Percentile: 25, NStartUpTrials: 3}, false},
		{space.Pruner{Kind: "percentile", Percentile: 100}, nil, true},
		{space.Pruner{Kind: "successive_halving", MinResource: 2, ReductionFactor: 3, MinEarlyStoppingRate: 1},
			&successiveHalving{minResource: 2, reductionFactor: 3, minEarlyStoppingRate: 1}, false},
		{space.Pruner{Kind: "successive_halving"}, &successiveHalving{minResource: 1, reductionFactor: 4}, false},
		{space.Pruner{Kind: "successive_halving", ReductionFactor: 1}, nil, true},
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
