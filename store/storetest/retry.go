package storetest

import (
	"encoding/json"
	"errors"
	"reflect"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store"
	"github.com/c-bata/goptuna"
)

// heartbeats checks Heartbeat, RunningTrials and RecoverStale's grace: a trial whose heartbeat is
// recent survives, one whose heartbeat is old is failed as stale, finished trials refuse heartbeats.
func heartbeats(t *testing.T, open Opener) {
	s := open(t, store.Hooks{})
	study, err := s.CreateNewStudy("hb")
	must(t, err)
	alive, _ := s.CreateNewTrial(study)
	dead, _ := s.CreateNewTrial(study)
	done, _ := s.CreateNewTrial(study)
	must(t, s.SetTrialState(done, goptuna.TrialStateComplete))
	if err := s.Heartbeat(done); !errors.Is(err, goptuna.ErrTrialCannotBeUpdated) {
		t.Fatalf("heartbeat of a finished trial: %v", err)
	}
	time.Sleep(600 * time.Millisecond)
	must(t, s.Heartbeat(alive))
	running, err := s.RunningTrials(study)
	must(t, err)
	if len(running) != 2 {
		t.Fatalf("RunningTrials = %d, want 2", len(running))
	}
	for _, r := range running {
		if r.ID == alive && time.Since(r.Heartbeat) > 400*time.Millisecond {
			t.Fatalf("heartbeat of trial %d is %v old after Heartbeat", r.ID, time.Since(r.Heartbeat))
		}
	}
	failed, err := s.RecoverStale(study, 300*time.Millisecond)
	must(t, err)
	if len(failed) != 1 || failed[0].ID != dead || failed[0].State != goptuna.TrialStateFail ||
		failed[0].SystemAttrs[record.SysFailReason] != record.ReasonStale {
		t.Fatalf("RecoverStale = %+v, want trial %d failed as stale", failed, dead)
	}
	if again, _ := s.RecoverStale(study, 300*time.Millisecond); len(again) != 0 {
		t.Fatalf("second recovery found %d trials", len(again))
	}
	rec, err := s.RecoveredTrials(study)
	must(t, err)
	if len(rec) != 1 || rec[0].ID != dead {
		t.Fatalf("RecoveredTrials = %+v", rec)
	}
	if ft, _ := s.GetTrial(alive); ft.State != goptuna.TrialStateRunning {
		t.Fatalf("live trial is %v", ft.State)
	}
}

// concurrently runs fn in n goroutines started together and returns their results.
func concurrently[T any](n int, fn func() (T, error)) ([]T, []error) {
	out, errs := make([]T, n), make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			out[i], errs[i] = fn()
		}(i)
	}
	close(start)
	wg.Wait()
	return out, errs
}

// created calls create n times and returns the IDs it made.
func created(t *testing.T, n int, create func(i int) (int, error)) map[int]bool {
	t.Helper()
	ids := map[int]bool{}
	for i := 0; i < n; i++ {
		id, err := create(i)
		must(t, err)
		ids[id] = true
	}
	return ids
}

// onceEach fails the test unless the concurrent callers' results (errs, and got: ID → times
// returned) hold every ID of want exactly once and nothing else.
func onceEach(t *testing.T, what string, want map[int]bool, got map[int]int, errs []error) {
	t.Helper()
	for _, err := range errs {
		must(t, err)
	}
	if len(got) != len(want) {
		t.Fatalf("%s %d distinct trials, want %d", what, len(got), len(want))
	}
	for id, n := range got {
		if n != 1 || !want[id] {
			t.Fatalf("trial %d %s %d times (expected: %v)", id, what, n, want[id])
		}
	}
}

