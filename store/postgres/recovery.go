package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/jackc/pgx/v5"

	"github.com/attnsearch/attnsearch/store"
)

// Heartbeat records that the worker of a RUNNING trial is alive; other states give goptuna.ErrTrialCannotBeUpdated.
func (s *Store) Heartbeat(trialID int) error {
	// The heartbeat is not part of goptuna's FrozenTrial, so it does not mark the trial changed.
	return s.modify("heartbeat", trialID, `UPDATE attnsearch_trials SET heartbeat_ns = `+nowSQL(2)+` WHERE id = $1 AND state = 0`, s.nowArg())
}

// TrialHeartbeat returns the last heartbeat of a trial (zero for trials that never ran).
func (s *Store) TrialHeartbeat(trialID int) (time.Time, error) {
	var hb *int64
	err := s.run("read heartbeat", func(ctx context.Context, _ bool) error {
		err := s.pool.QueryRow(ctx, `SELECT heartbeat_ns FROM attnsearch_trials WHERE id = $1`, trialID).Scan(&hb)
		if errNoRows(err) {
			return invalidTrial(trialID)
		}
		return err
	})
	if err != nil {
		return time.Time{}, err
	}
	return nsTime(hb), nil
}

// graceArg is the grace argument of the stale condition: nil for every RUNNING trial.
func graceArg(grace time.Duration) any {
	if grace == math.MinInt64 {
		return nil
	}
	ns := int64(grace)
	return &ns
}

// staleSQL selects the RUNNING trials of study $1 whose heartbeat is older than $2 nanoseconds before now ($3: Options.Clock).
var staleSQL = `study_id = $1 AND state = 0 AND ($2::bigint IS NULL OR heartbeat_ns < ` + nowSQL(3) + ` - $2::bigint)`

// StaleTrials lists, without changing anything, the study's RUNNING trials whose heartbeat is older than grace.
func (s *Store) StaleTrials(studyID int, grace time.Duration) ([]store.RunningTrial, error) {
	var out []store.RunningTrial
	err := s.run("list stale trials", func(ctx context.Context, _ bool) error {
		out = nil
		return s.inTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
			if err := studyExists(ctx, tx, studyID); err != nil {
				return err
			}
			beats := map[int]*int64{}
			rows, err := tx.Query(ctx, `SELECT id, heartbeat_ns FROM attnsearch_trials WHERE `+staleSQL, studyID, graceArg(grace), s.nowArg())
			if err != nil {
				return err
			}
			var ids []int64
			for rows.Next() {
				var id int
				var hb *int64
				if err := rows.Scan(&id, &hb); err != nil {
					rows.Close()
					return err
				}
				beats[id] = hb
				ids = append(ids, int64(id))
			}
			if err := rows.Err(); err != nil || len(ids) == 0 {
				return err
			}
			m, err := loadTrials(ctx, tx, `t.id = ANY($1)`, ids)
			if err != nil {
				return err
			}
			fts, err := s.frozenSorted(m)
			if err != nil {
				return err
			}
			for _, ft := range fts {
				out = append(out, store.RunningTrial{FrozenTrial: ft, Heartbeat: nsTime(beats[ft.ID])})
			}
			return nil
		})
	})
	return out, err
}

// RunningTrials lists the study's RUNNING trials with their last heartbeat.
func (s *Store) RunningTrials(studyID int) ([]store.RunningTrial, error) {
	return s.StaleTrials(studyID, math.MinInt64)
}

