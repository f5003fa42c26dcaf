package bolt_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/store/bolt"
	"github.com/attnsearch/attnsearch/store/storetest"
)

// TestConformance runs the storage conformance suite against bbolt stores; a second writer of
// an open file is refused (bolt.ErrLocked).
func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Backend{
		Open: func(t *testing.T, hooks store.Hooks) store.DB {
			s, err := bolt.Open(filepath.Join(t.TempDir(), "study.db"), bolt.Options{NoSync: true, NoSnapshot: true, Hooks: hooks})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			return s
		},
		Again: func(t *testing.T, db store.DB) (store.DB, error) {
			s, err := bolt.Open(db.Location(), bolt.Options{NoSync: true, NoSnapshot: true, LockTimeout: 100 * time.Millisecond})
			if err != nil {
				return nil, err
			}
			t.Cleanup(func() { s.Close() })
			return s, nil
		},
		DamageBlob: func(t *testing.T, db store.DB, studyID int, name string) {
			path := bolt.BlobPath(db.Location(), studyID, name)
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			raw[len(raw)-1] ^= 0x40
			if err := os.WriteFile(path, raw, 0o644); err != nil {
				t.Fatal(err)
			}
		},
	})
}
