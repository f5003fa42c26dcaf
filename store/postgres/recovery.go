package postgres

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/jackc/pgx/v5"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store"
)

// Heartbeat records that the worker of a RUNNING trial is alive; other states give goptuna.ErrTrialCannotBeUpdated.
func (s *Store) Heartbeat(trialID int) error {
	// The heartbeat is not part of goptuna's FrozenTrial, so it does not mark the trial changed.
	return s.modify("heartbeat", trialID, `UPDATE attnsearch_trials SET heartbeat_ns = `+nowSQL(2)+` WHERE id = $1 AND state = 0`, s.nowArg())
}

// trialHeartbeat returns the last heartbeat of a trial (zero for trials that never ran).
func (s *Store) trialHeartbeat(trialID int) (time.Time, error) {
	var hb *int64
	if err := s.readRow("read heartbeat", func() error { return invalidTrial(trialID) },
		`SELECT heartbeat_ns FROM attnsearch_trials WHERE id = $1`, []any{trialID}, &hb); err != nil {
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
			beats, ids, err := heartbeats(ctx, tx, staleSQL, studyID, graceArg(grace), s.nowArg())
			if err != nil || len(ids) == 0 {
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

// heartbeats reads the heartbeat_ns of the trials that the condition where selects: by trial ID,
// and their IDs in the order read.
func heartbeats(ctx context.Context, tx pgx.Tx, where string, args ...any) (map[int]*int64, []int64, error) {
	rows, err := tx.Query(ctx, `SELECT id, heartbeat_ns FROM attnsearch_trials WHERE `+where, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	beats := map[int]*int64{}
	var ids []int64
	for rows.Next() {
		var id int
		var hb *int64
		if err := rows.Scan(&id, &hb); err != nil {
			return nil, nil, err
		}
		beats[id] = hb
		ids = append(ids, int64(id))
	}
	return beats, ids, rows.Err()
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
				studyID, []byte(record.SysFailReason), []byte(record.ReasonStale))
			if err != nil {
				return err
			}
			out, err = s.frozenSorted(m)
			return err
		})
	})
	return out, err
}

