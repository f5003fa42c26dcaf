package storetest

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/store"
	"github.com/c-bata/goptuna"
)

// SetTrialStateCompareAndSet checks every state change: only real transitions out of unfinished states succeed.
func setTrialStateCompareAndSet(t *testing.T, open Opener) {
	const (
		R = goptuna.TrialStateRunning
		C = goptuna.TrialStateComplete
		P = goptuna.TrialStatePruned
		F = goptuna.TrialStateFail
		W = goptuna.TrialStateWaiting
	)
	cases := []struct {
		from, to goptuna.TrialState
		ok       bool
	}{
		{R, R, false}, {R, W, false}, {R, C, true}, {R, P, true}, {R, F, true},
		{W, W, false}, {W, R, true}, {W, C, true}, {W, F, true},
		{C, R, false}, {C, F, false}, {C, C, false}, {P, R, false}, {F, W, false}, {F, C, false},
	}
	s := open(t, store.Hooks{})
	study, err := s.CreateNewStudy("cas")
	must(t, err)
	for _, tc := range cases {
		t.Run(tc.from.String()+"->"+tc.to.String(), func(t *testing.T) {
			id, err := s.CloneTrial(study, goptuna.FrozenTrial{State: tc.from, DatetimeStart: time.Now(), DatetimeComplete: completeIf(tc.from)})
			must(t, err)
			before, err := s.GetTrial(id)
			must(t, err)
			err = s.SetTrialState(id, tc.to)
			if tc.ok != (err == nil) {
				t.Fatalf("SetTrialState: err = %v, want ok=%v", err, tc.ok)
			}
			after, gerr := s.GetTrial(id)
			must(t, gerr)
			if !tc.ok {
				if err != goptuna.ErrTrialCannotBeUpdated { // goptuna compares with ==, so it must not be wrapped
					t.Fatalf("err = %#v, want the bare goptuna.ErrTrialCannotBeUpdated", err)
				}
				if !reflect.DeepEqual(normTrial(before), normTrial(after)) || !before.DatetimeStart.Equal(after.DatetimeStart) {
					t.Fatalf("refused change modified the trial: %+v -> %+v", before, after)
				}
				return
			}
			if after.State != tc.to {
				t.Fatalf("state = %v, want %v", after.State, tc.to)
			}
			if tc.to.IsFinished() == after.DatetimeComplete.IsZero() {
				t.Fatalf("DatetimeComplete = %v for state %v", after.DatetimeComplete, tc.to)
			}
		})
	}
}

// completeIf returns a completion time for finished states.
func completeIf(st goptuna.TrialState) time.Time {
	if st.IsFinished() {
		return time.Now()
	}
	return time.Time{}
}

// ReturnedValuesAreDeepCopies mutates everything a read returns and checks the store is unchanged.
func returnedValuesAreDeepCopies(t *testing.T, open Opener) {
	s := open(t, store.Hooks{})
	study, err := s.CreateNewStudy("copies")
	must(t, err)
	id, err := s.CreateNewTrial(study)
	must(t, err)
	must(t, s.SetTrialParam(id, "pos", 1, goptuna.CategoricalDistribution{Choices: []string{"rope", "alibi"}}))
	must(t, s.SetTrialIntermediateValue(id, 0, 1.5))
	must(t, s.SetTrialUserAttr(id, "u", "1"))
	must(t, s.SetTrialSystemAttr(id, "s", "1"))
	must(t, s.SetStudyUserAttr(study, "su", "1"))
	want, err := s.GetTrial(id)
	must(t, err)

	mutate := func(ft goptuna.FrozenTrial) {
		ft.Params["pos"] = "x"
		ft.InternalParams["pos"] = 9
		ft.Distributions["pos"].(goptuna.CategoricalDistribution).Choices[0] = "mutated"
		ft.IntermediateValues[0] = 99
		ft.UserAttrs["u"] = "x"
		ft.SystemAttrs["s"] = "x"
	}
	ft, _ := s.GetTrial(id)
	mutate(ft)
	all, _ := s.GetAllTrials(study)
	mutate(all[0])
	p, _ := s.GetTrialParams(id)
	p["pos"] = "x"
	ua, _ := s.GetTrialUserAttrs(id)
	ua["u"] = "x"
	sa, _ := s.GetTrialSystemAttrs(id)
	sa["s"] = "x"
	sua, _ := s.GetStudyUserAttrs(study)
	sua["su"] = "x"

	got, err := s.GetTrial(id)
	must(t, err)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("trial changed through a returned value:\n got  %+v\n want %+v", got, want)
	}
	if sua2, _ := s.GetStudyUserAttrs(study); sua2["su"] != "1" {
		t.Fatalf("study attrs changed through a returned map: %v", sua2)
	}
}

