package samplertest

import (
	"fmt"
	"math"
	"math/rand"
	"syscall"
	"testing"

	"github.com/attnsearch/attnsearch/search/internal/observe"
	"github.com/c-bata/goptuna"
)

// ArchSpace is an architecture-like space: three continuous parameters, three integer grids, two
// categorical.
func ArchSpace() map[string]interface{} {
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

// TimePoints times b.N points after a history of n trials: sample(upto, seed) proposes one point
// from the first upto trials. A first point from n trials (seed 1) is untimed, so what a sampler
// carries from point to point is in place; the timed points then see one more trial each, as in
// a running study. It reports the CPU milliseconds per point as cpu-ms/op.
func TimePoints(b *testing.B, n int, sample func(upto int, seed int64) error) {
	b.Helper()
	if err := sample(n, 1); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu := CPUTime()
	for i := 0; i < b.N; i++ {
		if err := sample(n+1+i, int64(i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(CPUTime()-cpu)/1e6/float64(b.N), "cpu-ms/op")
}

// CPUTime is the process's user+system CPU time in nanoseconds (0 where it cannot be read).
func CPUTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// SamplePoints is a multi-objective sampler's cost benchmark: for N = 1,000, 10,000 and 50,000,
// the sub-benchmark name/N=… times points (TimePoints) of a sampler made by newSampler after a
// history of N finished trials of ArchSpace, each parameter drawn by draw from one fixed seed and
// the two objectives a smooth function of the point plus noise.
func SamplePoints(b *testing.B, name string, draw func(*rand.Rand, interface{}) (float64, error), newSampler func() observe.Sampler) {
	space := ArchSpace()
	names := observe.Names(space)
	for _, n := range []int{1000, 10000, 50000} {
		b.Run(fmt.Sprintf("%s/N=%d", name, n), func(b *testing.B) {
			rng := rand.New(rand.NewSource(1))
			past := make([]observe.Trial, n+b.N+1)
			for i := range past {
				pt := map[string]float64{}
				s := 0.0
				for j, p := range names {
					v, err := draw(rng, space[p])
					if err != nil {
						b.Fatal(err)
					}
					pt[p] = v
					s += math.Sin(float64(j+1) * v)
				}
				past[i] = observe.Trial{Ordinal: i, State: observe.Complete, Params: pt, Values: []float64{s, -s + 2*rng.Float64()}}
			}
			s := newSampler()
			TimePoints(b, n, func(upto int, seed int64) error {
				_, err := s.SamplePoint(space, past[:upto], upto, seed)
				return err
			})
		})
	}
}
