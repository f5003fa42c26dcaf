package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attnsearch/attnsearch/objective/front"
)

// multiSpace is resumeSpace's study with three goals, the motpe sampler and successive halving
// (which compares objective vectors when several goals are declared).
var multiSpace = strings.NewReplacer(
	"name: resume", "name: multi",
	"sampler: {kind: tpe, startup_trials: 3}", "sampler: {kind: %s, startup_trials: 3}",
	"objective:\n  metric: accuracy\n  cost: params\n  tradeoff: 2\n",
	"objective:\n  maximize: [accuracy]\n  minimize: [params, latency_ms]\n  reference: {latency_ms: 50}\n",
).Replace(resumeSpace)

// testMultiObjectiveStudy runs a three-goal study through the binary with each multi-objective
// sampler and checks the JSON report: objectives and directions, the Pareto flags against a
// brute-force front over all three goals, the exact hypervolume against the reference.
func testMultiObjectiveStudy(t *testing.T, bin string) {
	for _, kind := range []string{"motpe", "nsga2"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			sp := filepath.Join(dir, "multi.yaml")
			src := strings.Replace(multiSpace, "%s", kind, 1)
			src = strings.Replace(src, "trials: %d", "trials: 6", 1)
			if kind == "nsga2" {
				src = strings.Replace(src, "startup_trials: 3", "population: 3", 1)
			}
			if err := os.WriteFile(sp, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			rep := runAndReport(t, bin, dir, sp, "m.db")
			checkThreeGoalReport(t, rep, "token_accuracy", []float64{0, 6000, 50})
			if r := attn(t, bin, dir, "report", "--db", "m.db", "--plot", "m.png"); r.code != 0 {
				t.Fatalf("report --plot: exit %d\n%s", r.code, r.stderr)
			}
		})
	}
}

// testFunctionsPy evaluates ZDT1 (2 objectives) or DTLZ2 (3 objectives) on the trial's point,
// with the constraint c = x0 − 0.8 (feasible when x0 <= 0.8), as a trial command.
const testFunctionsPy = `import json, math, sys
t = json.load(sys.stdin)
p, kind = t["params"], sys.argv[1]
x = [p["x%d" % i] for i in range(len(p))]
if kind == "zdt1":
    g = 1 + 9 * sum(x[1:]) / (len(x) - 1)
    v = {"f1": x[0], "f2": g * (1 - math.sqrt(x[0] / g))}
else:
    g = sum((a - 0.5) ** 2 for a in x[2:])
    a, b = x[0] * math.pi / 2, x[1] * math.pi / 2
    v = {"f1": (1 + g) * math.cos(a) * math.cos(b), "f2": (1 + g) * math.cos(a) * math.sin(b), "f3": (1 + g) * math.sin(a)}
v["c"] = x[0] - 0.8
print(json.dumps({"values": v}))
`

// testFunctionCommands runs ZDT1 and DTLZ2 as trial commands through the binary with motpe and
// nsga2 and checks the report: the goals, the Pareto flags against a brute-force front of the
// feasible trials, the exact hypervolume against the written reference, the stored constraint
// values, and that no infeasible trial is on the front.
func testFunctionCommands(t *testing.T, bin string) {
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	for _, c := range []struct {
		fn, kind string
		goals    []string
		ref      []float64
	}{
		{"zdt1", "motpe", []string{"f1", "f2"}, []float64{1.1, 11}},
		{"dtlz2", "nsga2", []string{"f1", "f2", "f3"}, []float64{2.1, 2.1, 2.1}},
	} {
		t.Run(c.fn+"/"+c.kind, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "fn.py"), []byte(testFunctionsPy), 0o644); err != nil {
				t.Fatal(err)
			}
			var params, refs []string
			for i := 0; i < 4; i++ {
				params = append(params, fmt.Sprintf("  x%d: {type: float, low: 0, high: 1}", i))
			}
			for i, g := range c.goals {
				refs = append(refs, fmt.Sprintf("%s: %g", g, c.ref[i]))
			}
			opts := "startup_trials: 5"
			if c.kind == "nsga2" {
				opts = "population: 6"
			}
			src := fmt.Sprintf("study: {name: fn, trials: 18, workers: 1, seed: 2, sampler: {kind: %s, %s}}\n"+
				"task: {kind: command, command: [/usr/bin/python3, fn.py, %s], timeout: 30s}\nparams:\n%s\n"+
				"objective:\n  minimize: [%s]\n  reference: {%s}\n  constraints: [c]\n",
				c.kind, opts, c.fn, strings.Join(params, "\n"), strings.Join(c.goals, ", "), strings.Join(refs, ", "))
			sp := filepath.Join(dir, "fn.yaml")
			if err := os.WriteFile(sp, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			rep := runAndReport(t, bin, dir, sp, "fn.db")
			if strings.Join(rep.Objectives, ",") != strings.Join(c.goals, ",") || rep.Directions[0] != "minimize" ||
				fmt.Sprint(rep.Reference) != fmt.Sprint(c.ref) || len(rep.Trials) != 18 {
				t.Fatalf("objectives %v directions %v reference %v, %d trials", rep.Objectives, rep.Directions, rep.Reference, len(rep.Trials))
			}
			var vs [][]float64
			var idx []int
			infeasible := 0
			for i, tr := range rep.Trials {
				if tr.State != "COMPLETE" {
					t.Fatalf("trial %d: %s", i, tr.State)
				}
				if tr.Feasible != (tr.Metrics["c"] <= 0) {
					t.Errorf("trial %d: feasible %v with c = %v", i, tr.Feasible, tr.Metrics["c"])
				}
				if !tr.Feasible {
					infeasible++
					if tr.Pareto {
						t.Errorf("infeasible trial %d on the front", i)
					}
					continue
				}
				v := make([]float64, len(c.goals))
				for j, g := range c.goals {
					v[j] = tr.Metrics[g]
				}
				vs, idx = append(vs, v), append(idx, i)
			}
			var fr [][]float64
			for k, v := range vs {
				dominated := false
				for _, o := range vs {
					dominated = dominated || front.DominatesMin(o, v)
				}
				if rep.Trials[idx[k]].Pareto == dominated {
					t.Errorf("trial %d: pareto %v, brute force %v", idx[k], rep.Trials[idx[k]].Pareto, !dominated)
				}
				if !dominated {
					fr = append(fr, v)
				}
			}
			if hv := front.HypervolumeMin(fr, c.ref); len(fr) == 0 || math.Abs(hv-rep.Hypervolume) > 1e-9*math.Max(1, hv) {
				t.Errorf("hypervolume %v, want %v (front of %d)", rep.Hypervolume, hv, len(fr))
			}
			t.Logf("%d feasible, %d infeasible, front of %d, hypervolume %.4g", len(vs), infeasible, len(fr), rep.Hypervolume)
		})
	}
}