// recoverStaleOnce checks that concurrent RecoverStale calls fail each stale trial exactly once.
func recoverStaleOnce(t *testing.T, open Opener) {
	s := open(t, store.Hooks{})
	study, err := s.CreateNewStudy("stale")
	must(t, err)
	want := created(t, 6, func(int) (int, error) { return s.CreateNewTrial(study) })
	res, errs := concurrently(8, func() ([]goptuna.FrozenTrial, error) { return s.RecoverStale(study, 0) })
	got := map[int]int{}
	for _, fts := range res {
		for _, ft := range fts {
			got[ft.ID]++
		}
	}
	onceEach(t, "recovered", want, got, errs)
	retries := waitingRetries(t, s, study)
	for id := range want {
		ft, err := s.GetTrial(id)
		must(t, err)
		if len(retries[ft.Number]) != 1 {
			t.Fatalf("trial %d recovered by concurrent callers has %d waiting retries, want 1", ft.Number, len(retries[ft.Number]))
		}
	}
	if n, err := s.Requeue(study); err != nil || n != 0 {
		t.Fatalf("Requeue after recovery enqueued %d, %v; recovery enqueues its own retries", n, err)
	}
}

// waitingRetries maps each trial number to the WAITING trials that retry it.
func waitingRetries(t *testing.T, s store.DB, study int) map[int][]goptuna.FrozenTrial {
	t.Helper()
	all, err := s.GetAllTrials(study)
	must(t, err)
	out := map[int][]goptuna.FrozenTrial{}
	for _, ft := range all {
		if of, ok, err := record.RetryOf(ft); err != nil {
			t.Fatal(err)
		} else if ok && ft.State == goptuna.TrialStateWaiting {
			out[of] = append(out[of], ft)
		}
	}
	return out
}

// requeueOnce checks Requeue: each interrupted or stale FAIL gets exactly one WAITING retry under
// concurrent callers, carrying its point, seed and ordinal; other FAIL trials get none.
func requeueOnce(t *testing.T, open Opener) {
	s := open(t, store.Hooks{})
	study, err := s.CreateNewStudy("requeue")
	must(t, err)
	dist := goptuna.UniformDistribution{Low: 0, High: 1}
	retriable := map[string]float64{}
	for i := 0; i < 5; i++ {
		id, err := s.CreateNewTrial(study)
		must(t, err)
		x := float64(i) / 10
		must(t, s.SetTrialParam(id, "x", x, dist))
		must(t, s.SetTrialSystemAttr(id, record.SysSeed, strconv.Itoa(100+i)))
		must(t, s.SetTrialSystemAttr(id, record.SysOrdinal, strconv.Itoa(i)))
		switch i {
		case 0, 1, 2: // interrupted
			must(t, s.SetTrialSystemAttr(id, record.SysRetry, "1"))
			must(t, s.SetTrialState(id, goptuna.TrialStateFail))
			retriable[strconv.Itoa(i)] = x
		case 3: // a plain failure is not retried
			must(t, s.SetTrialState(id, goptuna.TrialStateFail))
		case 4: // stale, left without a retry as older builds' two-step recovery could leave it
			must(t, s.SetTrialSystemAttr(id, record.SysFailReason, record.ReasonStale))
			must(t, s.SetTrialState(id, goptuna.TrialStateFail))
			retriable[strconv.Itoa(i)] = x
		}
	}
	ns, errs := concurrently(8, func() (int, error) { return s.Requeue(study) })
	total := 0
	for i := range ns {
		must(t, errs[i])
		total += ns[i]
	}
	if total != len(retriable) {
		t.Fatalf("Requeue enqueued %d retries in all, want %d", total, len(retriable))
	}
	all, err := s.GetAllTrials(study)
	must(t, err)
	seen := map[string]bool{}
	for _, ft := range all {
		if ft.State != goptuna.TrialStateWaiting {
			continue
		}
		of := ft.SystemAttrs[record.SysRetryOf]
		x, ok := retriable[of]
		if !ok || seen[of] {
			t.Fatalf("waiting trial %d retries %q (retriable: %v, seen %v)", ft.Number, of, ok, seen[of])
		}
		seen[of] = true
		var fixed map[string]float64
		must(t, json.Unmarshal([]byte(ft.SystemAttrs[record.SysFixedParams]), &fixed))
		n, _ := strconv.Atoi(of)
		if !reflect.DeepEqual(fixed, map[string]float64{"x": x}) || ft.SystemAttrs[record.SysSeed] != strconv.Itoa(100+n) ||
			ft.SystemAttrs[record.SysOrdinal] != of {
			t.Fatalf("retry of trial %s: fixed %v, system attrs %v", of, fixed, ft.SystemAttrs)
		}
	}
	if n, err := s.Requeue(study); err != nil || n != 0 {
		t.Fatalf("Requeue again: %d, %v", n, err)
	}
}

