package store

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
)

// openTemp opens a fresh store in t.TempDir() and closes it when the test ends.
func openTemp(t testing.TB, opts Options) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "study.db")
	s, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, path
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

// fixedClock is a settable clock for heartbeat tests.
type fixedClock struct{ t time.Time }

func (c *fixedClock) now() time.Time { return c.t }
