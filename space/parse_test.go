package space

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fullSpace sets every key the format knows.
const fullSpace = `study:
  name: full
  sampler: {kind: tpe, startup_trials: 4, ei_candidates: 12}
  pruner: {kind: successive_halving, min_resource: 2, reduction_factor: 4, min_early_stopping_rate: 1}
  trials: 30
  workers: 3
  seed: -5
  enqueue_default: true
task:
  kind: synthetic
  synthetic: {train: 500, valid: 50, test: 60, vocab: 20, min_len: 4, max_len: 9, seed: 11}
  tokenizer: char
  max_vocab: 100
  min_freq: 2
  max_len: 30
training:
  epochs: 7
  batch_size: 16
  max_minutes: 1.5
  beta1: 0.8
  beta2: 0.99
  eps: 1e-8
  schedule: cosine
  clip_norm: 0
  weight_decay_mode: l2
  tie_embeddings: true
  positions: learned
  beam: 4
  latency_sentences: 5
  threads: 2
  eval_sentences: 10
params:
  d_model: {type: int, low: 32, high: 128, step: 32}
  heads: {type: categorical, choices: [2, 4]}
  kv_heads: {low: 1, high: 4}
  enc_layers: {type: int, low: 1, high: 16, log: true}
  dec_layers: 2
  d_ff: {type: fixed, value: 256}
  dropout: {type: float, low: 0, high: 0.5, step: 0.1}
  lr: {type: float, low: 1e-4, high: 1e-2, log: true}
  weight_decay: {low: 0, high: 0.1}
  warmup_steps: {choices: [0, 100, 1000]}
  label_smoothing: 0.1
budget:
  max_params: 1.5e6
  max_l2_norm: 300
  max_flops_per_token: 5e6
  max_kv_cache_bytes: 4096
  max_latency_ms: 20
objective:
  metric: accuracy
  cost: flops
  tradeoff: 0.5
  src_len: 12
  tgt_len: 14
`

// TestParseFull checks that every key lands in its field.
func TestParseFull(t *testing.T) {
	spec, err := Parse("full.yaml", []byte(fullSpace))
	if err != nil {
		t.Fatal(err)
	}
	want := Spec{
		File: "full.yaml",
		Study: Study{Name: "full", Sampler: Sampler{Kind: "tpe", Options: map[string]float64{"startup_trials": 4, "ei_candidates": 12}},
			Pruner: Pruner{Kind: "successive_halving", Options: map[string]float64{"min_resource": 2, "reduction_factor": 4, "min_early_stopping_rate": 1}},
			Trials: 30, Workers: 3, Seed: -5, EnqueueDefault: true},
		Task: Task{Kind: "synthetic", Synthetic: Synthetic{Train: 500, Valid: 50, Test: 60, Vocab: 20, MinLen: 4, MaxLen: 9, Seed: 11},
			Tokenizer: "char", MaxVocab: 100, MinFreq: 2, MaxLen: 30},
		Training: Training{Epochs: 7, BatchSize: 16, MaxMinutes: 1.5, Beta1: 0.8, Beta2: 0.99, Eps: 1e-8, Schedule: "cosine",
			ClipNorm: 0, WeightDecayMode: "l2", TieEmbeddings: true, Positions: "learned", Beam: 4, LatencySentences: 5,
			Threads: 2, EvalSentences: 10},
		Params: []Param{
			{Name: "d_model", Kind: KindInt, Low: 32, High: 128, Step: 32, Line: 33, Column: 3},
			{Name: "heads", Kind: KindCategorical, Choices: []string{"2", "4"}, Line: 34, Column: 3},
			{Name: "kv_heads", Kind: KindInt, Low: 1, High: 4, Line: 35, Column: 3},
			{Name: "enc_layers", Kind: KindInt, Low: 1, High: 16, Log: true, Line: 36, Column: 3},
			{Name: "dec_layers", Kind: KindFixed, Value: "2", Line: 37, Column: 3},
			{Name: "d_ff", Kind: KindFixed, Value: "256", Line: 38, Column: 3},
			{Name: "dropout", Kind: KindFloat, Low: 0, High: 0.5, Step: 0.1, Line: 39, Column: 3},
			{Name: "lr", Kind: KindFloat, Low: 1e-4, High: 1e-2, Log: true, Line: 40, Column: 3},
			{Name: "weight_decay", Kind: KindFloat, Low: 0, High: 0.1, Line: 41, Column: 3},
			{Name: "warmup_steps", Kind: KindCategorical, Choices: []string{"0", "100", "1000"}, Line: 42, Column: 3},
			{Name: "label_smoothing", Kind: KindFixed, Value: "0.1", Line: 43, Column: 3},
		},
		Budget:    Budget{MaxParams: 1500000, MaxL2Norm: 300, MaxFlopsPerToken: 5e6, MaxKVCacheBytes: 4096, MaxLatencyMS: 20},
		Objective: Objective{Metric: "accuracy", Cost: "flops", Tradeoff: 0.5, SrcLen: 12, TgtLen: 14},
	}
	got := *spec
	got.Pos = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse =\n%+v\nwant\n%+v", got, want)
	}
	if w := spec.where("budget.max_params"); w != "full.yaml:45:15" {
		t.Errorf("Where(budget.max_params) = %q", w)
	}
	if w := spec.where("study.pruner"); w != "full.yaml:4:3" {
		t.Errorf("Where(study.pruner) = %q", w)
	}
	if w := spec.where("nothing.here"); w != "full.yaml" {
		t.Errorf("Where(unknown) = %q", w)
	}
}

