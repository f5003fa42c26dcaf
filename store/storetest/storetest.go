package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/store"
	"github.com/c-bata/goptuna"
)

// Opener returns a fresh, empty, writable storage for one test, with the failure-injection hooks
// it is given; it closes it when the test ends (t.Cleanup).
type Opener func(t *testing.T, hooks store.Hooks) store.DB

// Run runs the whole conformance suite against the storages open makes, one subtest each.
func Run(t *testing.T, open Opener) {
	for _, c := range []struct {
		name string
		test func(*testing.T, Opener)
	}{
		{"ParityWithInMemory", parityWithInMemory},
		{"SetTrialStateCompareAndSet", setTrialStateCompareAndSet},
		{"ReturnedValuesAreDeepCopies", returnedValuesAreDeepCopies},
		{"Studies", studies},
		{"BestTrialIgnoresNaN", bestTrialIgnoresNaN},
		{"SetTrialParamRejects", setTrialParamRejects},
		{"Heartbeats", heartbeats},
		{"RecoverStaleOnce", recoverStaleOnce},
		{"RequeueOnce", requeueOnce},
		{"PopWaitingTrialOnce", popWaitingTrialOnce},
		{"RetryChain", retryChain},
		{"CrashInRecovery", crashInRecovery},
		{"ConcurrentOptimize", concurrentOptimize},
	} {
		t.Run(c.name, func(t *testing.T) { c.test(t, open) })
	}
}

// must fails the test on err.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// errClass names the goptuna/store sentinel an error carries, for comparing two storages.
func errClass(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, goptuna.ErrTrialCannotBeUpdated):
		return "cannot-update"
	case errors.Is(err, goptuna.ErrInvalidTrialID):
		return "invalid-trial"
	case errors.Is(err, goptuna.ErrInvalidStudyID):
		return "invalid-study"
	case errors.Is(err, goptuna.ErrNoCompletedTrials):
		return "no-completed"
	}
	return "error"
}

// normTrial blanks the fields that legitimately differ between storages (IDs, study ID, exact times).
func normTrial(ft goptuna.FrozenTrial) goptuna.FrozenTrial {
	ft.ID, ft.StudyID = 0, 0
	if !ft.DatetimeStart.IsZero() {
		ft.DatetimeStart = time.Unix(1, 0)
	}
	if !ft.DatetimeComplete.IsZero() {
		ft.DatetimeComplete = time.Unix(2, 0)
	}
	return ft
}

// normTrials applies normTrial to each trial.
func normTrials(fts []goptuna.FrozenTrial) []goptuna.FrozenTrial {
	out := make([]goptuna.FrozenTrial, len(fts))
	for i := range fts {
		out[i] = normTrial(fts[i])
	}
	return out
}
