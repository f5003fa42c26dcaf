package postgres

import (
	"bytes"
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestSchema1Upgrade takes a database back to schema 1 (no attnsearch_blobs): a reader reads it
// as it is, without upgrading it; a writer upgrades it to schema 2, and blobs work.
func TestSchema1Upgrade(t *testing.T) {
	s, u := openTest(t, Options{})
	study, err := s.CreateNewStudy("old")
	must(t, err)
	_, err = s.CreateNewTrial(study)
	must(t, err)
	s.Close()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	must(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `DROP TABLE attnsearch_blobs; UPDATE attnsearch_meta SET value = '1' WHERE key = 'schema'`)
	must(t, err)
	schema := func() (v string, blobs bool) {
		must(t, conn.QueryRow(ctx, `SELECT value, to_regclass('attnsearch_blobs') IS NOT NULL FROM attnsearch_meta WHERE key = 'schema'`).Scan(&v, &blobs))
		return v, blobs
	}

	r := openURL(t, u, Options{ReadOnly: true})
	trials, err := r.GetAllTrials(study)
	if err != nil || len(trials) != 1 {
		t.Fatalf("a reader of schema 1: %d trials, %v", len(trials), err)
	}
	if v, blobs := schema(); v != "1" || blobs {
		t.Fatalf("a reader changed the schema to %s (blobs table %v)", v, blobs)
	}

	w := openURL(t, u, Options{})
	if v, blobs := schema(); v != "2" || !blobs {
		t.Fatalf("a writer left schema %s (blobs table %v), want 2", v, blobs)
	}
	must(t, w.PutBlob(study, "supernet", []byte("weights")))
	if got, err := w.GetBlob(study, "supernet"); err != nil || !bytes.Equal(got, []byte("weights")) {
		t.Fatalf("blob after the upgrade: %q, %v", got, err)
	}
}
