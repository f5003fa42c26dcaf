package sampler

import (
	"fmt"
	"math"
	"math/rand"
	"strconv"
	"testing"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/search/internal/samplertest"
	"github.com/attnsearch/attnsearch/search/internal/tpe"
	"github.com/c-bata/goptuna"
)

// BenchmarkSampleRelative is a registered kind's cost of one point through goptuna after N
// finished trials in goptuna's in-memory storage: reading the trials (the storage's copies), the
// history cache and the sampler. Store back ends add their own read cost.
func BenchmarkSampleRelative(b *testing.B) {
	space := map[string]interface{}{
		"lr":      goptuna.LogUniformDistribution{Low: 1e-5, High: 1e-1},
		"dropout": goptuna.UniformDistribution{Low: 0, High: 0.5},
		"layers":  goptuna.IntUniformDistribution{Low: 1, High: 12},
		"d_model": goptuna.StepIntUniformDistribution{Low: 64, High: 1024, Step: 64},
		"heads":   goptuna.CategoricalDistribution{Choices: []string{"1", "2", "4", "8"}},
	}
	for _, kind := range []string{"tpe", "motpe", "nsga2", "auto"} {
		for _, n := range []int{1000, 10000} {
			b.Run(fmt.Sprintf("%s/N=%d", kind, n), func(b *testing.B) {
				s, add := benchStudy(b, space, n)
				algo, _, err := Builtin().New(kind, 1, nil)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := algo.SampleRelative(s, goptuna.FrozenTrial{}, space, n, 1); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				var cpu int64
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					add(n + i)
					b.StartTimer()
					c := samplertest.CPUTime()
					if _, err := algo.SampleRelative(s, goptuna.FrozenTrial{}, space, n+i+1, int64(i)); err != nil {
						b.Fatal(err)
					}
					cpu += samplertest.CPUTime() - c
				}
				b.ReportMetric(float64(cpu)/1e6/float64(b.N), "cpu-ms/op")
			})
		}
	}
}

// benchStudy returns an in-memory study declaring two objectives with n finished trials, and
// the function that adds the finished trial of a given ordinal.
func benchStudy(b *testing.B, space map[string]interface{}, n int) (*goptuna.Study, func(int)) {
	s, err := goptuna.CreateStudy("bench", goptuna.StudyOptionLogger(nil))
	if err != nil {
		b.Fatal(err)
	}
	info, _ := record.StudyInfo{Objective: record.Objective{Maximize: []string{"bleu"}, Minimize: []string{"params"}}}.Encode()
	if err := s.Storage.SetStudySystemAttr(s.ID, record.SysStudyInfo, info); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewSource(1))
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	add := func(i int) {
		id, err := s.Storage.CreateNewTrial(s.ID)
		must(err)
		v := 0.0
		for _, name := range []string{"d_model", "dropout", "heads", "layers", "lr"} {
			x, _ := tpe.SampleRandom(rng, space[name])
			v += math.Sin(x)
			must(s.Storage.SetTrialParam(id, name, x, space[name]))
		}
		must(s.Storage.SetTrialSystemAttr(id, record.SysOrdinal, strconv.Itoa(i)))
		must(s.Storage.SetTrialUserAttr(id, record.KeyObjectives, record.FormatVector([]float64{v, 1 - v + rng.Float64()})))
		must(s.Storage.SetTrialValue(id, v))
		must(s.Storage.SetTrialState(id, goptuna.TrialStateComplete))
	}
	for i := 0; i < n; i++ {
		add(i)
	}
	return s, add
}
