package storetest

import (
	"testing"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store"
	"github.com/c-bata/goptuna"
)

// StudyTrials returns every trial of the named study of st in number order; a missing study or
// a failing read fails t. It is the read every test of a stored study starts with.
func StudyTrials(t testing.TB, st goptuna.Storage, name string) []goptuna.FrozenTrial {
	t.Helper()
	id, err := st.GetStudyIDFromName(name)
	if err != nil {
		t.Fatalf("study %q: %v", name, err)
	}
	all, err := st.GetAllTrials(id)
	if err != nil {
		t.Fatalf("trials of study %q: %v", name, err)
	}
	return all
}

// TwoRunningTrials stores study "r" with two RUNNING trials at x = 0 and x = 0.25 and returns
// its ID: the start of a test that kills a process inside its recovery (a real SIGKILL in a
// child process, which the suite's crashInRecovery stands for with an injected error).
func TwoRunningTrials(t testing.TB, s store.DB) int {
	t.Helper()
	study, err := s.CreateNewStudy("r")
	must(t, err)
	for i := 0; i < 2; i++ {
		id, err := s.CreateNewTrial(study)
		must(t, err)
		must(t, s.SetTrialParam(id, "x", float64(i)/4, goptuna.UniformDistribution{Low: 0, High: 1}))
	}
	return study
}

// CheckRecoveredAfterCrash is the end of such a test, once the child died inside its recovery:
// both trials of TwoRunningTrials are still RUNNING (no half of the recovery was stored);
// recover (RecoverStale, repeated while the storage still sees the dead process's locks) fails
// each once; each is retried once, WAITING with its point; and nothing is left to requeue.
func CheckRecoveredAfterCrash(t testing.TB, s store.DB, study int, recover func() []goptuna.FrozenTrial) {
	t.Helper()
	all, err := s.GetAllTrials(study)
	must(t, err)
	if len(all) != 2 || all[0].State != goptuna.TrialStateRunning || all[1].State != goptuna.TrialStateRunning {
		t.Fatalf("after the crash: %+v; want the two RUNNING trials alone", all)
	}
	if failed := recover(); len(failed) != 2 || failed[0].ID == failed[1].ID {
		t.Fatalf("recovery after the crash failed %+v, want each trial once", failed)
	}
	all, err = s.GetAllTrials(study)
	must(t, err)
	if len(all) != 4 {
		t.Fatalf("%d trials after recovery, want 2 failed and 2 retries", len(all))
	}
	for i, w := range all[2:] {
		if w.State != goptuna.TrialStateWaiting || w.SystemAttrs[record.SysRetryOf] != []string{"0", "1"}[i] ||
			w.SystemAttrs[record.SysFixedParams] != []string{`{"x":0}`, `{"x":0.25}`}[i] {
			t.Fatalf("retry %d: %+v", i, w)
		}
	}
	if n, err := s.Requeue(study); err != nil || n != 0 {
		t.Fatalf("Requeue after recovery: %d, %v", n, err)
	}
}

// PrunedAndRequeued adds to the study a PRUNED trial and a FAIL one marked to be tried again
// (record.SysRetry), then requeues it (a WAITING retry): the finished states a live reader of a
// running study must see besides COMPLETE.
func PrunedAndRequeued(t testing.TB, s store.DB, study int) {
	t.Helper()
	pruned, err := s.CreateNewTrial(study)
	must(t, err)
	must(t, s.SetTrialState(pruned, goptuna.TrialStatePruned))
	failed, err := s.CreateNewTrial(study)
	must(t, err)
	must(t, s.SetTrialSystemAttr(failed, record.SysRetry, "1"))
	must(t, s.SetTrialState(failed, goptuna.TrialStateFail))
	_, err = s.Requeue(study)
	must(t, err)
}
