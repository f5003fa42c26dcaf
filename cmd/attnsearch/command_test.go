package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// e2ePy is the trial command of the end-to-end tests: f = (x-0.3)² + 0.02·layers (+0.05 for
// tanh), g = layers·width/64, c = x - 0.85, after `steps` progress steps of `pause` seconds. It
// writes "pids/<trial>-<pid>" holding the pid of a child it starts when `child` is set (else 0),
// and misbehaves as `mode` says.
const e2ePy = `
import json, os, subprocess, sys, time
cfg = json.load(sys.stdin)
p = cfg["params"]
assert isinstance(p["layers"], int) and isinstance(p["x"], float), p
child = subprocess.Popen(["sleep", "300"]) if p.get("child") else None
os.makedirs("pids", exist_ok=True)
with open("pids/%d-%d" % (cfg["trial"], os.getpid()), "w") as fh:
    fh.write(str(child.pid if child else 0))
mode = p.get("mode", "ok")
f = (p["x"] - 0.3) ** 2 + 0.02 * p["layers"] + (0.05 if p["act"] == "tanh" else 0)
if mode == "crash":
    print("Traceback (most recent call last):", file=sys.stderr)
    print("ZeroDivisionError: division by zero", file=sys.stderr)
    sys.exit(1)
if mode == "hang":
    time.sleep(300)
if mode == "garbage":
    print("\x00\x01 not json {")
    print("{'values': {'f': 1}}")
    sys.exit(0)
for step in range(1, p["steps"] + 1):
    print("epoch", step)
    print(json.dumps({"step": step, "values": {"f": f + 1.0 / step}}), flush=True)
    time.sleep(p["pause"])
values = {"f": f, "g": p["layers"] * p["width"] / 64, "c": p["x"] - 0.85}
if mode == "missing":
    del values["g"]
print(json.dumps({"values": values}))
`

// e2eSpace is a command study: %s name, %d trials, %d workers, %s sampler, %s pruner, %s extra params.
const e2eSpace = `study: {name: %s, trials: %d, workers: %d, seed: 3, sampler: %s, pruner: %s}
task:
  kind: command
  command: [/usr/bin/python3, train.py]
  timeout: 30s
  env: {PYTHONDONTWRITEBYTECODE: "1"}
params:
  x: {type: float, low: 0, high: 1}
  layers: {type: int, low: 1, high: 4}
  width: {type: int, low: 16, high: 128, log: true}
  act: {type: categorical, choices: [relu, tanh]}
%s
objective: {minimize: [f, g], constraints: [c]}
`

// commandStudy writes train.py and a space file into a fresh directory and returns both paths.
func commandStudy(t *testing.T, name string, trials, workers int, sampler, pruner, extra string) (dir, space string) {
	t.Helper()
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "train.py"), []byte(e2ePy), 0o644); err != nil {
		t.Fatal(err)
	}
	space = filepath.Join(dir, name+".yaml")
	src := fmt.Sprintf(e2eSpace, name, trials, workers, sampler, pruner, extra)
	if err := os.WriteFile(space, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, space
}

// commandPids returns the pids the test command wrote (command and child, 0 for no child), by
// trial number.
func commandPids(t *testing.T, dir string) map[int][2]int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "pids"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[int][2]int{}
	for _, e := range entries {
		num, pid, _ := strings.Cut(e.Name(), "-")
		n, _ := strconv.Atoi(num)
		p, _ := strconv.Atoi(pid)
		b, err := os.ReadFile(filepath.Join(dir, "pids", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		c, _ := strconv.Atoi(string(b))
		out[n] = [2]int{p, c}
	}
	return out
}

// processAlive reports whether pid is a live process (a zombie is not).
func processAlive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	return !strings.HasPrefix(s[strings.LastIndexByte(s, ')')+1:], " Z")
}

// processGone fails t unless pid is gone within 5 seconds (and kills it then).
func processGone(t *testing.T, what string, pid int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); processAlive(pid); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("%s (pid %d) still running", what, pid)
			return
		}
	}
}

// testCommandTrials runs studies of a user's command through the binary.
func testCommandTrials(t *testing.T, bin string) {
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skipf("no /usr/bin/python3: %v", err)
	}
	scenarios(t, bin, []scenario{
		{"progress and reports", testCommandReports},
		{"failures", testCommandFailures},
		{"pruned", testCommandPruned},
		{"kill and resume", testCommandKillResume},
		{"example", testCommandExample},
	})
}

