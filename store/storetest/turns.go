package storetest

import (
	"math"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store"
)

// turnsCapability checks store.Turns when the storage declares it: CountTrials agrees with
// store.CountTrials of GetAllTrials on every kind of trial, and takers deciding at the same moment
// (goroutines on two handles where the storage admits a second writer, as two processes would)
// never create more trials than the count allows.
func turnsCapability(t *testing.T, b Backend) {
	s, _ := openDeclaring[store.Turns](t, b, "turns")
	t.Run("Counts", func(t *testing.T) { turnCounts(t, s) })
	t.Run("ConcurrentTakers", func(t *testing.T) { concurrentTakers(t, b, s) })
}

// turnCounts stores one trial of each kind CountTrials tells apart and compares its counts with
// the expected ones and with store.CountTrials of GetAllTrials.
func turnCounts(t *testing.T, s store.DB) {
	turns := s.(store.Turns)
	study, err := s.CreateNewStudy("counts")
	must(t, err)
	empty, err := turns.CountTrials(study)
	must(t, err)
	if empty.Finished+empty.Rejected+empty.Running+empty.Waiting != 0 || !math.IsNaN(empty.Best) {
		t.Fatalf("counts of a study without trials: %+v", empty)
	}
	if _, err := turns.CountTrials(study + 1000); errClass(err) != "invalid-study" {
		t.Fatalf("CountTrials of an unknown study: %v, want goptuna.ErrInvalidStudyID", err)
	}
	type kind struct {
		state goptuna.TrialState
		value float64
		user  map[string]string
		sys   map[string]string
	}
	for _, k := range []kind{
		{state: goptuna.TrialStateComplete, value: 2},
		{state: goptuna.TrialStateComplete, value: math.NaN()},
		{state: goptuna.TrialStateComplete, value: 7, user: map[string]string{record.KeyRejected: "true"}},
		{state: goptuna.TrialStateComplete, value: 1, user: map[string]string{record.KeyRejected: "false"}},
		{state: goptuna.TrialStatePruned, value: 9},
		{state: goptuna.TrialStateFail},
		{state: goptuna.TrialStateFail, user: map[string]string{record.KeyRejected: "true"}},
		{state: goptuna.TrialStateFail, sys: map[string]string{record.SysRetry: "1"}},
		{state: goptuna.TrialStateFail, sys: map[string]string{record.SysFailReason: record.ReasonStale}},
		{state: goptuna.TrialStateFail, sys: map[string]string{record.SysRetry: "0", record.SysFailReason: "diverged"}},
		{state: goptuna.TrialStateRunning},
		{state: goptuna.TrialStateRunning, sys: map[string]string{record.SysRetry: "1"}},
	} {
		id, err := s.CreateNewTrial(study)
		must(t, err)
		for key, v := range k.user {
			must(t, s.SetTrialUserAttr(id, key, v))
		}
		for key, v := range k.sys {
			must(t, s.SetTrialSystemAttr(id, key, v))
		}
		if k.state == goptuna.TrialStateRunning {
			continue
		}
		if k.state != goptuna.TrialStateFail {
			must(t, s.SetTrialValue(id, k.value))
		}
		must(t, s.SetTrialState(id, k.state))
	}
	_, err = s.CloneTrial(study, goptuna.FrozenTrial{State: goptuna.TrialStateWaiting, UserAttrs: map[string]string{},
		SystemAttrs: map[string]string{record.SysRetry: "1"}, InternalParams: map[string]float64{}, Params: map[string]any{},
		Distributions: map[string]any{}, IntermediateValues: map[int]float64{}})
	must(t, err)
	got, err := turns.CountTrials(study)
	must(t, err)
	all, err := s.GetAllTrials(study)
	must(t, err)
	want := store.TrialCounts{Finished: 6, Rejected: 2, Running: 2, Waiting: 1, Best: 7}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("CountTrials = %+v, want %+v", got, want)
	}
	if of := store.CountTrials(all); !reflect.DeepEqual(got, of) {
		t.Fatalf("CountTrials = %+v, but store.CountTrials(GetAllTrials) = %+v", got, of)
	}
}

// concurrentTakers runs takers on one study (12 goroutines, half of them on a second handle where
// the storage admits one) that each create trials while fewer than target count; a third of
// the first trials fail as interrupted (record.SysRetry), which frees their slot. The lock must
// keep the counted trials at exactly target. allow sleeps to widen the window between count and
// creation that a missing lock would leave open.
func concurrentTakers(t *testing.T, b Backend, s store.DB) {
	const target, takers, interrupted = 10, 12, 4
	study, err := s.CreateNewStudy("takers")
	must(t, err)
	handles := []store.DB{s}
	if other, err := b.Again(t, s); err == nil {
		handles = append(handles, other)
	}
	var created, failed atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, takers)
	start := make(chan struct{})
	for i := 0; i < takers; i++ {
		h := handles[i%len(handles)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for {
				id, ok, err := h.(store.Turns).CreateTrialIf(study, func(c store.TrialCounts) bool {
					time.Sleep(2 * time.Millisecond)
					return c.Finished+c.Rejected+c.Running+c.Waiting < target
				})
				if err != nil || !ok {
					errs <- err
					return
				}
				n := created.Add(1)
				switch {
				case n%3 == 0 && failed.Add(1) <= interrupted:
					if err := h.SetTrialSystemAttr(id, record.SysRetry, "1"); err != nil {
						errs <- err
						return
					}
					err = h.SetTrialState(id, goptuna.TrialStateFail)
				case n%2 == 0:
					if err = h.SetTrialValue(id, float64(n)); err == nil {
						err = h.SetTrialState(id, goptuna.TrialStateComplete)
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	all, err := s.GetAllTrials(study)
	must(t, err)
	c := store.CountTrials(all)
	if c.Finished+c.Running != target || c.Waiting+c.Rejected != 0 {
		t.Fatalf("%d takers on %d handle(s) left %+v: %d counted trials, want exactly %d", takers, len(handles), c, c.Finished+c.Running, target)
	}
	if int64(len(all)) != created.Load() {
		t.Fatalf("%d trials stored, the takers created %d", len(all), created.Load())
	}
	retried := min(failed.Load(), interrupted)
	if int64(len(all)) != target+retried {
		t.Fatalf("%d trials stored, want %d counted and %d interrupted", len(all), target, retried)
	}
}
