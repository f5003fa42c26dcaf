package bolt

import (
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/store"
	"github.com/c-bata/goptuna"
)

// Damage is one way a store file gets broken on disk.
type damage struct {
	name string
	do   func(b []byte, pageSize int) []byte
	// mayOpen: bbolt can still use the file (e.g. the other meta page is intact); then reads must
	// not crash either, and may fail with an error.
	mayOpen bool
}

// damages lists truncations, zeroed regions and garbage, each applied to a real store file.
func damages() []damage {
	zero := func(from, to func(n, ps int) int) func(b []byte, ps int) []byte {
		return func(b []byte, ps int) []byte {
			for i := from(len(b), ps); i < to(len(b), ps) && i < len(b); i++ {
				b[i] = 0
			}
			return b
		}
	}
	garbage := func(seed int64, from func(n, ps int) int) func(b []byte, ps int) []byte {
		return func(b []byte, ps int) []byte {
			rand.New(rand.NewSource(seed)).Read(b[from(len(b), ps):])
			return b
		}
	}
	at := func(f func(n, ps int) int) func(n, ps int) int { return f }
	return []damage{
		{"truncated to a third", func(b []byte, _ int) []byte { return b[:len(b)/3] }, false},
		{"truncated to half", func(b []byte, _ int) []byte { return b[:len(b)/2] }, false},
		{"truncated by one byte", func(b []byte, _ int) []byte { return b[:len(b)-1] }, true}, // bbolt grows files ahead of use
		{"truncated to the meta pages", func(b []byte, ps int) []byte { return b[:2*ps] }, false},
		{"truncated inside the header", func(b []byte, _ int) []byte { return b[:40] }, false},
		{"all zeros", zero(at(func(int, int) int { return 0 }), at(func(n, _ int) int { return n })), false},
		{"both meta pages zeroed", zero(at(func(int, int) int { return 0 }), at(func(_, ps int) int { return 2 * ps })), false},
		{"first meta page zeroed", zero(at(func(int, int) int { return 0 }), at(func(_, ps int) int { return ps })), true},
		{"random bytes", garbage(1, at(func(int, int) int { return 0 })), false},
		{"random bytes after the meta pages", garbage(2, at(func(_, ps int) int { return 2 * ps })), true},
		{"data pages zeroed", zero(at(func(_, ps int) int { return 2 * ps }), at(func(n, _ int) int { return n })), true},
	}
}

// storeFile writes a real store with a few hundred trials and returns its bytes.
func storeFile(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "good.db")
	s, err := Open(path, Options{NoSync: true, NoSnapshot: true})
	must(t, err)
	study, err := s.CreateNewStudy("s")
	must(t, err)
	for i := 0; i < 200; i++ {
		id, err := s.CreateNewTrial(study)
		must(t, err)
		must(t, s.SetTrialParam(id, "x", 0.5, goptuna.UniformDistribution{Low: 0, High: 1}))
		must(t, s.SetTrialUserAttr(id, "history", strings.Repeat("h", 300)))
		must(t, s.SetTrialState(id, goptuna.TrialStateComplete))
	}
	must(t, s.Close())
	b, err := os.ReadFile(path)
	must(t, err)
	return b
}

func TestDamagedFile(t *testing.T) {
	good := storeFile(t)
	ps := os.Getpagesize()
	for _, d := range damages() {
		for _, ro := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/readonly=%v", d.name, ro), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "x.db")
				bad := d.do(append([]byte(nil), good...), ps)
				must(t, os.WriteFile(path, bad, 0o644))
				s, err := Open(path, Options{ReadOnly: ro, LockTimeout: time.Second, NoSnapshot: true})
				if err != nil {
					if !errors.Is(err, store.ErrNotStore) || !strings.Contains(err.Error(), path) {
						t.Fatalf("err = %v, want store.ErrNotStore naming the path", err)
					}
					after, rerr := os.ReadFile(path)
					must(t, rerr)
					if string(after) != string(bad) {
						t.Fatal("a refused file was changed")
					}
					return
				}
				if !d.mayOpen {
					s.Close()
					t.Fatal("Open accepted the damaged file")
				}
				// Usable or not, reading must not crash the process.
				if id, err := s.GetStudyIDFromName("s"); err == nil {
					_, _ = s.GetAllTrials(id)
					_, _ = s.GetBestTrial(id)
				}
				_, _ = s.GetAllStudySummaries()
				_ = s.Close()
			})
		}
	}
}
