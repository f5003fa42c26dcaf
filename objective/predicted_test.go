package objective

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/attnsearch/attnsearch/objective/predict"
	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/space"
)

// predictedSpec loads a space whose cost pi_ms is predicted as params/1000 ms (a one-layer
// predictor over the params feature) and bounded by max_pi_ms 30.
func predictedSpec(t *testing.T) *space.Spec {
	t.Helper()
	dir := t.TempDir()
	m := predict.Model{Version: predict.Version, Target: "latency_ms_mean", Features: []string{"d_model", "params"},
		Mean: []float64{0, 0}, Std: []float64{1, 1000}, TargetStd: 1,
		Layers: []predict.Layer{{W: [][]float64{{0, 1}}, B: []float64{0}}}, Linear: predict.Linear{W: []float64{0, 1}}}
	b, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(dir, "pi.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	src := "task: {kind: synthetic}\nparams:\n  d_model: {type: categorical, choices: [32, 64]}\n  heads: 4\n  kv_heads: 4\n" +
		"costs: {pi_ms: {predictor: pi.json}}\nbudget: {max_params: 60000, max_pi_ms: 30}\n" +
		"objective: {maximize: [bleu], minimize: [params, pi_ms]}\n"
	spec, err := space.ParseWith(filepath.Join(dir, "s.yaml"), []byte(src), space.With{
		Predictors: func(path string) (space.Predictor, error) { return predict.Load(path) },
		Features:   FeatureNames()})
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// TestPredictedCostEndToEnd follows one predicted cost through EstimateSpec, Check, the goal and
// constraint vectors and Score: a point over the predicted budget is infeasible before training.
func TestPredictedCostEndToEnd(t *testing.T) {
	spec := predictedSpec(t)
	a := space.Arch{SrcVocab: 20, TgtVocab: 20, Positions: "sinusoidal", MaxPositions: 51}
	cases := []struct {
		d        int
		feasible bool
	}{{32, true}, {64, false}}
	for _, tc := range cases {
		cfg := space.Config{DModel: tc.d, Heads: 4, KVHeads: 4, EncLayers: 1, DecLayers: 1, DFF: 2 * tc.d}
		c := EstimateSpec(spec, cfg, a)
		want := float64(c.Params) / 1000
		if got := c.Predicted["pi_ms"]; math.Abs(got-want) > 1e-9 {
			t.Fatalf("d_model %d: predicted %v, want %v", tc.d, got, want)
		}
		v := Check(c, spec.Budget)
		over := want > 30
		if over == tc.feasible {
			t.Fatalf("d_model %d: test point on the wrong side of the budget (%v ms)", tc.d, want)
		}
		hasPi := false
		for _, x := range v {
			if x.Field == "max_pi_ms" {
				hasPi = true
				if x.String() == "" || x.Value != want || x.Limit != 30 {
					t.Errorf("violation %+v", x)
				}
			}
		}
		if hasPi != over {
			t.Errorf("d_model %d (%v ms): violations %v", tc.d, want, Strings(v))
		}
		if got := GoalValues(spec.Objective.Goals(), &c, nil); got[2] != want || got[1] != float64(c.Params) {
			t.Errorf("goal values %v", got)
		}
		names := constraintNames(spec.Objective, spec.Budget)
		cv := ConstraintValues(spec.Objective, spec.Budget, &c, nil, nil)
		if !reflect.DeepEqual(names, []string{"max_params", "max_pi_ms"}) || math.Abs(cv[1]-(want/30-1)) > 1e-12 {
			t.Errorf("constraints %v = %v", names, cv)
		}
		score, _ := ScoreTrial(50, c, nil, spec.Objective, spec.Budget)
		if (score >= 0) != tc.feasible {
			t.Errorf("d_model %d: score %v", tc.d, score)
		}
	}
	// Estimate alone knows no predictor: the predicted limit is left to EstimateSpec.
	plain := Estimate(space.Config{DModel: 64, Heads: 4, KVHeads: 4, EncLayers: 1, DecLayers: 1, DFF: 128}, a, 10, 10)
	for _, v := range Check(plain, spec.Budget) {
		if v.Field == "max_pi_ms" {
			t.Errorf("Check without predictions reports %v", v)
		}
	}
}

// TestFeaturesCoverArchFeatures checks that every name FeatureNames promises is computed.
func TestFeaturesCoverArchFeatures(t *testing.T) {
	cfg := space.Config{DModel: 64, Heads: 4, KVHeads: 2, EncLayers: 2, DecLayers: 3, DFF: 256}
	c := Estimate(cfg, space.Arch{SrcVocab: 30, TgtVocab: 40, Positions: "sinusoidal", MaxPositions: 20}, 10, 10)
	x, err := FeatureVector(FeatureNames(), cfg, c)
	if err != nil {
		t.Fatal(err)
	}
	if len(Features(cfg, c)) != len(x) || x[6] != 5 || x[7] != float64(c.Params) || x[10] != float64(c.KVCacheBytesPerToken) {
		t.Errorf("features %v", x)
	}
	if _, err := FeatureVector([]string{"cpu_mhz"}, cfg, c); err == nil {
		t.Error("unknown feature accepted")
	}
}

// constraintNames names a study's constraint values in ConstraintValues' order: every budget limit
// that is set, in record.BudgetFields order, then the predicted costs' limits in name order, then
// the objective's reported constraints.
func constraintNames(o space.Objective, b space.Budget) []string {
	var out []string
	for _, f := range record.BudgetFields {
		if f.Limit(b) > 0 {
			out = append(out, f.Name)
		}
	}
	for _, n := range b.PredictedNames() {
		out = append(out, record.PredictedPrefix+n)
	}
	return append(out, o.Constraints...)
}
