package predict

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
)

// tiny is a hand-computable model: two features, one hidden layer of two ReLU units.
func tiny() *Model {
	return &Model{Version: Version, Target: "ms", Features: []string{"a", "b"},
		Mean: []float64{1, 2}, Std: []float64{2, 4}, TargetMean: 10, TargetStd: 3,
		Layers: []Layer{
			{W: [][]float64{{1, 0}, {0, -1}}, B: []float64{0, 0.5}},
			{W: [][]float64{{2, 1}}, B: []float64{-1}},
		},
		Linear: Linear{W: []float64{1, 2}, B: 5}}
}

func TestPredictByHand(t *testing.T) {
	m := tiny()
	// x = (5, 6): standardised (2, 1); hidden relu(2) = 2, relu(-1 + 0.5) = 0; out 2·2 + 0 − 1 = 3;
	// figure 10 + 3·3 = 19.
	if got := m.Predict([]float64{5, 6}); got != 19 {
		t.Errorf("Predict = %v, want 19", got)
	}
	// linear: 5 + 1·2 + 2·1 = 9
	if got := m.PredictLinear([]float64{5, 6}); got != 9 {
		t.Errorf("PredictLinear = %v, want 9", got)
	}
	m.LogTarget = true
	if got, want := m.Predict([]float64{5, 6}), math.Exp(19); math.Abs(got-want) > 1e-9*want {
		t.Errorf("Predict (log target) = %v, want e^19", got)
	}
}

func TestParseChecks(t *testing.T) {
	good, err := json.Marshal(tiny())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(good); err != nil {
		t.Fatalf("Parse(good) = %v", err)
	}
	cases := []struct {
		name, want string
		edit       func(m *Model)
	}{
		{"version", "version 2", func(m *Model) { m.Version = 2 }},
		{"no features", "no features", func(m *Model) { m.Features = nil }},
		{"repeated feature", "repeated", func(m *Model) { m.Features[1] = "a" }},
		{"means", "2 features but 1 means", func(m *Model) { m.Mean = m.Mean[:1] }},
		{"row width", "want 2", func(m *Model) { m.Layers[0].W[1] = []float64{1} }},
		{"biases", "2 weight rows, 1 biases", func(m *Model) { m.Layers[0].B = m.Layers[0].B[:1] }},
		{"outputs", "want 1", func(m *Model) { m.Layers = m.Layers[:1] }},
		{"std", "not positive", func(m *Model) { m.Std[0] = 0 }},
		{"no layers", "no layers", func(m *Model) { m.Layers = nil }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := tiny()
			c.edit(m)
			b, _ := json.Marshal(m)
			if _, err := Parse(b); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Parse = %v, want an error containing %q", err, c.want)
			}
		})
	}
	if _, err := Parse([]byte("{")); err == nil || !strings.Contains(err.Error(), "not a predictor file") {
		t.Errorf("Parse(bad JSON) = %v", err)
	}
}

func TestInputs(t *testing.T) {
	m := tiny()
	if got := m.Inputs(); len(got) != len(m.Features) || got[0] != m.Features[0] {
		t.Errorf("Inputs = %v, want %v", got, m.Features)
	}
}

// BenchmarkPredict times one prediction of a model of the default size (19 features, those of
// latency measure; hidden layers 32 and 32): the cost of evaluating a predicted cost for one
// point (goal: < 50 µs).
func BenchmarkPredict(b *testing.B) {
	const n = 19
	names := make([]string, n)
	for i := range names {
		names[i] = "f" + strconv.Itoa(i)
	}
	m := &Model{Version: Version, Features: names, Mean: make([]float64, n), Std: make([]float64, n),
		TargetStd: 1, Linear: Linear{W: make([]float64, n)}}
	in := n
	for _, out := range []int{32, 32, 1} {
		l := Layer{W: make([][]float64, out), B: make([]float64, out)}
		for j := range l.W {
			l.W[j] = make([]float64, in)
			for i := range l.W[j] {
				l.W[j][i] = float64((i+j)%7-3) / 10
			}
		}
		m.Layers = append(m.Layers, l)
		in = out
	}
	for i := range m.Std {
		m.Std[i] = 1
	}
	x := make([]float64, n)
	for i := range x {
		x[i] = float64(i)
	}
	for b.Loop() {
		m.Predict(x)
	}
}
