package space

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// commandSpace is a command task with every kind of parameter.
const commandSpace = `study: {trials: 5, sampler: random, pruner: median}
task:
  kind: command
  command: [python3, train.py, --fast, 3]
  timeout: 90s
  env: {CUDA_VISIBLE_DEVICES: "0", DEPTH: 4}
params:
  x0: {type: float, low: -1.5, high: 1}
  layers: {type: int, low: 1, high: 6}
  width: {type: int, low: 16, high: 256, log: true}
  lr: {type: float, low: 1e-4, high: 1e-1, log: true}
  drop: {type: float, low: 0, high: 0.5, step: 0.1}
  act: {type: categorical, choices: [relu, gelu]}
  mixed: {choices: [1, 2.5, "two", true]}
  name: "base"
  epochs: 3
  frac: {value: 0.25}
objective:
  minimize: [f1, f2]
  maximize: acc
  constraints: [c1]
`

func TestParseCommand(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "cmd.yaml")
	spec, err := Parse(file, []byte(commandSpace))
	if err != nil {
		t.Fatal(err)
	}
	if spec.Task.Kind != TaskCommand {
		t.Fatalf("task kind %q, want %q", spec.Task.Kind, TaskCommand)
	}
	wantTask := Task{Kind: "command", Command: []string{"python3", "train.py", "--fast", "3"}, Dir: dir,
		Timeout: 90 * time.Second, Env: map[string]string{"CUDA_VISIBLE_DEVICES": "0", "DEPTH": "4"}}
	if !reflect.DeepEqual(spec.Task, wantTask) {
		t.Errorf("task = %+v\nwant %+v", spec.Task, wantTask)
	}
	wantObj := Objective{Maximize: []string{"acc"}, Minimize: []string{"f1", "f2"}, Constraints: []string{"c1"}}
	if !reflect.DeepEqual(spec.Objective, wantObj) {
		t.Errorf("objective = %+v, want %+v", spec.Objective, wantObj)
	}
	if g := spec.Objective.Goals(); !reflect.DeepEqual(g, []Goal{{Name: "acc", Maximize: true}, {Name: "f1"}, {Name: "f2"}}) {
		t.Errorf("Goals = %v", g)
	}
	type want struct {
		kind    string
		low     float64
		high    float64
		step    float64
		log     bool
		choices []string
		typed   []any
		value   string
	}
	wants := map[string]want{
		"x0":     {kind: KindFloat, low: -1.5, high: 1},
		"layers": {kind: KindInt, low: 1, high: 6},
		"width":  {kind: KindInt, low: 16, high: 256, log: true},
		"lr":     {kind: KindFloat, low: 1e-4, high: 1e-1, log: true},
		"drop":   {kind: KindFloat, low: 0, high: 0.5, step: 0.1},
		"act":    {kind: KindCategorical, choices: []string{"relu", "gelu"}, typed: []any{"relu", "gelu"}},
		"mixed":  {kind: KindCategorical, choices: []string{"1", "2.5", "two", "true"}, typed: []any{int64(1), 2.5, "two", true}},
		"name":   {kind: KindFixed, value: "base", typed: []any{"base"}},
		"epochs": {kind: KindFixed, value: "3", typed: []any{int64(3)}},
		"frac":   {kind: KindFixed, value: "0.25", typed: []any{0.25}},
	}
	if len(spec.Params) != len(wants) {
		t.Fatalf("%d params, want %d", len(spec.Params), len(wants))
	}
	for _, p := range spec.Params {
		w := wants[p.Name]
		got := want{p.Kind, p.Low, p.High, p.Step, p.Log, p.Choices, p.Typed, p.Value}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %+v, want %+v", p.Name, got, w)
		}
	}
	// Declared types each value as the command receives it.
	get := func(name string) Param { p, _ := spec.Param(name); return p }
	for _, c := range []struct {
		param string
		in    any
		want  any
	}{
		{"layers", 4.0, int64(4)}, {"layers", int64(5), int64(5)}, {"x0", int64(1), 1.0}, {"x0", 0.5, 0.5},
		{"act", "gelu", "gelu"}, {"mixed", "1", int64(1)}, {"mixed", "true", true}, {"mixed", "2.5", 2.5},
		{"epochs", 3.0, int64(3)}, {"name", "base", "base"},
	} {
		if got := get(c.param).Declared(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s.Declared(%#v) = %#v, want %#v", c.param, c.in, got, c.want)
		}
	}
}

func TestParseCommandProgramPath(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "train.sh"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	src := func(prog string) []byte {
		return []byte("task: {kind: command, command: [" + prog + "]}\nparams: {x: {type: float, low: 0, high: 1}}\nobjective: {minimize: f}\n")
	}
	if _, err := Parse(filepath.Join(dir, "s.yaml"), src("./train.sh")); err != nil {
		t.Errorf("relative program: %v", err)
	}
	for _, c := range []struct{ prog, msg string }{
		{"./missing.sh", "program " + filepath.Join(dir, "missing.sh") + " does not exist"},
		{"sub", ""}, // a bare name: looked up on PATH
		{"./sub", "is a directory"},
		{"attnsearch-no-such-program", "program attnsearch-no-such-program is not on PATH"},
	} {
		_, err := Parse(filepath.Join(dir, "s.yaml"), src(c.prog))
		var e *Error
		if !errors.As(err, &e) || e.Field != "task.command[0]" || e.Line != 1 || e.Column != 33 || !strings.Contains(e.Msg, c.msg) {
			t.Errorf("%s: %v, want task.command[0] at 1:33: ...%s", c.prog, err, c.msg)
		}
		if c.msg != "" && strings.Contains(c.msg, "does not exist") && !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: error does not wrap fs.ErrNotExist", c.prog)
		}
	}
}

