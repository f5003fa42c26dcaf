package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/store"
)

// readCapabilities checks store.TrialScanner, store.TrialFinder and store.StudyLister when the
// storage declares them, against what GetAllTrials returns: a scan under every projection gives GetAllTrials'
// trials, in number order, with exactly what the projection keeps (store.Projection.Apply); an
// error of fn stops the scan and comes back as it is; a study that does not exist is
// goptuna.ErrInvalidStudyID; TrialByNumber gives each trial as GetAllTrials does and
// store.ErrNoTrial for a number the study lacks; StudyNames lists the names
// GetAllStudySummaries gives; TrialsFrom(n) gives GetAllTrials' trials numbered n or above, in
// number order (none beyond the last, all from a negative n), also after further writes.
func readCapabilities(t *testing.T, b Backend) {
	s := b.Open(t, store.Hooks{})
	scanner, scans := s.(store.TrialScanner)
	finder, finds := s.(store.TrialFinder)
	lister, lists := s.(store.StudyLister)
	tailer, tails := s.(store.TrialTailReader)
	if !scans && !finds && !lists && !tails {
		t.Skip("the storage declares no read capability")
	}
	study, err := s.CreateNewStudy("reads")
	must(t, err)
	other, err := s.CreateNewStudy("other") // its trials must not leak into the scans
	must(t, err)
	dist := goptuna.UniformDistribution{Low: 0, High: 1}
	for i := 0; i < 7; i++ {
		for _, sid := range []int{study, other} {
			id, err := s.CreateNewTrial(sid)
			must(t, err)
			must(t, s.SetTrialParam(id, "x", float64(i)/8, dist))
			for step := 0; step < i%3; step++ {
				must(t, s.SetTrialIntermediateValue(id, step, float64(i*step)))
			}
			must(t, s.SetTrialUserAttr(id, "small", strconv.Itoa(i)))
			must(t, s.SetTrialUserAttr(id, "history", fmt.Sprintf("[%d]", i)))
			must(t, s.SetTrialSystemAttr(id, "sys", strconv.Itoa(sid)))
			switch i % 4 {
			case 0, 1:
				must(t, s.SetTrialValue(id, float64(i)))
				must(t, s.SetTrialState(id, goptuna.TrialStateComplete))
			case 2:
				must(t, s.SetTrialState(id, goptuna.TrialStateFail))
			}
		}
	}
	all, err := s.GetAllTrials(study)
	must(t, err)
	if lists {
		got, err := lister.StudyNames()
		must(t, err)
		slices.Sort(got)
		if want := []string{"other", "reads"}; !slices.Equal(got, want) {
			t.Fatalf("StudyNames %q, want %q", got, want)
		}
	}
	if scans {
		for _, p := range []store.Projection{{}, {UserAttrs: []string{"small"}}, {UserAttrs: []string{}}, {OmitUserAttrs: []string{"history"}},
			{NoParams: true, NoIntermediate: true}, {UserAttrs: []string{"small", "history"}, OmitUserAttrs: []string{"history"}, NoParams: true}} {
			want, err := s.GetAllTrials(study)
			must(t, err)
			for i := range want {
				p.Apply(&want[i])
			}
			var got []goptuna.FrozenTrial
			must(t, scanner.ScanTrials(study, p, func(ft goptuna.FrozenTrial) error {
				got = append(got, ft)
				return nil
			}))
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("ScanTrials(%+v):\n got  %+v\n want %+v", p, got, want)
			}
		}
		stop := errors.New("stop")
		seen := 0
		err := scanner.ScanTrials(study, store.Projection{}, func(goptuna.FrozenTrial) error {
			seen++
			return stop
		})
		if err != stop || seen != 1 {
			t.Fatalf("ScanTrials with fn failing at once: %v after %d trials, want the error itself after 1", err, seen)
		}
		err = scanner.ScanTrials(other+study+100, store.Projection{}, func(goptuna.FrozenTrial) error { return nil })
		if !errors.Is(err, goptuna.ErrInvalidStudyID) {
			t.Fatalf("ScanTrials of a study that does not exist: %v, want goptuna.ErrInvalidStudyID", err)
		}
	}
	if finds {
		for _, want := range all {
			got, err := finder.TrialByNumber(study, want.Number)
			must(t, err)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("TrialByNumber(%d):\n got  %+v\n want %+v", want.Number, got, want)
			}
		}
		for _, n := range []int{-1, len(all), len(all) + 5} {
			if _, err := finder.TrialByNumber(study, n); !errors.Is(err, store.ErrNoTrial) {
				t.Fatalf("TrialByNumber(%d) of a study of %d trials: %v, want store.ErrNoTrial", n, len(all), err)
			}
		}
	}
	if tails { // last: it writes
		checkTails(t, s, tailer, study, other)
	}
}

// checkTails checks TrialsFrom against GetAllTrials at every number of study (and around it),
// then again after a running trial finishes and a trial is added, and on a study that does not
// exist.
func checkTails(t *testing.T, s store.DB, tailer store.TrialTailReader, study, other int) {
	t.Helper()
	check := func(when string) {
		all, err := s.GetAllTrials(study)
		must(t, err)
		for n := -1; n <= len(all)+2; n++ {
			got, err := tailer.TrialsFrom(study, n)
			must(t, err)
			want := []goptuna.FrozenTrial{}
			for _, ft := range all {
				if ft.Number >= n {
					want = append(want, ft)
				}
			}
			if len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
				t.Fatalf("%s: TrialsFrom(%d):\n got  %+v\n want %+v", when, n, got, want)
			}
		}
	}
	check("first")
	all, err := s.GetAllTrials(study)
	must(t, err)
	for _, ft := range all {
		if ft.State == goptuna.TrialStateRunning {
			must(t, s.SetTrialUserAttr(ft.ID, "late", "1"))
			must(t, s.SetTrialState(ft.ID, goptuna.TrialStatePruned))
			break
		}
	}
	id, err := s.CreateNewTrial(study)
	must(t, err)
	must(t, s.SetTrialUserAttr(id, "small", "new"))
	check("after writes")
	if _, err := tailer.TrialsFrom(other+study+100, 0); !errors.Is(err, goptuna.ErrInvalidStudyID) {
		t.Fatalf("TrialsFrom of a study that does not exist: %v, want goptuna.ErrInvalidStudyID", err)
	}
}
