package postgres

import (
	"fmt"
	"testing"

	"github.com/c-bata/goptuna"
)

// BenchmarkGetAllTrials reads a study of n trials after one more trial was written (the
// incremental read a sampler makes per suggestion), and with a cold cache (a full read).
func BenchmarkGetAllTrials(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		s, _ := openTest(b, Options{})
		study, err := s.CreateNewStudy("bench")
		must(b, err)
		dist := goptuna.UniformDistribution{Low: 0, High: 1}
		base := goptuna.FrozenTrial{State: goptuna.TrialStateComplete, Value: 1,
			InternalParams: map[string]float64{}, Distributions: map[string]interface{}{},
			IntermediateValues: map[int]float64{1: 1, 2: 2}, UserAttrs: map[string]string{"config": "x"}, SystemAttrs: map[string]string{}}
		for p := 0; p < 5; p++ {
			base.InternalParams[fmt.Sprint("p", p)] = 0.5
			base.Distributions[fmt.Sprint("p", p)] = dist
		}
		for i := 0; i < n; i++ {
			_, err := s.CloneTrial(study, base)
			must(b, err)
		}
		_, err = s.GetAllTrials(study)
		must(b, err)
		b.Run(fmt.Sprintf("incremental/trials=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				_, err := s.CloneTrial(study, base)
				must(b, err)
				b.StartTimer()
				if _, err := s.GetAllTrials(study); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("full/trials=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				s.dropCache(study)
				if _, err := s.GetAllTrials(study); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
