package space

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseMultiObjective(t *testing.T) {
	src := base + "training: {latency_sentences: 5}\n" +
		"objective:\n" +
		"  maximize: [bleu]\n" +
		"  minimize: [params, latency_ms]\n" +
		"  reference: {bleu: 1, latency_ms: 20}\n"
	spec, err := Parse("m.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	o := spec.Objective
	want := []Goal{{Name: "bleu", Maximize: true}, {Name: "params", Maximize: false}, {Name: "latency", Maximize: false}}
	if !o.Listed() || !reflect.DeepEqual(o.Goals(), want) {
		t.Fatalf("goals %+v, want %+v", o.Goals(), want)
	}
	if o.Metric != "bleu" || o.Cost != "params" {
		t.Errorf("scalar score uses %s/%s, want bleu/params (params has a budget, latency none)", o.Metric, o.Cost)
	}
	for _, c := range []struct {
		goal string
		ref  float64
		ok   bool
	}{{"bleu", 1, true}, {"params", 100000, true}, {"latency", 20, true}, {"accuracy", 0, true}, {"flops", 0, false}} {
		if v, ok := spec.GoalReference(c.goal); v != c.ref || ok != c.ok {
			t.Errorf("GoalReference(%s) = %v, %v; want %v, %v", c.goal, v, ok, c.ref, c.ok)
		}
	}
	// A single name needs no brackets; minimize alone is a valid objective.
	spec, err = Parse("m.yaml", []byte(base+"objective: {minimize: params}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(spec.Objective.Goals(), []Goal{{Name: "params", Maximize: false}}) || spec.Objective.Metric != "bleu" {
		t.Fatalf("objective %+v", spec.Objective)
	}
}

func TestMetricCostFormGoals(t *testing.T) {
	spec, err := Parse("m.yaml", []byte(base+"objective: {metric: accuracy, cost: params}\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Goal{{Name: "accuracy", Maximize: true}, {Name: "params", Maximize: false}}
	if spec.Objective.Listed() || !reflect.DeepEqual(spec.Objective.Goals(), want) {
		t.Fatalf("goals %+v, want %+v", spec.Objective.Goals(), want)
	}
}

func TestParseMultiObjectiveErrors(t *testing.T) {
	cases := []struct{ name, obj, want string }{
		{"mixed forms", "objective:\n  metric: bleu\n  minimize: [params]\n",
			"e.yaml:7:3: objective.metric: metric belongs to the single-cost form"},
		{"unknown figure", "objective:\n  maximize: [bleu]\n  minimize: [parms]\n",
			`e.yaml:8:14: objective.minimize: unknown figure "parms" for task kind synthetic`},
		{"wrong direction", "objective:\n  maximize: [params]\n",
			"e.yaml:7:14: objective.maximize: params must be under objective.minimize"},
		{"duplicate goal", "objective:\n  maximize: [bleu]\n  minimize: [params, params]\n",
			"e.yaml:8:22: objective.minimize: params is already a goal"},
		{"alias duplicate", "objective:\n  minimize: [latency, latency_ms]\n",
			"e.yaml:7:23: objective.minimize: latency is already a goal"},
		{"reference of no goal", "objective:\n  maximize: [bleu]\n  minimize: [params]\n  reference: {flops: 3}\n",
			"e.yaml:9:15: objective.reference.flops: flops is not a goal (goals: bleu, params)"},
		{"reference not a number", "objective:\n  maximize: [bleu]\n  reference: {bleu: high}\n",
			`e.yaml:8:21: objective.reference.bleu: expected a number, found the string "high"`},
		{"constraints on a built-in task", "objective:\n  maximize: [bleu]\n  constraints: [c1]\n",
			"e.yaml:8:3: objective.constraints: task kind synthetic takes its constraints from the budget section"},
		{"reference without goals", "objective:\n  reference: {bleu: 0}\n",
			"e.yaml:7:3: objective.reference: reference needs the maximize/minimize form"},
		{"empty list", "objective:\n  maximize: []\n",
			"e.yaml:7:13: objective.maximize: empty list"},
		{"not a name", "objective:\n  maximize: [\"b leu\"]\n",
			`e.yaml:7:14: objective.maximize: "b leu" is not a name`},
		{"latency without sentences", "training: {latency_sentences: 0}\nobjective:\n  minimize: [latency]\n",
			"training.latency_sentences: must be >= 1 when latency is measured"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("e.yaml", []byte(base+"study: {trials: 5}\n"+c.obj))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v\nwant it to contain %q", err, c.want)
			}
		})
	}
}
