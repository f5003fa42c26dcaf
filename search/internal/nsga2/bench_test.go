package nsga2

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/attnsearch/attnsearch/search/internal/observe"
	"github.com/attnsearch/attnsearch/search/internal/samplertest"
	"github.com/attnsearch/attnsearch/search/internal/tpe"
)

// BenchmarkSamplePoint is NSGA-II's cost of one point after a history of N finished trials with two
// objectives on an architecture-like space (three continuous parameters, three integer grids,
// two categorical), the parent populations carried from the previous point.
func BenchmarkSamplePoint(b *testing.B) {
	space := samplertest.ArchSpace()
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
			samplertest.TimePoints(b, n, func(upto int, seed int64) error {
				_, err := s.SamplePoint(space, past[:upto], upto, seed)
				return err
			})
		})
	}
}
