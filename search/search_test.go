package search

import (
	"context"
	"fmt"
	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/space/spacetest"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/reports"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/store/bolt"
	"github.com/attnsearch/attnsearch/trainer/data"
	"github.com/c-bata/goptuna"
)

// tinySpace is a space whose trials train in well under a second; max_params excludes part of it.
// It is spacetest's tiny.yaml (shared with cmd/attnsearch's tests) with four verbs left: trials,
// sampler kind, pruner, max_params.
var tinySpace = "\n" + spacetest.Space("tiny.yaml", "tiny", "%d", "11", "{kind: %s}", "%s", "64", "%d")

// tinySpec parses tinySpace with the given trial count, sampler, pruner and parameter budget.
func tinySpec(t *testing.T, trials int, sampler, pruner string, maxParams int) *space.Spec {
	t.Helper()
	src := fmt.Sprintf(tinySpace, trials, sampler, pruner, maxParams)
	spec, err := space.Parse(filepath.Join(t.TempDir(), "tiny.yaml"), []byte(src))
	if err != nil {
		t.Fatalf("parse tiny space: %v", err)
	}
	return spec
}

// openStore opens a fresh store file in a temporary directory.
func openStore(t *testing.T, path string) *bolt.Store {
	t.Helper()
	st, err := bolt.Open(path, bolt.Options{NoSnapshot: true})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// point is what must agree between an uninterrupted and a resumed run.
type point struct {
	Config string
	State  string
	Value  float64
	Seed   int64
}

// counted lists the counted trials of study (COMPLETE, PRUNED, plain FAIL) in number order.
func counted(t *testing.T, st goptuna.Storage, study string) []point {
	t.Helper()
	rep, err := reports.Load(st, study)
	if err != nil {
		t.Fatalf("load report: %v", err)
	}
	var out []point
	for _, tr := range rep.Trials {
		if tr.State == goptuna.TrialStateRunning || tr.State == goptuna.TrialStateWaiting {
			t.Fatalf("trial %d left %s", tr.Number, record.StateName(tr.State))
		}
		if tr.Retry {
			continue
		}
		out = append(out, point{Config: tr.Config, State: record.StateName(tr.State), Value: tr.Value, Seed: tr.Seed})
	}
	return out
}

func TestRunRecordsEveryTrial(t *testing.T) {
	spec := tinySpec(t, 6, "random", "none", 2500)
	st := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	var events []Event
	res, err := Run(context.Background(), spec, st, Options{OnEvent: func(e Event) { events = append(events, e) }})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Done != 6 || res.Interrupted {
		t.Fatalf("result %+v, want 6 done", res)
	}
	checkCounts(t, st, res, 6)
	rep, err := reports.Load(st, "tiny")
	if err != nil {
		t.Fatal(err)
	}
	feasible, infeasible := 0, 0
	for _, tr := range rep.Trials {
		if tr.State != goptuna.TrialStateComplete {
			t.Fatalf("trial %d: state %s (%s)", tr.Number, record.StateName(tr.State), tr.Reason())
		}
		for _, k := range []string{record.KeyParams, record.KeyParamsCore, record.KeyParamsEmbed, record.KeyFlops, record.KeyKVBytes} {
			if _, ok := tr.Metrics[k]; !ok {
				t.Errorf("trial %d: no %s", tr.Number, k)
			}
		}
		if tr.Feasible {
			feasible++
			for _, k := range []string{record.KeyAccuracy, record.KeyBLEU, record.KeyLatency, record.KeyL2Norm, record.KeyTrainSeconds, record.KeyEpochs} {
				if _, ok := tr.Metrics[k]; !ok {
					t.Errorf("trial %d: no %s", tr.Number, k)
				}
			}
			if len(tr.History) != 3 || len(tr.Intermediate) != 3 {
				t.Errorf("trial %d: %d epochs of history, %d intermediate values, want 3", tr.Number, len(tr.History), len(tr.Intermediate))
			}
			if tr.Value < 0 {
				t.Errorf("trial %d: feasible score %g < 0", tr.Number, tr.Value)
			}
		} else {
			infeasible++
			if tr.Metrics[record.KeyParams] <= 2500 || len(tr.Infeasible) == 0 {
				t.Errorf("trial %d: infeasible with params %g, reasons %q", tr.Number, tr.Metrics[record.KeyParams], tr.Infeasible)
			}
			if _, trained := tr.Metrics[record.KeyAccuracy]; trained || len(tr.History) > 0 {
				t.Errorf("trial %d: infeasible trial was trained", tr.Number)
			}
			if tr.Value >= -1 {
				t.Errorf("trial %d: infeasible score %g, want < -1", tr.Number, tr.Value)
			}
		}
	}
	if feasible == 0 || infeasible == 0 {
		t.Errorf("%d feasible, %d infeasible trials: the tiny space should produce both", feasible, infeasible)
	}
	ends := 0
	for _, e := range events {
		if e.Kind == EventTrialEnd {
			ends++
		}
	}
	if ends != res.Ran {
		t.Errorf("%d trial-end events, want %d", ends, res.Ran)
	}
	// A second Run on the finished study does nothing.
	res, err = Run(context.Background(), spec, st, Options{})
	if err != nil || res.Ran != 0 || res.Done != 6 {
		t.Fatalf("rerun: %+v, %v; want nothing to do", res, err)
	}
}

// TestDeterministicResume interrupts a study in the middle of a trial's training, resumes it, and
// compares every counted trial with an uninterrupted run of the same space on another store.
func TestDeterministicResume(t *testing.T) {
	for _, tc := range []struct{ sampler, pruner string }{
		{"tpe", "successive_halving"},
		{"random", "median"},
		{"sobol", "none"},
		{"motpe", "none"},
		{"nsga2", "none"},
		{"tpe-multivariate", "none"},
	} {
		t.Run(tc.sampler, func(t *testing.T) {
			trials := 5
			kind, opts := tc.sampler, map[string]float64(nil)
			switch tc.sampler {
			case "tpe", "motpe": // past the start-up trials when the space sets few
				trials, opts = 7, map[string]float64{"startup_trials": 3}
			case "tpe-multivariate":
				trials, kind, opts = 7, "tpe", map[string]float64{"startup_trials": 3, "multivariate": 1}
			case "nsga2": // three generations of two
				trials, opts = 6, map[string]float64{"population": 2}
			}
			if testing.Short() && opts != nil && tc.sampler != "tpe" {
				t.Skip("short: the history samplers' determinism is tested in their packages")
			}
			spec := tinySpec(t, trials, kind, tc.pruner, 4000)
			spec.Study.Sampler.Options = opts
			dir := t.TempDir()

			a := openStore(t, filepath.Join(dir, "a.db"))
			if _, err := Run(context.Background(), spec, a, Options{}); err != nil {
				t.Fatalf("uninterrupted run: %v", err)
			}
			want := counted(t, a, "tiny")

			b := openStore(t, filepath.Join(dir, "b.db"))
			for _, stopAt := range []int{1, 3} {
				ctx, cancel := context.WithCancel(context.Background())
				res, err := Run(ctx, spec, b, Options{OnEvent: func(e Event) {
					if e.Kind == EventEpoch && e.Trial >= stopAt && e.Epoch == 1 {
						cancel()
					}
				}})
				cancel()
				if err != nil {
					t.Fatalf("interrupted run: %v", err)
				}
				if !res.Interrupted {
					t.Fatalf("run stopped at trial %d not marked interrupted: %+v", stopAt, res)
				}
			}
			res, err := Run(context.Background(), spec, b, Options{})
			if err != nil {
				t.Fatalf("resumed run: %v", err)
			}
			if res.Done != trials {
				t.Fatalf("resumed run finished %d trials, want %d", res.Done, trials)
			}
			got := counted(t, b, "tiny")
			if len(got) != len(want) {
				t.Fatalf("resumed study has %d counted trials, uninterrupted %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] && !(math.IsNaN(got[i].Value) && math.IsNaN(want[i].Value)) {
					t.Errorf("trial %d: resumed %+v, uninterrupted %+v", i, got[i], want[i])
				}
			}
			all, err := b.GetAllTrials(res.StudyID)
			if err != nil {
				t.Fatal(err)
			}
			retries := 0
			for _, ft := range all {
				if _, ok := ft.SystemAttrs[record.SysRetryOf]; ok {
					retries++
				}
			}
			if retries < 1 {
				// An interrupt that lands as the pruner stops the trial leaves it PRUNED, not retried.
				t.Errorf("%d retried trials, want the interrupted points retried", retries)
			}
		})
	}
}

func TestRecoversStaleTrial(t *testing.T) {
	spec := tinySpec(t, 3, "random", "none", 4000)
	path := filepath.Join(t.TempDir(), "s.db")
	st := openStore(t, path)
	// Run one trial, then leave a RUNNING trial with sampled parameters, as a killed process would.
	spec.Study.Trials = 1
	if _, err := Run(context.Background(), spec, st, Options{}); err != nil {
		t.Fatal(err)
	}
	study, err := goptuna.LoadStudy("tiny", goptuna.StudyOptionStorage(st), goptuna.StudyOptionLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	id, err := st.CreateNewTrial(study.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetTrialParam(id, "lr", 0.005, goptuna.LogUniformDistribution{Low: 1e-3, High: 1e-2}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetTrialSystemAttr(id, record.SysOrdinal, "1"); err != nil {
		t.Fatal(err)
	}
	spec.Study.Trials = 3
	res, err := Run(context.Background(), spec, st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Recovered != 1 || res.Requeued != 1 || res.Done != 3 {
		t.Fatalf("result %+v, want 1 recovered, 1 requeued, 3 done", res)
	}
	all, err := st.GetAllTrials(study.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := 4 + rejectedCount(all); len(all) != n {
		t.Fatalf("%d trials, want %d (one stale, %d rejected before training)", len(all), n, rejectedCount(all))
	}
	var stale, retry goptuna.FrozenTrial
	for _, ft := range all {
		if ft.ID == id {
			stale = ft
		}
	}
	for _, ft := range all {
		if ft.SystemAttrs[record.SysRetryOf] == strconv.Itoa(stale.Number) {
			retry = ft
		}
	}
	if retry.Params["lr"] != 0.005 || retry.State != goptuna.TrialStateComplete {
		t.Errorf("retry trial: state %v, params %v, attrs %v", retry.State, retry.Params, retry.SystemAttrs)
	}
	if want := strconv.FormatInt(TrialSeed(11, 1), 10); retry.SystemAttrs[record.SysSeed] != want {
		t.Errorf("retry seed %s, want %s (derived from ordinal 1)", retry.SystemAttrs[record.SysSeed], want)
	}
}

func TestFailingTrialsDoNotStopTheStudy(t *testing.T) {
	spec := tinySpec(t, 4, "random", "none", 2500)
	ds, err := data.Synthetic(spec.Task.Synthetic)
	if err != nil {
		t.Fatal(err)
	}
	ds.Valid = nil // every training attempt fails: the trainer needs a validation split
	st := openStore(t, filepath.Join(t.TempDir(), "f.db"))
	res, err := Run(context.Background(), spec, st, Options{Dataset: ds})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Done != 4 {
		t.Fatalf("result %+v, want 4 finished trials", res)
	}
	checkCounts(t, st, res, 4)
	rep, err := reports.Load(st, "tiny")
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, tr := range rep.Trials {
		switch {
		case tr.State == goptuna.TrialStateFail:
			failed++
			if !strings.Contains(tr.Error, "valid") || tr.Retry {
				t.Errorf("trial %d: error %q, retry %v; want the trainer's error, not retried", tr.Number, tr.Error, tr.Retry)
			}
		case tr.State == goptuna.TrialStateComplete && !tr.Feasible:
		default:
			t.Errorf("trial %d: %s feasible=%v, want FAIL or infeasible", tr.Number, record.StateName(tr.State), tr.Feasible)
		}
	}
	if failed == 0 {
		t.Error("no trial reached training")
	}
}

func TestParallelWorkersWithHeartbeats(t *testing.T) {
	spec := tinySpec(t, 8, "tpe", "median", 4000)
	spec.Study.Workers = 2
	st := openStore(t, filepath.Join(t.TempDir(), "p.db"))
	beats := 0
	res, err := Run(context.Background(), spec, st, Options{
		HeartbeatEvery: time.Millisecond,
		OnEvent: func(e Event) {
			if e.Kind != EventEpoch {
				return
			}
			time.Sleep(5 * time.Millisecond) // let a heartbeat land
			id, err := st.GetStudyIDFromName("tiny")
			if err != nil {
				t.Error(err)
				return
			}
			run, err := st.RunningTrials(id)
			if err != nil {
				t.Error(err)
				return
			}
			for _, r := range run {
				if r.Heartbeat.After(r.DatetimeStart) {
					beats++
				}
			}
		},
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Done != 8 {
		t.Fatalf("result %+v, want 8 trials", res)
	}
	checkCounts(t, st, res, 8)
	all, err := st.GetAllTrials(res.StudyID)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, ft := range all {
		if !ft.State.IsFinished() || seen[ft.Number] {
			t.Errorf("trial %d: state %v (duplicate %v)", ft.Number, ft.State, seen[ft.Number])
		}
		seen[ft.Number] = true
	}
	if len(all) != res.Ran {
		t.Errorf("%d trials stored, want %d", len(all), res.Ran)
	}
	if beats == 0 {
		t.Error("no running trial ever had a heartbeat after its start")
	}
}

func TestEverySamplerRuns(t *testing.T) {
	for _, kind := range []string{"cmaes", "sobol", "random", "tpe"} {
		t.Run(kind, func(t *testing.T) {
			if testing.Short() && kind != "cmaes" {
				t.Skip("short: sobol, random and tpe also run in TestDeterministicResume")
			}
			spec := tinySpec(t, 4, kind, "percentile", 4000)
			spec.Study.Pruner.Options = map[string]float64{"percentile": 25}
			st := openStore(t, filepath.Join(t.TempDir(), "s.db"))
			res, err := Run(context.Background(), spec, st, Options{})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if res.Done != 4 {
				t.Fatalf("%d trials done, want 4", res.Done)
			}
			pts := counted(t, st, "tiny")
			distinct := map[string]bool{}
			for _, p := range pts {
				distinct[p.Config] = true
			}
			if len(distinct) < 2 {
				t.Errorf("%s sampled %d distinct points in 4 trials", kind, len(distinct))
			}
		})
	}
}

func TestResumeWithOtherSettingsWarns(t *testing.T) {
	spec := tinySpec(t, 2, "random", "none", 2500)
	st := openStore(t, filepath.Join(t.TempDir(), "w.db"))
	if _, err := Run(context.Background(), spec, st, Options{}); err != nil {
		t.Fatal(err)
	}
	spec.Study.Seed = 99
	spec.Study.Trials = 3
	var warnings []string
	res, err := Run(context.Background(), spec, st, Options{OnEvent: func(e Event) {
		if e.Kind == EventWarning {
			warnings = append(warnings, e.Message)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Done != 3 || len(warnings) != 1 || !strings.Contains(warnings[0], "seed 11, now 99") {
		t.Fatalf("done %d, warnings %q; want 3 and one warning naming the seed", res.Done, warnings)
	}
	rep, err := reports.Load(st, "tiny")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Info.Trials != 3 || rep.Info.Seed != 11 {
		t.Errorf("stored info: trials %d, seed %d; want the new target 3 and the original seed 11", rep.Info.Trials, rep.Info.Seed)
	}
}

// rejectedCount counts the trials rejected before training.
func rejectedCount(all []goptuna.FrozenTrial) int {
	n := 0
	for _, ft := range all {
		if ft.UserAttrs[record.KeyRejected] == "true" {
			n++
		}
	}
	return n
}

// checkCounts checks the trial-count rule of a finished study: target trials counted, trials
// rejected before training free up to target, each run trial stored once.
func checkCounts(t *testing.T, st goptuna.Storage, res *Result, target int) {
	t.Helper()
	all, err := st.GetAllTrials(res.StudyID)
	if err != nil {
		t.Fatal(err)
	}
	rej := rejectedCount(all)
	other := len(all) - rej
	if want := target - max(0, rej-target); other != want || res.Ran != len(all) {
		t.Fatalf("%d trials run (%d stored): %d rejected before training, %d others; want %d others", res.Ran, len(all), rej, other, want)
	}
}
