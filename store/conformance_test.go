package store_test

import (
	"path/filepath"
	"testing"

	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/store/storetest"
)

// TestConformance runs the storage conformance suite against bbolt stores.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, hooks store.Hooks) store.DB {
		s, err := store.Open(filepath.Join(t.TempDir(), "study.db"), store.Options{NoSync: true, NoSnapshot: true, Hooks: hooks})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return s
	})
}
