package space

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

const superBase = "task: {kind: synthetic}\nparams:\n  d_model: {low: 16, high: 64, step: 16}\n  heads: {choices: [1, 2, 4]}\n  enc_layers: {low: 1, high: 3}\nbudget: {max_params: 100000}\n"

// TestParseSupernet checks the supernet section's values, its defaults, and the elastic
// dimensions it derives.
func TestParseSupernet(t *testing.T) {
	cases := []struct {
		name, src string
		want      Supernet
	}{
		{"defaults", "study: {strategy: supernet}\n" + superBase, defaultSupernet},
		{"full", "study: {strategy: supernet}\n" + superBase + "supernet:\n  train: {minutes: 2.5, steps: 300, sampling: uniform}\n  evaluate: {sentences: 20}\n  trials: 5000\n  retrain: {top_k: 3, steps: 50, from: inherited}\n",
			Supernet{TrainMinutes: 2.5, TrainSteps: 300, Sampling: "uniform", Widths: WidthsJoint, Largest: LargestWidest, EvalSentences: 20, EvalRank: "bleu", Trials: 5000, TopK: 3, RetrainSteps: 50, RetrainFrom: "inherited"}},
		{"minutes alone", "study: {strategy: supernet}\n" + superBase + "supernet: {train: {minutes: 3}}\n",
			func() Supernet { s := defaultSupernet; s.TrainMinutes, s.TrainSteps = 3, 0; return s }()},
		{"retrain minutes alone, reference", "study: {strategy: supernet}\n" + superBase + "objective: {maximize: [bleu], minimize: [params, latency]}\n" +
			"supernet: {retrain: {minutes: 1.5, reference: {params: 50000, latency_ms: 5}}}\n",
			func() Supernet {
				s := defaultSupernet
				s.RetrainMinutes, s.RetrainSteps = 1.5, 0
				s.RetrainReference = map[string]float64{"params": 50000, "latency": 5}
				return s
			}()},
		{"rank by likelihood", "study: {strategy: supernet}\n" + superBase + "supernet: {evaluate: {sentences: 40, rank: likelihood}}\n",
			func() Supernet { s := defaultSupernet; s.EvalSentences, s.EvalRank = 40, "likelihood"; return s }()},
		{"sandwich with distillation", "study: {strategy: supernet}\n" + superBase + "supernet: {train: {steps: 40, sampling: sandwich, distill: true}}\n",
			func() Supernet { s := defaultSupernet; s.TrainSteps, s.Distill = 40, true; return s }()},
		{"widths drawn evenly", "study: {strategy: supernet}\n" + superBase + "supernet: {train: {steps: 40, widths: even}}\n",
			func() Supernet { s := defaultSupernet; s.TrainSteps, s.Widths = 40, WidthsEven; return s }()},
		{"largest in turn", "study: {strategy: supernet}\n" + superBase + "supernet: {train: {steps: 40, largest: rotate}}\n",
			func() Supernet { s := defaultSupernet; s.TrainSteps, s.Largest = 40, LargestRotate; return s }()},
		{"the shared weights' learning rate", "study: {strategy: supernet}\n" + superBase + "supernet: {train: {steps: 40, lr: 1.25e-3}}\n",
			func() Supernet { s := defaultSupernet; s.TrainSteps, s.TrainLR = 40, 1.25e-3; return s }()},
		{"retrain minutes and steps", "study: {strategy: supernet}\n" + superBase + "supernet: {retrain: {steps: 700, minutes: 2}}\n",
			func() Supernet { s := defaultSupernet; s.RetrainMinutes, s.RetrainSteps = 2, 700; return s }()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec, err := Parse("s.yaml", []byte(c.src))
			if err != nil {
				t.Fatal(err)
			}
			if !spec.IsSupernet() || !reflect.DeepEqual(spec.Supernet, c.want) {
				t.Fatalf("strategy %q, supernet %+v, want %+v", spec.Study.Strategy, spec.Supernet, c.want)
			}
			el, err := spec.Elastic()
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"d_model": "[16 32 48 64]", "heads": "[1 2 4]", "kv_heads": "[1 2 4]",
				"enc_layers": "[1 2 3]", "dec_layers": "[2]", "d_ff": "[64 128 192 256]"}
			for k, v := range want {
				if got := fmt.Sprint(el[k]); got != v {
					t.Errorf("elastic %s = %s, want %s", k, got, v)
				}
			}
		})
	}
	// per_trial, written or not, leaves the Spec as it always was.
	for _, src := range []string{superBase, "study: {strategy: per_trial}\n" + superBase} {
		spec, err := Parse("s.yaml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if spec.IsSupernet() || spec.Study.Strategy != "" || !reflect.DeepEqual(spec.Supernet, Supernet{}) {
			t.Errorf("per_trial: strategy %q, supernet %+v", spec.Study.Strategy, spec.Supernet)
		}
	}
}

