package bolt

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/attnsearch/attnsearch/store"
	"github.com/c-bata/goptuna"
)

// fillExportStudy writes a study with every kind of field, awkward floats and all trial states.
func fillExportStudy(t *testing.T, s *Store) int {
	t.Helper()
	study, err := s.CreateNewStudy("archive")
	must(t, err)
	must(t, s.SetStudyDirection(study, goptuna.StudyDirectionMaximize))
	must(t, s.SetStudyUserAttr(study, "spec", "spaces/mt.yaml"))
	must(t, s.SetStudySystemAttr(study, "seed", "42"))
	values := []float64{0.5, math.NaN(), math.Inf(-1), math.Float64frombits(0x7ff0000000000abc), math.Copysign(0, -1)}
	for i, v := range values {
		id, err := s.CreateNewTrial(study)
		must(t, err)
		must(t, s.SetTrialParam(id, "lr", 1e-4*float64(i+1), goptuna.LogUniformDistribution{Low: 1e-5, High: 1e-2}))
		must(t, s.SetTrialParam(id, "pos", float64(i%3), goptuna.CategoricalDistribution{Choices: []string{"rope", "sin", "learned"}}))
		must(t, s.SetTrialParam(id, "d", 128, goptuna.StepIntUniformDistribution{Low: 64, High: 512, Step: 64}))
		must(t, s.SetTrialIntermediateValue(id, 0, v))
		must(t, s.SetTrialIntermediateValue(id, 5, 1.0/3))
		must(t, s.SetTrialUserAttr(id, "note", "line\nbreak \"quoted\""))
		must(t, s.SetTrialValue(id, v))
		if i < 4 {
			must(t, s.SetTrialState(id, []goptuna.TrialState{goptuna.TrialStateComplete, goptuna.TrialStatePruned, goptuna.TrialStateFail, goptuna.TrialStateComplete}[i]))
		}
	}
	// An enqueued trial, through goptuna's own Study.EnqueueTrial.
	st, err := goptuna.LoadStudy("archive", goptuna.StudyOptionStorage(s), goptuna.StudyOptionLogger(nil))
	must(t, err)
	must(t, st.EnqueueTrial(map[string]float64{"lr": 1e-3}))
	return study
}

// trialIDs matches the trial_id field of an export line.
var trialIDs = regexp.MustCompile(`"trial_id":[0-9]+`)

// sameTrial compares two trials field by field, floats by their bits.
func sameTrial(a, b goptuna.FrozenTrial) bool {
	if math.Float64bits(a.Value) != math.Float64bits(b.Value) || len(a.IntermediateValues) != len(b.IntermediateValues) {
		return false
	}
	for k, v := range a.IntermediateValues {
		if w, ok := b.IntermediateValues[k]; !ok || math.Float64bits(v) != math.Float64bits(w) {
			return false
		}
	}
	return a.Number == b.Number && a.State == b.State && a.DatetimeStart.Equal(b.DatetimeStart) &&
		a.DatetimeComplete.Equal(b.DatetimeComplete) && reflect.DeepEqual(a.Params, b.Params) &&
		reflect.DeepEqual(a.InternalParams, b.InternalParams) && reflect.DeepEqual(a.Distributions, b.Distributions) &&
		reflect.DeepEqual(a.UserAttrs, b.UserAttrs) && reflect.DeepEqual(a.SystemAttrs, b.SystemAttrs)
}

// exportFilled fills a fresh store with fillExportStudy and returns it, the study and its export.
func exportFilled(t *testing.T) (*Store, int, *bytes.Buffer) {
	src, _ := openTemp(t, Options{NoSync: true, NoSnapshot: true})
	study := fillExportStudy(t, src)
	var buf bytes.Buffer
	must(t, src.Export(&buf, study))
	return src, study, &buf
}

