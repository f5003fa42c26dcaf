package search

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/store/storetest"
	"github.com/c-bata/goptuna"
)

// python runs the test commands.
const python = "/usr/bin/python3"

// trainPy is a trial command: f = (x-0.3)² + 0.01·layers (+0.05 for tanh), c = x - 0.8, reported
// after `steps` progress steps; mode (a fixed parameter) makes it misbehave; it writes its pid
// to pids/<trial>.
const trainPy = `
import json, os, sys, time
cfg = json.load(sys.stdin)
p = cfg["params"]
os.makedirs("pids", exist_ok=True)
with open("pids/%d" % cfg["trial"], "w") as fh:
    fh.write(str(os.getpid()))
assert isinstance(p["layers"], int), p
mode = p.get("mode", "ok")
f = (p["x"] - 0.3) ** 2 + 0.01 * p["layers"] + (0.05 if p["act"] == "tanh" else 0)
if mode == "crash":
    print("about to fail", file=sys.stderr)
    raise SystemExit("boom: trial %d" % cfg["trial"])
if mode == "hang":
    time.sleep(60)
for step in range(1, p.get("steps", 3) + 1):
    print("step", step, "seed", cfg["seed"])
    print(json.dumps({"step": step, "values": {"f": f + 1.0 / step, "loss": float("nan")}}), flush=True)
    time.sleep(p.get("pause", 0))
if mode == "garbage":
    print("{not json")
    sys.exit(0)
values = {"f": f, "c": p["x"] - 0.8, "aux": p["layers"] * 2}
if mode == "missing":
    del values["c"]
if mode == "reserved":
    values["score"] = 1
print(json.dumps({"values": values}))
`

// commandSpace is a command study; %s is extra params, %d the trials, %s the pruner.
const commandSpaceFmt = `study: {name: cmd, trials: %d, workers: %d, seed: 5, sampler: random, pruner: %s}
task: {kind: command, command: [%s, train.py], timeout: 30s}
params:
  x: {type: float, low: 0, high: 1}
  layers: {type: int, low: 1, high: 4}
  act: {choices: [relu, tanh]}
%s
objective: {minimize: [f], constraints: [c]}
`

