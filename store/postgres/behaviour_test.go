package postgres

import (
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/store/record"
)

func TestSetTrialStateCompareAndSet(t *testing.T) {
	s, _ := openTest(t, Options{})
	study, err := s.CreateNewStudy("cas")
	must(t, err)
	for _, tc := range []struct {
		from, to goptuna.TrialState
		ok       bool
	}{
		{goptuna.TrialStateRunning, goptuna.TrialStateComplete, true},
		{goptuna.TrialStateRunning, goptuna.TrialStatePruned, true},
		{goptuna.TrialStateRunning, goptuna.TrialStateFail, true},
		{goptuna.TrialStateRunning, goptuna.TrialStateRunning, false},
		{goptuna.TrialStateRunning, goptuna.TrialStateWaiting, false},
		{goptuna.TrialStateWaiting, goptuna.TrialStateRunning, true},
		{goptuna.TrialStateWaiting, goptuna.TrialStateWaiting, false},
		{goptuna.TrialStateWaiting, goptuna.TrialStateComplete, true},
		{goptuna.TrialStateComplete, goptuna.TrialStateFail, false},
		{goptuna.TrialStatePruned, goptuna.TrialStateRunning, false},
		{goptuna.TrialStateFail, goptuna.TrialStateComplete, false},
	} {
		id, err := s.CloneTrial(study, goptuna.FrozenTrial{State: tc.from, DatetimeStart: time.Unix(5, 0)})
		must(t, err)
		err = s.SetTrialState(id, tc.to)
		if tc.ok && err != nil {
			t.Errorf("%v→%v: %v", tc.from, tc.to, err)
		}
		if !tc.ok && err != goptuna.ErrTrialCannotBeUpdated {
			t.Errorf("%v→%v: got %v, want bare goptuna.ErrTrialCannotBeUpdated", tc.from, tc.to, err)
		}
		ft, err := s.GetTrial(id)
		must(t, err)
		want := tc.from
		if tc.ok {
			want = tc.to
		}
		if ft.State != want {
			t.Errorf("%v→%v: state %v, want %v", tc.from, tc.to, ft.State, want)
		}
		if tc.ok && tc.to.IsFinished() && ft.DatetimeComplete.IsZero() {
			t.Errorf("%v→%v: no completion time", tc.from, tc.to)
		}
		if tc.ok && tc.to == goptuna.TrialStateRunning && !ft.DatetimeStart.After(time.Unix(5, 0)) {
			t.Errorf("%v→%v: start time not reset: %v", tc.from, tc.to, ft.DatetimeStart)
		}
	}
	// Every write to a finished trial is refused, unwrapped.
	id, err := s.CreateNewTrial(study)
	must(t, err)
	must(t, s.SetTrialState(id, goptuna.TrialStateComplete))
	for name, err := range map[string]error{
		"value":        s.SetTrialValue(id, 1),
		"intermediate": s.SetTrialIntermediateValue(id, 1, 1),
		"param":        s.SetTrialParam(id, "x", 0.5, goptuna.UniformDistribution{Low: 0, High: 1}),
		"user attr":    s.SetTrialUserAttr(id, "k", "v"),
		"system attr":  s.SetTrialSystemAttr(id, "k", "v"),
		"heartbeat":    s.Heartbeat(id),
	} {
		if err != goptuna.ErrTrialCannotBeUpdated {
			t.Errorf("%s on a finished trial: got %v, want bare goptuna.ErrTrialCannotBeUpdated", name, err)
		}
	}
	// Unknown IDs.
	for name, err := range map[string]error{
		"state":   s.SetTrialState(1<<40, goptuna.TrialStateComplete),
		"value":   s.SetTrialValue(1<<40, 1),
		"get":     func() error { _, err := s.GetTrial(1 << 40); return err }(),
		"number":  func() error { _, err := s.GetTrialNumberFromID(1 << 40); return err }(),
		"trials":  func() error { _, err := s.GetAllTrials(1 << 40); return err }(),
		"create":  func() error { _, err := s.CreateNewTrial(1 << 40); return err }(),
		"attrs":   s.SetStudyUserAttr(1<<40, "k", "v"),
		"best":    func() error { _, err := s.GetBestTrial(1 << 40); return err }(),
		"pop":     func() error { _, _, err := s.PopWaitingTrial(1 << 40); return err }(),
		"recover": func() error { _, err := s.RecoverStale(1<<40, 0); return err }(),
	} {
		if !errors.Is(err, goptuna.ErrInvalidTrialID) && !errors.Is(err, goptuna.ErrInvalidStudyID) {
			t.Errorf("%s with an unknown ID: got %v", name, err)
		}
	}
}

