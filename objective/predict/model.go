package predict

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
)

// Version is the predictor file layout this build writes and reads.
const Version = 1

// Layer is one dense layer: W is out × in, B has out entries.
type Layer struct {
	W [][]float64 `json:"w"` // weights, one row per output
	B []float64   `json:"b"` // biases
}

// Linear is the baseline: B + Σ W[i]·x̃[i] over the standardised inputs x̃, in target units.
type Linear struct {
	W []float64 `json:"w"` // one coefficient per feature
	B float64   `json:"b"` // intercept
}

// Model is a fitted predictor as stored in its file.
type Model struct {
	Version    int       `json:"version"`     // file layout (Version)
	Target     string    `json:"target"`      // the column it predicts (latency_ms_mean)
	Features   []string  `json:"features"`    // input names, in input order
	Mean       []float64 `json:"mean"`        // per-feature mean of the training rows
	Std        []float64 `json:"std"`         // per-feature standard deviation (1 where constant)
	LogTarget  bool      `json:"log_target"`  // the MLP predicts the logarithm of the target
	TargetMean float64   `json:"target_mean"` // mean of the MLP's (log) target
	TargetStd  float64   `json:"target_std"`  // standard deviation of the MLP's (log) target
	Layers     []Layer   `json:"layers"`      // the MLP, input to output
	Linear     Linear    `json:"linear"`      // the linear baseline
}

// Load reads and checks the predictor file at path.
func Load(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("predict: %w", err)
	}
	m, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("predict: %s: %w", path, err)
	}
	return m, nil
}

// Parse decodes and checks a predictor file's bytes: the version, and that every array has the
// size its features and layers imply.
func Parse(b []byte) (*Model, error) {
	var m Model
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("not a predictor file: %w", err)
	}
	if err := m.Check(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Check reports the first inconsistency of m: version, sizes, non-finite numbers.
func (m *Model) Check() error {
	if m.Version != Version {
		return fmt.Errorf("version %d, this build reads version %d", m.Version, Version)
	}
	n := len(m.Features)
	if n == 0 {
		return fmt.Errorf("no features")
	}
	for i, f := range m.Features {
		if f == "" || slices.Index(m.Features, f) != i {
			return fmt.Errorf("feature %d %q is empty or repeated", i, f)
		}
	}
	if len(m.Mean) != n || len(m.Std) != n || len(m.Linear.W) != n {
		return fmt.Errorf("%d features but %d means, %d standard deviations and %d linear coefficients", n, len(m.Mean), len(m.Std), len(m.Linear.W))
	}
	if len(m.Layers) == 0 {
		return fmt.Errorf("no layers")
	}
	in := n
	for i, l := range m.Layers {
		if len(l.W) == 0 || len(l.B) != len(l.W) {
			return fmt.Errorf("layer %d: %d weight rows, %d biases", i, len(l.W), len(l.B))
		}
		for _, row := range l.W {
			if len(row) != in {
				return fmt.Errorf("layer %d: a weight row has %d entries, want %d", i, len(row), in)
			}
			if !finite(row...) {
				return fmt.Errorf("layer %d: non-finite weight", i)
			}
		}
		if !finite(l.B...) {
			return fmt.Errorf("layer %d: non-finite bias", i)
		}
		in = len(l.W)
	}
	if in != 1 {
		return fmt.Errorf("the last layer has %d outputs, want 1", in)
	}
	for _, s := range m.Std {
		if !(s > 0) {
			return fmt.Errorf("standard deviation %v is not positive", s)
		}
	}
	if !finite(m.Mean...) || !finite(m.Linear.W...) || !finite(m.Linear.B, m.TargetMean, m.TargetStd) {
		return fmt.Errorf("non-finite number")
	}
	return nil
}

// finite reports whether every x is a finite number.
func finite(xs ...float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// standardise returns (x − mean)/std per feature.
func (m *Model) standardise(x []float64) []float64 {
	z := make([]float64, len(x))
	for i, v := range x {
		z[i] = (v - m.Mean[i]) / m.Std[i]
	}
	return z
}

// Predict is the MLP's figure for the feature vector x (ordered like Features).
func (m *Model) Predict(x []float64) float64 {
	h := m.standardise(x)
	for li, l := range m.Layers {
		out := make([]float64, len(l.W))
		for j, row := range l.W {
			s := l.B[j]
			for i, w := range row {
				s += w * h[i]
			}
			if li < len(m.Layers)-1 && s < 0 {
				s = 0
			}
			out[j] = s
		}
		h = out
	}
	y := m.TargetMean + m.TargetStd*h[0]
	if m.LogTarget {
		return math.Exp(y)
	}
	return y
}

// PredictLinear is the linear baseline's figure for x.
func (m *Model) PredictLinear(x []float64) float64 {
	y := m.Linear.B
	for i, v := range m.standardise(x) {
		y += m.Linear.W[i] * v
	}
	return y
}

// Inputs returns the feature names the predictor reads, in input order.
func (m *Model) Inputs() []string { return m.Features }