// commandSpec writes train.py and the space into dir and parses it.
func commandSpec(t *testing.T, dir string, trials, workers int, pruner, extra string) *space.Spec {
	t.Helper()
	if _, err := os.Stat(python); err != nil {
		t.Skipf("no %s: %v", python, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "train.py"), []byte(trainPy), 0o644); err != nil {
		t.Fatal(err)
	}
	src := fmt.Sprintf(commandSpaceFmt, trials, workers, pruner, python, extra)
	spec, err := space.Parse(filepath.Join(dir, "cmd.yaml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// decoded returns the study's trials, decoded, by number.
func decoded(t *testing.T, st goptuna.Storage, study string) []record.Trial {
	t.Helper()
	fts := storetest.StudyTrials(t, st, study)
	out := make([]record.Trial, len(fts))
	for i, ft := range fts {
		var err error
		if out[i], err = record.Decode(ft); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestCommandStudy(t *testing.T) {
	dir := t.TempDir()
	spec := commandSpec(t, dir, 6, 1, "none", "")
	st := openStore(t, filepath.Join(dir, "a.db"))
	res, err := Run(context.Background(), spec, st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Done != 6 {
		t.Fatalf("done %d, want 6", res.Done)
	}
	trials := decoded(t, st, "cmd")
	infeasible := 0
	for _, tr := range trials {
		x, _ := tr.Params["x"].(float64)
		layers, isInt := tr.Params["layers"].(int64)
		act, _ := tr.Params["act"].(string)
		if tr.State != goptuna.TrialStateComplete || !isInt || (act != "relu" && act != "tanh") {
			t.Fatalf("trial %d: %s params %#v error %q", tr.Number, record.StateName(tr.State), tr.Params, tr.Error)
		}
		f := (x-0.3)*(x-0.3) + 0.01*float64(layers)
		if act == "tanh" {
			f += 0.05
		}
		if math.Abs(tr.Metrics["f"]-f) > 1e-12 || tr.Metrics["c"] != x-0.8 || tr.Metrics["aux"] != float64(2*layers) {
			t.Errorf("trial %d: metrics %v, want f %g", tr.Number, tr.Metrics, f)
		}
		if _, ok := tr.Metrics["loss"]; ok {
			t.Errorf("trial %d: the NaN progress value was stored", tr.Number)
		}
		feasible := x <= 0.8
		if tr.Feasible != feasible {
			t.Errorf("trial %d: feasible %v with c = %g", tr.Number, tr.Feasible, x-0.8)
		}
		switch {
		case feasible && tr.Value != -f:
			t.Errorf("trial %d: value %g, want -f = %g", tr.Number, tr.Value, -f)
		case !feasible:
			infeasible++
			if tr.Value > infeasibleBase || len(tr.Infeasible) != 1 || !strings.HasPrefix(tr.Infeasible[0], "c = ") {
				t.Errorf("trial %d: infeasible with value %g, reasons %q", tr.Number, tr.Value, tr.Infeasible)
			}
		}
		if len(tr.History) != 3 || tr.History[2].Epoch != 3 || len(tr.Intermediate) != 3 ||
			math.Abs(tr.Intermediate[1]-(-(f+1))) > 1e-12 {
			t.Errorf("trial %d: history %+v intermediate %v", tr.Number, tr.History, tr.Intermediate)
		}
		if want := fmt.Sprintf("step 3 seed %d", tr.Seed); len(tr.Log) != 3 || tr.Log[2] != want {
			t.Errorf("trial %d: log %q, want it to end with %q", tr.Number, tr.Log, want)
		}
		wantConfig := fmt.Sprintf("x=%s,layers=%d,act=%s", record.FormatFloat(x), layers, act)
		if tr.Config != wantConfig {
			t.Errorf("trial %d: config %q, want %q", tr.Number, tr.Config, wantConfig)
		}
	}
	t.Logf("%d of %d trials infeasible", infeasible, len(trials))

	// The same study on another store: the same points, seeds and values.
	st2 := openStore(t, filepath.Join(dir, "b.db"))
	if _, err := Run(context.Background(), spec, st2, Options{}); err != nil {
		t.Fatal(err)
	}
	again := decoded(t, st2, "cmd")
	for i := range trials {
		a, b := trials[i], again[i]
		if a.Config != b.Config || a.Seed != b.Seed || a.Value != b.Value {
			t.Errorf("trial %d: %s seed %d value %g, then %s seed %d value %g", i, a.Config, a.Seed, a.Value, b.Config, b.Seed, b.Value)
		}
	}
}

func TestCommandFailures(t *testing.T) {
	tests := []struct {
		mode, reason string
	}{
		{"crash", "command: exit status 1; stderr: about to fail | boom: trial 0"},
		{"hang", "command: timed out after 2s"},
		{"garbage", `command: exited 0 without a result line {"values": {...}} after 3 progress lines; last stdout: step 2 seed`},
		{"missing", `command: no value "c" in the result line`},
		{"reserved", `command: result line: value name "score" is reserved`},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			dir := t.TempDir()
			spec := commandSpec(t, dir, 1, 1, "none", "  mode: "+tt.mode)
			if tt.mode == "hang" {
				spec.Task.Timeout = 2 * time.Second
			}
			st := openStore(t, filepath.Join(dir, "a.db"))
			res, err := Run(context.Background(), spec, st, Options{})
			if err != nil || res.Done != 1 {
				t.Fatalf("Run = %+v, %v; want one finished trial", res, err)
			}
			tr := decoded(t, st, "cmd")[0]
			if tr.State != goptuna.TrialStateFail || tr.Retry || !strings.Contains(tr.Error, tt.reason) {
				t.Errorf("trial: %s retry %v error %q, want FAIL containing %q", record.StateName(tr.State), tr.Retry, tr.Error, tt.reason)
			}
			if tt.mode == "crash" && (len(tr.Stderr) != 2 || tr.Stderr[1] != "boom: trial 0") {
				t.Errorf("stderr kept: %q", tr.Stderr)
			}
			waitGone(t, pidOf(t, dir, 0))
		})
	}
}

// pidOf reads the pid trial n's command wrote.
func pidOf(t *testing.T, dir string, n int) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "pids", strconv.Itoa(n)))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// waitGone fails t unless process pid is gone (or a zombie) within 5 seconds.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		s := string(b)
		if err != nil || strings.Contains(s[strings.LastIndexByte(s, ')')+1:], " Z ") {
			return
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("process %d still running", pid)
		}
	}
}

func TestCommandPruned(t *testing.T) {
	dir := t.TempDir()
	spec := commandSpec(t, dir, 8, 1, "{kind: median, startup_trials: 2, warmup_steps: 0}", "  steps: 30\n  pause: 0.01")
	st := openStore(t, filepath.Join(dir, "a.db"))
	if _, err := Run(context.Background(), spec, st, Options{}); err != nil {
		t.Fatal(err)
	}
	pruned := 0
	for _, tr := range decoded(t, st, "cmd") {
		if tr.State != goptuna.TrialStatePruned {
			continue
		}
		pruned++
		if tr.PrunedEpoch <= 0 || tr.PrunedEpoch >= 30 || len(tr.History) != tr.PrunedEpoch || tr.Value != tr.Intermediate[tr.PrunedEpoch] {
			t.Errorf("trial %d: pruned at %d, history %d steps, value %g", tr.Number, tr.PrunedEpoch, len(tr.History), tr.Value)
		}
		waitGone(t, pidOf(t, dir, tr.Number))
	}
	if pruned == 0 {
		t.Fatal("no trial pruned: the test does not test pruning")
	}
}