// popWaitingTrialOnce checks that concurrent PopWaitingTrial calls claim each WAITING trial exactly
// once, lowest number first, and make it RUNNING.
func popWaitingTrialOnce(t *testing.T, open Opener) {
	s := open(t, store.Hooks{})
	study, err := s.CreateNewStudy("pop")
	must(t, err)
	want := created(t, 12, func(i int) (int, error) {
		return s.CloneTrial(study, goptuna.FrozenTrial{State: goptuna.TrialStateWaiting, DatetimeStart: time.Now(),
			SystemAttrs: map[string]string{record.SysFixedParams: `{"x":` + strconv.Itoa(i) + `}`}})
	})
	claims, errs := concurrently(8, func() ([]int, error) {
		var mine []int
		for {
			id, ok, err := s.PopWaitingTrial(study)
			if err != nil || !ok {
				return mine, err
			}
			mine = append(mine, id)
		}
	})
	got := map[int]int{}
	for i, ids := range claims {
		if !sort.IntsAreSorted(ids) {
			t.Errorf("worker %d claimed out of order: %v", i, ids)
		}
		for _, id := range ids {
			got[id]++
		}
	}
	onceEach(t, "claimed", want, got, errs)
	for id := range got {
		if ft, err := s.GetTrial(id); err != nil || ft.State != goptuna.TrialStateRunning {
			t.Fatalf("claimed trial %d: state %v, %v", id, ft.State, err)
		}
	}
	if _, ok, err := s.PopWaitingTrial(study); ok || err != nil {
		t.Fatalf("PopWaitingTrial on an empty queue: %v, %v", ok, err)
	}
}

// popWaitingTrialInterleaved checks that PopWaitingTrial claims the lowest-numbered WAITING trial
// when trials are enqueued (CloneTrial, RecoverStale's retries) between claims, behind running
// and finished trials, in several studies: a storage that remembers where its last scan found no
// waiting trial must still find the ones created since.
func popWaitingTrialInterleaved(t *testing.T, open Opener) {
	s := open(t, store.Hooks{})
	var ids [2]int // the study under test, and another one whose waiting trial it must not claim
	for i, name := range []string{"pop", "other"} {
		id, err := s.CreateNewStudy(name)
		must(t, err)
		ids[i] = id
	}
	study, other := ids[0], ids[1]
	enqueue := func(sid int) {
		_, err := s.CloneTrial(sid, goptuna.FrozenTrial{State: goptuna.TrialStateWaiting, DatetimeStart: time.Now(),
			SystemAttrs: map[string]string{record.SysFixedParams: `{"x":1}`}})
		must(t, err)
	}
	pop := func(step string, sid, want int) { // want: the claimed trial's number, -1 none
		t.Helper()
		id, ok, err := s.PopWaitingTrial(sid)
		must(t, err)
		got := -1
		if ok {
			if got, err = s.GetTrialNumberFromID(id); err != nil {
				t.Fatal(err)
			}
		}
		if got != want {
			t.Fatalf("%s: claimed trial number %d, want %d (-1: none)", step, got, want)
		}
	}
	pop("empty study", study, -1)
	for i := 0; i < 3; i++ { // 0, 1, 2 running
		_, err := s.CreateNewTrial(study)
		must(t, err)
	}
	pop("only running trials", study, -1)
	enqueue(other)
	pop("a waiting trial of another study", study, -1)
	enqueue(study) // 3
	pop("enqueued after an empty claim", study, 3)
	enqueue(study)                     // 4
	enqueue(study)                     // 5
	id, err := s.CreateNewTrial(study) // 6 running
	must(t, err)
	must(t, s.SetTrialState(id, goptuna.TrialStateComplete))
	enqueue(study) // 7
	pop("lowest of three", study, 4)
	stale, err := s.RecoverStale(study, 0) // fails 0, 1, 2, 3 and 4; retries 8 to 12
	must(t, err)
	if len(stale) != 5 {
		t.Fatalf("recovered %d trials, want 5", len(stale))
	}
	for _, want := range []int{5, 7, 8, 9, 10, 11, 12, -1} {
		pop("after recovery", study, want)
	}
	enqueue(study) // 13
	pop("enqueued after the queue emptied", study, 13)
	pop("the other study", other, 0)
	pop("the other study, emptied", other, -1)
}

