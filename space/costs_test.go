package space

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attnsearch/attnsearch/objective/predict"
)

// writePredictor writes a valid predictor over features into dir/name.
func writePredictor(t *testing.T, dir, name string, features ...string) {
	t.Helper()
	n := len(features)
	m := predict.Model{Version: predict.Version, Target: "latency_ms_mean", Features: features,
		Mean: make([]float64, n), Std: make([]float64, n), TargetStd: 1,
		Layers: []predict.Layer{{W: [][]float64{make([]float64, n)}, B: []float64{1}}},
		Linear: predict.Linear{W: make([]float64, n)}}
	for i := range m.Std {
		m.Std[i] = 1
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// withPredictors reads predictor files as the search does, with the features of the cost model.
var withPredictors = With{
	Predictors: func(path string) (Predictor, error) { return predict.Load(path) },
	Features:   []string{"d_model", "heads", "layers", "params", "flops_per_token"},
}

// costsBase is a space with a predicted cost; cases append budget and objective sections.
const costsBase = "task: {kind: synthetic}\nparams:\n  d_model: {low: 32, high: 64}\ncosts:\n  pi_ms: {predictor: pi.json}\n"

func TestPredictedCost(t *testing.T) {
	dir := t.TempDir()
	writePredictor(t, dir, "pi.json", "d_model", "flops_per_token")
	src := costsBase + "budget: {max_params: 100000, max_pi_ms: 12.5}\nobjective: {maximize: [bleu], minimize: [pi_ms, params]}\n"
	spec, err := ParseWith(filepath.Join(dir, "s.yaml"), []byte(src), withPredictors)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := spec.Predicted("pi_ms")
	if !ok || len(spec.Costs) != 1 || c.Path != filepath.Join(dir, "pi.json") || c.Model == nil || c.Model.Inputs()[1] != "flops_per_token" {
		t.Fatalf("costs = %+v", spec.Costs)
	}
	if spec.Budget.Predicted["pi_ms"] != 12.5 || spec.Budget.MaxParams != 100000 {
		t.Errorf("budget = %+v", spec.Budget)
	}
	// The scalar score's cost is the first cost goal with a budget; its reference is that budget.
	if spec.Objective.Cost != "pi_ms" {
		t.Errorf("objective cost %q, want pi_ms", spec.Objective.Cost)
	}
	if ref, ok := spec.GoalReference("pi_ms"); !ok || ref != 12.5 {
		t.Errorf("reference of pi_ms = %v, %v", ref, ok)
	}
	if p := spec.Pos["budget.max_pi_ms"]; p.Line != 6 {
		t.Errorf("position of budget.max_pi_ms = %+v", p)
	}
}

func TestPredictedCostErrors(t *testing.T) {
	dir := t.TempDir()
	writePredictor(t, dir, "pi.json", "d_model", "params")
	writePredictor(t, dir, "cpu.json", "d_model", "cpu_mhz")
	if err := os.WriteFile(filepath.Join(dir, "bad.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, src, want string
	}{
		{"feature not provided", strings.Replace(costsBase, "pi.json", "cpu.json", 1),
			"s.yaml:5:22: costs.pi_ms.predictor: predictor cpu.json needs feature cpu_mhz, which this space's architecture does not provide"},
		{"missing file", strings.Replace(costsBase, "pi.json", "none.json", 1), "s.yaml:5:22: costs.pi_ms.predictor: predict: open"},
		{"not a predictor", strings.Replace(costsBase, "pi.json", "bad.json", 1), "s.yaml:5:22: costs.pi_ms.predictor: predict: " + filepath.Join(dir, "bad.json") + ": not a predictor file"},
		{"no predictor key", "task: {kind: synthetic}\nparams:\n  d_model: 64\ncosts:\n  pi_ms: {}\n", "s.yaml:5:3: costs.pi_ms: missing predictor"},
		{"unknown key", "task: {kind: synthetic}\nparams:\n  d_model: 64\ncosts:\n  pi_ms: {model: pi.json}\n", `s.yaml:5:11: costs.pi_ms.model: unknown key "model"`},
		{"built-in name", "task: {kind: synthetic}\nparams:\n  d_model: 64\ncosts:\n  latency: {predictor: pi.json}\n", "s.yaml:5:3: costs.latency: latency is a built-in figure"},
		{"limit of no cost", "task: {kind: synthetic}\nparams:\n  d_model: 64\nbudget: {max_params: 9000000, max_pi_ms: 3}\n", `s.yaml:4:31: budget.max_pi_ms: unknown key "max_pi_ms"`},
		{"limit not positive", costsBase + "budget: {max_params: 9000000, max_pi_ms: 0}\n", "s.yaml:6:42: budget.max_pi_ms: must be > 0"},
		{"maximised", costsBase + "budget: {max_params: 9000000}\nobjective: {maximize: [bleu, pi_ms]}\n", "s.yaml:7:30: objective.maximize: pi_ms is a predicted cost (costs section): it must be under objective.minimize"},
		{"unknown goal names the predicted", costsBase + "budget: {max_params: 9000000}\nobjective: {minimize: [pj_ms]}\n", "known: bleu, accuracy, params, flops, kv_bytes, latency, and the predicted pi_ms"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseWith(filepath.Join(dir, "s.yaml"), []byte(c.src), withPredictors)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Parse = %v\nwant an error containing %q", err, c.want)
			}
		})
	}
}

// TestPredictedCostNeedsLoader checks that a reader that loads no predictors refuses a costs
// section at its line instead of leaving the cost without a predictor.
func TestPredictedCostNeedsLoader(t *testing.T) {
	dir := t.TempDir()
	writePredictor(t, dir, "pi.json", "d_model")
	_, err := Parse(filepath.Join(dir, "s.yaml"), []byte(costsBase))
	if want := "s.yaml:5:22: costs.pi_ms.predictor: this reader of space files loads no predictors"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Parse = %v, want %q", err, want)
	}
}