// TestParseDefaults checks the documented defaults of a minimal file.
func TestParseDefaults(t *testing.T) {
	src := "task: {kind: synthetic}\nparams:\n  d_model: {low: 32, high: 64}\nbudget: {max_params: 100000}\n"
	spec, err := Parse("dir/minimal.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := Spec{
		File:  "dir/minimal.yml",
		Study: Study{Name: "minimal", Sampler: Sampler{Kind: "auto"}, Pruner: Pruner{Kind: "none"}, Trials: 20, Workers: 1, Seed: 1},
		Task: Task{Kind: "synthetic", Synthetic: Synthetic{Train: 2000, Valid: 200, Test: 200, Vocab: 32, MinLen: 3, MaxLen: 10, Seed: 1},
			Tokenizer: "word", MinFreq: 1, MaxLen: 50},
		Training: Training{Epochs: 10, BatchSize: 32, Beta1: 0.9, Beta2: 0.98, Eps: 1e-9, Schedule: "inverse_sqrt", ClipNorm: 1,
			WeightDecayMode: "decoupled", Positions: "sinusoidal", Beam: 1, LatencySentences: 50},
		Params:    []Param{{Name: "d_model", Kind: KindInt, Low: 32, High: 64, Line: 3, Column: 3}},
		Budget:    Budget{MaxParams: 100000},
		Objective: Objective{Metric: "bleu", Cost: "params", Tradeoff: 2, SrcLen: 50, TgtLen: 50},
	}
	got := *spec
	got.Pos = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse =\n%+v\nwant\n%+v", got, want)
	}
	// The built-in pruners' defaults: search's TestSpaceKinds.
}

// TestParseMaxSteps checks training.max_steps: absent is 0 (no cap), and the value is kept as written.
func TestParseMaxSteps(t *testing.T) {
	cases := []struct {
		name, training string
		want           int
	}{
		{"absent", "", 0},
		{"zero", "training: {max_steps: 0}\n", 0},
		{"one", "training: {max_steps: 1}\n", 1},
		{"with epochs", "training: {epochs: 1000, max_steps: 2041}\n", 2041},
		{"block style", "training:\n  max_steps: 500\n  epochs: 3\n", 500},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec, err := Parse("s.yaml", []byte(c.training+base))
			if err != nil {
				t.Fatal(err)
			}
			if spec.Training.MaxSteps != c.want {
				t.Errorf("MaxSteps = %d, want %d", spec.Training.MaxSteps, c.want)
			}
		})
	}
}

