package tpe

import "math"

// FuncGamma is the size of the good group given the number of finished trials.
type FuncGamma func(int) int

// FuncWeights gives the weights of n observations in trial order.
type FuncWeights func(int) []float64

// DefaultGamma is Optuna's default_gamma: min(⌈n/10⌉, 25).
func DefaultGamma(n int) int {
	return min(int(math.Ceil(0.1*float64(n))), 25)
}

// DefaultWeights is Optuna's default_weights: ones for fewer than 25 observations, else a linear
// ramp from 1/n to 1 over the oldest n−25 followed by 25 ones.
func DefaultWeights(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = 1
	}
	if n < 25 {
		return out
	}
	ramp := n - 25
	for i := 0; i < ramp; i++ {
		if ramp == 1 {
			out[i] = 1 / float64(n)
			continue
		}
		out[i] = 1/float64(n) + (1-1/float64(n))*float64(i)/float64(ramp-1)
	}
	return out
}
