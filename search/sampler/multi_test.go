package sampler

import (
	"fmt"
	"math"
	"testing"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/search/internal/observe"
	"github.com/c-bata/goptuna"
)

// study builds an in-memory study declaring maximize [bleu], minimize [params] with three trials:
// a complete one, a pruned one, and one being sampled (no ordinal yet).
func study(t *testing.T) *goptuna.Study {
	t.Helper()
	s, err := goptuna.CreateStudy("h", goptuna.StudyOptionLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	info, err := record.StudyInfo{Objective: record.Objective{Maximize: []string{"bleu"}, Minimize: []string{"params"}}}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Storage.SetStudySystemAttr(s.ID, record.SysStudyInfo, info); err != nil {
		t.Fatal(err)
	}
	add := func(ord string, state goptuna.TrialState, obj, cons string, value float64) {
		id, err := s.Storage.CreateNewTrial(s.ID)
		if err != nil {
			t.Fatal(err)
		}
		must := func(err error) {
			if err != nil {
				t.Fatal(err)
			}
		}
		must(s.Storage.SetTrialParam(id, "x", 0.25, goptuna.UniformDistribution{Low: 0, High: 1}))
		if ord != "" {
			must(s.Storage.SetTrialSystemAttr(id, record.SysOrdinal, ord))
		}
		if obj != "" {
			must(s.Storage.SetTrialUserAttr(id, record.KeyObjectives, obj))
			must(s.Storage.SetTrialUserAttr(id, record.KeyConstraints, cons))
		}
		if state == goptuna.TrialStatePruned {
			must(s.Storage.SetTrialIntermediateValue(id, 1, value-1))
			must(s.Storage.SetTrialIntermediateValue(id, 2, value))
		}
		if state != goptuna.TrialStateRunning {
			must(s.Storage.SetTrialValue(id, value))
			must(s.Storage.SetTrialState(id, state))
		}
	}
	add("1", goptuna.TrialStatePruned, "12,3000", "NaN", 7)
	add("0", goptuna.TrialStateComplete, "20.5,1000", "-0.5", 19)
	add("", goptuna.TrialStateRunning, "", "", 0)
	return s
}

func TestHistoryReadsStoredVectors(t *testing.T) {
	s := study(t)
	past, err := History(s, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(past) != 2 || past[0].Ordinal != 0 || past[1].Ordinal != 1 {
		t.Fatalf("history %+v, want ordinals 0 and 1", past)
	}
	c, p := past[0], past[1]
	if c.State != observe.Complete || c.Values[0] != -20.5 || c.Values[1] != 1000 || c.Constraints[0] != -0.5 || c.Params["x"] != 0.25 {
		t.Errorf("complete trial %+v", c)
	}
	if p.State != observe.Pruned || p.Step != 2 || p.Values[0] != -12 || !math.IsNaN(p.Constraints[0]) {
		t.Errorf("pruned trial %+v", p)
	}
	// Single-objective: the negated score, the last intermediate value when pruned.
	past, err = History(s, false)
	if err != nil {
		t.Fatal(err)
	}
	if past[0].Values[0] != -19 || past[1].Values[0] != -7 || past[0].Constraints != nil {
		t.Errorf("scalar history %+v", past)
	}
	// A sampler draws a point from it, the same for the same seed.
	algo, _, err := Builtin().New("motpe", 1, map[string]float64{"startup_trials": 1})
	if err != nil {
		t.Fatal(err)
	}
	space := map[string]interface{}{"x": goptuna.UniformDistribution{Low: 0, High: 1}}
	a, err := algo.SampleRelative(s, goptuna.FrozenTrial{}, space, 2, 5)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := algo.SampleRelative(s, goptuna.FrozenTrial{}, space, 2, 5)
	if a["x"] != b["x"] || a["x"] < 0 || a["x"] > 1 {
		t.Fatalf("points %v and %v", a, b)
	}
}

func TestHistoryNeedsGoals(t *testing.T) {
	s, err := goptuna.CreateStudy("bare", goptuna.StudyOptionLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := History(s, true); err == nil {
		t.Fatal("History of a study without StudyInfo succeeded")
	}
}

// TestHistoryCacheEqualsHistory checks that the cached read equals History's, also after a
// running trial finished between two reads.
func TestHistoryCacheEqualsHistory(t *testing.T) {
	s := study(t)
	c := &historyCache{}
	for round := 0; round < 2; round++ {
		for _, multi := range []bool{true, false} {
			got, err := c.history(s, multi)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := History(s, multi)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("round %d multi %v: cached %v, History %v", round, multi, got, want)
			}
		}
		// The running trial gets its ordinal and finishes.
		trials, _ := s.GetTrials()
		for _, ft := range trials {
			if ft.State == goptuna.TrialStateRunning {
				must := func(err error) {
					if err != nil {
						t.Fatal(err)
					}
				}
				must(s.Storage.SetTrialSystemAttr(ft.ID, record.SysOrdinal, "2"))
				must(s.Storage.SetTrialUserAttr(ft.ID, record.KeyObjectives, "30,500"))
				must(s.Storage.SetTrialValue(ft.ID, 25))
				must(s.Storage.SetTrialState(ft.ID, goptuna.TrialStateComplete))
			}
		}
	}
	if len(c.done) != 3 {
		t.Errorf("%d finished trials cached, want 3", len(c.done))
	}
}

// TestAutoChoosesByTheStudy checks the rule on features and that auto reads them from the study:
// the study of study() lists two goals, so auto draws with motpe multivariate, the same points as
// that kind, and a resumed auto (a new algorithm) the same again.
func TestAutoChoosesByTheStudy(t *testing.T) {
	for _, tc := range []struct {
		f    Features
		want string
	}{
		{Features{Objectives: 1, Params: 5}, "tpe map[multivariate:1]"},
		{Features{Objectives: 2, Params: 10, Constrained: true}, "motpe map[multivariate:1]"},
		{Features{Objectives: 3, Params: 6}, "motpe"},
	} {
		if got := Choose(tc.f).String(); got != tc.want {
			t.Errorf("Choose(%+v) = %s, want %s", tc.f, got, tc.want)
		}
	}
	s := study(t)
	space := map[string]interface{}{"x": goptuna.UniformDistribution{Low: 0, High: 1}}
	f, err := StudyFeatures(s, space)
	if err != nil || f.Objectives != 2 || f.Params != 1 {
		t.Fatalf("features %+v, %v", f, err)
	}
	auto, _, err := Builtin().New("auto", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	direct, _, _ := Builtin().New("motpe", 1, map[string]float64{"multivariate": 1})
	for ord := 2; ord < 4; ord++ {
		a, err := auto.SampleRelative(s, goptuna.FrozenTrial{}, space, ord, int64(ord))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := direct.SampleRelative(s, goptuna.FrozenTrial{}, space, ord, int64(ord))
		resumed, _, _ := Builtin().New("auto", 1, nil)
		c, _ := resumed.SampleRelative(s, goptuna.FrozenTrial{}, space, ord, int64(ord))
		if a["x"] != b["x"] || a["x"] != c["x"] {
			t.Fatalf("ordinal %d: auto %v, motpe multivariate %v, resumed auto %v", ord, a, b, c)
		}
	}
	if got := auto.(*autoAlgo).choice.String(); got != "motpe map[multivariate:1]" {
		t.Errorf("auto chose %s for a two-goal study", got)
	}
}