// odd is a set of values that must survive storage bit for bit.
var odd = []float64{math.NaN(), math.Float64frombits(0x7ff0000000000abc), math.Float64frombits(0xfff8000000000001),
	math.Inf(1), math.Inf(-1), math.Copysign(0, -1), math.SmallestNonzeroFloat64, math.MaxFloat64, 1.0 / 3}

func TestLosslessValues(t *testing.T) {
	s, u := openTest(t, Options{})
	study, err := s.CreateNewStudy("odd\x00name ✓ \xff")
	must(t, err)
	var ids []int
	for i, v := range odd {
		id, err := s.CreateNewTrial(study)
		must(t, err)
		ids = append(ids, id)
		must(t, s.SetTrialValue(id, v))
		for j, w := range odd {
			must(t, s.SetTrialIntermediateValue(id, j-3, w))
		}
		must(t, s.SetTrialParam(id, "u\x00", v, goptuna.UniformDistribution{Low: -math.MaxFloat64, High: math.MaxFloat64}))
		must(t, s.SetTrialParam(id, "cat", float64(i%3), goptuna.CategoricalDistribution{Choices: []string{"a", "b\x00", "ünï"}}))
		must(t, s.SetTrialUserAttr(id, "k\x00\xfe", "v\x00\xff"))
		must(t, s.SetTrialSystemAttr(id, "", ""))
	}
	must(t, s.SetStudyUserAttr(study, "\x00", "\xff\x00"))
	// Read through a second Store (no cache shared) and through the first one's cache.
	s2 := openURL(t, u, Options{})
	for _, st := range []*Store{s, s2} {
		id, err := st.GetStudyIDFromName("odd\x00name ✓ \xff")
		must(t, err)
		all, err := st.GetAllTrials(id)
		must(t, err)
		if len(all) != len(odd) {
			t.Fatalf("%d trials, want %d", len(all), len(odd))
		}
		for i, ft := range all {
			if math.Float64bits(ft.Value) != math.Float64bits(odd[i]) {
				t.Errorf("trial %d value %x, want %x", i, math.Float64bits(ft.Value), math.Float64bits(odd[i]))
			}
			for j, w := range odd {
				if got := ft.IntermediateValues[j-3]; math.Float64bits(got) != math.Float64bits(w) {
					t.Errorf("trial %d step %d: %x, want %x", i, j-3, math.Float64bits(got), math.Float64bits(w))
				}
			}
			if got := ft.InternalParams["u\x00"]; math.Float64bits(got) != math.Float64bits(odd[i]) {
				t.Errorf("trial %d param: %x, want %x", i, math.Float64bits(got), math.Float64bits(odd[i]))
			}
			if got := ft.Params["cat"]; got != []string{"a", "b\x00", "ünï"}[i%3] {
				t.Errorf("trial %d cat = %q", i, got)
			}
			if ft.UserAttrs["k\x00\xfe"] != "v\x00\xff" || len(ft.SystemAttrs) != 1 {
				t.Errorf("trial %d attrs %q %q", i, ft.UserAttrs, ft.SystemAttrs)
			}
		}
		ua, err := st.GetStudyUserAttrs(id)
		must(t, err)
		if !reflect.DeepEqual(ua, map[string]string{"\x00": "\xff\x00"}) {
			t.Errorf("study attrs %q", ua)
		}
	}
}

func TestReturnedValuesAreDeepCopies(t *testing.T) {
	s, _ := openTest(t, Options{})
	study, err := s.CreateNewStudy("copies")
	must(t, err)
	id, err := s.CreateNewTrial(study)
	must(t, err)
	must(t, s.SetTrialParam(id, "c", 1, goptuna.CategoricalDistribution{Choices: []string{"x", "y"}}))
	must(t, s.SetTrialUserAttr(id, "k", "v"))
	for i := 0; i < 2; i++ {
		all, err := s.GetAllTrials(study)
		must(t, err)
		all[0].UserAttrs["k"] = "changed"
		all[0].Distributions["c"].(goptuna.CategoricalDistribution).Choices[0] = "changed"
		all[0].IntermediateValues[7] = 7
	}
	ft, err := s.GetTrial(id)
	must(t, err)
	all, err := s.GetAllTrials(study)
	must(t, err)
	for _, got := range []goptuna.FrozenTrial{ft, all[0]} {
		if got.UserAttrs["k"] != "v" || got.Distributions["c"].(goptuna.CategoricalDistribution).Choices[0] != "x" || len(got.IntermediateValues) != 0 {
			t.Errorf("a caller's change leaked into the store: %+v", got)
		}
	}
}