// pointOf is what a retry must keep of the trial it repeats: its fixed parameters, trainer seed
// and sampling ordinal.
type pointOf struct {
	fixed         string
	seed, ordinal string
}

// keptPoint returns what ft carries of its point (a WAITING retry's fixed params; a trial that has
// run, its own parameters).
func keptPoint(t *testing.T, ft goptuna.FrozenTrial) pointOf {
	t.Helper()
	fixed := map[string]float64{}
	if js, ok := ft.SystemAttrs[record.SysFixedParams]; ok {
		must(t, json.Unmarshal([]byte(js), &fixed))
	}
	for k, v := range ft.InternalParams {
		fixed[k] = v
	}
	js, err := json.Marshal(fixed)
	must(t, err)
	return pointOf{fixed: string(js), seed: ft.SystemAttrs[record.SysSeed], ordinal: ft.SystemAttrs[record.SysOrdinal]}
}

// retryChain kills one point's attempt after attempt (a worker claims the retry, sets nothing or
// everything, and dies) and checks that RecoverStale alone retries it every time with the same
// point, seed and ordinal, that each retry names the attempt it repeats, and that once an attempt
// completes nothing is retried any more.
func retryChain(t *testing.T, open Opener) {
	s := open(t, store.Hooks{})
	study, err := s.CreateNewStudy("chain")
	must(t, err)
	dist := goptuna.UniformDistribution{Low: 0, High: 1}
	id, err := s.CreateNewTrial(study)
	must(t, err)
	must(t, s.SetTrialParam(id, "x", 0.25, dist))
	must(t, s.SetTrialSystemAttr(id, record.SysSeed, "77"))
	must(t, s.SetTrialSystemAttr(id, record.SysOrdinal, "0"))
	first, err := s.GetTrial(id)
	must(t, err)
	want := keptPoint(t, first)
	prev := first.Number
	const deaths = 5
	for k := 0; k < deaths; k++ {
		failed, err := s.RecoverStale(study, 0)
		must(t, err)
		if len(failed) != 1 || failed[0].ID != id || !record.Retried(failed[0]) {
			t.Fatalf("death %d: RecoverStale = %+v, want trial %d failed and retried", k, failed, id)
		}
		retries := waitingRetries(t, s, study)
		if len(retries) != 1 || len(retries[prev]) != 1 {
			t.Fatalf("death %d: waiting retries %v, want one of trial %d", k, retries, prev)
		}
		if got := keptPoint(t, retries[prev][0]); got != want {
			t.Fatalf("death %d: retry carries %+v, want %+v", k, got, want)
		}
		if n, err := s.Requeue(study); err != nil || n != 0 {
			t.Fatalf("death %d: Requeue enqueued %d more, %v", k, n, err)
		}
		claimed, ok, err := s.PopWaitingTrial(study)
		must(t, err)
		if !ok || claimed != retries[prev][0].ID {
			t.Fatalf("death %d: claimed %d, %v; want the retry %d", k, claimed, ok, retries[prev][0].ID)
		}
		id = claimed
		ft, err := s.GetTrial(id)
		must(t, err)
		prev = ft.Number
		if k%2 == 1 { // this attempt reaches its suggest calls before it dies
			must(t, s.SetTrialParam(id, "x", 0.25, dist))
		}
	}
	must(t, s.SetTrialValue(id, 1))
	must(t, s.SetTrialState(id, goptuna.TrialStateComplete))
	if failed, err := s.RecoverStale(study, 0); err != nil || len(failed) != 0 {
		t.Fatalf("recovery after the point completed: %d, %v", len(failed), err)
	}
	if n, err := s.Requeue(study); err != nil || n != 0 {
		t.Fatalf("requeue after the point completed: %d, %v", n, err)
	}
	all, err := s.GetAllTrials(study)
	must(t, err)
	if len(all) != deaths+1 {
		t.Fatalf("%d trials, want %d attempts", len(all), deaths+1)
	}
	for i, ft := range all {
		if i > 0 {
			if of, ok, _ := record.RetryOf(ft); !ok || of != i-1 {
				t.Fatalf("attempt %d retries %d (%v), want %d", i, of, ok, i-1)
			}
		}
		if i < deaths && (ft.State != goptuna.TrialStateFail || !record.Retried(ft)) {
			t.Fatalf("attempt %d: %v, retried %v", i, ft.State, record.Retried(ft))
		}
		if ft.SystemAttrs[record.SysSeed] != "77" || ft.SystemAttrs[record.SysOrdinal] != "0" {
			t.Fatalf("attempt %d lost its seed or ordinal: %v", i, ft.SystemAttrs)
		}
	}
}

