package tpe

import (
	"math"
	"math/rand"

	"github.com/c-bata/goptuna"
)

// SampleRandom draws one internal value of distribution uniformly (log-uniformly for log
// distributions) from rng; it is goptuna's RandomSampler with the categorical draw also taken
// from rng.
func SampleRandom(rng *rand.Rand, distribution interface{}) (float64, error) {
	switch d := distribution.(type) {
	case goptuna.UniformDistribution:
		if d.Single() {
			return d.Low, nil
		}
		return rng.Float64()*(d.High-d.Low) + d.Low, nil
	case goptuna.LogUniformDistribution:
		if d.Single() {
			return d.Low, nil
		}
		logLow, logHigh := math.Log(d.Low), math.Log(d.High)
		return math.Exp(rng.Float64()*(logHigh-logLow) + logLow), nil
	case goptuna.IntUniformDistribution:
		if d.Single() {
			return float64(d.Low), nil
		}
		return float64(rng.Intn(d.High-d.Low+1) + d.Low), nil
	case goptuna.StepIntUniformDistribution:
		if d.Single() {
			return float64(d.Low), nil
		}
		r := (d.High - d.Low) / d.Step
		return float64(rng.Intn(r+1)*d.Step + d.Low), nil
	case goptuna.DiscreteUniformDistribution:
		if d.Single() {
			return d.Low, nil
		}
		q := d.Q
		low, high := -0.5*q, d.High-d.Low+0.5*q
		x := rng.Float64()*(high-low) + low
		v := math.Round(x/q)*q + d.Low
		return math.Min(math.Max(v, d.Low), d.High), nil
	case goptuna.CategoricalDistribution:
		if d.Single() {
			return 0, nil
		}
		return float64(rng.Intn(len(d.Choices))), nil
	}
	return 0, goptuna.ErrUnknownDistribution
}
