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

// TestSigmaWeightedMatchesOptuna31 pins SigmaWeighted to the log densities Optuna 3.1's
// _ParzenEstimator computes (Debian's python3-optuna 3.1.0, consider_prior, prior_weight 1,
// magic clip, no endpoints, default weights; printed by its log_pdf for these observations and
// points), independent (one parameter at a time, a uniform and a log-uniform one) and
// multivariate (Optuna's bandwidth 0.2). Without SigmaWeighted the values differ: they are the
// true densities, which 3.1 scales by the kernels' σ.
func TestSigmaWeightedMatchesOptuna31(t *testing.T) {
	space := map[string]interface{}{
		"a": goptuna.UniformDistribution{Low: 0, High: 1},
		"b": goptuna.LogUniformDistribution{Low: 1e-3, High: 10},
	}
	obs := map[string][]float64{"a": {0.1, 0.15, 0.7, 0.72}, "b": {0.01, 0.5, 2.0, 7.0}}
	at := map[string][]float64{"a": {0.05, 0.3, 0.5, 0.9}, "b": {0.002, 0.1, 1.0, 9.0}}
	ones := []float64{1, 1, 1, 1}
	for _, tc := range []struct {
		names []string
		mv    bool
		want  []float64
	}{
		{[]string{"a"}, false, []float64{-0.8910606633928917, -0.9586970161782513, -0.980996083771551, -1.1936210315431883}},
		{[]string{"b"}, false, []float64{-1.3279254085457979, -1.1002056515701357, -0.8329911155548605, -0.9327665918362754}},
		{[]string{"a", "b"}, true, []float64{-1.5835672364605697, -1.443940460849748, -1.418795609100774, -1.51154523984226}},
	} {
		o := make([][]float64, 4)
		xs := make([][]float64, 4)
		for i := range o {
			for _, n := range tc.names {
				o[i] = append(o[i], obs[n][i])
				xs[i] = append(xs[i], at[n][i])
			}
		}
		p := MixtureParams{ConsiderPrior: true, PriorWeight: 1, ConsiderMagicClip: true, Multivariate: tc.mv, SigmaWeighted: true}
		got := NewMixture(space, tc.names, o, ones, p).LogPDF(xs)
		p.SigmaWeighted = false
		plain := NewMixture(space, tc.names, o, ones, p).LogPDF(xs)
		for i := range got {
			if math.Abs(got[i]-tc.want[i]) > 1e-9 {
				t.Errorf("%v multivariate=%v at %v: log density %v, Optuna 3.1 %v", tc.names, tc.mv, xs[i], got[i], tc.want[i])
			}
			if math.Abs(plain[i]-tc.want[i]) < 1e-3 {
				t.Errorf("%v at %v: without SigmaWeighted the density %v equals Optuna 3.1's", tc.names, xs[i], plain[i])
			}
		}
	}
}
