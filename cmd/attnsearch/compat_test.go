package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store/bolt"
)

// TestSchema1StoreReportsIdentically opens testdata/v1store/studies.db, written by the binary of
// commit 169d71d (store schema 1: StudyInfo with Go field names), and requires every read command
// to print exactly what that binary printed (testdata/v1store/*.txt, *.json; see sameOutputs; the
// additions since are the attempts per point of #19: trial 9, the retry of trial 8, is
// "attempt 2", and `studies` counts points; and the output changes of #22: name/value headers,
// started/finished/duration_s, "1 trial"): first read-only (the file stays at schema 1), then
// after a writer's Open has upgraded it to schema 2.
func TestSchema1StoreReportsIdentically(t *testing.T) {
	bin := buildBinary(t)
	src := filepath.Join("testdata", "v1store")
	dir := t.TempDir()
	db := filepath.Join(dir, "studies.db")
	copyFile(t, filepath.Join(src, "studies.db"), db)
	shows := map[string][]string{"smoke": {"3"}, "mixed": {"1", "4", "5", "8", "9"}}
	check := func(t *testing.T) { sameOutputs(t, bin, db, src, readCases(shows)) }
	t.Run("schema 1 read as is", check)
	if v := schemaOf(t, db); v != "1" {
		t.Fatalf("a read-only open changed the schema to %s", v)
	}

	// A writer's Open upgrades the file: schema 2, every StudyInfo rewritten at version 2.
	st, err := bolt.Open(db, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"smoke", "mixed"} {
		id := studyID(t, st, name)
		attrs, err := st.GetStudySystemAttrs(id)
		if err != nil {
			t.Fatal(err)
		}
		js := attrs[record.SysStudyInfo]
		if !strings.Contains(js, `"version":2`) || !strings.Contains(js, `"max_params":`) || strings.Contains(js, "MaxParams") {
			t.Errorf("study %s info after upgrade: %s", name, js)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if v := schemaOf(t, db); v != "2" {
		t.Fatalf("schema after a writer's open: %s, want 2", v)
	}
	t.Run("schema 2 after upgrade", check)

	// The upgraded study resumes: one more trial, no warning about changed settings.
	r := attn(t, bin, ".", "run", filepath.Join(src, "mixed.yaml"), "--db", db, "--trials", "11", "--seed", "5")
	if r.code != 0 || strings.Contains(r.stderr, "other settings") || !strings.Contains(r.stderr, "resuming: 10 of 11") {
		t.Fatalf("resume of the upgraded study: exit %d\n%s", r.code, r.stderr)
	}
	rep := readJSONReport(t, bin, ".", "--db", db, "--study", "mixed")
	// 12 trials, or more when new trials are rejected before training (free up to the target).
	if len(rep.Trials) < 12 || rep.Trials[len(rep.Trials)-1].State == "FAIL" {
		t.Fatalf("after resuming: %d trials, last %+v", len(rep.Trials), rep.Trials[len(rep.Trials)-1])
	}
}

// schemaOf reads the schema version of the store at path with the export header.
func schemaOf(t *testing.T, path string) string {
	t.Helper()
	st, err := bolt.Open(path, bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	return st.Schema()
}
