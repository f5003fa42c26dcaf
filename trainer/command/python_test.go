//go:build linux

package command

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// python is the interpreter the Python tests use.
const python = "/usr/bin/python3"

// writeScript writes a Python trial command into a temporary directory and returns it.
func writeScript(t *testing.T, src string) string {
	t.Helper()
	if _, err := os.Stat(python); err != nil {
		t.Skipf("no %s: %v", python, err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "train.py"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A Python command as users write them: params from stdin, json.dumps on stdout (NaN included).
func TestPythonCommand(t *testing.T) {
	dir := writeScript(t, `
import json, sys
cfg = json.load(sys.stdin)
p = cfg["params"]
assert isinstance(p["layers"], int) and isinstance(p["lr"], float) and p["act"] in ("relu", "gelu")
print("training", cfg["trial"], "seed", cfg["seed"], flush=True)
for step in range(p["layers"]):
    loss = float("nan") if step == 1 else 1.0 / (step + 1)
    print(json.dumps({"step": step, "values": {"loss": loss}}), flush=True)
print(json.dumps({"values": {"f1": p["lr"] * p["layers"], "c1": -1.0, "best": float(cfg["seed"])}}))
`)
	var losses []float64
	c := &Command{Argv: []string{python, "train.py"}, Dir: dir, Required: required,
		OnProgress: func(_ context.Context, p Progress) error {
			losses = append(losses, p.Values["loss"])
			return nil
		}}
	res, err := c.Run(context.Background(), Input{Trial: 2, Seed: 11, Params: map[string]any{"layers": 3, "lr": 1.0, "act": "gelu"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Values["f1"] != 3 || res.Values["best"] != 11 || len(res.Log) != 1 || res.Log[0] != "training 2 seed 11" {
		t.Errorf("result %+v", res)
	}
	if len(losses) != 3 || losses[0] != 1 || !math.IsNaN(losses[1]) || losses[2] != 1.0/3 {
		t.Errorf("losses = %v, want 1, NaN, 1/3", losses)
	}
}

func TestPythonNonFiniteResult(t *testing.T) {
	dir := writeScript(t, `
import json
print(json.dumps({"values": {"f1": float("inf"), "c1": 0}}))
`)
	_, err := (&Command{Argv: []string{python, "train.py"}, Dir: dir, Required: required}).Run(context.Background(), Input{})
	var f *Failure
	if !errors.As(err, &f) || f.Kind != FailNonFinite || f.Detail != `value "f1" is +Inf in the result line 1` {
		t.Fatalf("err = %v, want f1 non-finite", err)
	}
}

func TestPythonTraceback(t *testing.T) {
	dir := writeScript(t, `
import json, sys
json.load(sys.stdin)
1 / 0
`)
	_, err := (&Command{Argv: []string{python, "train.py"}, Dir: dir, Required: required}).Run(context.Background(), Input{})
	var f *Failure
	if !errors.As(err, &f) || f.Kind != FailExit || f.Detail != "exit status 1" || len(f.Stderr) == 0 ||
		f.Stderr[len(f.Stderr)-1] != "ZeroDivisionError: division by zero" {
		t.Fatalf("err = %v, want exit status 1 with the traceback", err)
	}
}
