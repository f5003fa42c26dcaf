package main

import (
	"bytes"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store/bolt"
)

// studyID returns the ID of the named study of st, failing t when there is none.
func studyID(t *testing.T, st goptuna.Storage, name string) int {
	t.Helper()
	id, err := st.GetStudyIDFromName(name)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// exportOf returns the export of the named study of the bbolt store at path, trial IDs blanked.
func exportOf(t *testing.T, path, study string) string {
	t.Helper()
	st, err := bolt.Open(path, bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	id := studyID(t, st, study)
	var buf bytes.Buffer
	if err := st.Export(&buf, id); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	for i := 1; i < len(lines); i++ {
		var m map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &m); err != nil {
			t.Fatal(err)
		}
		m["trial_id"] = 0
		b, _ := json.Marshal(m)
		lines[i] = string(b)
	}
	return strings.Join(lines, "\n")
}

// TestMigrateRoundTrip copies a bbolt store to PostgreSQL and back through the real binary and
// finds every study unchanged, NaN payloads, infinities, attributes and times included.
func TestMigrateRoundTrip(t *testing.T) {
	srv := pgServer(t, false)
	bin := buildBinary(t)
	dir := t.TempDir()
	a := filepath.Join(dir, "a.db")
	st := newBoltStore(t, a)
	info, _ := record.StudyInfo{Trials: 4, Seed: 1, Sampler: "tpe"}.Encode()
	for _, name := range []string{"one", "two"} {
		study, err := st.CreateNewStudy(name)
		if err != nil {
			t.Fatal(err)
		}
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(st.SetStudyDirection(study, goptuna.StudyDirectionMaximize))
		must(st.SetStudySystemAttr(study, record.SysStudyInfo, info))
		for i, v := range []float64{math.NaN(), math.Inf(1), math.Float64frombits(0x7ff0000000000123), 0.5} {
			id, err := st.CreateNewTrial(study)
			must(err)
			must(st.SetTrialParam(id, "lr", 1e-3*float64(i+1), goptuna.LogUniformDistribution{Low: 1e-5, High: 1}))
			must(st.SetTrialIntermediateValue(id, 1, v))
			must(st.SetTrialUserAttr(id, record.KeyConfig, "lr=1e-3"))
			must(st.SetTrialValue(id, v))
			if i < 3 {
				must(st.SetTrialState(id, goptuna.TrialStateComplete))
			}
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	url := srv.NewDatabase(t)
	if r := attn(t, bin, dir, "migrate", "--from", a, "--to", url); r.code != 0 || strings.Count(r.stdout, "4 trials copied") != 2 {
		t.Fatalf("migrate to PostgreSQL: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	b := filepath.Join(dir, "b.db")
	if r := attn(t, bin, dir, "migrate", "--from", url, "--to", b, "--study", "two"); r.code != 0 {
		t.Fatalf("migrate back: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if got, want := exportOf(t, b, "two"), exportOf(t, a, "two"); got != want {
		t.Errorf("round trip changed the study:\n%s\nwant\n%s", got, want)
	}
	// A second copy into the same database is refused, naming the study; bad arguments are input errors.
	if r := attn(t, bin, dir, "migrate", "--from", a, "--to", url); r.code != 1 || !strings.Contains(r.stderr, `already holds a study "one"`) {
		t.Errorf("second migrate: exit %d: %s", r.code, r.stderr)
	}
	for _, args := range [][]string{
		{"migrate", "--to", url},
		{"migrate", "--from", filepath.Join(dir, "missing.db"), "--to", url},
		{"migrate", "--from", a, "--to", url, "--study", "three"},
	} {
		if r := attn(t, bin, dir, args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2: %s", args, r.code, r.stderr)
		}
	}
}