// testCommandReports runs a two-worker study and reads it back with report, show and best.
func testCommandReports(t *testing.T, bin string) {
	dir, space := commandStudy(t, "fn", 8, 2, "random", "none", "  steps: 3\n  pause: 0")
	r := attn(t, bin, dir, "run", space, "--db", "fn.db")
	if r.code != 0 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "command /usr/bin/python3 train.py (timeout 30s)") || !strings.Contains(r.stdout, "front of f vs g: ") {
		t.Errorf("run output:\n%s\n%s", r.stdout, r.stderr)
	}
	var rep struct {
		Objectives  []string `json:"objectives"`
		Directions  []string `json:"directions"`
		Constraints []string `json:"constraints"`
		Trials      []struct {
			Number   int                `json:"number"`
			State    string             `json:"state"`
			Params   map[string]any     `json:"params"`
			Metrics  map[string]float64 `json:"metrics"`
			Value    *float64           `json:"value"`
			Pareto   bool               `json:"pareto"`
			Feasible bool               `json:"feasible"`
			Config   string             `json:"config"`
		} `json:"trials"`
	}
	out := attn(t, bin, dir, "report", "--db", "fn.db", "--all", "--format", "json")
	if out.code != 0 {
		t.Fatalf("report: exit %d: %s", out.code, out.stderr)
	}
	if err := json.Unmarshal([]byte(out.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if strings.Join(rep.Objectives, ",") != "f,g" || strings.Join(rep.Directions, ",") != "minimize,minimize" ||
		strings.Join(rep.Constraints, ",") != "c" || len(rep.Trials) != 8 {
		t.Fatalf("report: objectives %v directions %v constraints %v, %d trials", rep.Objectives, rep.Directions, rep.Constraints, len(rep.Trials))
	}
	type cand struct{ f, g float64 }
	cands := map[int]cand{}
	bestNum, bestValue := -1, math.Inf(-1)
	for _, tr := range rep.Trials {
		x, layers := tr.Params["x"].(float64), tr.Params["layers"].(float64)
		f := (x-0.3)*(x-0.3) + 0.02*layers
		if tr.Params["act"] == "tanh" {
			f += 0.05
		}
		if tr.State != "COMPLETE" || math.Abs(tr.Metrics["f"]-f) > 1e-12 || tr.Metrics["epochs"] != 3 || tr.Value == nil {
			t.Fatalf("trial %d: %s metrics %v params %v", tr.Number, tr.State, tr.Metrics, tr.Params)
		}
		if tr.Feasible != (x <= 0.85) {
			t.Errorf("trial %d: feasible %v with x %g", tr.Number, tr.Feasible, x)
		}
		if tr.Feasible {
			cands[tr.Number] = cand{tr.Metrics["f"], tr.Metrics["g"]}
			if *tr.Value != -f {
				t.Errorf("trial %d: value %g, want -f %g", tr.Number, *tr.Value, -f)
			}
			if *tr.Value > bestValue {
				bestNum, bestValue = tr.Number, *tr.Value
			}
		}
	}
	for _, tr := range rep.Trials {
		a, isCand := cands[tr.Number]
		front := isCand
		for n, b := range cands {
			if n != tr.Number && b.f <= a.f && b.g <= a.g && (b.f < a.f || b.g < a.g) {
				front = false
			}
		}
		if tr.Pareto != front {
			t.Errorf("trial %d: pareto %v, brute force %v", tr.Number, tr.Pareto, front)
		}
	}

	best := attn(t, bin, dir, "best", "--db", "fn.db")
	var point map[string]any
	if best.code != 0 || json.Unmarshal([]byte(best.stdout), &point) != nil {
		t.Fatalf("best: exit %d: %q %s", best.code, best.stdout, best.stderr)
	}
	if !strings.Contains(best.stderr, fmt.Sprintf("trial %d,", bestNum)) || !strings.HasPrefix(best.stdout, `{"x":`) {
		t.Errorf("best: %q %s, want trial %d's point", best.stdout, best.stderr, bestNum)
	}
	for _, tr := range rep.Trials {
		if tr.Number == bestNum && (point["x"] != tr.Params["x"] || point["layers"] != tr.Params["layers"] || point["act"] != tr.Params["act"]) {
			t.Errorf("best printed %v, trial %d has %v", point, bestNum, tr.Params)
		}
	}
	show := attn(t, bin, dir, "show", strconv.Itoa(bestNum), "--db", "fn.db", "--format", "json")
	var sj struct {
		Log     []string       `json:"log"`
		History []any          `json:"history"`
		Params  map[string]any `json:"params"`
	}
	if show.code != 0 || json.Unmarshal([]byte(show.stdout), &sj) != nil || len(sj.History) != 3 ||
		strings.Join(sj.Log, ",") != "epoch 1,epoch 2,epoch 3" {
		t.Errorf("show --format json: exit %d: %s %s", show.code, show.stdout, show.stderr)
	}
	if tbl := attn(t, bin, dir, "show", strconv.Itoa(bestNum), "--db", "fn.db"); tbl.code != 0 || !strings.Contains(tbl.stdout, "progress steps:") {
		t.Errorf("show: exit %d: %s %s", tbl.code, tbl.stdout, tbl.stderr)
	}
	for _, args := range [][]string{{"report", "--db", "fn.db"}, {"report", "--db", "fn.db", "--format", "csv", "--all"}, {"studies", "--db", "fn.db"}} {
		if r := attn(t, bin, dir, args...); r.code != 0 || r.stdout == "" {
			t.Errorf("%v: exit %d: %s", args, r.code, r.stderr)
		}
	}
	for _, sub := range []string{"estimate", "train"} {
		if r := attn(t, bin, dir, sub, space); r.code != 2 || !strings.Contains(r.stderr, "runs a command") {
			t.Errorf("%s on a command's space: exit %d: %s", sub, r.code, r.stderr)
		}
	}
}

// testCommandFailures runs one trial per way a command can fail; each FAILs with its reason and
// the study finishes.
func testCommandFailures(t *testing.T, bin string) {
	tests := []struct{ mode, reason string }{
		{"crash", "command: exit status 1; stderr: Traceback (most recent call last): | ZeroDivisionError: division by zero"},
		{"hang", "command: timed out after 2s"},
		{"garbage", `command: exited 0 without a result line {"values": {...}} after 0 progress lines; last stdout:`},
		{"missing", `command: no value "g" in the result line 5 (it has c, f)`},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			dir, space := commandStudy(t, "bad", 1, 1, "random", "none", "  steps: 2\n  pause: 0\n  mode: "+tt.mode)
			if tt.mode == "hang" {
				src, err := os.ReadFile(space)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(space, []byte(strings.Replace(string(src), "timeout: 30s", "timeout: 2s", 1)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r := attn(t, bin, dir, "run", space, "--db", "bad.db")
			if r.code != 0 {
				t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
			}
			rep := readJSONReport(t, bin, dir, "--db", "bad.db")
			if len(rep.Trials) != 1 || rep.Trials[0].State != "FAIL" || !strings.Contains(rep.Trials[0].Reason, tt.reason) {
				t.Fatalf("trials %+v, want one FAIL with %q", rep.Trials, tt.reason)
			}
			for _, p := range commandPids(t, dir) {
				processGone(t, "the failed command", p[0])
			}
		})
	}
	// A space error names file, line and column and exits 2 before the store is touched.
	dir, space := commandStudy(t, "typo", 1, 1, "random", "none", "  steps: {type: int, low: 3, high: 1}")
	if r := attn(t, bin, dir, "run", space, "--db", "typo.db"); r.code != 2 || !strings.Contains(r.stderr, "typo.yaml:12:36: params.steps.high: inverted range") {
		t.Errorf("bad space: exit %d: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "typo.db")); err == nil {
		t.Error("a bad space file created the store")
	}
}

// testCommandPruned runs slow commands under the median pruner and checks that the pruned ones
// were stopped.
func testCommandPruned(t *testing.T, bin string) {
	dir, space := commandStudy(t, "prune", 8, 1, "random", "{kind: median, startup_trials: 2, warmup_steps: 1}", "  steps: 25\n  pause: 0.02")
	r := attn(t, bin, dir, "run", space, "--db", "p.db")
	if r.code != 0 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	rep := readJSONReport(t, bin, dir, "--db", "p.db")
	pids := commandPids(t, dir)
	pruned := 0
	for _, tr := range rep.Trials {
		if tr.State != "PRUNED" {
			continue
		}
		pruned++
		if !strings.HasPrefix(tr.Reason, "pruned at step ") || tr.Metrics["epochs"] >= 25 {
			t.Errorf("trial %d: %q after %g steps", tr.Number, tr.Reason, tr.Metrics["epochs"])
		}
		processGone(t, fmt.Sprintf("pruned trial %d's command", tr.Number), pids[tr.Number][0])
	}
	if pruned == 0 {
		t.Fatalf("no trial pruned: the test tests nothing\n%s", r.stderr)
	}
}

// testCommandKillResume kills `run` with SIGKILL while two commands run (each with a child of
// its own), checks that no process outlives it for long, resumes, and compares the study with
// an uninterrupted one; then the same with one worker, killed twice, must give the same trials.
func testCommandKillResume(t *testing.T, bin string) {
	const trials = 6
	extra := "  steps: 6\n  pause: 0.05\n  child: 1"
	dir, space := commandStudy(t, "kr", trials, 2, "tpe", "none", extra)

	code, errText := runUntil(t, bin, dir, ": step 3,", 2, syscall.SIGKILL, space, "--db", "k.db")
	if code != -int(syscall.SIGKILL) {
		t.Fatalf("killed run: exit %d\n%s", code, errText)
	}
	killed := commandPids(t, dir)
	if len(killed) < 2 {
		t.Fatalf("%d commands started before the kill; two workers run two at once", len(killed))
	}
	for n, p := range killed {
		processGone(t, fmt.Sprintf("trial %d's command after run was killed", n), p[0])
	}
	r := attn(t, bin, dir, "run", space, "--db", "k.db")
	if r.code != 0 || !strings.Contains(r.stderr, "resuming") {
		t.Fatalf("resumed run: exit %d\n%s", r.code, r.stderr)
	}
	for n, p := range killed {
		// The command's own child is an orphan once run is killed; the resumed run kills it.
		processGone(t, fmt.Sprintf("trial %d's child after the resume", n), p[1])
	}
	for n, p := range commandPids(t, dir) {
		processGone(t, fmt.Sprintf("trial %d's command", n), p[0])
		processGone(t, fmt.Sprintf("trial %d's child", n), p[1])
	}
	rep := readJSONReport(t, bin, dir, "--db", "k.db")
	counted, retried, seen := 0, 0, map[int]bool{}
	for _, tr := range rep.Trials {
		switch {
		case tr.State == "FAIL" && strings.HasPrefix(tr.Reason, "failed (retried)"):
			retried++
		case tr.State == "COMPLETE":
			counted++
		default:
			t.Errorf("trial %d: %s %s", tr.Number, tr.State, tr.Reason)
		}
		if seen[tr.Number] {
			t.Errorf("trial %d listed twice", tr.Number)
		}
		seen[tr.Number] = true
	}
	if counted != trials || retried == 0 {
		t.Errorf("%d complete, %d retried; want %d complete and the killed ones retried", counted, retried, trials)
	}

	// One worker, fixed seed: killed twice and resumed, the study is the uninterrupted one.
	dir1, space1 := commandStudy(t, "det", trials, 1, "tpe", "none", "  steps: 4\n  pause: 0.03")
	if r := attn(t, bin, dir1, "run", space1, "--db", "a.db"); r.code != 0 {
		t.Fatalf("uninterrupted run: exit %d\n%s", r.code, r.stderr)
	}
	want := sequence(t, readJSONReport(t, bin, dir1, "--db", "a.db"))
	if len(want) != trials {
		t.Fatalf("uninterrupted study: %d trials", len(want))
	}
	for _, nth := range []int{2, 3} {
		if code, text := runUntil(t, bin, dir1, ": step 2,", nth, syscall.SIGKILL, space1, "--db", "b.db"); code != -int(syscall.SIGKILL) {
			t.Fatalf("killed run: exit %d\n%s", code, text)
		}
	}
	if r := attn(t, bin, dir1, "run", space1, "--db", "b.db"); r.code != 0 {
		t.Fatalf("resumed run: exit %d\n%s", r.code, r.stderr)
	}
	got := sequence(t, readJSONReport(t, bin, dir1, "--db", "b.db"))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("resumed study differs from the uninterrupted one:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// testCommandExample checks that docs/commands.md shows spaces/command as it is, and runs it for a
// few trials.
func testCommandExample(t *testing.T, bin string) {
	space, err := filepath.Abs(filepath.Join("..", "..", "spaces", "command", "toy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "docs", "commands.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"toy.yaml", "toy.py"} {
		b, err := os.ReadFile(filepath.Join(filepath.Dir(space), f))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(readme), "\n"+string(b)+"```") {
			t.Errorf("docs/commands.md does not show spaces/command/%s as it is; paste it", f)
		}
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skipf("the example runs python3 from PATH: %v", err)
	}
	dir := t.TempDir()
	r := attn(t, bin, dir, "run", space, "--db", "toy.db", "--trials", "6")
	if r.code != 0 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	rep := readJSONReport(t, bin, dir, "--db", "toy.db")
	complete := 0
	for _, tr := range rep.Trials {
		if tr.State == "FAIL" {
			t.Errorf("trial %d failed: %s", tr.Number, tr.Reason)
		}
		if tr.State == "COMPLETE" {
			complete++
			if _, ok := tr.Metrics["val_error"]; !ok {
				t.Errorf("trial %d: metrics %v", tr.Number, tr.Metrics)
			}
		}
	}
	if len(rep.Trials) != 6 || complete == 0 {
		t.Errorf("%d trials, %d complete", len(rep.Trials), complete)
	}
	if b := attn(t, bin, dir, "best", "--db", "toy.db"); b.code != 0 || !strings.HasPrefix(b.stdout, `{"x":`) {
		t.Errorf("best: exit %d: %s %s", b.code, b.stdout, b.stderr)
	}
}
