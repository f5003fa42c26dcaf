package postgres

import (
	"context"
	"sync"
	"testing"

	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/store/storetest"
)

// TestConformance runs the storage conformance suite (the one bbolt passes) against PostgreSQL,
// each case on a fresh database; a second writer opens the same database at once.
func TestConformance(t *testing.T) {
	var mu sync.Mutex
	urls := map[store.DB]string{}
	storetest.Run(t, storetest.Backend{
		Open: func(t *testing.T, hooks store.Hooks) store.DB {
			s, u := openTest(t, Options{Hooks: hooks})
			mu.Lock()
			urls[s] = u
			mu.Unlock()
			return s
		},
		Again: func(t *testing.T, db store.DB) (store.DB, error) {
			mu.Lock()
			u := urls[db]
			mu.Unlock()
			return openURL(t, u, Options{}), nil
		},
		DamageBlob: func(t *testing.T, db store.DB, studyID int, name string) {
			tag, err := db.(*Store).pool.Exec(context.Background(), `UPDATE attnsearch_blobs
				SET data = set_byte(data, length(data) - 1, get_byte(data, length(data) - 1) # 64) WHERE study_id = $1 AND name = $2`, studyID, name)
			if err != nil || tag.RowsAffected() != 1 {
				t.Fatalf("damage blob: %v (%d rows)", err, tag.RowsAffected())
			}
		},
	})
}
