package store

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/c-bata/goptuna"
	bolt "go.etcd.io/bbolt"
)

// RunningTrial is a RUNNING trial with the time of its worker's last heartbeat.
type RunningTrial struct {
	goptuna.FrozenTrial
	// Heartbeat is when the worker last called Heartbeat (or started the trial).
	Heartbeat time.Time
}

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

// TrialHeartbeat returns the last heartbeat of a trial (zero for trials that never ran).
func (s *Store) TrialHeartbeat(trialID int) (time.Time, error) {
	r, err := s.readTrial(trialID)
	if err != nil {
		return time.Time{}, err
	}
	return r.heartbeat, nil
}

// forEachTrial calls fn for every record of a study in number order.
func forEachTrial(tx *bolt.Tx, studyID int, fn func(r *trialRec) error) error {
	sb, err := studyBucket(tx, studyID)
	if err != nil {
		return err
	}
	return sb.Bucket(bTrials).ForEach(func(_, v []byte) error {
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
func (s *Store) StaleTrials(studyID int, grace time.Duration) ([]RunningTrial, error) {
	now := s.now()
	var out []RunningTrial
	err := s.view(func(tx *bolt.Tx) error {
		return forEachTrial(tx, studyID, func(r *trialRec) error {
			if !isStale(r, now, grace) {
				return nil
			}
			ft, err := s.frozen(r)
			if err != nil {
				return err
			}
			out = append(out, RunningTrial{FrozenTrial: ft, Heartbeat: r.heartbeat})
			return nil
		})
	})
	return out, err
}

// RunningTrials lists the study's RUNNING trials with their last heartbeat.
func (s *Store) RunningTrials(studyID int) ([]RunningTrial, error) {
	return s.StaleTrials(studyID, math.MinInt64)
}

// RecoveredTrials lists the study's trials that the store failed because their worker died.
func (s *Store) RecoveredTrials(studyID int) ([]goptuna.FrozenTrial, error) {
	var out []goptuna.FrozenTrial
	err := s.view(func(tx *bolt.Tx) error {
		return forEachTrial(tx, studyID, func(r *trialRec) error {
			if r.state != goptuna.TrialStateFail || r.systemAttrs[AttrFailReason] != ReasonStale {
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

// RecoverStale marks FAIL, with AttrFailReason = ReasonStale, every RUNNING trial of the study whose heartbeat is older than grace, and returns them as they are now stored.
func (s *Store) RecoverStale(studyID int, grace time.Duration) ([]goptuna.FrozenTrial, error) {
	failed, _, err := s.recoverStale(studyID, grace, false)
	return failed, err
}

// RecoverStaleAndRequeue does RecoverStale and, in the same transaction, enqueues each failed trial's parameters again as a WAITING trial; it returns the failed trials and, at the same index, the new trial's ID, or -1 when the failed trial was itself a requeue (its worker died twice on these parameters, e.g. killed for memory; AttrNotRequeued then says so).
func (s *Store) RecoverStaleAndRequeue(studyID int, grace time.Duration) ([]goptuna.FrozenTrial, []int, error) {
	return s.recoverStale(studyID, grace, true)
}

// Recovery is one trial the store failed at Open because the process running it had died.
type Recovery struct {
	// Trial is the trial as now stored (FAIL, AttrFailReason = ReasonStale).
	Trial goptuna.FrozenTrial
	// RequeuedAs is the ID of the WAITING trial repeating its parameters, or -1 if it was not requeued.
	RequeuedAs int
}

// RecoveredAtOpen returns what the automatic recovery did when this Store was opened (nil unless Options.RecoverOnOpen).
func (s *Store) RecoveredAtOpen() []Recovery { return slices.Clone(s.recovered) }

// recoverAtOpen fails and requeues every RUNNING trial of every study: the writer holds the exclusive lock,
// so no process that could still be running them is alive.
func (s *Store) recoverAtOpen() error {
	var studies []int
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bStudies).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if v != nil {
				continue
			}
			running := false
			err := tx.Bucket(bStudies).Bucket(k).Bucket(bTrials).ForEach(func(_, v []byte) error {
				h, err := decodeHead(v)
				running = running || h.state == goptuna.TrialStateRunning
				return err
			})
			if err != nil {
				return fmt.Errorf("store: study %d: %w", btoi(k), err)
			}
			if running {
				studies = append(studies, btoi(k))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, study := range studies {
		failed, ids, err := s.recoverStale(study, math.MinInt64, true)
		if err != nil {
			return err
		}
		for i := range failed {
			s.recovered = append(s.recovered, Recovery{Trial: failed[i], RequeuedAs: ids[i]})
		}
	}
	return nil
}

// recoverStale implements RecoverStale and RecoverStaleAndRequeue in one transaction.
func (s *Store) recoverStale(studyID int, grace time.Duration, requeue bool) ([]goptuna.FrozenTrial, []int, error) {
	var failed []goptuna.FrozenTrial
	var newIDs []int
	err := s.update(func(tx *bolt.Tx) error {
		failed, newIDs = nil, nil
		now := s.now()
		var stale []*trialRec
		if err := forEachTrial(tx, studyID, func(r *trialRec) error {
			if isStale(r, now, grace) {
				stale = append(stale, r)
			}
			return nil
		}); err != nil {
			return err
		}
		sb, err := studyBucket(tx, studyID)
		if err != nil {
			return err
		}
		tb := sb.Bucket(bTrials)
		for _, r := range stale {
			r.systemAttrs[AttrFailReason] = ReasonStale
			r.state = goptuna.TrialStateFail
			r.complete = now
			if requeue && r.systemAttrs[AttrRequeuedFrom] != "" {
				r.systemAttrs[AttrNotRequeued] = NotRequeuedTwice
				newIDs = append(newIDs, -1)
			}
			if err := putTrial(tb, r); err != nil {
				return err
			}
			ft, err := s.frozen(r)
			if err != nil {
				return err
			}
			failed = append(failed, ft)
			if requeue && r.systemAttrs[AttrRequeuedFrom] == "" {
				w, err := waitingFrom(r, now)
				if err != nil {
					return err
				}
				if err := newTrial(tx, studyID, w); err != nil {
					return err
				}
				newIDs = append(newIDs, w.id)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return failed, newIDs, nil
}

// waitingFrom builds a WAITING record that repeats r's parameters the way goptuna's Study.EnqueueTrial does.
func waitingFrom(r *trialRec, now time.Time) (*trialRec, error) {
	fixed := make(map[string]float64, len(r.params))
	for _, p := range r.params {
		fixed[p.name] = p.internal
	}
	// A trial started from an enqueued one that never reached its suggest calls keeps its fixed params.
	if js, ok := r.systemAttrs[AttrFixedParams]; ok {
		var prev map[string]float64
		if err := json.Unmarshal([]byte(js), &prev); err != nil {
			return nil, fmt.Errorf("store: trial %d %s: %w", r.id, AttrFixedParams, err)
		}
		for k, v := range prev {
			if _, set := fixed[k]; !set {
				fixed[k] = v
			}
		}
	}
	js, err := json.Marshal(fixed)
	if err != nil {
		return nil, fmt.Errorf("store: trial %d params: %w", r.id, err)
	}
	return &trialRec{
		state:     goptuna.TrialStateWaiting,
		start:     now,
		userAttrs: map[string]string{},
		systemAttrs: map[string]string{
			AttrFixedParams:  string(js),
			AttrRequeuedFrom: strconv.Itoa(r.number),
		},
	}, nil
}

// Requeue enqueues ft's parameters again as a new WAITING trial of the study (goptuna's "fixed_params" system attribute, as Study.EnqueueTrial does) and returns its ID.
func (s *Store) Requeue(studyID int, ft goptuna.FrozenTrial) (int, error) {
	r, err := recFromFrozen(ft)
	if err != nil {
		return -1, fmt.Errorf("store: requeue trial %d: %w", ft.ID, err)
	}
	r.id, r.number = ft.ID, ft.Number
	w, err := waitingFrom(r, s.now())
	if err != nil {
		return -1, err
	}
	if err := s.update(func(tx *bolt.Tx) error { return newTrial(tx, studyID, w) }); err != nil {
		return -1, err
	}
	return w.id, nil
}

// PopWaitingTrial atomically claims the lowest-numbered WAITING trial of the study (WAITING→RUNNING in one transaction); ok is false when none waits.
func (s *Store) PopWaitingTrial(studyID int) (trialID int, ok bool, err error) {
	err = s.update(func(tx *bolt.Tx) error {
		trialID, ok = -1, false // fn may run more than once (see update)
		sb, err := studyBucket(tx, studyID)
		if err != nil {
			return err
		}
		tb := sb.Bucket(bTrials)
		c := tb.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			r, err := decodeTrial(v)
			if err != nil {
				return fmt.Errorf("store: study %d: %w", studyID, err)
			}
			if r.state != goptuna.TrialStateWaiting {
				continue
			}
			if err := s.transition(r, goptuna.TrialStateRunning); err != nil {
				return err
			}
			trialID, ok = r.id, true
			return putTrial(tb, r)
		}
		return nil
	})
	if err != nil {
		return -1, false, err
	}
	return trialID, ok, nil
}
