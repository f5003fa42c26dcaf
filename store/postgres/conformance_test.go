package postgres

import (
	"testing"

	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/store/storetest"
)

// TestConformance runs the storage conformance suite (the one bbolt passes) against PostgreSQL,
// each case on a fresh database.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, hooks store.Hooks) store.DB {
		s, _ := openTest(t, Options{Hooks: hooks})
		return s
	})
}
