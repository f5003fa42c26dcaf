package bolt

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store"
	"github.com/c-bata/goptuna"
)

// TestExactRoundTripAcrossReopen stores awkward floats, times and strings, reopens the file and compares bits.
func TestExactRoundTripAcrossReopen(t *testing.T) {
	floats := []float64{0, math.Copysign(0, -1), math.NaN(), math.Float64frombits(0x7ff0000000000abc), math.Inf(1), math.Inf(-1),
		math.MaxFloat64, math.SmallestNonzeroFloat64, 1.0 / 3, -2.5e-300}
	s, path := openTemp(t, Options{NoSnapshot: true})
	study, err := s.CreateNewStudy("bits")
	must(t, err)
	zone := time.FixedZone("X", 5*3600+30*60)
	start := time.Date(2026, 11, 29, 1, 2, 3, 456789123, zone)
	var ids []int
	for i, f := range floats {
		id, err := s.CloneTrial(study, goptuna.FrozenTrial{
			State: goptuna.TrialStateRunning, DatetimeStart: start,
			IntermediateValues: map[int]float64{-1: f, 7: -f},
			UserAttrs:          map[string]string{"k\x00ey": "välue\n", "": ""},
		})
		must(t, err)
		must(t, s.SetTrialValue(id, f))
		must(t, s.SetTrialParam(id, "u", 0.125*float64(i), goptuna.UniformDistribution{Low: -1, High: 2}))
		ids = append(ids, id)
	}
	must(t, s.Close())
	r, err := Open(path, Options{ReadOnly: true})
	must(t, err)
	defer r.Close()
	for i, id := range ids {
		ft, err := r.GetTrial(id)
		must(t, err)
		f := floats[i]
		if math.Float64bits(ft.Value) != math.Float64bits(f) {
			t.Errorf("value %d: bits %x, want %x", i, math.Float64bits(ft.Value), math.Float64bits(f))
		}
		if math.Float64bits(ft.IntermediateValues[-1]) != math.Float64bits(f) || math.Float64bits(ft.IntermediateValues[7]) != math.Float64bits(-f) {
			t.Errorf("intermediate %d: %v", i, ft.IntermediateValues)
		}
		_, gotOff := ft.DatetimeStart.Zone()
		_, wantOff := start.Zone()
		if !ft.DatetimeStart.Equal(start) || gotOff != wantOff { // the instant and UTC offset are kept, not the zone's name
			t.Errorf("start %d: %v, want %v", i, ft.DatetimeStart, start)
		}
		if ft.UserAttrs["k\x00ey"] != "välue\n" || len(ft.UserAttrs) != 2 {
			t.Errorf("user attrs %d: %q", i, ft.UserAttrs)
		}
		if ft.Params["u"] != 0.125*float64(i) {
			t.Errorf("param %d: %v", i, ft.Params["u"])
		}
	}
	if _, err := r.CreateNewTrial(study); !errors.Is(err, store.ErrReadOnly) {
		t.Fatalf("write on a read-only store: err = %v, want store.ErrReadOnly", err)
	}
}

// TestHeartbeatAndRecovery drives heartbeats with a controlled clock through staleness, recovery and requeue.
func TestHeartbeatAndRecovery(t *testing.T) {
	clk := &fixedClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s, _ := openTemp(t, Options{NoSync: true, NoSnapshot: true, Clock: clk.now})
	study, _ := s.CreateNewStudy("hb")
	alive, _ := s.CreateNewTrial(study)
	dead, _ := s.CreateNewTrial(study)
	must(t, s.SetTrialParam(dead, "heads", 2, goptuna.CategoricalDistribution{Choices: []string{"1", "2", "4", "8"}}))
	must(t, s.SetTrialParam(dead, "lr", 1e-3, goptuna.LogUniformDistribution{Low: 1e-5, High: 1e-1}))
	done, _ := s.CreateNewTrial(study)
	must(t, s.SetTrialState(done, goptuna.TrialStateComplete))

	clk.t = clk.t.Add(90 * time.Second)
	must(t, s.Heartbeat(alive))
	if err := s.Heartbeat(done); err != goptuna.ErrTrialCannotBeUpdated {
		t.Fatalf("heartbeat of a finished trial: %v", err)
	}
	clk.t = clk.t.Add(30 * time.Second)

	stale, err := s.StaleTrials(study, time.Minute)
	must(t, err)
	if len(stale) != 1 || stale[0].ID != dead || !stale[0].Heartbeat.Equal(clk.t.Add(-120*time.Second)) {
		t.Fatalf("StaleTrials = %+v, want only trial %d", stale, dead)
	}
	running, _ := s.RunningTrials(study)
	if len(running) != 2 {
		t.Fatalf("RunningTrials = %d, want 2", len(running))
	}

	failed, err := s.RecoverStale(study, time.Minute)
	must(t, err)
	all, _ := s.GetAllTrials(study)
	if len(failed) != 1 || failed[0].ID != dead || failed[0].State != goptuna.TrialStateFail ||
		failed[0].SystemAttrs[record.SysFailReason] != record.ReasonStale || all[len(all)-1].State != goptuna.TrialStateWaiting {
		t.Fatalf("recovered %+v, last trial %+v (want its waiting retry)", failed, all[len(all)-1])
	}
	if n, err := s.Requeue(study); err != nil || n != 0 {
		t.Fatalf("Requeue after recovery: %d, %v", n, err)
	}
	requeued := []int{all[len(all)-1].ID}
	if again, _ := s.RecoverStale(study, time.Minute); len(again) != 0 {
		t.Fatalf("second recovery found %d trials", len(again))
	}
	rec, _ := s.RecoveredTrials(study)
	if len(rec) != 1 || rec[0].ID != dead {
		t.Fatalf("RecoveredTrials = %+v", rec)
	}
	w, err := s.GetTrial(requeued[0])
	must(t, err)
	var fixed map[string]float64
	must(t, json.Unmarshal([]byte(w.SystemAttrs[record.SysFixedParams]), &fixed))
	if w.State != goptuna.TrialStateWaiting || w.SystemAttrs[record.SysRetryOf] != "1" || !reflect.DeepEqual(fixed, map[string]float64{"heads": 2, "lr": 1e-3}) {
		t.Fatalf("requeued trial %+v", w)
	}

	// goptuna's own loop takes the requeued trial and its suggest calls return the fixed values.
	studyObj, err := goptuna.LoadStudy("hb", goptuna.StudyOptionStorage(s), goptuna.StudyOptionLogger(nil))
	must(t, err)
	must(t, studyObj.Optimize(func(tr goptuna.Trial) (float64, error) {
		h, err := tr.SuggestCategorical("heads", []string{"1", "2", "4", "8"})
		if err != nil {
			return 0, err
		}
		lr, err := tr.SuggestLogFloat("lr", 1e-5, 1e-1)
		if h != "4" || lr != 1e-3 {
			t.Errorf("requeued trial sampled heads=%s lr=%v", h, lr)
		}
		return lr, err
	}, 1))
	if w, _ := s.GetTrial(requeued[0]); w.State != goptuna.TrialStateComplete {
		t.Fatalf("requeued trial state %v", w.State)
	}

	// A retry that fails as interrupted is requeued again, and PopWaitingTrial claims it once.
	retry, err := s.CreateNewTrial(study)
	must(t, err)
	must(t, s.SetTrialSystemAttr(retry, record.SysRetry, "1"))
	must(t, s.SetTrialState(retry, goptuna.TrialStateFail))
	if n, err := s.Requeue(study); err != nil || n != 1 {
		t.Fatalf("Requeue of an interrupted trial: %d, %v", n, err)
	}
	all, _ = s.GetAllTrials(study)
	id := all[len(all)-1].ID
	got, ok, err := s.PopWaitingTrial(study)
	must(t, err)
	if !ok || got != id {
		t.Fatalf("PopWaitingTrial = %d %v, want %d", got, ok, id)
	}
	if _, ok, _ := s.PopWaitingTrial(study); ok {
		t.Fatal("PopWaitingTrial took a trial twice")
	}
}

