package search

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
	"golang.org/x/sync/errgroup"

	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/store/record"
)

// sharedMem is the fake storage used by several runners at once, as PostgreSQL is by several processes.
type sharedMem struct{ *memDB }

// Shared says other processes write the store too.
func (sharedMem) Shared() bool { return true }

// TestSharedStudyTwoRunners runs one study from two runners (two "processes") on a shared
// storage. A trial of a third, dead worker appears in the middle: the runners wait for it, fail it
// as stale once its heartbeat is older than the grace, retry its point, and stop together when
// the study has its trials, leaving nothing RUNNING or WAITING.
func TestSharedStudyTwoRunners(t *testing.T) {
	const trials = 6
	spec, err := space.Parse("shared.yaml", []byte(fmt.Sprintf(tinySpace, trials, "random", "none", 100000)))
	if err != nil {
		t.Fatal(err)
	}
	db, err := openMem(context.Background(), "mem://shared", store.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st := sharedMem{db.(*memDB)}
	arch := spec.Arch(12, 12)
	var inject sync.Once
	dead := -1
	var g errgroup.Group
	results := make([]*Result, 2)
	for i := range results {
		opts := Options{Trainer: &fakeTrainer{}, Arch: &arch, StaleGrace: 200 * time.Millisecond,
			OnEvent: func(e Event) {
				if e.Kind != EventTrialEnd {
					return
				}
				inject.Do(func() {
					// A worker elsewhere started a trial and died: its heartbeat is already old.
					id, err := st.GetStudyIDFromName("tiny")
					if err == nil {
						dead, err = st.CloneTrial(id, goptuna.FrozenTrial{State: goptuna.TrialStateRunning,
							DatetimeStart: time.Now().Add(-time.Hour), SystemAttrs: map[string]string{}, UserAttrs: map[string]string{}})
					}
					if err != nil {
						t.Error(err)
					}
				})
			}}
		g.Go(func() (err error) {
			results[i], err = Run(context.Background(), spec, st, opts)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	id, err := st.GetStudyIDFromName("tiny")
	if err != nil {
		t.Fatal(err)
	}
	all, err := st.GetAllTrials(id)
	if err != nil {
		t.Fatal(err)
	}
	finished, retried := 0, false
	for _, ft := range all {
		if ft.State == goptuna.TrialStateRunning || ft.State == goptuna.TrialStateWaiting {
			t.Errorf("trial %d left %v", ft.Number, ft.State)
		}
		if counts(ft) {
			finished++
		}
		if ft.ID == dead && (ft.State != goptuna.TrialStateFail || ft.SystemAttrs[record.SysFailReason] != record.ReasonStale) {
			t.Errorf("the dead worker's trial is %v (%v)", ft.State, ft.SystemAttrs)
		}
		if of, ok, _ := record.RetryOf(ft); ok && all[of].ID == dead && ft.State == goptuna.TrialStateComplete {
			retried = true
		}
	}
	if dead < 0 || !retried {
		t.Errorf("the dead worker's trial (id %d) was not retried to completion", dead)
	}
	// Each runner may start one trial after the other's last check: at most one extra each.
	if finished < trials || finished > trials+2 {
		t.Errorf("%d finished trials, want %d (at most 2 more)", finished, trials)
	}
	for i, r := range results {
		if r.Done < trials || r.Interrupted {
			t.Errorf("runner %d: done %d of %d, interrupted %v", i, r.Done, r.Total, r.Interrupted)
		}
	}
}
