package tpe

import (
	"math"
	"math/rand"
	"testing"

	"github.com/c-bata/goptuna"
)

func TestDefaults(t *testing.T) {
	for n, want := range map[int]int{0: 0, 1: 1, 10: 1, 11: 2, 100: 10, 250: 25, 1000: 25} {
		if got := DefaultGamma(n); got != want {
			t.Errorf("DefaultGamma(%d) = %d, want %d", n, got, want)
		}
	}
	// numpy: np.concatenate([np.linspace(1/30, 1, 5), np.ones(25)])
	w := DefaultWeights(30)
	want := []float64{1.0 / 30, 1.0/30 + (1-1.0/30)/4, 1.0/30 + 2*(1-1.0/30)/4, 1.0/30 + 3*(1-1.0/30)/4, 1}
	for i, x := range want {
		if math.Abs(w[i]-x) > 1e-12 {
			t.Fatalf("DefaultWeights(30)[%d] = %v, want %v", i, w[i], x)
		}
	}
	if w[29] != 1 || len(DefaultWeights(24)) != 24 || DefaultWeights(24)[0] != 1 {
		t.Fatal("DefaultWeights: the last 25 weigh 1")
	}
}

func TestSampleRandomUsesItsGenerator(t *testing.T) {
	dists := []interface{}{
		goptuna.CategoricalDistribution{Choices: []string{"a", "b", "c", "d"}},
		goptuna.LogUniformDistribution{Low: 1e-4, High: 1},
		goptuna.StepIntUniformDistribution{Low: 8, High: 64, Step: 8},
	}
	for _, d := range dists {
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
				t.Fatalf("%T draw %d: %v then %v with the same seed", d, i, a[i], b[i])
			}
		}
	}
}
