package bolt

import (
	"path/filepath"
	"testing"
	"time"
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

// fixedClock is a settable clock for heartbeat tests.
type fixedClock struct{ t time.Time }

func (c *fixedClock) now() time.Time { return c.t }