func TestParseCommandErrors(t *testing.T) {
	const head = "task: {kind: command, command: [sh]}\n"
	const params = "params: {x: {type: float, low: 0, high: 1}}\n"
	const obj = "objective: {minimize: f}\n"
	tests := []struct {
		name, src, where, field, msg string
	}{
		{"no command", "task: {kind: command}\n" + params + obj, "1:1", "task.command", "missing: task kind command needs the command"},
		{"scalar command", "task: {kind: command, command: python3 train.py}\n" + params + obj, "1:32", "task.command", "expected a list"},
		{"empty command", "task: {kind: command, command: []}\n" + params + obj, "1:32", "task.command", "empty command"},
		{"empty program", "task: {kind: command, command: [\"\"]}\n" + params + obj, "1:33", "task.command[0]", "empty program name"},
		{"list in argv", "task: {kind: command, command: [sh, [a]]}\n" + params + obj, "1:37", "task.command[1]", "expected a string"},
		{"bad timeout", "task: {kind: command, command: [sh], timeout: 30}\n" + params + obj, "1:47", "task.timeout", "expected a duration with a unit"},
		{"zero timeout", "task: {kind: command, command: [sh], timeout: 0s}\n" + params + obj, "1:47", "task.timeout", "must be > 0"},
		{"bad env name", "task: {kind: command, command: [sh], env: {A-B: 1}}\n" + params + obj, "1:44", "task.env.A-B", "not an environment variable name"},
		{"env list", "task: {kind: command, command: [sh], env: {A: [1]}}\n" + params + obj, "1:47", "task.env.A", "expected a value"},
		{"corpus key", "task: {kind: command, command: [sh], tokenizer: word}\n" + params + obj, "1:38", "task.tokenizer", "does not apply to task kind command"},
		{"command on synthetic", "task: {kind: synthetic, command: [sh]}\n" + params + obj, "1:25", "task.command", "applies only to task kind command"},
		{"training", head + "training: {epochs: 3}\n" + params + obj, "2:1", "training", "applies only to the built-in tasks"},
		{"budget", head + "budget: {max_params: 3}\n" + params + obj, "2:1", "budget", "applies only to the built-in tasks"},
		{"no objective", head + params, "1:14", "task.kind", "needs objective.maximize or objective.minimize"},
		{"only constraints", head + params + "objective: {constraints: [c]}\n", "3:13", "objective.constraints", "constraints needs the maximize/minimize form"},
		{"no goal", head + params + "objective: {}\n", "3:1", "objective", "needs objective.maximize or objective.minimize"},
		{"reserved", head + params + "objective: {minimize: [f, score]}\n", "3:27", "objective.minimize", `value name "score" is reserved`},
		{"metric", head + params + "objective: {metric: bleu, minimize: f}\n", "3:13", "objective.metric", "applies only to the built-in tasks"},
		{"twice", head + params + "objective: {minimize: [f, g], constraints: [f]}\n", "3:45", "objective.constraints", "f is already a goal or constraint"},
		{"bad value name", head + params + "objective: {minimize: [\"f g\"]}\n", "3:24", "objective.minimize", `"f g" is not a name`},
		{"empty goals", head + params + "objective: {minimize: []}\n", "3:23", "objective.minimize", "empty list"},
		{"bad param name", head + "params: {\"2x\": {type: float, low: 0, high: 1}}\n" + obj, "2:10", "params.2x", "is not a parameter name"},
		{"untyped range", head + "params: {x: {low: 0, high: 1}}\n" + obj, "2:10", "params.x.type", "needs its type"},
		{"float int bounds", head + "params: {n: {type: int, low: 0.5, high: 3}}\n" + obj, "2:30", "params.n.low", "expected an integer"},
		{"inverted", head + "params: {x: {type: float, low: 2, high: 1}}\n" + obj, "2:41", "params.x.high", "inverted range"},
		{"log low 0", head + "params: {x: {type: float, low: 0, high: 1, log: true}}\n" + obj, "2:32", "params.x.low", "log range needs low > 0"},
		{"step", head + "params: {x: {type: float, low: 0, high: 1, step: 0.3}}\n" + obj, "2:50", "params.x.step", "does not divide"},
		{"duplicate choice", head + "params: {a: {choices: [relu, relu]}}\n" + obj, "2:30", "params.a.choices[1]", "duplicate choice relu"},
		{"choice list", head + "params: {a: {choices: [[1]]}}\n" + obj, "2:24", "params.a.choices[0]", "expected a number, a string or a boolean"},
		{"null fixed", head + "params: {a: null}\n" + obj, "2:13", "params.a", "expected a number, a string or a boolean"},
		{"choices on int", head + "params: {n: {type: int, choices: [1]}}\n" + obj, "2:25", "params.n.choices", "does not apply to a int parameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("c.yaml", []byte(tt.src))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			where := strings.TrimPrefix(strings.SplitN(e.Error(), ": ", 2)[0], "c.yaml:")
			if where != tt.where || e.Field != tt.field || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("got %s\nwant c.yaml:%s: %s: ...%s", e.Error(), tt.where, tt.field, tt.msg)
			}
		})
	}
}
