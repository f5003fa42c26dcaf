package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store"
)

// TestSchema1StoreReportsIdentically opens testdata/v1store/studies.db, written by the binary of
// commit 169d71d (store schema 1: StudyInfo with Go field names), and requires every read command
// to print exactly what that binary printed (testdata/v1store/*.txt, *.json; the one addition
// since is the attempts per point of #19: trial 9, the retry of trial 8, is "attempt 2", and
// `studies` counts points): first read-only (the
// file stays at schema 1), then after a writer's Open has upgraded it to schema 2. JSON outputs
// are compared field for field, tables byte for byte. Times print in local time, so TZ is UTC, as
// when the expected files were made.
func TestSchema1StoreReportsIdentically(t *testing.T) {
	bin := buildBinary(t)
	src := filepath.Join("testdata", "v1store")
	dir := t.TempDir()
	db := filepath.Join(dir, "studies.db")
	raw, err := os.ReadFile(filepath.Join(src, "studies.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		file string
		args []string
	}{
		{"studies.txt", []string{"studies"}},
		{"studies.json", []string{"studies", "--format", "json"}},
	}
	for _, s := range []string{"smoke", "mixed"} {
		cases = append(cases,
			struct {
				file string
				args []string
			}{"report-" + s + ".txt", []string{"report", "--study", s}},
			struct {
				file string
				args []string
			}{"report-all-" + s + ".txt", []string{"report", "--study", s, "--all"}},
			struct {
				file string
				args []string
			}{"report-" + s + ".json", []string{"report", "--study", s, "--format", "json"}},
			struct {
				file string
				args []string
			}{"report-all-" + s + ".json", []string{"report", "--study", s, "--all", "--format", "json"}},
			struct {
				file string
				args []string
			}{"best-" + s + ".txt", []string{"best", "--study", s}})
	}
	shows := map[string][]string{"smoke": {"3"}, "mixed": {"1", "4", "5", "8", "9"}}
	for s, nums := range shows {
		for _, n := range nums {
			for _, ext := range []string{"txt", "json"} {
				args := []string{"show", n, "--study", s}
				if ext == "json" {
					args = append(args, "--format", "json")
				}
				cases = append(cases, struct {
					file string
					args []string
				}{"show-" + s + "-" + n + "." + ext, args})
			}
		}
	}
	check := func(t *testing.T) {
		for _, c := range cases {
			want, err := os.ReadFile(filepath.Join(src, c.file))
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, append(c.args, "--db", db)...)
			cmd.Env = append(os.Environ(), "TZ=UTC")
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Run(); err != nil {
				t.Fatalf("%v: %v\n%s", c.args, err, errb.String())
			}
			if strings.HasSuffix(c.file, ".json") {
				var a, b any
				if err := json.Unmarshal(want, &a); err != nil {
					t.Fatalf("%s: %v", c.file, err)
				}
				if err := json.Unmarshal(out.Bytes(), &b); err != nil {
					t.Fatalf("%v: output is not JSON: %v", c.args, err)
				}
				if !reflect.DeepEqual(a, b) {
					t.Errorf("%v differs from %s:\n got  %s\n want %s", c.args, c.file, out.Bytes(), want)
				}
				continue
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("%v differs from %s:\n got\n%s\n want\n%s", c.args, c.file, out.Bytes(), want)
			}
		}
	}
	t.Run("schema 1 read as is", check)
	if v := schemaOf(t, db); v != "1" {
		t.Fatalf("a read-only open changed the schema to %s", v)
	}

	// A writer's Open upgrades the file: schema 2, every StudyInfo rewritten at version 2.
	st, err := store.Open(db, store.Options{})
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
	st, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	return st.Schema()
}
