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

// Backend is a storage under test.
type Backend struct {
	// Open returns a fresh, empty, writable storage with the given hooks.
	Open Opener
	// Again opens a second writable handle on the storage db was opened on, as another process
	// would, closed when the test ends; or returns the error with which the storage refuses a
	// second writer while db is open.
	Again func(t *testing.T, db store.DB) (store.DB, error)
	// DamageBlob changes a byte of studyID's blob name in place, as a bad disk would, leaving its
	// checksum as it was (needed when the storage declares store.Blobs).
	DamageBlob func(t *testing.T, db store.DB, studyID int, name string)
}

// Run runs the whole conformance suite against the storage b, one subtest each: the contract of
// store.DB, then each optional capability (store.Shared, store.Exporter, store.Importer,
// store.Turns, store.Blobs, store.StudyLocker, store.TrialScanner, store.TrialFinder,
// store.TrialTailReader, store.StudyLister) the storage declares.
func Run(t *testing.T, b Backend) {
	open := b.Open
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
		{"PopWaitingTrialInterleaved", popWaitingTrialInterleaved},
		{"RetryChain", retryChain},
		{"CrashInRecovery", crashInRecovery},
		{"ConcurrentOptimize", concurrentOptimize},
	} {
		t.Run(c.name, func(t *testing.T) { c.test(t, open) })
	}
	t.Run("Capabilities/Shared", func(t *testing.T) { sharedCapability(t, b) })
	t.Run("Capabilities/ExportImport", func(t *testing.T) { exportCapability(t, b) })
	t.Run("Capabilities/Turns", func(t *testing.T) { turnsCapability(t, b) })
	t.Run("Capabilities/Blobs", func(t *testing.T) { blobsCapability(t, b) })
	t.Run("Capabilities/StudyLocker", func(t *testing.T) { studyLockCapability(t, b) })
	t.Run("Capabilities/Reads", func(t *testing.T) { readCapabilities(t, b) })
}

// openDeclaring opens a fresh storage of b and returns it, and it as the capability C; it skips
// the test (the storage declares no what) when the storage does not declare C.
func openDeclaring[C any](t *testing.T, b Backend, what string) (store.DB, C) {
	t.Helper()
	s := b.Open(t, store.Hooks{})
	c, ok := s.(C)
	if !ok {
		t.Skip("the storage declares no " + what)
	}
	return s, c
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
