package tpe

import (
	"math"
	"math/rand"
	"testing"

	"github.com/c-bata/goptuna"
)

func TestMixtureDensityIntegratesToOne(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, mv := range []bool{false, true} {
		space := map[string]interface{}{"x": goptuna.UniformDistribution{Low: -2, High: 3}}
		obs := [][]float64{{-1.5}, {0.2}, {0.3}, {2.9}}
		m := NewMixture(space, []string{"x"}, obs, []float64{1, 1, 2, 1}, DefaultMixtureParams(mv))
		const n = 20000
		sum := 0.0
		var xs [][]float64
		for i := 0; i < n; i++ {
			xs = append(xs, []float64{-2 + 5*(float64(i)+0.5)/n})
		}
		for _, l := range m.LogPDF(xs) {
			sum += math.Exp(l) * 5 / n
		}
		if math.Abs(sum-1) > 1e-3 {
			t.Errorf("multivariate=%v: ∫ pdf = %v", mv, sum)
		}
		// Sample mean matches the density's mean.
		mean := 0.0
		for i, l := range m.LogPDF(xs) {
			mean += xs[i][0] * math.Exp(l) * 5 / n
		}
		got := 0.0
		ss := m.Sample(rng, 40000)
		for _, s := range ss {
			if s[0] < -2 || s[0] > 3 {
				t.Fatalf("sample %v outside [-2, 3]", s[0])
			}
			got += s[0] / float64(len(ss))
		}
		if math.Abs(got-mean) > 0.03 {
			t.Errorf("multivariate=%v: sample mean %v, density mean %v", mv, got, mean)
		}
	}
}

func TestMixtureGridAndCategoricalSumToOne(t *testing.T) {
	space := map[string]interface{}{
		"k": goptuna.IntUniformDistribution{Low: 1, High: 6},
		"s": goptuna.StepIntUniformDistribution{Low: 8, High: 64, Step: 8},
		"c": goptuna.CategoricalDistribution{Choices: []string{"a", "b", "c"}},
	}
	names := []string{"c", "k", "s"}
	obs := [][]float64{{0, 2, 16}, {2, 5, 64}, {1, 1, 8}}
	m := NewMixture(space, names, obs, []float64{1, 1, 1}, DefaultMixtureParams(true))
	var xs [][]float64
	for c := 0; c < 3; c++ {
		for k := 1; k <= 6; k++ {
			for s := 8; s <= 64; s += 8 {
				xs = append(xs, []float64{float64(c), float64(k), float64(s)})
			}
		}
	}
	sum := 0.0
	for _, l := range m.LogPDF(xs) {
		sum += math.Exp(l)
	}
	if math.Abs(sum-1) > 1e-6 {
		t.Errorf("Σ pmf = %v", sum)
	}
	rng := rand.New(rand.NewSource(3))
	for _, x := range m.Sample(rng, 2000) {
		if x[1] != math.Round(x[1]) || x[1] < 1 || x[1] > 6 || int(x[2])%8 != 0 || x[2] < 8 || x[2] > 64 {
			t.Fatalf("sample off the grid: %v", x)
		}
	}
}
