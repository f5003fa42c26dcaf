package bolt

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store"
	"github.com/c-bata/goptuna"
	bbolt "go.etcd.io/bbolt"
)

// Heartbeat records that the worker of a RUNNING trial is alive; finished trials give goptuna.ErrTrialCannotBeUpdated.
func (s *Store) Heartbeat(trialID int) error {
	return s.modifyTrial(trialID, func(r *trialRec) error {
		if r.state != goptuna.TrialStateRunning {
			return goptuna.ErrTrialCannotBeUpdated
		}
		r.heartbeat = s.now()
		return nil
	})
}

// trialHeartbeat returns the last heartbeat of a trial (zero for trials that never ran).
func (s *Store) trialHeartbeat(trialID int) (time.Time, error) {
	r, err := s.readTrial(trialID)
	if err != nil {
		return time.Time{}, err
	}
	return r.heartbeat, nil
}

// forEachTrial calls fn for every record of a study in number order.
func forEachTrial(tx *bbolt.Tx, studyID int, fn func(r *trialRec) error) error {
	return forEachTrialIn(tx, studyID, -1, fn)
}

// forEachTrialIn is forEachTrial over the records in state (every record when state < 0); the
// others are told by their head, without decoding them whole.
func forEachTrialIn(tx *bbolt.Tx, studyID int, state goptuna.TrialState, fn func(r *trialRec) error) error {
	sb, err := studyBucket(tx, studyID)
	if err != nil {
		return err
	}
	return sb.Bucket(bTrials).ForEach(func(_, v []byte) error {
		if state >= 0 {
			h, err := decodeHead(v)
			if err != nil {
				return fmt.Errorf("store: study %d: %w", studyID, err)
			}
			if h.state != state {
				return nil
			}
		}
		r, err := decodeTrial(v)
		if err != nil {
			return fmt.Errorf("store: study %d: %w", studyID, err)
		}
		return fn(r)
	})
}

// isStale reports whether r is RUNNING with a heartbeat older than grace at now (math.MinInt64 means every RUNNING trial).
func isStale(r *trialRec, now time.Time, grace time.Duration) bool {
	return r.state == goptuna.TrialStateRunning && (grace == math.MinInt64 || now.Sub(r.heartbeat) > grace)
}

// StaleTrials lists, without changing anything, the study's RUNNING trials whose heartbeat is older than grace.
func (s *Store) StaleTrials(studyID int, grace time.Duration) ([]store.RunningTrial, error) {
	now := s.now()
	var out []store.RunningTrial
	err := s.view(func(tx *bbolt.Tx) error {
		return forEachTrialIn(tx, studyID, goptuna.TrialStateRunning, func(r *trialRec) error {
			if !isStale(r, now, grace) {
				return nil
			}
			ft, err := s.frozen(r)
			if err != nil {
				return err
			}
			out = append(out, store.RunningTrial{FrozenTrial: ft, Heartbeat: r.heartbeat})
			return nil
		})
	})
	return out, err
}

// RunningTrials lists the study's RUNNING trials with their last heartbeat.
func (s *Store) RunningTrials(studyID int) ([]store.RunningTrial, error) {
	return s.StaleTrials(studyID, math.MinInt64)
}

// RecoveredTrials lists the study's trials that the store failed because their worker died.
func (s *Store) RecoveredTrials(studyID int) ([]goptuna.FrozenTrial, error) {
	var out []goptuna.FrozenTrial
	err := s.view(func(tx *bbolt.Tx) error {
		return forEachTrialIn(tx, studyID, goptuna.TrialStateFail, func(r *trialRec) error {
			if r.state != goptuna.TrialStateFail || r.systemAttrs[record.SysFailReason] != record.ReasonStale {
				return nil
			}
			ft, err := s.frozen(r)
			if err != nil {
				return err
			}
			out = append(out, ft)
			return nil
		})
	})
	return out, err
}

