package postgres

import (
	"math"
	"reflect"
	"testing"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store"
)

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
