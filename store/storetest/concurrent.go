package storetest

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store"
	"github.com/c-bata/goptuna"
	"github.com/c-bata/goptuna/successivehalving"
)

// concurrentOptimize runs 8 goroutines of study.Optimize on one study with enqueued trials and a
// successive-halving pruner: no error, unique trial numbers, every trial evaluated and finished exactly
// once, every enqueued trial taken by exactly one worker. Run it with -race.
func concurrentOptimize(t *testing.T, open Opener) {
	const workers, perWorker, enqueued, steps = 8, 6, 16, 4
	s := open(t, store.Hooks{})
	study, err := goptuna.CreateStudy("race", goptuna.StudyOptionStorage(s), goptuna.StudyOptionLogger(nil))
	must(t, err)
	for i := 0; i < enqueued; i++ {
		must(t, study.EnqueueTrial(map[string]float64{"x": float64(i) / enqueued}))
	}

	var mu sync.Mutex
	evaluated := map[int]int{} // trial ID -> objective calls
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			pruner, err := successivehalving.NewPruner(successivehalving.OptionMinResource(1), successivehalving.OptionReductionFactor(2))
			if err != nil {
				errs <- err
				return
			}
			st, err := goptuna.LoadStudy("race", goptuna.StudyOptionStorage(s), goptuna.StudyOptionLogger(nil),
				goptuna.StudyOptionPruner(pruner),
				goptuna.StudyOptionSampler(goptuna.NewRandomSampler(goptuna.RandomSamplerOptionSeed(int64(w)))))
			if err != nil {
				errs <- err
				return
			}
			errs <- st.Optimize(func(tr goptuna.Trial) (float64, error) {
				mu.Lock()
				evaluated[tr.ID]++
				mu.Unlock()
				x, err := tr.SuggestFloat("x", 0, 1)
				if err != nil {
					return 0, err
				}
				for step := 0; step < steps; step++ {
					if err := s.Heartbeat(tr.ID); err != nil {
						return 0, err
					}
					if err := tr.ShouldPrune(step, x/float64(step+1)); err != nil {
						return 0, err // goptuna.ErrTrialPruned prunes the trial
					}
				}
				return x, nil
			}, perWorker)
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Optimize: %v", err)
		}
	}

	trials, err := s.GetAllTrials(study.ID)
	must(t, err)
	if len(trials) != workers*perWorker {
		t.Fatalf("%d trials, want %d", len(trials), workers*perWorker)
	}
	seenX := map[string]int{}
	pruned := 0
	for i, ft := range trials {
		if ft.Number != i {
			t.Errorf("trial %d has number %d (duplicate or gap)", ft.ID, ft.Number)
		}
		if !ft.State.IsFinished() || ft.State == goptuna.TrialStateFail {
			t.Errorf("trial %d state %v", ft.Number, ft.State)
		}
		if ft.State == goptuna.TrialStatePruned {
			pruned++
		}
		if evaluated[ft.ID] != 1 {
			t.Errorf("trial %d evaluated %d times", ft.Number, evaluated[ft.ID])
		}
		if fp, ok := ft.SystemAttrs[record.SysFixedParams]; ok {
			var fixed map[string]float64
			must(t, json.Unmarshal([]byte(fp), &fixed))
			if ft.InternalParams["x"] != fixed["x"] {
				t.Errorf("enqueued trial %d ran with x=%v, enqueued %v", ft.Number, ft.InternalParams["x"], fixed["x"])
			}
			seenX[fmt.Sprint(fixed["x"])]++
		}
	}
	if len(evaluated) != workers*perWorker {
		t.Errorf("objective ran for %d trial IDs, want %d", len(evaluated), workers*perWorker)
	}
	if len(seenX) != enqueued {
		t.Errorf("%d distinct enqueued trials ran, want %d", len(seenX), enqueued)
	}
	for x, n := range seenX {
		if n != 1 {
			t.Errorf("enqueued x=%s ran %d times", x, n)
		}
	}
	if pruned == 0 {
		t.Errorf("the pruner never pruned; the test does not exercise pruning")
	}
}