// RecoverStale marks FAIL, with record.SysFailReason = record.ReasonStale, every RUNNING trial of
// the study whose heartbeat is older than grace (grace <= 0: every RUNNING trial) and enqueues a
// WAITING retry of each (waitingFrom: its point, seed and ordinal), all in one transaction, and
// returns the failed trials as they are now stored. A crash at any instant leaves either neither
// half or both; a retry that dies is retried again like any trial, however many times.
func (s *Store) RecoverStale(studyID int, grace time.Duration) ([]goptuna.FrozenTrial, error) {
	var failed []goptuna.FrozenTrial
	err := s.updateTrials(func(tx *bbolt.Tx) error {
		failed = nil // fn may run more than once (see update)
		var err error
		failed, err = s.recoverStaleTx(tx, studyID, grace)
		return err
	})
	if err != nil {
		return nil, err
	}
	return failed, nil
}

// recoverStaleTx implements RecoverStale inside tx.
func (s *Store) recoverStaleTx(tx *bbolt.Tx, studyID int, grace time.Duration) ([]goptuna.FrozenTrial, error) {
	if grace <= 0 {
		grace = math.MinInt64
	}
	now := s.now()
	var stale []*trialRec
	retried := map[int]bool{}
	if err := forEachTrial(tx, studyID, func(r *trialRec) error {
		if of, ok := store.RetryNumber(r.systemAttrs); ok {
			retried[of] = true
		}
		if isStale(r, now, grace) {
			stale = append(stale, r)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if len(stale) == 0 {
		return nil, nil
	}
	sb, err := studyBucket(tx, studyID)
	if err != nil {
		return nil, err
	}
	tb := sb.Bucket(bTrials)
	var failed []goptuna.FrozenTrial
	ids := make([]int, len(stale))
	for i, r := range stale {
		r.systemAttrs[record.SysFailReason] = record.ReasonStale
		r.state = goptuna.TrialStateFail
		r.complete = now
		if err := s.putTrial(tb, r); err != nil {
			return nil, err
		}
		ft, err := s.frozen(r)
		if err != nil {
			return nil, err
		}
		failed = append(failed, ft)
		ids[i] = r.id
	}
	if s.hooks.InRecovery != nil {
		if err := s.hooks.InRecovery(ids); err != nil {
			return nil, fmt.Errorf("store: recovery hook: %w", err)
		}
	}
	for _, r := range stale {
		if retried[r.number] {
			continue
		}
		w, err := waitingFrom(r, now)
		if err != nil {
			return nil, err
		}
		if err := s.newTrial(tx, studyID, w); err != nil {
			return nil, err
		}
	}
	return failed, nil
}

// Requeue enqueues, in one transaction, a WAITING retry of every FAIL trial of the study that
// record.Retried says is to be tried again and that no trial retries yet; it returns how many it
// enqueued. RecoverStale enqueues its own retries; Requeue finds what is left: interrupted trials,
// and stale trials of stores written by older builds, whose recovery was two transactions. The retry carries the failed trial's point as goptuna's record.SysFixedParams (as
// Study.EnqueueTrial does), record.SysRetryOf = its number, and its record.SysSeed and
// record.SysOrdinal when it has them. Calling it again enqueues nothing new.
func (s *Store) Requeue(studyID int) (int, error) {
	n := 0
	err := s.updateTrials(func(tx *bbolt.Tx) error {
		n = 0 // fn may run more than once (see update)
		var recs []*trialRec
		retried := map[string]bool{}
		if err := forEachTrial(tx, studyID, func(r *trialRec) error {
			recs = append(recs, r)
			if of, ok := store.RetryNumber(r.systemAttrs); ok {
				retried[strconv.Itoa(of)] = true
			}
			return nil
		}); err != nil {
			return err
		}
		now := s.now()
		for _, r := range recs {
			if retried[strconv.Itoa(r.number)] || !record.Retried(goptuna.FrozenTrial{State: r.state, SystemAttrs: r.systemAttrs}) {
				continue
			}
			w, err := waitingFrom(r, now)
			if err != nil {
				return err
			}
			if err := s.newTrial(tx, studyID, w); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Recovery is one trial the store failed at Open because the process running it had died.
type Recovery struct {
	// Trial is the trial as now stored (FAIL, record.SysFailReason = record.ReasonStale).
	Trial goptuna.FrozenTrial
	// RequeuedAs is the ID of the WAITING trial repeating its parameters, or -1 if it was not requeued.
	RequeuedAs int
}

// RecoveredAtOpen returns what the automatic recovery did when this Store was opened (nil unless Options.RecoverOnOpen).
func (s *Store) RecoveredAtOpen() []Recovery { return slices.Clone(s.recovered) }

// recoverAtOpen does RecoverStale (every RUNNING trial) and Requeue for every study, one
// transaction each: the writer holds the exclusive lock, so no process that could still be
// running those trials is alive.
func (s *Store) recoverAtOpen() error {
	var studies []int
	err := s.view(func(tx *bbolt.Tx) error {
		return tx.Bucket(bStudies).ForEach(func(k, v []byte) error {
			if v == nil {
				studies = append(studies, btoi(k))
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	for _, study := range studies {
		failed, err := s.RecoverStale(study, 0)
		if err != nil {
			return err
		}
		if _, err := s.Requeue(study); err != nil {
			return err
		}
		if len(failed) == 0 {
			continue
		}
		all, err := s.GetAllTrials(study)
		if err != nil {
			return err
		}
		retryIDs := map[int]int{}
		for _, t := range all {
			if of, ok, _ := record.RetryOf(t); ok && t.State == goptuna.TrialStateWaiting {
				retryIDs[of] = t.ID
			}
		}
		for _, f := range failed {
			id, ok := retryIDs[f.Number]
			if !ok {
				id = -1
			}
			s.recovered = append(s.recovered, Recovery{Trial: f, RequeuedAs: id})
		}
	}
	return nil
}

// waitingFrom builds a WAITING record that repeats r's point the way goptuna's Study.EnqueueTrial does.
func waitingFrom(r *trialRec, now time.Time) (*trialRec, error) {
	sys, err := store.RetryAttrs(r.id, r.number, r.systemAttrs, r.params)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return &trialRec{state: goptuna.TrialStateWaiting, start: now, userAttrs: map[string]string{}, systemAttrs: sys}, nil
}

// PopWaitingTrial atomically claims the lowest-numbered WAITING trial of the study (WAITING→RUNNING in one transaction); ok is false when none waits.
func (s *Store) PopWaitingTrial(studyID int) (trialID int, ok bool, err error) {
	from := s.waitingFrom(studyID, 0)
	var next int // after the claim, no trial numbered below next waits
	err = s.updateTrials(func(tx *bbolt.Tx) error {
		trialID, ok = -1, false // fn may run more than once (see update)
		sb, err := studyBucket(tx, studyID)
		if err != nil {
			return err
		}
		tb := sb.Bucket(bTrials)
		next = int(tb.Sequence()) // the next trial's number: none of these waits unless found below
		c := tb.Cursor()
		for k, v := c.Seek(itob(from)); k != nil; k, v = c.Next() {
			// Only the leading fields of the other records: the whole of the waiting one.
			h, err := decodeHead(v)
			if err != nil {
				return fmt.Errorf("store: study %d trial %d: %w", studyID, btoi(k), err)
			}
			if h.state != goptuna.TrialStateWaiting {
				continue
			}
			r, err := decodeTrial(v)
			if err != nil {
				return fmt.Errorf("store: study %d trial %d: %w", studyID, btoi(k), err)
			}
			if err := s.transition(r, goptuna.TrialStateRunning); err != nil {
				return err
			}
			trialID, ok, next = r.id, true, r.number+1
			return s.putTrial(tb, r)
		}
		return nil
	})
	if err != nil {
		return -1, false, err
	}
	s.waitingFrom(studyID, next)
	return trialID, ok, nil
}

// waitingFrom raises the study's number below which no trial waits to at least atLeast and
// returns it (0 for a study not yet scanned). Each value it is given was true when its
// transaction committed and stays true, as no trial becomes WAITING after its creation, so the
// largest is.
func (s *Store) waitingFrom(studyID, atLeast int) int {
	s.waitMu.Lock()
	defer s.waitMu.Unlock()
	if s.waitFrom == nil {
		s.waitFrom = map[int]int{}
	}
	n := max(s.waitFrom[studyID], atLeast)
	if n > 0 {
		s.waitFrom[studyID] = n
	}
	return n
}
