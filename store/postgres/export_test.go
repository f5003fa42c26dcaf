package postgres

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/store/bolt"
)

// fillRich writes a study with every kind of content into s.
func fillRich(t *testing.T, s goptuna.Storage) int {
	t.Helper()
	study, err := s.CreateNewStudy("rich\x00")
	must(t, err)
	must(t, s.SetStudyDirection(study, goptuna.StudyDirectionMaximize))
	must(t, s.SetStudyUserAttr(study, "u", "ÿ\x00"))                            // JSON carries NUL, not invalid UTF-8
	info, err := record.StudyInfo{Trials: 10, Seed: 3, Sampler: "tpe"}.Encode() // canonical: imports keep it as is
	must(t, err)
	must(t, s.SetStudySystemAttr(study, record.SysStudyInfo, info))
	states := []goptuna.TrialState{goptuna.TrialStateComplete, goptuna.TrialStatePruned, goptuna.TrialStateFail, goptuna.TrialStateRunning, goptuna.TrialStateComplete}
	for i, v := range odd {
		id, err := s.CreateNewTrial(study)
		must(t, err)
		must(t, s.SetTrialValue(id, v))
		must(t, s.SetTrialIntermediateValue(id, i, v))
		must(t, s.SetTrialIntermediateValue(id, -i-1, -v))
		must(t, s.SetTrialParam(id, "lr", 1e-3*float64(i+1), goptuna.LogUniformDistribution{Low: 1e-5, High: 1}))
		must(t, s.SetTrialParam(id, "pos", float64(i%3), goptuna.CategoricalDistribution{Choices: []string{"rope", "sin\x00", "learned"}}))
		must(t, s.SetTrialParam(id, "d", 128, goptuna.StepIntUniformDistribution{Low: 64, High: 512, Step: 64}))
		must(t, s.SetTrialUserAttr(id, "history", `[{"epoch":1}]`))
		must(t, s.SetTrialSystemAttr(id, "attnsearch:seed", "42"))
		if st := states[i%len(states)]; st != goptuna.TrialStateRunning {
			must(t, s.SetTrialState(id, st))
		}
	}
	_, err = s.CloneTrial(study, goptuna.FrozenTrial{State: goptuna.TrialStateWaiting, SystemAttrs: map[string]string{"fixed_params": `{"lr":0.01}`}})
	must(t, err)
	return study
}

// export writes a study's export with trial IDs blanked (the one thing a copy changes).
func export(t *testing.T, fn func(*bytes.Buffer) error) string {
	t.Helper()
	var buf bytes.Buffer
	must(t, fn(&buf))
	var out []string
	for i, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if i > 0 {
			var m map[string]any
			must(t, json.Unmarshal([]byte(line), &m))
			m["trial_id"] = 0
			b, err := json.Marshal(m)
			must(t, err)
			line = string(b)
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// TestExportImportRoundTrip copies a study bbolt → PostgreSQL → bbolt through the export format
// and finds every byte of the export unchanged (trial IDs aside).
func TestExportImportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	b1, err := bolt.Open(filepath.Join(dir, "a.db"), bolt.Options{NoSync: true, NoSnapshot: true})
	must(t, err)
	defer b1.Close()
	study := fillRich(t, b1)
	orig := export(t, func(w *bytes.Buffer) error { return b1.Export(w, study) })

	p, _ := openTest(t, Options{})
	var buf bytes.Buffer
	must(t, b1.Export(&buf, study))
	pid, err := p.Import(&buf, "")
	must(t, err)
	if got := export(t, func(w *bytes.Buffer) error { return p.Export(w, pid) }); got != orig {
		t.Fatalf("PostgreSQL copy differs:\n%s\nwant\n%s", got, orig)
	}

	b2, err := bolt.Open(filepath.Join(dir, "b.db"), bolt.Options{NoSync: true, NoSnapshot: true})
	must(t, err)
	defer b2.Close()
	buf.Reset()
	must(t, p.Export(&buf, pid))
	bid, err := b2.Import(&buf, "")
	must(t, err)
	if got := export(t, func(w *bytes.Buffer) error { return b2.Export(w, bid) }); got != orig {
		t.Fatalf("bbolt copy of the PostgreSQL copy differs:\n%s\nwant\n%s", got, orig)
	}
	// goptuna's view agrees too, NaN bits included.
	a, err := b1.GetAllTrials(study)
	must(t, err)
	c, err := p.GetAllTrials(pid)
	must(t, err)
	for i := range a {
		if math.Float64bits(a[i].Value) != math.Float64bits(c[i].Value) || a[i].State != c[i].State || !a[i].DatetimeStart.Equal(c[i].DatetimeStart) {
			t.Errorf("trial %d differs", i)
		}
	}
	// A second import under the same name is refused, and nothing is half-written.
	buf.Reset()
	must(t, b1.Export(&buf, study))
	if _, err := p.Import(&buf, ""); !errors.Is(err, store.ErrStudyExists) {
		t.Errorf("second import: %v", err)
	}
}

func TestImportErrors(t *testing.T) {
	p, _ := openTest(t, Options{})
	head := `{"kind":"study","format":"attnsearch-store","schema":1,"name":"x","direction":"maximize","created":"2024-01-01T00:00:00Z","user_attrs":{},"system_attrs":{},"trials":1}`
	trial := `{"kind":"trial","number":0,"trial_id":1,"state":"Complete","value":1,"datetime_start":null,"datetime_complete":null,"heartbeat":null,"intermediate_values":[],"params":{},"user_attrs":{},"system_attrs":{}}`
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "empty input"},
		{"not json", "hello", "line 1: study"},
		{"foreign", strings.Replace(head, "attnsearch-store", "other", 1), "line 1: kind"},
		{"newer schema", strings.Replace(head, `"schema":1`, `"schema":99`, 1), "line 1: schema"},
		{"truncated", head, "line 1: trials"},
		{"bad state", head + "\n" + strings.Replace(trial, "Complete", "DONE", 1), "line 2: state"},
		{"bad number", head + "\n" + strings.Replace(trial, `"number":0`, `"number":3`, 1), "line 2: number"},
		{"unknown field", head + "\n" + strings.Replace(trial, `"kind"`, `"extra":1,"kind"`, 1), "line 2: trial"},
		{"bad step", head + "\n" + strings.Replace(trial, `"intermediate_values":[]`, `"intermediate_values":[[0.5,1]]`, 1), "line 2: intermediate_values[0]"},
		{"bad distribution", head + "\n" + strings.Replace(trial, `"params":{}`, `"params":{"p":{"internal":0,"external":0,"distribution":{"name":"Nope"}}}`, 1), "line 2: params.p.distribution"},
	} {
		if _, err := p.Import(strings.NewReader(tc.in), ""); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	sums, err := p.GetAllStudySummaries()
	must(t, err)
	if len(sums) != 0 {
		t.Errorf("failed imports left %d studies", len(sums))
	}
}