// TestUseAfterClose checks that calls on a closed store fail with store.ErrClosed instead of panicking.
func TestUseAfterClose(t *testing.T) {
	s, err := Open(t.TempDir()+"/c.db", Options{NoSync: true})
	must(t, err)
	study, _ := s.CreateNewStudy("c")
	must(t, s.Close())
	must(t, s.Close()) // idempotent
	if _, err := s.CreateNewTrial(study); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("write after Close: %v", err)
	}
	if _, err := s.GetAllTrials(study); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("read after Close: %v", err)
	}
}

// TestRecoveryAtOpen checks the automatic recovery of a writer's Open: every RUNNING trial is failed as
// stale and requeued once, a requeued trial whose worker died again too; without RecoverOnOpen nothing changes.
func TestRecoveryAtOpen(t *testing.T) {
	path := t.TempDir() + "/r.db"
	s, err := Open(path, Options{NoSync: true})
	must(t, err)
	study, _ := s.CreateNewStudy("r")
	// Trial 0 died earlier (failed as stale); trial 2 retries it and dies too.
	_, _ = s.CloneTrial(study, goptuna.FrozenTrial{State: goptuna.TrialStateFail, DatetimeStart: time.Now(),
		SystemAttrs: map[string]string{record.SysFailReason: record.ReasonStale}})
	first, _ := s.CreateNewTrial(study)
	must(t, s.SetTrialParam(first, "x", 0.5, goptuna.UniformDistribution{Low: 0, High: 1}))
	again, _ := s.CloneTrial(study, goptuna.FrozenTrial{State: goptuna.TrialStateRunning, DatetimeStart: time.Now(),
		SystemAttrs: map[string]string{record.SysRetryOf: "0", record.SysFixedParams: `{"x":0.25}`}})
	done, _ := s.CreateNewTrial(study)
	must(t, s.SetTrialState(done, goptuna.TrialStateComplete))
	must(t, s.Close())

	n, err := Open(path, Options{NoSync: true})
	must(t, err)
	if running, _ := n.RunningTrials(study); len(running) != 2 || n.RecoveredAtOpen() != nil {
		t.Fatalf("default Open: %d running, recovered %v", len(running), n.RecoveredAtOpen())
	}
	must(t, n.Close())

	s, err = Open(path, Options{NoSync: true, RecoverOnOpen: true})
	must(t, err)
	defer s.Close()
	rec := s.RecoveredAtOpen()
	if len(rec) != 2 || rec[0].Trial.ID != first || rec[0].RequeuedAs < 0 || rec[1].Trial.ID != again || rec[1].RequeuedAs < 0 {
		t.Fatalf("RecoveredAtOpen = %+v", rec)
	}
	for i, fixed := range []string{`{"x":0.5}`, `{"x":0.25}`} {
		w, err := s.GetTrial(rec[i].RequeuedAs)
		must(t, err)
		if w.State != goptuna.TrialStateWaiting || w.SystemAttrs[record.SysFixedParams] != fixed {
			t.Fatalf("retry of trial %d: %+v", rec[i].Trial.Number, w)
		}
	}
	if running, _ := s.RunningTrials(study); len(running) != 0 {
		t.Fatalf("%d trials still RUNNING", len(running))
	}
}
