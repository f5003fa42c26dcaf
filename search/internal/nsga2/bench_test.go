package nsga2

import (
	"fmt"
	"math"
	"math/rand"
	"syscall"
	"testing"

	"github.com/attnsearch/attnsearch/search/internal/observe"
	"github.com/attnsearch/attnsearch/search/internal/tpe"
	"github.com/c-bata/goptuna"
)

// BenchmarkSamplePoint is NSGA-II's cost of one point after a history of N finished trials with two
// objectives on an architecture-like space (three continuous parameters, three integer grids,
// two categorical), the parent populations carried from the previous point.
func BenchmarkSamplePoint(b *testing.B) {
	space := map[string]interface{}{
		"lr":       goptuna.LogUniformDistribution{Low: 1e-5, High: 1e-1},
		"wd":       goptuna.LogUniformDistribution{Low: 1e-6, High: 1e-2},
		"dropout":  goptuna.UniformDistribution{Low: 0, High: 0.5},
		"layers":   goptuna.IntUniformDistribution{Low: 1, High: 12},
		"d_model":  goptuna.StepIntUniformDistribution{Low: 64, High: 1024, Step: 64},
		"ffn_mult": goptuna.IntUniformDistribution{Low: 1, High: 8},
		"heads":    goptuna.CategoricalDistribution{Choices: []string{"1", "2", "4", "8", "16"}},
		"act":      goptuna.CategoricalDistribution{Choices: []string{"relu", "gelu", "swiglu"}},
	}
	names := observe.Names(space)
	for _, n := range []int{1000, 10000, 50000} {
		b.Run(fmt.Sprintf("nsga2/N=%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewSource(1))
			past := make([]observe.Trial, n+b.N+1)
			for i := range past {
				pt := map[string]float64{}
				s := 0.0
				for j, name := range names {
					v, _ := tpe.SampleRandom(rng, space[name])
					pt[name] = v
					s += math.Sin(float64(j+1) * v)
				}
				past[i] = observe.Trial{Ordinal: i, State: observe.Complete, Params: pt, Values: []float64{s, -s + 2*rng.Float64()}}
			}
			s := New(Options{})
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

// cpuTime is the process's user+system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