// base is a valid file that the error cases below break one line at a time.
const base = "task: {kind: synthetic}\nparams:\n  d_model: {low: 32, high: 64}\nbudget: {max_params: 100000}\n"

// TestParseErrors checks that each kind of bad input is reported with file:line:col and field.
func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, src, want string
	}{
		{"syntax", "task: {kind: synthetic\nparams: [", "e.yaml:1: YAML syntax:"},
		{"tab indentation", "task:\n\tkind: synthetic\n", "e.yaml:2: YAML syntax:"},
		{"empty file", "", "e.yaml:1:1: empty space file"},
		{"comment only", "# nothing\n", "e.yaml:1:1: empty space file"},
		{"not a mapping", "- a\n- b\n", "e.yaml:1:1: the space file must be a mapping"},
		{"two documents", base + "---\ntask: {}\n", "e.yaml:5:1: a space file holds one YAML document"},
		{"unknown top key", base + "extra: 1\n", `e.yaml:5:1: extra: unknown key "extra"`},
		{"enqueue_default not a boolean", "study: {name: x, enqueue_default: maybe}\n" + base, `e.yaml:1:35: study.enqueue_default`},
		{"unknown nested key", "study: {name: x, trails: 3}\n" + base, `e.yaml:1:18: study.trails: unknown key "trails" (known: name, sampler, pruner, trials, workers, seed, enqueue_default)`},
		{"duplicate key", base + "budget: {max_params: 5}\n", "e.yaml:5:1: budget: duplicate key (first at line 4)"},
		{"missing task", "params:\n  d_model: 64\nbudget: {max_params: 100000}\n", "e.yaml:1:1: task: missing section"},
		{"missing params", "task: {kind: synthetic}\nbudget: {max_params: 100000}\n", "e.yaml:1:1: params: missing section"},
		{"wrong type int", "study: {trials: many}\n" + base, `e.yaml:1:17: study.trials: expected an integer, found the string "many"`},
		{"fractional int", "study: {trials: 2.5}\n" + base, `e.yaml:1:17: study.trials: expected an integer, found "2.5"`},
		{"wrong type bool", "training: {tie_embeddings: 1}\n" + base, "e.yaml:1:28: training.tie_embeddings: expected true or false, found an integer"},
		{"wrong type section", "training: 3\n" + base, "e.yaml:1:11: training: expected a mapping, found an integer"},
		{"bpe without vocabulary", "task: {kind: aligned, path: x, tokenizer: bpe, max_vocab: 0}\nparams:\n  d_model: 64\nbudget: {max_params: 100000}\n", "e.yaml:1:59: task.max_vocab: tokenizer bpe needs the subword vocabulary size (>= 5), not 0"},
		{"rich grammar too short", "task: {kind: synthetic, synthetic: {grammar: rich, vocab: 19}}\nparams:\n  d_model: 64\nbudget: {max_params: 100000}\n", "e.yaml:1:59: task.synthetic.vocab: 19 is out of range [20, 1000000]"},
		{"unknown grammar", "task: {kind: synthetic, synthetic: {grammar: fancy}}\nparams:\n  d_model: 64\nbudget: {max_params: 100000}\n", `e.yaml:1:46: task.synthetic.grammar: unknown value "fancy" (choose one of: simple, rich)`},
		{"unknown parameter", "task: {kind: synthetic}\nparams:\n  d_modle: 64\nbudget: {max_params: 100000}\n", `e.yaml:3:3: params.d_modle: unknown key "d_modle" (known: d_model, heads,`},
		{"inverted range", "task: {kind: synthetic}\nparams:\n  d_model: {low: 64, high: 32}\nbudget: {max_params: 100000}\n", "e.yaml:3:28: params.d_model.high: inverted range: low 64 > high 32"},
		{"empty range", "task: {kind: synthetic}\nparams:\n  d_model: {low: 64, high: 64}\nbudget: {max_params: 100000}\n", "e.yaml:3:28: params.d_model.high: empty range"},
		{"log low zero", "task: {kind: synthetic}\nparams:\n  lr: {low: 0, high: 0.1, log: true}\nbudget: {max_params: 100000}\n", "e.yaml:3:13: params.lr.low: 0 is outside the legal range (0, 10]"},
		{"log low zero weight decay", "task: {kind: synthetic}\nparams:\n  weight_decay: {low: 0, high: 0.1, log: true}\nbudget: {max_params: 100000}\n", "e.yaml:3:23: params.weight_decay.low: log range needs low > 0, found 0"},
		{"step does not divide", "task: {kind: synthetic}\nparams:\n  d_model: {low: 32, high: 100, step: 32}\nbudget: {max_params: 100000}\n", "e.yaml:3:39: params.d_model.step: step 32 does not divide the range [32, 100] (length 68)"},
		{"float step does not divide", "task: {kind: synthetic}\nparams:\n  dropout: {low: 0, high: 0.5, step: 0.2}\nbudget: {max_params: 100000}\n", "e.yaml:3:38: params.dropout.step: step 0.2 does not divide"},
		{"negative step", "task: {kind: synthetic}\nparams:\n  d_model: {low: 32, high: 64, step: -32}\nbudget: {max_params: 100000}\n", "e.yaml:3:38: params.d_model.step: step must be > 0"},
		{"step with log", "task: {kind: synthetic}\nparams:\n  lr: {low: 0.001, high: 0.1, step: 0.001, log: true}\nbudget: {max_params: 100000}\n", "e.yaml:3:37: params.lr.step: step cannot be combined with log"},
		{"float type on int name", "task: {kind: synthetic}\nparams:\n  d_model: {type: float, low: 32, high: 64}\nbudget: {max_params: 100000}\n", "e.yaml:3:19: params.d_model.type: d_model is an integer parameter"},
		{"int type on float name", "task: {kind: synthetic}\nparams:\n  dropout: {type: int, low: 0, high: 1}\nbudget: {max_params: 100000}\n", "e.yaml:3:19: params.dropout.type: dropout is a float parameter"},
		{"fractional int bound", "task: {kind: synthetic}\nparams:\n  d_model: {low: 32.5, high: 64}\nbudget: {max_params: 100000}\n", `e.yaml:3:18: params.d_model.low: expected an integer, found "32.5"`},
		{"illegal value", "task: {kind: synthetic}\nparams:\n  dropout: 1.5\nbudget: {max_params: 100000}\n", "e.yaml:3:12: params.dropout: 1.5 is outside the legal range [0, 1)"},
		{"string value", "task: {kind: synthetic}\nparams:\n  d_model: big\nbudget: {max_params: 100000}\n", `e.yaml:3:12: params.d_model: expected a number, found the string "big"`},
		{"empty choices", "task: {kind: synthetic}\nparams:\n  heads: {choices: []}\nbudget: {max_params: 100000}\n", "e.yaml:3:20: params.heads.choices: empty list of choices"},
		{"duplicate choice", "task: {kind: synthetic}\nparams:\n  heads: {choices: [2, 4, 2]}\nbudget: {max_params: 100000}\n", "e.yaml:3:27: params.heads.choices[2]: duplicate choice 2"},
		{"bad choice", "task: {kind: synthetic}\nparams:\n  heads: {choices: [2, x]}\nbudget: {max_params: 100000}\n", `e.yaml:3:24: params.heads.choices[1]: expected an integer, found the string "x"`},
		{"key of other kind", "task: {kind: synthetic}\nparams:\n  heads: {choices: [2, 4], low: 1}\nbudget: {max_params: 100000}\n", "e.yaml:3:28: params.heads.low: does not apply to a categorical parameter"},
		{"missing high", "task: {kind: synthetic}\nparams:\n  d_model: {low: 32}\nbudget: {max_params: 100000}\n", "e.yaml:3:3: params.d_model.high: missing"},
		{"empty params", "task: {kind: synthetic}\nparams: {}\nbudget: {max_params: 100000}\n", "e.yaml:2:1: params: empty section"},
		{"structural impossible", "task: {kind: synthetic}\nparams:\n  d_model: 30\n  heads: {choices: [4, 8]}\nbudget: {max_params: 100000}\n", "e.yaml:4:3: params.heads: no point of the space satisfies"},
		{"kv structural impossible", "task: {kind: synthetic}\nparams:\n  d_model: 32\n  heads: 4\n  kv_heads: {choices: [3, 5]}\nbudget: {max_params: 100000}\n", "e.yaml:3:12: params.d_model: no point of the space satisfies"},
		{"task without kind", "task: {max_len: 5}\nparams:\n  d_model: 32\nbudget: {max_params: 100000}\n", "e.yaml:1:1: task.kind: missing"},
		{"task kind unknown", "task: {kind: parquet}\nparams:\n  d_model: 32\nbudget: {max_params: 100000}\n", `e.yaml:1:14: task.kind: unknown value "parquet"`},
		{"path on synthetic", "task: {kind: synthetic, path: x}\nparams:\n  d_model: 32\nbudget: {max_params: 100000}\n", "e.yaml:1:25: task.path: does not apply to task kind synthetic"},
		{"corpus without path", "task: {kind: tsv}\nparams:\n  d_model: 32\nbudget: {max_params: 100000}\n", "e.yaml:1:1: task.path: missing"},
		{"synthetic on corpus", "task: {kind: tsv, path: x, synthetic: {train: 5}}\nparams:\n  d_model: 32\nbudget: {max_params: 100000}\n", "e.yaml:1:28: task.synthetic: applies only to task kind synthetic"},
		{"synthetic inverted lengths", "task: {kind: synthetic, synthetic: {min_len: 9, max_len: 5}}\nparams:\n  d_model: 32\nbudget: {max_params: 100000}\n", "e.yaml:1:58: task.synthetic.max_len: inverted range: min_len 9 > max_len 5"},
		{"synthetic too long", "task: {kind: synthetic, max_len: 8}\nparams:\n  d_model: 32\nbudget: {max_params: 100000}\n", "e.yaml:1:34: task.max_len: synthetic.max_len 10 exceeds task.max_len 8"},
		{"negative budget", "task: {kind: synthetic}\nparams:\n  d_model: 32\nbudget: {max_params: -5}\n", "e.yaml:4:22: budget.max_params: must be > 0"},
		{"cost without budget", "task: {kind: synthetic}\nparams:\n  d_model: 32\nbudget: {max_params: 5000}\nobjective: {cost: flops}\n", "e.yaml:5:19: objective.cost: cost flops needs budget.max_flops_per_token"},
		{"no budget at all", "task: {kind: synthetic}\nparams:\n  d_model: 32\n", "e.yaml: objective.cost: cost params needs budget.max_params"},
		{"cost default without budget", "task: {kind: synthetic}\nparams:\n  d_model: 32\nobjective: {metric: bleu}\n", "e.yaml:4:1: objective.cost: cost params needs budget.max_params"},
		{"unknown metric", "objective: {metric: rouge}\n" + base, `e.yaml:1:21: objective.metric: unknown value "rouge"`},
		{"min_resource above epochs", "study: {pruner: {kind: successive_halving, min_resource: 5}}\ntraining: {epochs: 3}\n" + base, "e.yaml:1:58: study.pruner.min_resource: 5 exceeds training.epochs 3"},
		{"null value", "study: {trials: ~}\n" + base, "e.yaml:1:17: study.trials: expected a number, found nothing (null)"},
		{"list for number", "study: {trials: [1]}\n" + base, "e.yaml:1:17: study.trials: expected a number, found a list"},
		{"negative max_steps", "training: {max_steps: -1}\n" + base, "e.yaml:1:23: training.max_steps: -1 is out of range [0, 1000000000]"},
		{"fractional max_steps", "training: {max_steps: 2.5}\n" + base, `e.yaml:1:23: training.max_steps: expected an integer, found "2.5"`},
		{"string max_steps", "training:\n  epochs: 3\n  max_steps: many\n" + base, `e.yaml:3:14: training.max_steps: expected an integer, found the string "many"`},
		{"NaN", "training: {max_minutes: .nan}\n" + base, `e.yaml:1:25: training.max_minutes: expected a finite number, found ".nan"`},
		{"alias of section", "t: &t {kind: synthetic}\ntask: *t\n" + base[len("task: {kind: synthetic}\n"):], `e.yaml:1:1: t: unknown key "t"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("e.yaml", []byte(c.src))
			if err == nil {
				t.Fatalf("Parse accepted:\n%s", c.src)
			}
			if !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("Parse error\n got  %q\n want %q...", err.Error(), c.want)
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Errorf("error %T is not a *space.Error", err)
			}
		})
	}
}

// TestParseCorpusPath checks path resolution relative to the space file and missing corpora.
func TestParseCorpusPath(t *testing.T) {
	dir := t.TempDir()
	corpus := filepath.Join(dir, "data", "corpus")
	if err := os.MkdirAll(corpus, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"train.src", "train.tgt", "valid.src", "valid.tgt", "test.src", "test.tgt"} {
		if err := os.WriteFile(filepath.Join(corpus, name), []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tsv := filepath.Join(dir, "data", "pairs.tsv")
	if err := os.WriteFile(tsv, []byte("a\tb\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	spaceDir := filepath.Join(dir, "spaces")
	if err := os.MkdirAll(spaceDir, 0o755); err != nil {
		t.Fatal(err)
	}
	rest := "\nparams:\n  d_model: 32\nbudget: {max_params: 1e9}\n"
	cases := []struct {
		name, task, wantPath, wantErr string
		notExist                      bool
	}{
		{"aligned relative", "task: {kind: aligned, path: ../data/corpus}", corpus, "", false},
		{"aligned absolute", "task: {kind: aligned, path: " + corpus + "}", corpus, "", false},
		{"tsv", "task: {kind: tsv, path: ../data/pairs.tsv}", tsv, "", false},
		{"missing dir", "task: {kind: aligned, path: ../data/nope}", "", "s.yaml:1:29: task.path: corpus " + filepath.Join(spaceDir, "../data/nope") + " does not exist", true},
		{"aligned is a file", "task: {kind: aligned, path: ../data/pairs.tsv}", "", "s.yaml:1:29: task.path: " + tsv + " is a file", false},
		{"tsv is a dir", "task: {kind: tsv, path: ../data/corpus}", "", "s.yaml:1:25: task.path: " + corpus + " is a directory", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			file := filepath.Join(spaceDir, "s.yaml")
			if err := os.WriteFile(file, []byte(c.task+rest), 0o644); err != nil {
				t.Fatal(err)
			}
			spec, err := Load(file)
			if c.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), filepath.Join(spaceDir, c.wantErr)) {
					t.Fatalf("Load = %v, want %q", err, filepath.Join(spaceDir, c.wantErr))
				}
				if errors.Is(err, fs.ErrNotExist) != c.notExist {
					t.Errorf("errors.Is(err, fs.ErrNotExist) = %v, want %v", !c.notExist, c.notExist)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if filepath.Clean(spec.Task.Path) != filepath.Clean(c.wantPath) {
				t.Errorf("Task.Path = %q, want %q", spec.Task.Path, c.wantPath)
			}
			if spec.Task.MaxVocab != 8000 {
				t.Errorf("corpus MaxVocab default = %d, want 8000", spec.Task.MaxVocab)
			}
		})
	}
	if _, err := Load(filepath.Join(dir, "absent.yaml")); err == nil || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(absent) = %v", err)
	}
}

// TestDocReference parses the reference block of doc.go, so that the documented format and
// defaults stay valid.
func TestDocReference(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var yml []string
	in := false
	for _, line := range strings.Split(string(src), "\n") {
		switch {
		case strings.HasPrefix(line, "// Reference ("):
			in = true
		case in && strings.HasPrefix(line, "//\t"):
			yml = append(yml, strings.TrimPrefix(line, "//\t"))
		case in && len(yml) > 0:
			in = false
		}
	}
	if len(yml) < 40 {
		t.Fatalf("reference block not found (%d lines)", len(yml))
	}
	// docs/space.md shows the same block, character for character.
	page, err := os.ReadFile(filepath.Join("..", "docs", "space.md"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "```yaml\n" + strings.Join(yml, "\n") + "\n```"; !strings.Contains(string(page), want) {
		t.Errorf("docs/space.md's space file reference differs from space/doc.go's; paste doc.go's block:\n%s", want)
	}
	spec, err := Parse("reference.yaml", []byte(strings.Join(yml, "\n")))
	if err != nil {
		t.Fatalf("the documented reference does not parse: %v", err)
	}
	def, err := Parse("reference.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	// The values written in the reference are the defaults.
	if !reflect.DeepEqual(spec.Study, def.Study) || !reflect.DeepEqual(spec.Task, def.Task) || spec.Training != def.Training || !reflect.DeepEqual(spec.Objective, def.Objective) {
		t.Errorf("reference values differ from the defaults:\n%+v %+v %+v\n%+v %+v %+v",
			spec.Study, spec.Task, spec.Training, def.Study, def.Task, def.Training)
	}
}

// TestLoadWithCorpus covers --data: the file's own corpus may be absent, the replacement decides
// the task kind, and a missing replacement is an error wrapping fs.ErrNotExist.
func TestLoadWithCorpus(t *testing.T) {
	dir := t.TempDir()
	spaceFile := filepath.Join(dir, "s.yaml")
	src := "task: {kind: tsv, path: ../nowhere/pairs.txt, max_vocab: 100}\nparams:\n  d_model: 64\nbudget: {max_params: 100000}\n"
	if err := os.WriteFile(spaceFile, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(spaceFile); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load without the corpus: %v", err)
	}
	aligned := filepath.Join(dir, "aligned")
	if err := os.Mkdir(aligned, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"train.src", "train.tgt", "valid.src", "valid.tgt", "test.src", "test.tgt"} {
		if err := os.WriteFile(filepath.Join(aligned, f), []byte("a\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tsv := filepath.Join(dir, "pairs.txt")
	if err := os.WriteFile(tsv, []byte("a\tb\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for corpus, kind := range map[string]string{aligned: "aligned", tsv: "tsv"} {
		spec, err := LoadWithCorpus(spaceFile, corpus)
		if err != nil {
			t.Fatal(err)
		}
		if spec.Task.Kind != kind || spec.Task.Path != corpus || spec.Task.MaxVocab != 100 {
			t.Fatalf("--data %s: task %+v", corpus, spec.Task)
		}
	}
	// A relative corpus is relative to the working directory.
	wd, _ := os.Getwd()
	rel, err := filepath.Rel(wd, tsv)
	if err != nil {
		t.Fatal(err)
	}
	if spec, err := LoadWithCorpus(spaceFile, rel); err != nil || spec.Task.Path != tsv {
		t.Fatalf("relative --data: %v %v", spec, err)
	}
	if _, err := LoadWithCorpus(spaceFile, filepath.Join(dir, "absent")); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "--data") {
		t.Fatalf("missing --data corpus: %v", err)
	}
	// An aligned directory missing a split file is still caught.
	os.Remove(filepath.Join(aligned, "test.tgt"))
	if _, err := LoadWithCorpus(spaceFile, aligned); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("incomplete aligned --data: %v", err)
	}
}

// where returns (for the tests) "file:line:col" of a dotted field path ("budget.max_params"), or the file name
// alone when the field was not written in the file.
func (s *Spec) where(field string) string {
	file := s.File
	if file == "" {
		file = "<space>"
	}
	if p, ok := s.Pos[field]; ok && p.Line > 0 {
		return fmt.Sprintf("%s:%d:%d", file, p.Line, p.Column)
	}
	return file
}