func TestStudies(t *testing.T) {
	s, _ := openTest(t, Options{})
	a, err := s.CreateNewStudy("a")
	must(t, err)
	if _, err := s.CreateNewStudy("a"); !errors.Is(err, store.ErrStudyExists) {
		t.Errorf("duplicate name: %v", err)
	}
	anon, err := s.CreateNewStudy("")
	must(t, err)
	name, err := s.GetStudyNameFromID(anon)
	must(t, err)
	if len(name) <= len(goptuna.DefaultStudyNamePrefix) {
		t.Errorf("generated name %q", name)
	}
	if _, err := s.GetStudyIDFromName("missing"); !errors.Is(err, store.ErrStudyNotFound) {
		t.Errorf("missing study: %v", err)
	}
	must(t, s.SetStudyDirection(a, goptuna.StudyDirectionMaximize))
	if d, _ := s.GetStudyDirection(a); d != goptuna.StudyDirectionMaximize {
		t.Errorf("direction %v", d)
	}
	if err := s.SetStudyDirection(a, "sideways"); err == nil {
		t.Error("unknown direction accepted")
	}
	must(t, s.SetStudySystemAttr(a, "k", "1"))
	must(t, s.SetStudySystemAttr(a, "k", "2"))
	sys, err := s.GetStudySystemAttrs(a)
	must(t, err)
	if !reflect.DeepEqual(sys, map[string]string{"k": "2"}) {
		t.Errorf("system attrs %v", sys)
	}
	for i, v := range []float64{3, math.NaN(), 7, 7, 1} {
		id, err := s.CreateNewTrial(a)
		must(t, err)
		must(t, s.SetTrialValue(id, v))
		st := goptuna.TrialStateComplete
		if i == 4 {
			st = goptuna.TrialStatePruned // a better value, but not complete
			must(t, s.SetTrialValue(id, 100))
		}
		must(t, s.SetTrialState(id, st))
	}
	best, err := s.GetBestTrial(a)
	must(t, err)
	if best.Number != 2 || best.Value != 7 {
		t.Errorf("best trial %d value %v, want 2 and 7 (lowest number on ties, NaN ignored)", best.Number, best.Value)
	}
	if _, err := s.GetBestTrial(anon); err != goptuna.ErrNoCompletedTrials {
		t.Errorf("best of an empty study: %v", err)
	}
	sums, err := s.GetAllStudySummaries()
	must(t, err)
	if len(sums) != 2 || sums[0].ID != a || sums[0].BestTrial.Number != 2 || sums[0].SystemAttrs["k"] != "2" || sums[0].DatetimeStart.IsZero() || sums[1].ID != anon {
		t.Errorf("summaries %+v", sums)
	}
	trialID := best.ID
	if sid, err := s.GetStudyIDFromTrialID(trialID); err != nil || sid != a {
		t.Errorf("study of trial: %d, %v", sid, err)
	}
	must(t, s.DeleteStudy(a))
	if _, err := s.GetTrial(trialID); !errors.Is(err, goptuna.ErrInvalidTrialID) {
		t.Errorf("trial of a deleted study: %v", err)
	}
	if _, err := s.GetAllTrials(a); !errors.Is(err, goptuna.ErrInvalidStudyID) {
		t.Errorf("trials of a deleted study: %v", err)
	}
	if err := s.DeleteStudy(a); !errors.Is(err, goptuna.ErrInvalidStudyID) {
		t.Errorf("second delete: %v", err)
	}
}

func TestParamsAndSteps(t *testing.T) {
	s, _ := openTest(t, Options{})
	study, err := s.CreateNewStudy("p")
	must(t, err)
	id, err := s.CreateNewTrial(study)
	must(t, err)
	if err := s.SetTrialParam(id, "c", 5, goptuna.CategoricalDistribution{Choices: []string{"a"}}); err == nil {
		t.Error("categorical index out of range accepted")
	}
	if err := s.SetTrialParam(id, "x", 1, struct{}{}); err == nil {
		t.Error("unknown distribution accepted")
	}
	must(t, s.SetTrialParam(id, "x", 0.25, goptuna.UniformDistribution{Low: 0, High: 1}))
	must(t, s.SetTrialParam(id, "x", 0.5, goptuna.UniformDistribution{Low: 0, High: 2}))
	if v, err := s.GetTrialParam(id, "x"); err != nil || v != 0.5 {
		t.Errorf("param %v %v", v, err)
	}
	if _, err := s.GetTrialParam(id, "y"); !errors.Is(err, store.ErrParamNotFound) {
		t.Errorf("missing param: %v", err)
	}
	must(t, s.SetTrialIntermediateValue(id, 3, 1))
	if err := s.SetTrialIntermediateValue(id, 3, 2); !errors.Is(err, store.ErrDuplicateStep) {
		t.Errorf("duplicate step: %v", err)
	}
	params, err := s.GetTrialParams(id)
	must(t, err)
	if !reflect.DeepEqual(params, map[string]interface{}{"x": 0.5}) {
		t.Errorf("params %v", params)
	}
}

