package postgres

import (
	"fmt"
	"math"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
	"golang.org/x/sync/errgroup"
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
		ft = cloneTrial(ft)
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
