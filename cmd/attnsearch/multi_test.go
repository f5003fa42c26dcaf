package main

import (
	"encoding/json"
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
			if r := attn(t, bin, dir, "run", sp, "--db", "m.db"); r.code != 0 {
				t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
			}
			r := attn(t, bin, dir, "report", "--all", "--format", "json", "--db", "m.db")
			if r.code != 0 {
				t.Fatalf("report: exit %d\n%s", r.code, r.stderr)
			}
			var rep struct {
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
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatal(err)
			}
			if strings.Join(rep.Objectives, ",") != "token_accuracy,params,latency_ms" ||
				strings.Join(rep.Directions, ",") != "maximize,minimize,minimize" || len(rep.Reference) != 3 ||
				rep.Reference[0] != 0 || rep.Reference[1] != 6000 || rep.Reference[2] != 50 {
				t.Fatalf("objectives %v directions %v reference %v", rep.Objectives, rep.Directions, rep.Reference)
			}
			var vs [][]float64
			var idx []int
			for i, tr := range rep.Trials {
				if tr.State == "COMPLETE" && tr.Feasible {
					vs = append(vs, []float64{-tr.Metrics["token_accuracy"], tr.Metrics["params"], tr.Metrics["latency_ms"]})
					idx = append(idx, i)
				}
			}
			if len(vs) == 0 {
				t.Fatal("no complete feasible trial")
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
			if hv := front.HypervolumeMin(fr, []float64{0, 6000, 50}); math.Abs(hv-rep.Hypervolume) > 1e-9*math.Max(1, hv) {
				t.Errorf("hypervolume %v, want %v", rep.Hypervolume, hv)
			}
			if r := attn(t, bin, dir, "report", "--db", "m.db", "--plot", "m.png"); r.code != 0 {
				t.Fatalf("report --plot: exit %d\n%s", r.code, r.stderr)
			}
		})
	}
}