// Studies checks several studies in one file: names, isolation of numbers, lookups and deletion.
func studies(t *testing.T, open Opener) {
	s := open(t, store.Hooks{})
	a, err := s.CreateNewStudy("a")
	must(t, err)
	b, err := s.CreateNewStudy("b")
	must(t, err)
	if _, err := s.CreateNewStudy("a"); !errors.Is(err, store.ErrStudyExists) {
		t.Fatalf("duplicate name: err = %v, want store.ErrStudyExists", err)
	}
	anon, err := s.CreateNewStudy("")
	must(t, err)
	if name, _ := s.GetStudyNameFromID(anon); !strings.HasPrefix(name, goptuna.DefaultStudyNamePrefix) || len(name) < 20 {
		t.Fatalf("generated name %q", name)
	}
	if _, err := s.GetStudyIDFromName("zzz"); !errors.Is(err, store.ErrStudyNotFound) {
		t.Fatalf("unknown name: err = %v", err)
	}
	a0, _ := s.CreateNewTrial(a)
	b0, _ := s.CreateNewTrial(b)
	a1, _ := s.CreateNewTrial(a)
	for _, c := range []struct{ id, study, number int }{{a0, a, 0}, {b0, b, 0}, {a1, a, 1}} {
		st, err := s.GetStudyIDFromTrialID(c.id)
		must(t, err)
		n, err := s.GetTrialNumberFromID(c.id)
		must(t, err)
		if st != c.study || n != c.number {
			t.Errorf("trial %d: study %d number %d, want %d %d", c.id, st, n, c.study, c.number)
		}
	}
	must(t, s.DeleteStudy(a))
	if _, err := s.GetTrial(a0); !errors.Is(err, goptuna.ErrInvalidTrialID) {
		t.Fatalf("trial of deleted study: err = %v", err)
	}
	if _, err := s.GetStudyIDFromName("a"); !errors.Is(err, store.ErrStudyNotFound) {
		t.Fatalf("deleted study name: err = %v", err)
	}
	if _, err := s.GetAllTrials(a); !errors.Is(err, goptuna.ErrInvalidStudyID) {
		t.Fatalf("deleted study trials: err = %v", err)
	}
	a2, err := s.CreateNewStudy("a") // the name is free again; IDs are never reused
	must(t, err)
	if a2 == a {
		t.Fatalf("study ID %d reused", a2)
	}
	sums, err := s.GetAllStudySummaries()
	must(t, err)
	if len(sums) != 3 || sums[0].ID != b || sums[2].ID != a2 {
		t.Fatalf("summaries: %+v", sums)
	}
	if err := s.SetStudyDirection(b, "sideways"); err == nil {
		t.Fatal("unknown direction accepted")
	}
}

// BestTrialIgnoresNaN checks that a NaN value never becomes the best, in either direction.
func bestTrialIgnoresNaN(t *testing.T, open Opener) {
	for _, dir := range []goptuna.StudyDirection{goptuna.StudyDirectionMinimize, goptuna.StudyDirectionMaximize} {
		t.Run(string(dir), func(t *testing.T) {
			s := open(t, store.Hooks{})
			study, _ := s.CreateNewStudy("nan")
			must(t, s.SetStudyDirection(study, dir))
			for _, v := range []float64{math.NaN(), 2, math.NaN(), 1, 3} {
				id, _ := s.CreateNewTrial(study)
				must(t, s.SetTrialValue(id, v))
				must(t, s.SetTrialState(id, goptuna.TrialStateComplete))
			}
			b, err := s.GetBestTrial(study)
			must(t, err)
			want := map[goptuna.StudyDirection]float64{goptuna.StudyDirectionMinimize: 1, goptuna.StudyDirectionMaximize: 3}[dir]
			if b.Value != want {
				t.Fatalf("best value %v, want %v", b.Value, want)
			}
		})
	}
}

// SetTrialParamRejects checks parameters goptuna itself would panic on or cannot store.
func setTrialParamRejects(t *testing.T, open Opener) {
	s := open(t, store.Hooks{})
	study, _ := s.CreateNewStudy("p")
	id, _ := s.CreateNewTrial(study)
	cat := goptuna.CategoricalDistribution{Choices: []string{"a", "b"}}
	for _, tc := range []struct {
		name string
		ir   float64
		d    any
	}{{"categorical index past the end", 2, cat}, {"negative categorical index", -1, cat}, {"fractional categorical index", 0.5, cat},
		{"NaN categorical index", math.NaN(), cat}, {"unknown distribution", 1, struct{}{}}} {
		if err := s.SetTrialParam(id, "p", tc.ir, tc.d); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	if ft, _ := s.GetTrial(id); len(ft.Params) != 0 {
		t.Fatalf("rejected params stored: %v", ft.Params)
	}
}