// errCrash is what the recovery hook of crashInRecovery returns: a crash between marking the stale
// trials and enqueueing their retries.
var errCrash = errors.New("crash injected between the two halves of recovery")

// crashInRecovery injects a crash inside RecoverStale, after the stale trials are marked and
// before their retries are enqueued: nothing of it may be stored (the trials stay RUNNING, no
// retry waits), and the next recovery fails and retries each of them exactly once.
func crashInRecovery(t *testing.T, open Opener) {
	var calls int
	var mu sync.Mutex
	s := open(t, store.Hooks{InRecovery: func([]int) error {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 1 {
			return errCrash
		}
		return nil
	}})
	study, err := s.CreateNewStudy("crash")
	must(t, err)
	want := created(t, 3, func(i int) (int, error) {
		id, err := s.CreateNewTrial(study)
		if err == nil {
			err = s.SetTrialParam(id, "x", float64(i), goptuna.UniformDistribution{Low: 0, High: 10})
		}
		return id, err
	})
	if _, err := s.RecoverStale(study, 0); !errors.Is(err, errCrash) {
		t.Fatalf("RecoverStale with a crash inside: %v", err)
	}
	all, err := s.GetAllTrials(study)
	must(t, err)
	if len(all) != len(want) {
		t.Fatalf("after the crash %d trials, want the %d RUNNING ones", len(all), len(want))
	}
	for _, ft := range all {
		if ft.State != goptuna.TrialStateRunning || ft.SystemAttrs[record.SysFailReason] != "" {
			t.Fatalf("after the crash trial %d is %v %v: half a recovery was stored", ft.Number, ft.State, ft.SystemAttrs)
		}
	}
	failed, err := s.RecoverStale(study, 0)
	must(t, err)
	if len(failed) != len(want) {
		t.Fatalf("recovery after the crash failed %d trials, want %d", len(failed), len(want))
	}
	retries := waitingRetries(t, s, study)
	for _, ft := range failed {
		if len(retries[ft.Number]) != 1 || keptPoint(t, retries[ft.Number][0]) != keptPoint(t, ft) {
			t.Fatalf("trial %d: retries %+v", ft.Number, retries[ft.Number])
		}
	}
	if n, err := s.Requeue(study); err != nil || n != 0 {
		t.Fatalf("Requeue after recovery: %d, %v", n, err)
	}
}
