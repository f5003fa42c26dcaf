package tpe

import (
	"fmt"
	"math"
	"math/rand"
	"syscall"
	"testing"

	"github.com/attnsearch/attnsearch/search/internal/observe"
	"github.com/c-bata/goptuna"
)

// archSpace is a space shaped like attnsearch's architecture spaces: two log-scale and one
// linear continuous parameter, three integer grids and two categorical choices.
func archSpace() map[string]interface{} {
	return map[string]interface{}{
		"lr":       goptuna.LogUniformDistribution{Low: 1e-5, High: 1e-1},
		"wd":       goptuna.LogUniformDistribution{Low: 1e-6, High: 1e-2},
		"dropout":  goptuna.UniformDistribution{Low: 0, High: 0.5},
		"layers":   goptuna.IntUniformDistribution{Low: 1, High: 12},
		"d_model":  goptuna.StepIntUniformDistribution{Low: 64, High: 1024, Step: 64},
		"ffn_mult": goptuna.IntUniformDistribution{Low: 1, High: 8},
		"heads":    goptuna.CategoricalDistribution{Choices: []string{"1", "2", "4", "8", "16"}},
		"act":      goptuna.CategoricalDistribution{Choices: []string{"relu", "gelu", "swiglu"}},
	}
}

// history draws n finished trials of space at random with a smooth objective of their point
// (two objectives when multi), one in seven infeasible when constrained.
func history(space map[string]interface{}, n int, multi, constrained bool, seed int64) []observe.Trial {
	rng := rand.New(rand.NewSource(seed))
	names := observe.Names(space)
	out := make([]observe.Trial, n)
	for i := range out {
		pt := map[string]float64{}
		s := 0.0
		for j, name := range names {
			v, _ := SampleRandom(rng, space[name])
			pt[name] = v
			s += math.Sin(float64(j+1) * toKernel(space[name], v))
		}
		t := observe.Trial{Ordinal: i, State: observe.Complete, Params: pt, Values: []float64{s}}
		if multi {
			t.Values = append(t.Values, -s+rng.Float64())
		}
		if constrained {
			t.Constraints = []float64{float64(i%7) - 5.5}
		}
		out[i] = t
	}
	return out
}

// BenchmarkSamplePoint is the sampler's cost of one point after a history of N trials: the
// index carried from the previous point (the running study) takes one new trial per point.
func BenchmarkSamplePoint(b *testing.B) {
	for _, tc := range []struct {
		name string
		n    int
		mv   bool
	}{{"tpe", 1000, false}, {"tpe", 10000, false}, {"tpe", 50000, false}, {"tpe-multivariate", 1000, true}, {"tpe-multivariate", 10000, true}, {"tpe-multivariate", 50000, true}} {
		n := tc.n
		space := archSpace()
		b.Run(fmt.Sprintf("%s/N=%d", tc.name, n), func(b *testing.B) {
			past := history(space, n+b.N+1, false, false, 1)
			s := &PointSampler{Params: DefaultMixtureParams(tc.mv), Index: &Index{}}
			if _, err := s.SamplePoint(space, past[:n], n, 1); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				if _, err := s.SamplePoint(space, past[:n+1+i], n+1+i, int64(i)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu)/1e6/float64(b.N), "cpu-ms/op")
		})
	}
}

// cpuTime is the process's user+system CPU time in nanoseconds: on a shared machine the wall
// time per point counts other processes' turns, the CPU time does not.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
