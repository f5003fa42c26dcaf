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
	"github.com/c-bata/goptuna"
)

// heartbeats checks Heartbeat, RunningTrials and RecoverStale's grace: a trial whose heartbeat is
// recent survives, one whose heartbeat is old is failed as stale, finished trials refuse heartbeats.
func heartbeats(t *testing.T, open Opener) {
	s := open(t)
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
	s := open(t)
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
}

// requeueOnce checks Requeue: each interrupted or stale FAIL gets exactly one WAITING retry under
// concurrent callers, carrying its point, seed and ordinal; other FAIL trials get none.
func requeueOnce(t *testing.T, open Opener) {
	s := open(t)
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
		case 4: // stale
			if _, err := s.RecoverStale(study, 0); err != nil {
				t.Fatal(err)
			}
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
	s := open(t)
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

// staleRetryNotRequeuedTwice checks that a retry of a stale trial that goes stale too is marked
// record.SysNotRequeued and not retried again, while a retry of an interrupted trial is.
func staleRetryNotRequeuedTwice(t *testing.T, open Opener) {
	s := open(t)
	study, err := s.CreateNewStudy("twice")
	must(t, err)
	first, _ := s.CreateNewTrial(study)
	_, err = s.RecoverStale(study, 0)
	must(t, err)
	n, err := s.Requeue(study)
	must(t, err)
	if n != 1 {
		t.Fatalf("first requeue: %d", n)
	}
	retry, ok, err := s.PopWaitingTrial(study)
	must(t, err)
	if !ok {
		t.Fatal("no waiting retry")
	}
	failed, err := s.RecoverStale(study, 0)
	must(t, err)
	if len(failed) != 1 || failed[0].ID != retry || failed[0].SystemAttrs[record.SysNotRequeued] != record.NotRequeuedTwice {
		t.Fatalf("second death of trial %d's point: %+v", first, failed)
	}
	if n, err := s.Requeue(study); err != nil || n != 0 {
		t.Fatalf("requeue after a second death: %d, %v", n, err)
	}
	if record.Retried(failed[0]) {
		t.Fatal("record.Retried says the twice-dead point is retried")
	}
}
