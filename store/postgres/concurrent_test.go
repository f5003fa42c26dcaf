package postgres

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
	"golang.org/x/sync/errgroup"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store"
)

// TestConcurrentWorkers runs workers on several Stores (as on several machines) against one
// study: trial numbers stay unique and dense, each waiting trial is claimed once, and each
// stale trial is recovered once while the workers go on.
func TestConcurrentWorkers(t *testing.T) {
	s0, u, study := openStudy(t, "many")
	const stores, perStore, trialsEach, waiting = 4, 4, 10, 40
	dist := goptuna.UniformDistribution{Low: 0, High: 1}
	for i := 0; i < waiting; i++ {
		_, err := s0.CloneTrial(study, goptuna.FrozenTrial{State: goptuna.TrialStateWaiting,
			SystemAttrs: map[string]string{"fixed_params": fmt.Sprintf(`{"x":%v}`, float64(i)/waiting)}})
		must(t, err)
	}
	// Stale trials of a "dead machine", to be recovered by the live workers.
	clockDead := func() time.Time { return time.Now().Add(-time.Hour) }
	dead := openURL(t, u, Options{Clock: clockDead})
	for i := 0; i < 6; i++ {
		id, err := dead.CreateNewTrial(study)
		must(t, err)
		must(t, dead.SetTrialParam(id, "x", 0.5, dist))
	}
	var mu sync.Mutex
	claimed := map[int]int{}
	recovered := map[int]int{}
	var g errgroup.Group
	for i := 0; i < stores; i++ {
		s := openURL(t, u, Options{MaxConns: 3})
		for w := 0; w < perStore; w++ {
			g.Go(func() error {
				for n := 0; n < trialsEach; n++ {
					failed, err := s.RecoverStale(study, 10*time.Minute)
					if err != nil {
						return err
					}
					if _, err := s.Requeue(study); err != nil {
						return err
					}
					id, ok, err := s.PopWaitingTrial(study)
					if err != nil {
						return err
					}
					mu.Lock()
					for _, f := range failed {
						recovered[f.ID]++
					}
					if ok {
						claimed[id]++
					}
					mu.Unlock()
					if !ok {
						if id, err = s.CreateNewTrial(study); err != nil {
							return err
						}
					}
					if err := completeTrial(s, id, dist, float64(id)); err != nil {
						return err
					}
					if _, err := s.GetAllTrials(study); err != nil {
						return err
					}
				}
				return nil
			})
		}
	}
	must(t, g.Wait())
	for id, n := range claimed {
		if n != 1 {
			t.Errorf("waiting trial %d claimed %d times", id, n)
		}
	}
	for id, n := range recovered {
		if n != 1 {
			t.Errorf("stale trial %d recovered %d times", id, n)
		}
	}
	if len(recovered) != 6 {
		t.Errorf("%d stale trials recovered, want 6", len(recovered))
	}
	all, err := s0.GetAllTrials(study)
	must(t, err)
	// waiting + dead + requeued retries of the dead + the workers' own new trials
	want := waiting + 6 + 6 + stores*perStore*trialsEach - waiting - 6
	if len(all) != want {
		t.Errorf("%d trials, want %d", len(all), want)
	}
	for i, ft := range all {
		if ft.Number != i {
			t.Fatalf("trial at %d has number %d: numbers not dense and unique", i, ft.Number)
		}
		if ft.State == goptuna.TrialStateRunning || ft.State == goptuna.TrialStateWaiting {
			t.Errorf("trial %d left %v", ft.Number, ft.State)
		}
	}
	// The incrementally maintained view equals a fresh full read.
	fresh := openURL(t, u, Options{})
	full, err := fresh.GetAllTrials(study)
	must(t, err)
	if !reflect.DeepEqual(nanFree(all), nanFree(full)) {
		t.Error("incremental read differs from a full read")
	}
}

// completeTrial writes what a worker writes to trial id (x = 0.5 under dist, steps 0 to 2, value)
// and completes it.
func completeTrial(s *Store, id int, dist goptuna.UniformDistribution, value float64) error {
	if err := s.SetTrialParam(id, "x", 0.5, dist); err != nil {
		return err
	}
	for step := 0; step < 3; step++ {
		if err := s.SetTrialIntermediateValue(id, step, float64(step)); err != nil {
			return err
		}
	}
	if err := s.SetTrialValue(id, value); err != nil {
		return err
	}
	return s.SetTrialState(id, goptuna.TrialStateComplete)
}

// nanFree replaces NaN values, which reflect.DeepEqual never finds equal, by their bits.
func nanFree(fts []goptuna.FrozenTrial) []goptuna.FrozenTrial {
	out := make([]goptuna.FrozenTrial, len(fts))
	for i, ft := range fts {
		ft = store.CloneTrial(ft)
		if math.IsNaN(ft.Value) {
			ft.Value = 0
		}
		out[i] = ft
	}
	return out
}

// TestIncrementalReadSeesEveryChange interleaves writes from other Stores with reads through
// one Store's cache and compares each read with a full read.
func TestIncrementalReadSeesEveryChange(t *testing.T) {
	s, u, study := openStudy(t, "inc")
	writers := []*Store{openURL(t, u, Options{}), openURL(t, u, Options{})}
	var ids []int
	for round := 0; round < 30; round++ {
		w := writers[round%2]
		if round%3 == 0 || len(ids) == 0 {
			id, err := w.CreateNewTrial(study)
			must(t, err)
			ids = append(ids, id)
		}
		id := ids[round%len(ids)]
		switch round % 5 {
		case 0:
			_ = w.SetTrialUserAttr(id, "r", fmt.Sprint(round))
		case 1:
			_ = w.SetTrialParam(id, "p", float64(round), goptuna.IntUniformDistribution{Low: 0, High: 100})
		case 2:
			_ = w.SetTrialIntermediateValue(id, round, float64(round))
		case 3:
			_ = w.SetTrialValue(id, float64(round))
		case 4:
			_ = w.SetTrialState(id, goptuna.TrialStateComplete)
		}
		got, err := s.GetAllTrials(study)
		must(t, err)
		want, err := openURL(t, u, Options{}).GetAllTrials(study)
		must(t, err)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: cached read differs from a full read", round)
		}
	}
}