// RecoverStale marks FAIL, with record.SysFailReason = record.ReasonStale, every RUNNING trial of
// the study whose heartbeat is older than grace (grace <= 0: every RUNNING trial) and enqueues a
// WAITING retry of each (its point, seed and ordinal), in one transaction, and returns the failed
// trials as they are now stored. A crash at any instant leaves neither half or both; a retry that
// dies is retried again like any trial.
//
// Other workers may be alive: recovery locks each stale trial's row and skips rows another
// transaction holds, so each stale trial is recovered (and retried) by exactly one caller, and a
// worker whose trial was recovered gets goptuna.ErrTrialCannotBeUpdated on its next write.
func (s *Store) RecoverStale(studyID int, grace time.Duration) ([]goptuna.FrozenTrial, error) {
	if grace <= 0 {
		grace = math.MinInt64
	}
	var failed []goptuna.FrozenTrial
	err := s.run("recover stale trials", func(ctx context.Context, _ bool) error {
		failed = nil
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
			b := &pgx.Batch{}
			b.Queue(`UPDATE attnsearch_trials SET state = 3, complete_ns = `+nowSQL(2)+`, xact = `+xactSQL+` WHERE id = ANY($1)`, ids, s.nowArg())
			b.Queue(`INSERT INTO attnsearch_trial_attrs (trial_id, system, key, value) SELECT unnest($1::bigint[]), true, $2, $3
				ON CONFLICT (trial_id, system, key) DO UPDATE SET value = EXCLUDED.value`, ids, []byte(record.SysFailReason), []byte(record.ReasonStale))
			if err := tx.SendBatch(ctx, b).Close(); err != nil {
				return err
			}
			after, err := loadTrials(ctx, tx, `t.id = ANY($1)`, ids)
			if err != nil {
				return err
			}
			if s.opts.Hooks.InRecovery != nil {
				stale := make([]int, len(ids))
				for i, id := range ids {
					stale[i] = int(id)
				}
				if err := s.opts.Hooks.InRecovery(stale); err != nil {
					return fmt.Errorf("recovery hook: %w", err)
				}
			}
			// A trial that was RUNNING until now has no retry, unless a store written by an
			// older build retried it already: enqueue one for each that has none.
			numbers := make([]int64, 0, len(after))
			for _, r := range after {
				numbers = append(numbers, int64(r.number))
			}
			retried, err := retriedNumbers(ctx, tx, studyID, numbers)
			if err != nil {
				return err
			}
			for _, r := range byNumber(after) {
				if retried[strconv.Itoa(r.number)] {
					continue
				}
				if err := s.enqueueRetry(ctx, tx, studyID, r); err != nil {
					return err
				}
			}
			failed, err = s.frozenSorted(after)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return failed, nil
}

// retriedNumbers returns the numbers (as stored text) of the study's trials that a trial retries
// (record.SysRetryOf) or that were requeued (record.SysRequeuedFrom): all of them, or with numbers
// not nil only those among numbers.
func retriedNumbers(ctx context.Context, tx pgx.Tx, studyID int, numbers []int64) (map[string]bool, error) {
	q := `SELECT a.value FROM attnsearch_trial_attrs a JOIN attnsearch_trials t ON t.id = a.trial_id
		WHERE t.study_id = $1 AND a.system AND a.key IN ($2, $3)`
	args := []any{studyID, []byte(record.SysRetryOf), []byte(record.SysRequeuedFrom)}
	if numbers != nil {
		q += ` AND a.value = ANY($4)`
		args = append(args, numberTexts(numbers))
	}
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	marks, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, err
	}
	retried := make(map[string]bool, len(marks))
	for _, m := range marks {
		retried[string(m)] = true
	}
	return retried, nil
}

// enqueueRetry inserts, in tx, a WAITING trial of the study that retries the failed trial r.
func (s *Store) enqueueRetry(ctx context.Context, tx pgx.Tx, studyID int, r *rawTrial) error {
	w, err := waitingFrom(r)
	if err != nil {
		return err
	}
	_, _, err = s.insertTrial(ctx, tx, studyID, w, nil)
	return err
}

// numberTexts returns trial numbers as the bytes a retry mark stores.
func numberTexts(numbers []int64) [][]byte {
	out := make([][]byte, len(numbers))
	for i, n := range numbers {
		out[i] = []byte(strconv.FormatInt(n, 10))
	}
	return out
}

// Requeue enqueues, in one transaction, a WAITING retry of every FAIL trial of the study that
// record.Retried says is to be tried again and that no trial retries yet; it returns how many it
// enqueued. RecoverStale enqueues its own retries; Requeue finds what is left: interrupted trials,
// and stale trials of databases written by older builds, whose recovery was two transactions. The retry carries the failed trial's point as goptuna's record.SysFixedParams (as
// Study.EnqueueTrial does), record.SysRetryOf = its number, and its record.SysSeed and
// record.SysOrdinal when it has them. Concurrent callers (on any machine) are serialised by a lock
// on the study's row, so each retry is enqueued once.
func (s *Store) Requeue(studyID int) (int, error) {
	n := 0
	err := s.run("requeue trials", func(ctx context.Context, _ bool) error {
		n = 0
		return s.inTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
			var one int
			err := tx.QueryRow(ctx, `SELECT 1 FROM attnsearch_studies WHERE id = $1 FOR UPDATE`, studyID).Scan(&one)
			if errNoRows(err) {
				return invalidStudy(studyID)
			}
			if err != nil {
				return err
			}
			retried, err := retriedNumbers(ctx, tx, studyID, nil)
			if err != nil {
				return err
			}
			failed, err := loadTrials(ctx, tx, `t.study_id = $1 AND t.state = 3`, studyID)
			if err != nil {
				return err
			}
			for _, r := range byNumber(failed) {
				if retried[strconv.Itoa(r.number)] || !record.Retried(goptuna.FrozenTrial{State: r.state, SystemAttrs: r.system}) {
					continue
				}
				if err := s.enqueueRetry(ctx, tx, studyID, r); err != nil {
					return err
				}
				n++
			}
			return nil
		})
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// waitingFrom builds a WAITING trial that repeats r's point the way goptuna's Study.EnqueueTrial does.
func waitingFrom(r *rawTrial) (*newTrial, error) {
	sys, err := store.RetryAttrs(r.id, r.number, r.system, r.params)
	if err != nil {
		return nil, err
	}
	return &newTrial{state: goptuna.TrialStateWaiting, user: map[string]string{}, system: sys}, nil
}

// PopWaitingTrial atomically claims the lowest-numbered WAITING trial of the study that no other
// worker is claiming (WAITING→RUNNING, skipping rows locked by others); ok is false when none waits.
func (s *Store) PopWaitingTrial(studyID int) (trialID int, ok bool, err error) {
	trialID = -1
	found, err := s.runMarked("claim waiting trial", "attnsearch_trials", &trialID, func(ctx context.Context, tok []byte) error {
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
	return trialID, ok || found, nil
}