func TestCommandInterruptAndResume(t *testing.T) {
	dir := t.TempDir()
	spec := commandSpec(t, dir, 3, 2, "none", "  steps: 40\n  pause: 0.02")
	st := openStore(t, filepath.Join(dir, "a.db"))
	ctx, cancel := context.WithCancel(context.Background())
	started := 0
	res, err := Run(ctx, spec, st, Options{OnEvent: func(e Event) {
		if e.Kind == EventEpoch && e.Epoch == 5 {
			if started++; started == 2 {
				cancel() // both workers' commands are running
			}
		}
	}})
	if err != nil || !res.Interrupted {
		t.Fatalf("Run = %+v, %v; want interrupted", res, err)
	}
	first := decoded(t, st, "cmd")
	for _, tr := range first {
		if tr.State != goptuna.TrialStateFail || !tr.Retry || !strings.Contains(tr.Error, "interrupted") {
			t.Errorf("trial %d: %s retry %v %q, want an interrupted FAIL", tr.Number, record.StateName(tr.State), tr.Retry, tr.Error)
		}
		waitGone(t, pidOf(t, dir, tr.Number))
	}
	res, err = Run(context.Background(), spec, st, Options{})
	if err != nil || res.Done != 3 || res.Requeued != len(first) {
		t.Fatalf("resumed Run = %+v, %v; want 3 done, %d requeued", res, err, len(first))
	}
	trials := decoded(t, st, "cmd")
	for _, old := range first {
		retried := false
		for _, tr := range trials {
			if tr.RetryOf == old.Number {
				retried = tr.State == goptuna.TrialStateComplete && tr.Config == old.Config && tr.Seed == old.Seed
			}
		}
		if !retried {
			t.Errorf("trial %d (%s) was not retried with its point and seed", old.Number, old.Config)
		}
	}
}

func TestCommandSpecReservedName(t *testing.T) {
	dir := t.TempDir()
	spec := commandSpec(t, dir, 1, 1, "none", "")
	spec.Objective.Minimize = []string{"score"}
	_, err := Prepare(context.Background(), spec, Options{})
	var se *space.Error
	if !errors.As(err, &se) || !strings.Contains(se.Msg, `value name "score" is reserved`) {
		t.Errorf("Prepare = %v, want a reserved-name error", err)
	}
}

func TestCommandScore(t *testing.T) {
	o := record.Objective{Minimize: []string{"f", "g"}, Constraints: []string{"c1", "c2"}}
	s, v := commandScore(o, map[string]float64{"f": 2, "g": 1, "c1": 0, "c2": -1})
	if s != -2 || len(v) != 0 {
		t.Errorf("feasible: %g %v", s, v)
	}
	s1, v1 := commandScore(o, map[string]float64{"f": 2, "c1": 0.5, "c2": -1})
	s2, _ := commandScore(o, map[string]float64{"f": 2, "c1": 0.5, "c2": 2})
	s3, v3 := commandScore(o, map[string]float64{"f": 2, "c1": 0})
	if !(s1 < infeasibleBase && s2 < s1 && s3 < s2 && s3 >= 2*infeasibleBase) || len(v1) != 1 || v3[0] != "c2 unknown" {
		t.Errorf("infeasible scores %g %g %g (%v %v)", s1, s2, s3, v1, v3)
	}
	o = record.Objective{Maximize: []string{"acc"}, Minimize: []string{"f"}}
	if s, _ := commandScore(o, map[string]float64{"acc": 0.9, "f": 3}); s != 0.9 {
		t.Errorf("maximised first goal: %g", s)
	}
}

func TestCommandEverySampler(t *testing.T) {
	for _, kind := range []string{"tpe", "random", "sobol", "cmaes"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			spec := commandSpec(t, dir, 4, 1, "none", "  steps: 1")
			spec.Study.Sampler.Kind = kind
			st := openStore(t, filepath.Join(dir, "a.db"))
			res, err := Run(context.Background(), spec, st, Options{})
			if err != nil || res.Done != 4 {
				t.Fatalf("Run = %+v, %v", res, err)
			}
			for _, tr := range decoded(t, st, "cmd") {
				if tr.State != goptuna.TrialStateComplete {
					t.Errorf("trial %d: %s %s", tr.Number, record.StateName(tr.State), tr.Error)
				}
			}
		})
	}
}

// A command trial stores its objective vector and constraint values, which the multi-objective
// samplers read.
func TestCommandObjectiveVectors(t *testing.T) {
	for _, kind := range []string{"motpe", "nsga2"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			spec := commandSpec(t, dir, 6, 1, "none", "  steps: 2")
			spec.Study.Sampler.Kind = kind
			st := openStore(t, filepath.Join(dir, "a.db"))
			if res, err := Run(context.Background(), spec, st, Options{}); err != nil || res.Done != 6 {
				t.Fatalf("Run = %+v, %v", res, err)
			}
			for _, tr := range decoded(t, st, "cmd") {
				if tr.State != goptuna.TrialStateComplete || len(tr.Objectives) != 1 || tr.Objectives[0] != tr.Metrics["f"] ||
					len(tr.Constraints) != 1 || tr.Constraints[0] != tr.Metrics["c"] {
					t.Errorf("trial %d: %s objectives %v constraints %v metrics %v", tr.Number, record.StateName(tr.State), tr.Objectives, tr.Constraints, tr.Metrics)
				}
			}
		})
	}
}
