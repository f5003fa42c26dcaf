package postgres

import (
	"errors"
	"math"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store"
)

// TestRefusedWrites checks what the conformance suite leaves out: every kind of write to a
// finished trial is refused with the bare goptuna error, and unknown IDs name goptuna's errors.
func TestRefusedWrites(t *testing.T) {
	s, _, study := openStudy(t, "refused")
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
	s, u, study := openStudy(t, "odd\x00name ✓ \xff")
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

func TestParamsAndSteps(t *testing.T) {
	s, _, study := openStudy(t, "p")
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
	if n, _ := s.Requeue(study); n != 0 {
		t.Errorf("Requeue after recovery enqueued %d; recovery enqueues the retry itself", n)
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
	// The retry's worker dies too: failed, and retried again with the same point and seed.
	clock = clock.Add(time.Hour)
	must(t, s.Heartbeat(b))
	failed, err = s.RecoverStale(study, 30*time.Second)
	must(t, err)
	if len(failed) != 1 || failed[0].ID != id || !record.Retried(failed[0]) {
		t.Errorf("second recovery %+v", failed)
	}
	again, ok, err := s.PopWaitingTrial(study)
	must(t, err)
	if w, _ := s.GetTrial(again); !ok || w.SystemAttrs[record.SysFixedParams] != `{"x":0.25}` || w.SystemAttrs[record.SysRetryOf] != strconv.Itoa(failed[0].Number) || w.SystemAttrs[record.SysSeed] != "7" {
		t.Errorf("retry of the retry %+v", w)
	}
	rec, err := s.RecoveredTrials(study)
	must(t, err)
	if len(rec) != 2 {
		t.Errorf("recovered trials %d", len(rec))
	}
	// grace <= 0 takes every RUNNING trial.
	failed, err = s.RecoverStale(study, 0)
	must(t, err)
	if len(failed) != 2 || failed[0].ID != b || failed[1].ID != again {
		t.Errorf("recover all: %+v", failed)
	}
}

func TestUseAfterClose(t *testing.T) {
	s, _, study := openStudy(t, "c")
	s.Close()
	if _, err := s.CreateNewTrial(study); !errors.Is(err, store.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}