func TestHeartbeatAndRecovery(t *testing.T) {
	clock := time.Unix(1000, 0)
	s, _ := openTest(t, Options{Clock: func() time.Time { return clock }})
	study, err := s.CreateNewStudy("hb")
	must(t, err)
	dist := goptuna.UniformDistribution{Low: 0, High: 1}
	a, err := s.CreateNewTrial(study) // will go stale
	must(t, err)
	must(t, s.SetTrialParam(a, "x", 0.25, dist))
	b, err := s.CreateNewTrial(study) // keeps beating
	must(t, err)
	done, err := s.CreateNewTrial(study)
	must(t, err)
	must(t, s.SetTrialState(done, goptuna.TrialStateComplete))
	clock = clock.Add(time.Minute)
	must(t, s.Heartbeat(b))
	if hb, err := s.TrialHeartbeat(b); err != nil || !hb.Equal(clock) {
		t.Errorf("heartbeat %v %v, want %v", hb, err, clock)
	}
	stale, err := s.StaleTrials(study, 30*time.Second)
	must(t, err)
	if len(stale) != 1 || stale[0].ID != a || !stale[0].Heartbeat.Equal(time.Unix(1000, 0)) {
		t.Fatalf("stale %+v", stale)
	}
	running, err := s.RunningTrials(study)
	must(t, err)
	if len(running) != 2 {
		t.Errorf("running %d", len(running))
	}
	must(t, s.SetTrialSystemAttr(a, record.SysSeed, "7"))
	failed, err := s.RecoverStale(study, 30*time.Second)
	must(t, err)
	if len(failed) != 1 || failed[0].ID != a || failed[0].State != goptuna.TrialStateFail || failed[0].SystemAttrs[record.SysFailReason] != record.ReasonStale {
		t.Fatalf("recovered %+v", failed)
	}
	if err := s.SetTrialValue(a, 1); err != goptuna.ErrTrialCannotBeUpdated {
		t.Errorf("the dead worker's late write: %v", err)
	}
	n, err := s.Requeue(study)
	must(t, err)
	if n != 1 {
		t.Fatalf("Requeue enqueued %d, want 1", n)
	}
	if n, _ := s.Requeue(study); n != 0 {
		t.Errorf("second Requeue enqueued %d", n)
	}
	id, ok, err := s.PopWaitingTrial(study)
	must(t, err)
	if !ok {
		t.Fatal("nothing to pop")
	}
	w, err := s.GetTrial(id)
	must(t, err)
	if w.State != goptuna.TrialStateRunning || w.SystemAttrs[record.SysFixedParams] != `{"x":0.25}` || w.SystemAttrs[record.SysRetryOf] != "0" || w.SystemAttrs[record.SysSeed] != "7" {
		t.Errorf("retry %+v", w)
	}
	if _, ok, err := s.PopWaitingTrial(study); ok || err != nil {
		t.Errorf("second pop: %v %v", ok, err)
	}
	// The retry's worker dies too: failed, and marked not to be retried again.
	clock = clock.Add(time.Hour)
	must(t, s.Heartbeat(b))
	failed, err = s.RecoverStale(study, 30*time.Second)
	must(t, err)
	if len(failed) != 1 || failed[0].ID != id || failed[0].SystemAttrs[record.SysNotRequeued] != record.NotRequeuedTwice {
		t.Errorf("second recovery %+v", failed)
	}
	if n, _ := s.Requeue(study); n != 0 {
		t.Errorf("a retry that died again was requeued")
	}
	rec, err := s.RecoveredTrials(study)
	must(t, err)
	if len(rec) != 2 {
		t.Errorf("recovered trials %d", len(rec))
	}
	// grace <= 0 takes every RUNNING trial.
	failed, err = s.RecoverStale(study, 0)
	must(t, err)
	if len(failed) != 1 || failed[0].ID != b {
		t.Errorf("recover all: %+v", failed)
	}
}

func TestUseAfterClose(t *testing.T) {
	s, _ := openTest(t, Options{})
	study, err := s.CreateNewStudy("c")
	must(t, err)
	s.Close()
	if _, err := s.CreateNewTrial(study); !errors.Is(err, store.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}