// studyExists returns goptuna.ErrInvalidStudyID (wrapped) when the study does not exist.
func studyExists(ctx context.Context, tx pgx.Tx, studyID int) error {
	var ok bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM attnsearch_studies WHERE id = $1)`, studyID).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return invalidStudy(studyID)
	}
	return nil
}

// RecoveredTrials lists the study's trials that were failed because their worker died.
func (s *Store) RecoveredTrials(studyID int) ([]goptuna.FrozenTrial, error) {
	var out []goptuna.FrozenTrial
	err := s.run("list recovered trials", func(ctx context.Context, _ bool) error {
		return s.inTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
			if err := studyExists(ctx, tx, studyID); err != nil {
				return err
			}
			m, err := loadTrials(ctx, tx, `t.study_id = $1 AND t.state = 3 AND EXISTS (SELECT 1 FROM attnsearch_trial_attrs r
				WHERE r.trial_id = t.id AND r.system AND r.key = $2 AND r.value = $3)`,
				studyID, []byte(store.AttrFailReason), []byte(store.ReasonStale))
			if err != nil {
				return err
			}
			out, err = s.frozenSorted(m)
			return err
		})
	})
	return out, err
}

// RecoverStale marks FAIL, with store.AttrFailReason = store.ReasonStale, every RUNNING trial of
// the study whose heartbeat is older than grace, and returns them as they are now stored.
//
// Other workers may be alive: recovery locks each stale trial's row and skips rows another
// transaction holds, so each stale trial is recovered by exactly one caller, and a worker whose
// trial was recovered gets goptuna.ErrTrialCannotBeUpdated on its next write.
func (s *Store) RecoverStale(studyID int, grace time.Duration) ([]goptuna.FrozenTrial, error) {
	failed, _, err := s.recoverStale(studyID, grace, false)
	return failed, err
}

// RecoverStaleAndRequeue does RecoverStale and, in the same transaction, enqueues each failed
// trial's parameters again as a WAITING trial; it returns the failed trials and, at the same
// index, the new trial's ID, or -1 when the failed trial was itself a requeue (store.AttrNotRequeued then says so).
func (s *Store) RecoverStaleAndRequeue(studyID int, grace time.Duration) ([]goptuna.FrozenTrial, []int, error) {
	return s.recoverStale(studyID, grace, true)
}

// recoverStale implements RecoverStale and RecoverStaleAndRequeue in one transaction.
func (s *Store) recoverStale(studyID int, grace time.Duration, requeue bool) ([]goptuna.FrozenTrial, []int, error) {
	var failed []goptuna.FrozenTrial
	var newIDs []int
	err := s.run("recover stale trials", func(ctx context.Context, _ bool) error {
		failed, newIDs = nil, nil
		return s.inTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
			if err := studyExists(ctx, tx, studyID); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, `SELECT id FROM attnsearch_trials WHERE `+staleSQL+` ORDER BY number FOR UPDATE SKIP LOCKED`,
				studyID, graceArg(grace), s.nowArg())
			if err != nil {
				return err
			}
			ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			if err != nil || len(ids) == 0 {
				return err
			}
			before, err := loadTrials(ctx, tx, `t.id = ANY($1)`, ids)
			if err != nil {
				return err
			}
			b := &pgx.Batch{}
			b.Queue(`UPDATE attnsearch_trials SET state = 3, complete_ns = `+nowSQL(2)+`, xact = `+xactSQL+` WHERE id = ANY($1)`, ids, s.nowArg())
			b.Queue(`INSERT INTO attnsearch_trial_attrs (trial_id, system, key, value) SELECT unnest($1::bigint[]), true, $2, $3
				ON CONFLICT (trial_id, system, key) DO UPDATE SET value = EXCLUDED.value`, ids, []byte(store.AttrFailReason), []byte(store.ReasonStale))
			var twice []int64
			for _, id := range ids {
				if _, ok := before[int(id)].system[store.AttrRequeuedFrom]; requeue && ok {
					twice = append(twice, id)
				}
			}
			if len(twice) > 0 {
				b.Queue(`INSERT INTO attnsearch_trial_attrs (trial_id, system, key, value) SELECT unnest($1::bigint[]), true, $2, $3
					ON CONFLICT (trial_id, system, key) DO UPDATE SET value = EXCLUDED.value`, twice, []byte(store.AttrNotRequeued), []byte(store.NotRequeuedTwice))
			}
			if err := tx.SendBatch(ctx, b).Close(); err != nil {
				return err
			}
			for _, id := range ids {
				r := before[int(id)]
				if !requeue {
					continue
				}
				if _, ok := r.system[store.AttrRequeuedFrom]; ok {
					newIDs = append(newIDs, -1)
					continue
				}
				w, err := waitingFrom(r)
				if err != nil {
					return err
				}
				nid, _, err := s.insertTrial(ctx, tx, studyID, w, nil)
				if err != nil {
					return err
				}
				newIDs = append(newIDs, nid)
			}
			after, err := loadTrials(ctx, tx, `t.id = ANY($1)`, ids)
			if err != nil {
				return err
			}
			for _, id := range ids {
				ft, err := s.frozen(after[int(id)])
				if err != nil {
					return err
				}
				failed = append(failed, ft)
			}
			return nil
		})
	})
	if err != nil {
		return nil, nil, err
	}
	return failed, newIDs, nil
}

// waitingFrom builds a WAITING trial that repeats r's parameters the way goptuna's Study.EnqueueTrial does.
func waitingFrom(r *rawTrial) (*newTrial, error) {
	fixed := make(map[string]float64, len(r.params))
	for _, p := range r.params {
		fixed[p.name] = p.internal
	}
	// A trial started from an enqueued one that never reached its suggest calls keeps its fixed params.
	if js, ok := r.system[store.AttrFixedParams]; ok {
		var prev map[string]float64
		if err := json.Unmarshal([]byte(js), &prev); err != nil {
			return nil, fmt.Errorf("trial %d %s: %w", r.id, store.AttrFixedParams, err)
		}
		for k, v := range prev {
			if _, set := fixed[k]; !set {
				fixed[k] = v
			}
		}
	}
	js, err := json.Marshal(fixed)
	if err != nil {
		return nil, fmt.Errorf("trial %d params: %w", r.id, err)
	}
	return &newTrial{
		state: goptuna.TrialStateWaiting,
		start: nil,
		user:  map[string]string{},
		system: map[string]string{
			store.AttrFixedParams:  string(js),
			store.AttrRequeuedFrom: strconv.Itoa(r.number),
		},
	}, nil
}

// Requeue enqueues ft's parameters again as a new WAITING trial of the study (goptuna's
// "fixed_params" system attribute, as Study.EnqueueTrial does) and returns its ID.
func (s *Store) Requeue(studyID int, ft goptuna.FrozenTrial) (int, error) {
	r := &rawTrial{id: ft.ID, number: ft.Number, system: ft.SystemAttrs}
	for name, ir := range ft.InternalParams {
		r.params = append(r.params, param{name: name, internal: ir})
	}
	w, err := waitingFrom(r)
	if err != nil {
		return -1, fmt.Errorf("postgres: requeue trial %d: %w", ft.ID, err)
	}
	return s.createTrial("requeue trial", studyID, w)
}

// PopWaitingTrial atomically claims the lowest-numbered WAITING trial of the study that no other
// worker is claiming (WAITING→RUNNING, skipping rows locked by others); ok is false when none waits.
func (s *Store) PopWaitingTrial(studyID int) (trialID int, ok bool, err error) {
	tok := token()
	trialID = -1
	err = s.run("claim waiting trial", func(ctx context.Context, ambiguous bool) error {
		if ambiguous {
			err := s.pool.QueryRow(ctx, `SELECT id FROM attnsearch_trials WHERE op_token = $1`, tok).Scan(&trialID)
			if err == nil {
				ok = true
			}
			if err == nil || !errNoRows(err) {
				return err
			}
		}
		err := s.pool.QueryRow(ctx, `UPDATE attnsearch_trials SET state = 0, start_ns = `+nowSQL(2)+`, heartbeat_ns = `+nowSQL(2)+`,
			xact = `+xactSQL+`, op_token = $3
			WHERE id = (SELECT id FROM attnsearch_trials WHERE study_id = $1 AND state = 4 ORDER BY number LIMIT 1 FOR UPDATE SKIP LOCKED)
			RETURNING id`, studyID, s.nowArg(), tok).Scan(&trialID)
		if errNoRows(err) {
			trialID, ok = -1, false
			var exists bool
			if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM attnsearch_studies WHERE id = $1)`, studyID).Scan(&exists); err != nil {
				return err
			}
			if !exists {
				return invalidStudy(studyID)
			}
			return nil
		}
		ok = err == nil
		return err
	})
	if err != nil {
		return -1, false, err
	}
	return trialID, ok, nil
}
