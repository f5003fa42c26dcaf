package sampler

import (
	"fmt"
	"math"
	"testing"

	"github.com/attnsearch/attnsearch/record"
	"github.com/c-bata/goptuna"
)

// noFail is an in-memory storage whose GetAllTrials leaves FAIL trials out, as package search's
// view of a study does: a sampler reads its history whole through it.
type noFail struct{ goptuna.Storage }

func (v noFail) GetAllTrials(studyID int) ([]goptuna.FrozenTrial, error) {
	all, err := v.Storage.GetAllTrials(studyID)
	out := all[:0]
	for _, ft := range all {
		if ft.State != goptuna.TrialStateFail {
			out = append(out, ft)
		}
	}
	return out, err
}

// searchView is noFail with AllTrialsFrom, FAIL trials included: package search's view, through
// which a sampler reads its history incrementally.
type searchView struct{ noFail }

func (v searchView) AllTrialsFrom(studyID, number int) ([]goptuna.FrozenTrial, error) {
	all, err := v.Storage.GetAllTrials(studyID)
	var out []goptuna.FrozenTrial
	for _, ft := range all {
		if ft.Number >= number {
			out = append(out, ft)
		}
	}
	return out, err
}

var _ AllTrialsFrom = searchView{}

// TestIncrementalEqualsRebuilt pins that a sampler carried through a study (its history read
// incrementally through AllTrialsFrom, its index, archive and good group kept from point to
// point) proposes at every point the point a sampler built afresh from the whole history
// proposes: 200 points (60 with -short) of auto on two goals (motpe multivariate) and on one
// (tpe multivariate), and of motpe and nsga2, with three trials running at a time, finishing out
// of order, every fifth pruned, every seventh failed and retried later at its ordinal; and motpe
// and tpe with sigma_weighted, whose points must also differ somewhere from those without it.
func TestIncrementalEqualsRebuilt(t *testing.T) {
	n := 200
	if testing.Short() {
		n = 60
	}
	space := map[string]interface{}{
		"x":  goptuna.UniformDistribution{Low: 0, High: 1},
		"lr": goptuna.LogUniformDistribution{Low: 1e-3, High: 1e-2},
		"c":  goptuna.CategoricalDistribution{Choices: []string{"a", "b", "c"}},
		"k":  goptuna.StepIntUniformDistribution{Low: 16, High: 48, Step: 16},
	}
	for _, tc := range []struct {
		kind  string
		goals int
		opts  map[string]float64
	}{{"auto", 2, nil}, {"auto", 1, nil}, {"motpe", 2, nil}, {"nsga2", 2, nil},
		{"motpe", 2, map[string]float64{"sigma_weighted": 1}}, {"tpe", 1, map[string]float64{"sigma_weighted": 1}}} {
		t.Run(fmt.Sprintf("%s %v/%d goals", tc.kind, tc.opts, tc.goals), func(t *testing.T) {
			mem, err := goptuna.CreateStudy("inc", goptuna.StudyOptionLogger(nil))
			must(t, err)
			obj := record.Objective{Maximize: []string{"bleu"}, Minimize: []string{"params"}}
			if tc.goals == 1 {
				obj = record.Objective{Metric: "bleu", Cost: "params"}
			}
			info, err := record.StudyInfo{Objective: obj}.Encode()
			must(t, err)
			must(t, mem.Storage.SetStudySystemAttr(mem.ID, record.SysStudyInfo, info))
			view := &goptuna.Study{ID: mem.ID, Storage: searchView{noFail{mem.Storage}}}
			whole := &goptuna.Study{ID: mem.ID, Storage: noFail{mem.Storage}}
			carried, _, err := Builtin().New(tc.kind, 7, tc.opts)
			must(t, err)
			optionMatters := 0
			type running struct{ id, ord int }
			var live []running
			var retry []int // ordinals of failed trials, to be tried again
			next := 0
			for i := 0; i < n; i++ {
				ord := next
				if len(retry) > 0 && i%4 == 0 {
					ord, retry = retry[0], retry[1:]
				} else {
					next++
				}
				id, err := mem.Storage.CreateNewTrial(mem.ID)
				must(t, err)
				must(t, mem.Storage.SetTrialSystemAttr(id, record.SysOrdinal, fmt.Sprint(ord)))
				ft, err := mem.Storage.GetTrial(id)
				must(t, err)
				seed := int64(ord)*7919 + 1
				got, err := carried.SampleRelative(view, ft, space, ord, seed)
				must(t, err)
				fresh, _, _ := Builtin().New(tc.kind, 7, tc.opts)
				want, err := fresh.SampleRelative(whole, ft, space, ord, seed)
				must(t, err)
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("point %d (ordinal %d): carried %v, built afresh %v", i, ord, got, want)
				}
				if tc.opts != nil { // the options reach the sampler: without them some point differs
					plain, _, _ := Builtin().New(tc.kind, 7, nil)
					if p, err := plain.SampleRelative(whole, ft, space, ord, seed); err == nil && fmt.Sprint(p) != fmt.Sprint(got) {
						optionMatters++
					}
				}
				for name, d := range space {
					v, ok := got[name]
					if !ok {
						v = 0
					}
					must(t, mem.Storage.SetTrialParam(id, name, v, d))
				}
				live = append(live, running{id, ord})
				if len(live) < 4 {
					continue
				}
				// The second oldest running trial finishes (out of order).
				r := live[1]
				live = append(live[:1], live[2:]...)
				p, _ := mem.Storage.GetTrial(r.id)
				f1 := math.Sin(7*p.InternalParams["x"]) + p.InternalParams["c"]/3
				f2 := math.Log(p.InternalParams["lr"]) + p.InternalParams["k"]/48
				must(t, mem.Storage.SetTrialUserAttr(r.id, record.KeyObjectives, record.FormatVector([]float64{f1, f2})))
				switch {
				case i%7 == 6:
					must(t, mem.Storage.SetTrialState(r.id, goptuna.TrialStateFail))
					retry = append(retry, r.ord)
				case i%5 == 4:
					must(t, mem.Storage.SetTrialIntermediateValue(r.id, 1, f1-f2))
					must(t, mem.Storage.SetTrialValue(r.id, f1-f2))
					must(t, mem.Storage.SetTrialState(r.id, goptuna.TrialStatePruned))
				default:
					must(t, mem.Storage.SetTrialValue(r.id, f1-f2))
					must(t, mem.Storage.SetTrialState(r.id, goptuna.TrialStateComplete))
				}
			}
			if tc.opts != nil && optionMatters == 0 {
				t.Errorf("options %v: every point equals the kind's without them", tc.opts)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
