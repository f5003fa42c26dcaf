package search

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
	"golang.org/x/sync/errgroup"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/store/bolt"
	"github.com/attnsearch/attnsearch/store/postgres"
	"github.com/attnsearch/attnsearch/store/storetest"
)

// sharedBolt is a real bbolt store that several runners of one process use at once, as several
// processes use PostgreSQL: it says it is shared, so the runners take the shared path.
type sharedBolt struct{ *bolt.Store }

// Shared says other processes write the store too.
func (sharedBolt) Shared() bool { return true }

// The PostgreSQL store must stay a shared storage to search: were its Shared or RunningTrials to
// change, its studies would silently run as if one process owned them.
var _ sharedStorage = (*postgres.Store)(nil)

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
	db, err := bolt.Open(filepath.Join(t.TempDir(), "shared.db"), bolt.Options{NoSnapshot: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := sharedBolt{db}
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
	all := storetest.StudyTrials(t, st, "tiny")
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
	// The runners take their turns under the store's turn lock (store.Turns), so they never start
	// a trial beyond the count; the dead worker's trial, started elsewhere without a turn, may be
	// one beyond it, and its point is retried even when the runners have reached the count meanwhile.
	if finished < trials || finished > trials+1 {
		t.Errorf("%d finished trials, want %d (at most 1 more)", finished, trials)
	}
	for i, r := range results {
		if r.Done < trials || r.Interrupted {
			t.Errorf("runner %d: done %d of %d, interrupted %v", i, r.Done, r.Total, r.Interrupted)
		}
	}
}

// TestCountedAsCount checks that a shared study counts its trials by the rule of a study of
// one process (countFinished): rejections before training are free up to the target, retried
// failures do not count, running and waiting trials are counted apart.
func TestCountedAsCount(t *testing.T) {
	trial := func(state goptuna.TrialState, value float64, user, sys map[string]string) goptuna.FrozenTrial {
		return goptuna.FrozenTrial{State: state, Value: value, UserAttrs: user, SystemAttrs: sys}
	}
	rejected := map[string]string{record.KeyRejected: "true"}
	retried := map[string]string{record.SysFailReason: record.ReasonStale}
	complete := trial(goptuna.TrialStateComplete, 3, nil, nil)
	for _, tc := range []struct {
		name                   string
		trials                 []goptuna.FrozenTrial
		target                 int
		done, running, waiting int
		best                   float64
	}{
		{"rejections free up to the target", []goptuna.FrozenTrial{complete, trial(goptuna.TrialStateComplete, -9, rejected, nil),
			trial(goptuna.TrialStateComplete, -9, rejected, nil)}, 4, 1, 0, 0, 3},
		{"rejections beyond the target count", []goptuna.FrozenTrial{complete, trial(goptuna.TrialStateComplete, -9, rejected, nil),
			trial(goptuna.TrialStateComplete, -9, rejected, nil), trial(goptuna.TrialStateComplete, -9, rejected, nil)}, 2, 2, 0, 0, 3},
		{"running, waiting, pruned, retried", []goptuna.FrozenTrial{complete, trial(goptuna.TrialStatePruned, 1, nil, nil),
			trial(goptuna.TrialStateRunning, 0, nil, nil), trial(goptuna.TrialStateWaiting, 0, nil, nil),
			trial(goptuna.TrialStateFail, 0, nil, retried)}, 5, 2, 1, 1, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := store.CountTrials(tc.trials)
			done, running, waiting, best := countsTowards(c, tc.target), c.Running, c.Waiting, c.Best
			if done != tc.done || running != tc.running || waiting != tc.waiting || best != tc.best {
				t.Errorf("counted = done %d, running %d, waiting %d, best %v; want %d, %d, %d, %v",
					done, running, waiting, best, tc.done, tc.running, tc.waiting, tc.best)
			}
			if d, _, b := countFinished(tc.trials, tc.target); d != done || b != best {
				t.Errorf("countFinished = %d, %v; counted %d, %v", d, b, done, best)
			}
		})
	}
}