// multiReport is the part of `report --all --format json` the multi-objective tests check.
type multiReport struct {
	Objectives  []string  `json:"objectives"`
	Directions  []string  `json:"directions"`
	Reference   []float64 `json:"reference"`
	Hypervolume float64   `json:"hypervolume"`
	Trials      []struct {
		State    string             `json:"state"`
		Metrics  map[string]float64 `json:"metrics"`
		Pareto   bool               `json:"pareto"`
		Feasible bool               `json:"feasible"`
	} `json:"trials"`
}

// checkThreeGoalReport checks the JSON report of a study whose goals are quality (maximised),
// params and latency_ms (minimised) with hypervolume reference ref: its objectives, directions
// and reference, its Pareto flags against a brute-force front over all three goals of the
// complete feasible trials, and its hypervolume against front.HypervolumeMin of that front.
func checkThreeGoalReport(t *testing.T, rep multiReport, quality string, ref []float64) {
	t.Helper()
	if strings.Join(rep.Objectives, ",") != quality+",params,latency_ms" ||
		strings.Join(rep.Directions, ",") != "maximize,minimize,minimize" || fmt.Sprint(rep.Reference) != fmt.Sprint(ref) {
		t.Fatalf("objectives %v directions %v reference %v", rep.Objectives, rep.Directions, rep.Reference)
	}
	var vs [][]float64
	var idx []int
	for i, tr := range rep.Trials {
		if tr.State == "COMPLETE" && tr.Feasible {
			vs = append(vs, []float64{-tr.Metrics[quality], tr.Metrics["params"], tr.Metrics["latency_ms"]})
			idx = append(idx, i)
		}
	}
	if len(vs) == 0 {
		t.Fatalf("no complete feasible trial among %d", len(rep.Trials))
	}
	var fr [][]float64
	onFront := map[int]bool{}
	for k, v := range vs {
		dominated := false
		for _, o := range vs {
			if front.DominatesMin(o, v) {
				dominated = true
			}
		}
		if !dominated {
			onFront[idx[k]] = true
			fr = append(fr, v)
		}
	}
	for i, tr := range rep.Trials {
		if tr.Pareto != onFront[i] {
			t.Errorf("trial %d: pareto %v, brute force %v", i, tr.Pareto, onFront[i])
		}
	}
	if hv := front.HypervolumeMin(fr, ref); math.Abs(hv-rep.Hypervolume) > 1e-9*math.Max(1, hv) {
		t.Errorf("hypervolume %v, want %v", rep.Hypervolume, hv)
	}
}

// runAndReport runs the space file sp into store db (in dir) and decodes its full JSON report.
func runAndReport(t *testing.T, bin, dir, sp, db string) multiReport {
	t.Helper()
	if r := attn(t, bin, dir, "run", sp, "--db", db); r.code != 0 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	r := attn(t, bin, dir, "report", "--all", "--format", "json", "--db", db)
	if r.code != 0 {
		t.Fatalf("report: exit %d\n%s", r.code, r.stderr)
	}
	var rep multiReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

// testMainJobShrunk runs the shipped spaces/mt.yaml through the binary — its motpe sampler,
// three goals and successive halving on vectors, the rich language pair — changed only in size
// and time (8 trials, 300 training pairs, 3-second trials), and checks its report as
// checkThreeGoalReport does.
func testMainJobShrunk(t *testing.T, bin string) {
	src, err := os.ReadFile(filepath.Join("..", "..", "spaces", "mt.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	shrunk := string(src)
	for _, r := range [][2]string{
		{"trials: 16", "trials: 8"},
		{"train: 16000, valid: 200, test: 200", "train: 300, valid: 20, test: 20"},
		{"max_minutes: 2", "max_minutes: 0.05"},
		{"latency_sentences: 50", "latency_sentences: 3"},
		{"eval_sentences: 100", "eval_sentences: 10"},
	} {
		if !strings.Contains(shrunk, r[0]) {
			t.Fatalf("spaces/mt.yaml no longer has %q: update this test", r[0])
		}
		shrunk = strings.Replace(shrunk, r[0], r[1], 1)
	}
	if !strings.Contains(shrunk, "kind: motpe") {
		t.Fatal("spaces/mt.yaml does not sample with motpe")
	}
	dir := t.TempDir()
	sp := filepath.Join(dir, "mt.yaml")
	if err := os.WriteFile(sp, []byte(shrunk), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := runAndReport(t, bin, dir, sp, "mt.db")
	checkThreeGoalReport(t, rep, "bleu", []float64{0, 3e6, 20})
}