// TestExportImportRoundTrip exports a study, imports it into another file and compares everything.
func TestExportImportRoundTrip(t *testing.T) {
	src, study, buf := exportFilled(t)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1+6 {
		t.Fatalf("%d lines, want a header and 6 trials:\n%s", len(lines), buf.String())
	}
	if !strings.Contains(lines[2], `"value":"NaN"`) || !strings.Contains(lines[4], `"value":"NaN:0x7ff0000000000abc"`) {
		t.Fatalf("non-finite values not exported exactly:\n%s\n%s", lines[2], lines[4])
	}

	dst, _ := openTemp(t, Options{NoSync: true, NoSnapshot: true})
	_, _ = dst.CreateNewStudy("occupies ID 1")
	got, err := dst.Import(bytes.NewReader(buf.Bytes()), "")
	must(t, err)
	want, _ := src.GetAllTrials(study)
	have, err := dst.GetAllTrials(got)
	must(t, err)
	if len(have) != len(want) {
		t.Fatalf("%d trials imported, want %d", len(have), len(want))
	}
	for i := range want {
		if !sameTrial(want[i], have[i]) {
			t.Fatalf("trial %d:\n got  %+v\n want %+v", i, have[i], want[i])
		}
		hw, _ := src.trialHeartbeat(want[i].ID)
		hh, _ := dst.trialHeartbeat(have[i].ID)
		if !hw.Equal(hh) {
			t.Fatalf("trial %d heartbeat %v, want %v", i, hh, hw)
		}
	}
	for _, pair := range [][2]func(*Store, int) (any, error){
		{func(s *Store, id int) (any, error) { return s.GetStudyNameFromID(id) }, nil},
		{func(s *Store, id int) (any, error) { return s.GetStudyDirection(id) }, nil},
		{func(s *Store, id int) (any, error) { return s.GetStudyUserAttrs(id) }, nil},
		{func(s *Store, id int) (any, error) { return s.GetStudySystemAttrs(id) }, nil},
	} {
		a, _ := pair[0](src, study)
		b, _ := pair[0](dst, got)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("study field: %v, want %v", b, a)
		}
	}
	// A second export of the imported study is identical apart from trial IDs.
	var again bytes.Buffer
	must(t, dst.Export(&again, got))
	if strip := func(s string) string { return trialIDs.ReplaceAllString(s, "") }; strip(again.String()) != strip(buf.String()) {
		t.Fatalf("re-export differs:\n%s\nvs\n%s", again.String(), buf.String())
	}
	if _, err := dst.Import(bytes.NewReader(buf.Bytes()), ""); !errors.Is(err, store.ErrStudyExists) {
		t.Fatalf("importing over an existing name: %v", err)
	}
	if _, err := dst.Import(bytes.NewReader(buf.Bytes()), "copy"); err != nil {
		t.Fatalf("import under a new name: %v", err)
	}
}

// TestImportErrors feeds broken exports and checks the error names the line and the field, and that nothing is written.
func TestImportErrors(t *testing.T) {
	_, _, buf := exportFilled(t)
	good := strings.Split(strings.TrimSpace(buf.String()), "\n")
	edit := func(line int, from, to string) string {
		l := append([]string(nil), good...)
		if !strings.Contains(l[line], from) {
			t.Fatalf("line %d has no %q: %s", line, from, l[line])
		}
		l[line] = strings.Replace(l[line], from, to, 1)
		return strings.Join(l, "\n")
	}
	cases := []struct {
		name, input, want string
	}{
		{"empty", "", "empty input"},
		{"not json", "hello\n", "line 1: study"},
		{"not an export", `{"kind":"trial"}`, "line 1: kind"},
		{"other schema", edit(0, `"schema":2`, `"schema":7`), "line 1: schema"},
		{"bad direction", edit(0, `"direction":"maximize"`, `"direction":"up"`), "line 1: direction"},
		{"truncated", strings.Join(good[:4], "\n"), "line 1: trials: header says 6 trials, found 3"},
		{"unknown field", edit(2, `"kind":"trial"`, `"kind":"trial","extra":1`), `line 3: trial: json: unknown field "extra"`},
		{"bad state", edit(1, `"state":"Complete"`, `"state":"Done"`), "line 2: state"},
		{"number gap", edit(3, `"number":2`, `"number":9`), "line 4: number: want 2"},
		{"bad float", edit(1, `"value":0.5`, `"value":"half"`), "line 2: trial"},
		{"bad distribution", edit(1, `"name":"LogUniformDistribution"`, `"name":"Nope"`), "line 2: params.lr.distribution"},
		{"param outside categorical", edit(1, `"internal":0,`, `"internal":7,`), "line 2: params.pos"},
		{"duplicate step", edit(1, `[5,0.3333333333333333]`, `[0,0.3333333333333333]`), "line 2: intermediate_values[1]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dst, _ := openTemp(t, Options{NoSync: true, NoSnapshot: true})
			_, err := dst.Import(strings.NewReader(tc.input), "")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if sums, _ := dst.GetAllStudySummaries(); len(sums) != 0 {
				t.Fatalf("failed import left %d studies", len(sums))
			}
		})
	}
}

// TestFloatJSON checks the exact JSON form of floats on its own.
func TestFloatJSON(t *testing.T) {
	for _, v := range []float64{0, math.Copysign(0, -1), 1e-310, math.MaxFloat64, math.NaN(), math.Inf(1), math.Inf(-1), math.Float64frombits(0xfff0000000000001), 0.1} {
		b, err := store.Float(v).MarshalJSON()
		must(t, err)
		var f store.Float
		must(t, f.UnmarshalJSON(b))
		if math.Float64bits(float64(f)) != math.Float64bits(v) {
			t.Errorf("%v -> %s -> %v", v, b, float64(f))
		}
	}
	var f store.Float
	for _, bad := range []string{`"NaN:0x0000000000000001"`, `"nan"`, `true`} {
		if f.UnmarshalJSON([]byte(bad)) == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
