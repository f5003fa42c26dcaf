package store

import (
	"math"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/record"
)

// TrialCounts are a study's trials counted as a worker deciding whether to start one needs them.
type TrialCounts struct {
	Finished int     // COMPLETE, PRUNED, or FAIL for a reason of its own (not record.Retried), not rejected
	Rejected int     // finished as above, and rejected before training (user attribute record.KeyRejected "true")
	Running  int     // RUNNING
	Waiting  int     // WAITING (retries and enqueued points)
	Best     float64 // the largest value of a COMPLETE trial, NaN values left out; NaN when there is none
}

// Add counts one trial.
func (c *TrialCounts) Add(ft goptuna.FrozenTrial) {
	switch ft.State {
	case goptuna.TrialStateRunning:
		c.Running++
	case goptuna.TrialStateWaiting:
		c.Waiting++
	case goptuna.TrialStateComplete, goptuna.TrialStatePruned, goptuna.TrialStateFail:
		if record.Retried(ft) {
			break
		}
		if ft.UserAttrs[record.KeyRejected] == "true" {
			c.Rejected++
		} else {
			c.Finished++
		}
	}
	if ft.State == goptuna.TrialStateComplete && !math.IsNaN(ft.Value) && (math.IsNaN(c.Best) || ft.Value > c.Best) {
		c.Best = ft.Value
	}
}

// CountTrials counts trials as Turns.CountTrials does, for storages without that capability.
func CountTrials(trials []goptuna.FrozenTrial) TrialCounts {
	c := TrialCounts{Best: math.NaN()}
	for _, ft := range trials {
		c.Add(ft)
	}
	return c
}

// Turns is a storage that counts a study's trials in one read and creates a trial only while the
// count allows it, under a study-scoped lock held from the count to the trial's creation: workers
// of several processes deciding at the same moment whether the study needs another trial take
// their turns one after the other, so they never create more trials than the count allows.
// store/storetest checks both against CountTrials of GetAllTrials and against concurrent takers.
type Turns interface {
	// CountTrials counts studyID's trials (as CountTrials of its GetAllTrials would) in one read.
	CountTrials(studyID int) (TrialCounts, error)
	// CreateTrialIf takes studyID's turn lock, counts its trials and, when allow(counts) is true,
	// creates a RUNNING trial as CreateNewTrial does before the lock is released; ok reports
	// whether it did. allow must be a quick pure function: it runs under the lock.
	CreateTrialIf(studyID int, allow func(TrialCounts) bool) (trialID int, ok bool, err error)
}
