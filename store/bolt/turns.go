package bolt

import (
	"go.etcd.io/bbolt"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/store"
)

var _ store.Turns = (*Store)(nil)

// countRec counts one record into c as store.TrialCounts.Add counts a trial.
func countRec(c *store.TrialCounts, r *trialRec) {
	c.Add(goptuna.FrozenTrial{State: r.state, Value: r.value, UserAttrs: r.userAttrs, SystemAttrs: r.systemAttrs})
}

// countTx counts studyID's trials inside tx.
func countTx(tx *bbolt.Tx, studyID int) (store.TrialCounts, error) {
	c := store.CountTrials(nil)
	err := forEachTrial(tx, studyID, func(r *trialRec) error {
		countRec(&c, r)
		return nil
	})
	return c, err
}

// CountTrials counts studyID's trials (store.Turns) in one read transaction.
func (s *Store) CountTrials(studyID int) (store.TrialCounts, error) {
	var c store.TrialCounts
	err := s.view(func(tx *bbolt.Tx) error {
		var err error
		c, err = countTx(tx, studyID)
		return err
	})
	return c, err
}

// CreateTrialIf is store.Turns' CreateTrialIf. The turn lock is bbolt's: the count and the new
// trial are one read-write transaction, and bbolt runs one at a time (a batch runs its calls one
// after the other in one transaction, each seeing the writes of those before it); the file's
// process lock keeps every other process out.
func (s *Store) CreateTrialIf(studyID int, allow func(store.TrialCounts) bool) (trialID int, ok bool, err error) {
	var r *trialRec
	err = s.updateTrials(func(tx *bbolt.Tx) error {
		r, ok = nil, false // the call may be run again
		c, err := countTx(tx, studyID)
		if err != nil || !allow(c) {
			return err
		}
		now := s.now()
		r = &trialRec{state: goptuna.TrialStateRunning, start: now, heartbeat: now,
			userAttrs: map[string]string{}, systemAttrs: map[string]string{}}
		ok = true
		return s.newTrial(tx, studyID, r)
	})
	if err != nil || !ok {
		return -1, false, err
	}
	return r.id, true, nil
}
