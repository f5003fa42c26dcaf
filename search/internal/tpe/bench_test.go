package tpe

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/attnsearch/attnsearch/search/internal/observe"
	"github.com/attnsearch/attnsearch/search/internal/samplertest"
)

// archSpace is the architecture-like space of the samplers' cost benchmarks and index tests.
func archSpace() map[string]interface{} { return samplertest.ArchSpace() }

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
			samplertest.TimePoints(b, n, func(upto int, seed int64) error {
				_, err := s.SamplePoint(space, past[:upto], upto, seed)
				return err
			})
		})
	}
}
