package bolt_test

import (
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
	})
}