// TestCountsFollowEveryChange counts one study through one Store after every write of a sequence
// made through two other Stores (other processes) and through it — trials created, finished out
// of order (a later one before an earlier one), rejected, failed with and without a retry, failed
// as stale by recovery with a WAITING retry, that retry claimed and finished, taken through
// CreateTrialIf — and compares each count with store.CountTrials of a full read: the counts kept
// of the leading finished trials must never go stale. A deleted study's count is an error.
func TestCountsFollowEveryChange(t *testing.T) {
	s, u, study := openStudy(t, "counts")
	others := []*Store{openURL(t, u, Options{}), openURL(t, u, Options{})}
	check := func(step string) {
		t.Helper()
		for round := 0; round < 2; round++ { // the second count starts from what the first kept
			got, err := s.CountTrials(study)
			must(t, err)
			all, err := openURL(t, u, Options{}).GetAllTrials(study)
			must(t, err)
			if want := store.CountTrials(all); !reflect.DeepEqual(got, want) && !sameCounts(got, want) {
				t.Fatalf("%s (count %d): CountTrials = %+v, store.CountTrials(GetAllTrials) = %+v", step, round, got, want)
			}
		}
	}
	finish := func(w *Store, id int, state goptuna.TrialState, value float64) {
		t.Helper()
		if state != goptuna.TrialStateFail {
			must(t, w.SetTrialValue(id, value))
		}
		must(t, w.SetTrialState(id, state))
	}
	check("empty")
	var ids []int
	for i := 0; i < 6; i++ {
		id, err := others[i%2].CreateNewTrial(study)
		must(t, err)
		ids = append(ids, id)
	}
	check("six running")
	finish(others[0], ids[1], goptuna.TrialStateComplete, 5) // out of order: 0 still runs
	check("second complete")
	finish(others[1], ids[0], goptuna.TrialStateComplete, math.NaN())
	check("first complete (NaN)")
	must(t, others[0].SetTrialUserAttr(ids[2], record.KeyRejected, "true"))
	check("third marked rejected while running")
	finish(others[0], ids[2], goptuna.TrialStateComplete, 9)
	check("third finished rejected")
	must(t, others[1].SetTrialSystemAttr(ids[3], record.SysRetry, "1"))
	finish(others[1], ids[3], goptuna.TrialStateFail, 0)
	check("fourth failed, to be retried")
	finish(s, ids[4], goptuna.TrialStatePruned, 3)
	check("fifth pruned")
	stale, err := others[0].RecoverStale(study, 0) // the sixth's worker "died"
	must(t, err)
	if len(stale) != 1 {
		t.Fatalf("recovered %d trials, want 1", len(stale))
	}
	check("sixth failed as stale, its retry waiting")
	id, ok, err := others[1].PopWaitingTrial(study)
	must(t, err)
	if !ok {
		t.Fatal("no waiting retry")
	}
	check("retry claimed")
	finish(others[1], id, goptuna.TrialStateComplete, 11)
	check("retry complete")
	id, ok, err = s.CreateTrialIf(study, func(c store.TrialCounts) bool { return c.Running == 0 })
	must(t, err)
	if !ok {
		t.Fatal("CreateTrialIf refused with nothing running")
	}
	check("a turn taken")
	finish(s, id, goptuna.TrialStateFail, 0)
	check("its trial failed")
	must(t, others[0].DeleteStudy(study))
	if _, err := s.CountTrials(study); err == nil {
		t.Fatal("counted a deleted study")
	}
}

// sameCounts compares counts with NaN bests equal.
func sameCounts(a, b store.TrialCounts) bool {
	return math.IsNaN(a.Best) && math.IsNaN(b.Best) && a.Finished == b.Finished && a.Rejected == b.Rejected && a.Running == b.Running && a.Waiting == b.Waiting
}

// TestImportAnalyses pins that Import leaves the planner statistics of the trial tables it
// filled (without them, reads of a run's new trials scan every attribute until autovacuum's next
// analyze), and that they count the imported rows.
func TestImportAnalyses(t *testing.T) {
	s, _, study := openStudy(t, "source")
	for i := 0; i < 3; i++ {
		id, err := s.CreateNewTrial(study)
		must(t, err)
		must(t, s.SetTrialUserAttr(id, "k", "v"))
		must(t, s.SetTrialParam(id, "x", 0.5, goptuna.UniformDistribution{Low: 0, High: 1}))
		must(t, s.SetTrialIntermediateValue(id, 1, 0.25))
		must(t, s.SetTrialState(id, goptuna.TrialStateComplete))
	}
	var exp bytes.Buffer
	must(t, s.Export(&exp, study))
	into, _ := openTest(t, Options{})
	if _, err := into.Import(&exp, ""); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"attnsearch_trials", "attnsearch_trial_params", "attnsearch_trial_values", "attnsearch_trial_attrs"} {
		var rows float64
		err := into.pool.QueryRow(context.Background(), `SELECT reltuples FROM pg_class WHERE relname = $1`, table).Scan(&rows)
		must(t, err)
		if rows < 3 { // -1: never analysed (PostgreSQL ≥ 14)
			t.Errorf("%s: the planner counts %v rows after the import, want at least 3 (analysed)", table, rows)
		}
	}
}
