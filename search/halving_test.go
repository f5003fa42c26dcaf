package search

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/c-bata/goptuna"
	"github.com/c-bata/goptuna/successivehalving"
)

// haltStudy creates a study on a real store with finished trials holding the given rung-0 values.
func haltStudy(t *testing.T, dir goptuna.StudyDirection, rung0 []float64) *goptuna.Study {
	t.Helper()
	st := openStore(t, filepath.Join(t.TempDir(), "h.db"))
	study, err := goptuna.CreateStudy("h", goptuna.StudyOptionStorage(st), goptuna.StudyOptionDirection(dir),
		goptuna.StudyOptionLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range rung0 {
		id, err := st.CreateNewTrial(study.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetTrialIntermediateValue(id, 1, v); err != nil {
			t.Fatal(err)
		}
		if err := st.SetTrialSystemAttr(id, rungKey(0), formatRung(v)); err != nil {
			t.Fatal(err)
		}
		if err := st.SetTrialState(id, goptuna.TrialStatePruned); err != nil {
			t.Fatal(err)
		}
	}
	return study
}

// formatRung renders a rung value as the pruner stores it.
func formatRung(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// report sets the trial's value at step and asks the pruner.
func report(t *testing.T, study *goptuna.Study, p goptuna.Pruner, id, step int, v float64) bool {
	t.Helper()
	if err := study.Storage.SetTrialIntermediateValue(id, step, v); err != nil {
		t.Fatal(err)
	}
	ft, err := study.Storage.GetTrial(id)
	if err != nil {
		t.Fatal(err)
	}
	prune, err := p.Prune(study, ft)
	if err != nil {
		t.Fatal(err)
	}
	return prune
}

func TestSuccessiveHalvingRungs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		dir   goptuna.StudyDirection
		rung0 []float64
		value float64
		prune bool
	}{
		// η = 2: with 4 competing values the best 4/2 = 2 go on.
		{"max below the top half", goptuna.StudyDirectionMaximize, []float64{10, 20, 30}, 15, true},
		{"max in the top half", goptuna.StudyDirectionMaximize, []float64{10, 20, 30}, 25, false},
		{"max tie at the threshold", goptuna.StudyDirectionMaximize, []float64{10, 20, 30}, 20, false},
		{"min below the top half", goptuna.StudyDirectionMinimize, []float64{10, 20, 30}, 25, true},
		{"min in the top half", goptuna.StudyDirectionMinimize, []float64{10, 20, 30}, 15, false},
		// Fewer than η values: only the best goes on.
		{"alone", goptuna.StudyDirectionMaximize, nil, 1, false},
		{"second of two, max", goptuna.StudyDirectionMaximize, []float64{5}, 4, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			study := haltStudy(t, tc.dir, tc.rung0)
			p := &successiveHalving{minResource: 1, reductionFactor: 2}
			id, err := study.Storage.CreateNewTrial(study.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got := report(t, study, p, id, 1, tc.value); got != tc.prune {
				t.Errorf("prune = %v, want %v", got, tc.prune)
			}
			attrs, err := study.Storage.GetTrialSystemAttrs(id)
			if err != nil {
				t.Fatal(err)
			}
			if attrs[rungKey(0)] != formatRung(tc.value) {
				t.Errorf("rung 0 value %q, want %v", attrs[rungKey(0)], tc.value)
			}
		})
	}
}

// TestSuccessiveHalvingDoesNotCompeteWithItself is the case goptuna v0.9.0's pruner gets wrong: a
// lone trial whose score dips slightly after its second rung is pruned by its own earlier value.
func TestSuccessiveHalvingDoesNotCompeteWithItself(t *testing.T) {
	scores := []float64{10, 40, 86, 85.5, 88} // epochs 1..5; rungs at epochs 1 and 3 (η = 3)
	ours, buggy := false, false
	for _, tc := range []struct {
		p      goptuna.Pruner
		pruned *bool
	}{
		{&successiveHalving{minResource: 1, reductionFactor: 3}, &ours},
		{&successivehalving.Pruner{MinResource: 1, ReductionFactor: 3}, &buggy},
	} {
		study := haltStudy(t, goptuna.StudyDirectionMaximize, nil)
		id, err := study.Storage.CreateNewTrial(study.ID)
		if err != nil {
			t.Fatal(err)
		}
		for e, v := range scores {
			if report(t, study, tc.p, id, e+1, v) {
				*tc.pruned = true
				break
			}
		}
	}
	if ours {
		t.Error("a lone trial was pruned")
	}
	if !buggy {
		t.Log("goptuna's successivehalving no longer prunes this trial: the workaround may be unnecessary")
	}
}