// TestParseSupernetErrors checks that each bad supernet setting is reported with its position
// and field, as an *Error.
func TestParseSupernetErrors(t *testing.T) {
	sn := "study: {strategy: supernet}\n"
	cases := []struct {
		name, src, want string
	}{
		{"unknown strategy", "study: {strategy: shared}\n" + superBase, `e.yaml:1:19: study.strategy: unknown value "shared" (choose one of: per_trial, supernet)`},
		{"section without strategy", superBase + "supernet: {trials: 5}\n", "e.yaml:7:1: supernet: applies only with study.strategy: supernet"},
		{"unknown key", sn + superBase + "supernet: {trails: 5}\n", `e.yaml:8:12: supernet.trails: unknown key "trails"`},
		{"no limit", sn + superBase + "supernet: {train: {steps: 0}}\n", "e.yaml:8:12: supernet.train: needs a limit: minutes or steps (> 0)"},
		{"distill without sandwich", sn + superBase + "supernet: {train: {sampling: uniform, distill: true}}\n", "e.yaml:8:48: supernet.train.distill: needs sampling: sandwich"},
		{"widths value", sn + superBase + "supernet: {train: {widths: uniform}}\n", `e.yaml:8:28: supernet.train.widths: unknown value "uniform" (choose one of: joint, even)`},
		{"largest value", sn + superBase + "supernet: {train: {largest: all}}\n", `e.yaml:8:29: supernet.train.largest: unknown value "all" (choose one of: widest, rotate)`},
		{"largest without sandwich", sn + superBase + "supernet: {train: {sampling: uniform, largest: rotate}}\n", "e.yaml:8:48: supernet.train.largest: needs sampling: sandwich"},
		{"lr zero", sn + superBase + "supernet: {train: {lr: 0}}\n", "e.yaml:8:24: supernet.train.lr: must be > 0"},
		{"lr range", sn + superBase + "supernet: {train: {lr: 2}}\n", "e.yaml:8:24: supernet.train.lr: 2 is outside [0, 1]"},
		{"distill value", sn + superBase + "supernet: {train: {distill: often}}\n", "e.yaml:8:29: supernet.train.distill: expected true or false"},
		{"sampling", sn + superBase + "supernet: {train: {sampling: best}}\n", `e.yaml:8:30: supernet.train.sampling: unknown value "best" (choose one of: uniform, sandwich)`},
		{"retrain from", sn + superBase + "supernet: {retrain: {from: nowhere}}\n", `e.yaml:8:28: supernet.retrain.from: unknown value "nowhere"`},
		{"top_k", sn + superBase + "supernet: {retrain: {top_k: 0}}\n", "e.yaml:8:29: supernet.retrain.top_k: 0 is out of range"},
		{"retrain no limit", sn + superBase + "supernet: {retrain: {steps: 0}}\n", "e.yaml:8:12: supernet.retrain: needs a limit: minutes or steps (> 0)"},
		{"retrain minutes", sn + superBase + "supernet: {retrain: {minutes: -1}}\n", "e.yaml:8:31: supernet.retrain.minutes: -1 is outside [0, 10000000]"},
		{"retrain reference goal", sn + superBase + "supernet:\n  retrain:\n    reference: {flops: 5}\n", "e.yaml:10:17: supernet.retrain.reference.flops: flops is not a goal (goals: "},
		{"retrain reference value", sn + superBase + "supernet:\n  retrain:\n    reference: {params: many}\n", "e.yaml:10:25: supernet.retrain.reference.params: expected a number"},
		{"rank", sn + superBase + "supernet: {evaluate: {rank: perplexity}}\n", `e.yaml:8:29: supernet.evaluate.rank: unknown value "perplexity" (choose one of: bleu, likelihood)`},
		{"sentences", sn + superBase + "supernet: {evaluate: {sentences: 0}}\n", "e.yaml:8:34: supernet.evaluate.sentences: 0 is out of range"},
		{"pruner", "study: {strategy: supernet, pruner: median}\n" + superBase, "e.yaml:1:37: study.pruner: does not apply with study.strategy: supernet"},
		{"nothing elastic", sn + "task: {kind: synthetic}\nparams:\n  d_model: 64\n  lr: {low: 0.001, high: 0.01}\nbudget: {max_params: 100000}\n",
			"e.yaml:3:1: params: study.strategy supernet needs at least one searched architecture parameter (d_model, heads, kv_heads, enc_layers, dec_layers, d_ff)"},
		{"too many values", sn + "task: {kind: synthetic}\nparams:\n  d_ff: {low: 1, high: 100000}\nbudget: {max_params: 100000}\n",
			"e.yaml:4:3: params.d_ff: [1, 100000] has more than 4096 values: too many to be an elastic dimension"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("e.yaml", []byte(c.src))
			var se *Error
			if err == nil || !errors.As(err, &se) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Parse = %v, want an *Error containing %q", err, c.want)
			}
		})
	}
}
