package tpe

import (
	"math/rand"
	"testing"

	"github.com/c-bata/goptuna"
)

// history builds an in-memory study with n completed trials over x (float), k (int) and c
// (categorical), scored so that TPE has a model to fit.
func history(t *testing.T, n int) *goptuna.Study {
	t.Helper()
	study, err := goptuna.CreateStudy("h", goptuna.StudyOptionLogger(nil),
		goptuna.StudyOptionSampler(goptuna.NewRandomSampler(goptuna.RandomSamplerOptionSeed(1))))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < n; i++ {
		id, err := study.Storage.CreateNewTrial(study.ID)
		if err != nil {
			t.Fatal(err)
		}
		x, k, c := rng.Float64()*10, rng.Intn(5), rng.Intn(3)
		for name, set := range map[string]func() error{
			"x": func() error {
				return study.Storage.SetTrialParam(id, "x", x, goptuna.UniformDistribution{Low: 0, High: 10})
			},
			"k": func() error {
				return study.Storage.SetTrialParam(id, "k", float64(k), goptuna.IntUniformDistribution{Low: 0, High: 4})
			},
			"c": func() error {
				return study.Storage.SetTrialParam(id, "c", float64(c), goptuna.CategoricalDistribution{Choices: []string{"a", "b", "c"}})
			},
		} {
			if err := set(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		if err := study.Storage.SetTrialValue(id, (x-3)*(x-3)+float64(k)+float64(c)); err != nil {
			t.Fatal(err)
		}
		if err := study.Storage.SetTrialState(id, goptuna.TrialStateComplete); err != nil {
			t.Fatal(err)
		}
	}
	return study
}

func TestSeededSamplerIsReproducible(t *testing.T) {
	study := history(t, 20)
	dists := map[string]interface{}{
		"x": goptuna.UniformDistribution{Low: 0, High: 10},
		"k": goptuna.IntUniformDistribution{Low: 0, High: 4},
		"c": goptuna.CategoricalDistribution{Choices: []string{"a", "b", "c"}},
	}
	draw := func(seed int64) map[string]float64 {
		out := map[string]float64{}
		for name, d := range dists {
			v, err := NewSampler(SamplerOptionSeed(seed), SamplerOptionNumberOfStartupTrials(5)).Sample(study, goptuna.FrozenTrial{}, name, d)
			if err != nil {
				t.Fatal(err)
			}
			out[name] = v
		}
		return out
	}
	differs := false
	for seed := int64(0); seed < 20; seed++ {
		a, b := draw(seed), draw(seed)
		for name := range dists {
			if a[name] != b[name] {
				t.Fatalf("seed %d, %s: %v then %v", seed, name, a[name], b[name])
			}
		}
		if c := draw(seed + 100); c["x"] != a["x"] || c["c"] != a["c"] {
			differs = true
		}
	}
	if !differs {
		t.Error("different seeds never gave different draws")
	}
}

func TestSampleRandomCategoricalUsesRNG(t *testing.T) {
	d := goptuna.CategoricalDistribution{Choices: []string{"a", "b", "c", "d"}}
	seq := func() []float64 {
		rng := rand.New(rand.NewSource(9))
		var out []float64
		for i := 0; i < 30; i++ {
			v, err := SampleRandom(rng, d)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
		return out
	}
	a, b := seq(), seq()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("draw %d: %v then %v with the same seed", i, a[i], b[i])
		}
	}
}
