package objective

import (
	"math"
	"math/rand"
	"testing"

	"github.com/attnsearch/attnsearch/objective/front"
	"github.com/attnsearch/attnsearch/space"
)

func TestMinimized(t *testing.T) {
	g := []space.Goal{{Name: "bleu", Maximize: true}, {Name: "params"}}
	v := Minimized(g, []float64{30, 1e6})
	if v[0] != -30 || v[1] != 1e6 {
		t.Fatalf("Minimized = %v", v)
	}
}

func TestHypervolumeAgreesWith2DForm(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	for iter := 0; iter < 100; iter++ {
		var p2 []Point2
		var vs [][]float64
		for i := 0; i < rng.Intn(30); i++ {
			q, c := rng.Float64()*100, rng.Float64()*10
			p2 = append(p2, Point2{Quality: q, Cost: c})
			vs = append(vs, []float64{-q, c})
		}
		a := Hypervolume(p2, Point2{Quality: 0, Cost: 9})
		b := front.HypervolumeMin(vs, []float64{0, 9})
		if math.Abs(a-b) > 1e-9*math.Max(1, a) {
			t.Fatalf("iter %d: 2-D form %v, N-D form %v", iter, a, b)
		}
	}
}

func TestGoalValuesAndConstraints(t *testing.T) {
	goals := []space.Goal{{Name: "bleu", Maximize: true}, {Name: "params"}, {Name: "latency"}, {Name: "accuracy", Maximize: true}}
	c := &Cost{Params: 1000, FlopsPerToken: 50, KVCacheBytesPerToken: 64}
	got := GoalValues(goals, c, map[string]float64{"bleu": 21, "latency_ms": 3.5})
	if got[0] != 21 || got[1] != 1000 || got[2] != 3.5 || !math.IsNaN(got[3]) {
		t.Fatalf("GoalValues = %v", got)
	}
	if v := GoalValues(goals[1:2], nil, nil); !math.IsNaN(v[0]) {
		t.Fatalf("params without a cost = %v", v)
	}
	o := space.Objective{Constraints: []string{"c1"}}
	b := space.Budget{MaxParams: 800, MaxLatencyMS: 7, MaxL2Norm: 10}
	// In stored order: max_params, max_l2_norm, max_latency_ms (record.BudgetFields order), c1.
	// Before training: params 1000 against 800 is +0.25; norm and latency unknown; c1 not reported.
	v := ConstraintValues(o, b, c, nil, nil)
	if len(v) != 4 || v[0] != 0.25 || !math.IsNaN(v[1]) || !math.IsNaN(v[2]) || !math.IsNaN(v[3]) {
		t.Fatalf("before training: %v", v)
	}
	// After: the norm 1e-7 above its limit is rounding (0); latency 3.5/7 − 1 = −0.5.
	v = ConstraintValues(o, b, c, &Measured{LatencyMS: 3.5, L2Norm: 10 * (1 + 1e-7)}, map[string]float64{"c1": -2})
	if v[1] != 0 || v[2] != -0.5 || v[3] != -2 {
		t.Fatalf("after training: %v", v)
	}
	if GoalKey("latency") != "latency_ms" || GoalKey("accuracy") != "token_accuracy" || GoalKey("f1") != "f1" {
		t.Fatal("GoalKey")
	}
}
