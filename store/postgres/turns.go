package postgres

import (
	"context"
	"math"

	"github.com/jackc/pgx/v5"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store"
)

var _ store.Turns = (*Store)(nil)

// rowQuerier is what a single-row statement needs of a pool or a transaction.
type rowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// countSQL lists a study's trials numbered from $5 on, in number order, with what a count needs
// of each (the grouping of store.TrialCounts.Add): its state, whether it is rejected (user
// attribute record.KeyRejected "true"), whether it is a FAIL that is retried (record.SysRetry
// "1", or record.SysFailReason starting with "stale", as record.Retried says) and its value. The
// study's row comes first in the join, so that a study without such trials gives one row of NULLs
// and a missing study none.
const countSQL = `SELECT t.number, t.state,
	t.state IN (1, 2, 3) AND EXISTS (SELECT 1 FROM attnsearch_trial_attrs a
		WHERE a.trial_id = t.id AND NOT a.system AND a.key = $2 AND a.value = 'true'::bytea),
	t.state = 3 AND EXISTS (SELECT 1 FROM attnsearch_trial_attrs a
		WHERE a.trial_id = t.id AND a.system AND ((a.key = $3 AND a.value = '1'::bytea) OR (a.key = $4 AND substr(a.value, 1, 5) = 'stale'::bytea))),
	t.value
	FROM attnsearch_studies s LEFT JOIN attnsearch_trials t ON t.study_id = s.id AND t.number >= $5
	WHERE s.id = $1 ORDER BY t.number`

// counted is what a Store has counted of one study: the counts of its trials numbered 0 to
// next−1, every one of them finished when it was counted. A finished trial never changes (both
// the store and its recovery refuse every write to one, and trials are deleted only with their
// study) and trial numbers are given in commit order, so these counts stay right and a count
// reads only the trials numbered from next on: one statement over the unfinished tail, where
// counting every trial grew with the study (two counts per turn of a shared study).
type counted struct {
	next int
	c    store.TrialCounts
}

// addCount adds to c one trial as store.TrialCounts.Add counts it.
func addCount(c *store.TrialCounts, state int16, rejected, retried bool, value float64) {
	switch {
	case state == 0:
		c.Running++
	case state == 4:
		c.Waiting++
	case retried:
	case rejected:
		c.Rejected++
	default:
		c.Finished++
	}
	if state == 1 && !math.IsNaN(value) && (math.IsNaN(c.Best) || value > c.Best) {
		c.Best = value
	}
}

// sumCounts returns a and b counted together.
func sumCounts(a, b store.TrialCounts) store.TrialCounts {
	a.Finished, a.Rejected, a.Running, a.Waiting = a.Finished+b.Finished, a.Rejected+b.Rejected, a.Running+b.Running, a.Waiting+b.Waiting
	if !math.IsNaN(b.Best) && (math.IsNaN(a.Best) || b.Best > a.Best) {
		a.Best = b.Best
	}
	return a
}

// countTrials counts studyID's trials on q: the counts kept of its finished leading trials
// (counted) and the trials numbered after them, read with countSQL; the leading finished ones of
// those are kept for the next count. found reports whether the study exists.
func (s *Store) countTrials(ctx context.Context, q querier, studyID int) (c store.TrialCounts, found bool, err error) {
	s.countM.Lock()
	kept := s.counted[studyID]
	s.countM.Unlock()
	from, head := 0, store.TrialCounts{Best: math.NaN()}
	if kept != nil {
		from, head = kept.next, kept.c
	}
	b := &pgx.Batch{}
	b.Queue(countSQL, studyID, []byte(record.KeyRejected), []byte(record.SysRetry), []byte(record.SysFailReason), from)
	br := q.SendBatch(ctx, b)
	defer br.Close()
	rows, err := br.Query()
	if err != nil {
		return c, false, err
	}
	tail, moved := store.TrialCounts{Best: math.NaN()}, head
	next, leading := from, true // leading: the trials so far continue the kept ones, all finished
	for rows.Next() {
		var number *int64
		var state *int16
		var rejected, retried *bool
		var value *float64
		if err := rows.Scan(&number, &state, &rejected, &retried, &value); err != nil {
			rows.Close()
			return c, false, err
		}
		found = true
		if number == nil { // the study's row alone: no trial numbered from `from` on
			continue
		}
		v := math.NaN()
		if value != nil {
			v = *value
		}
		if leading = leading && int(*number) == next && *state >= 1 && *state <= 3; leading {
			addCount(&moved, *state, *rejected, *retried, v)
			next++
			continue
		}
		addCount(&tail, *state, *rejected, *retried, v)
	}
	if err := rows.Err(); err != nil {
		return c, false, err
	}
	if err := br.Close(); err != nil {
		return c, false, err
	}
	s.countM.Lock()
	defer s.countM.Unlock()
	switch cur := s.counted[studyID]; {
	case !found:
		delete(s.counted, studyID) // the study is gone; count afresh should its ID come back
		return c, false, nil
	case next > from && (cur == nil && from == 0 || cur != nil && cur.next == from):
		s.counted[studyID] = &counted{next: next, c: moved} // unless a concurrent count moved it on
	}
	return sumCounts(moved, tail), true, nil
}

// CountTrials counts studyID's trials (store.Turns) in one statement, reading only the trials
// after the leading finished ones it has counted before (see counted).
func (s *Store) CountTrials(studyID int) (store.TrialCounts, error) {
	var c store.TrialCounts
	err := s.run("count trials", func(ctx context.Context, _ bool) error {
		var found bool
		var err error
		if c, found, err = s.countTrials(ctx, s.pool, studyID); err == nil && !found {
			return invalidStudy(studyID)
		}
		return err
	})
	return c, err
}

// CreateTrialIf is store.Turns' CreateTrialIf. The turn lock is the study's row, locked FOR NO KEY
// UPDATE (as creating a trial's UPDATE of the study's next_number does anyway) from before the
// count to the commit of the new trial: a second taker's lock waits for that commit, and its
// count, a later statement of READ COMMITTED, then sees the new trial. A process dying with the
// lock loses its connection, and the server rolls its transaction back and releases the lock.
func (s *Store) CreateTrialIf(studyID int, allow func(store.TrialCounts) bool) (trialID int, ok bool, err error) {
	trialID = -1
	found, err := s.runMarked("create trial", "attnsearch_trials", &trialID, func(ctx context.Context, tok []byte) error {
		trialID, ok = -1, false
		return s.inTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
			var one int
			err := tx.QueryRow(ctx, `SELECT 1 FROM attnsearch_studies WHERE id = $1 FOR NO KEY UPDATE`, studyID).Scan(&one)
			if errNoRows(err) {
				return invalidStudy(studyID)
			}
			if err != nil {
				return err
			}
			c, _, err := s.countTrials(ctx, tx, studyID)
			if err != nil || !allow(c) {
				return err
			}
			if trialID, err = s.insertRunning(ctx, tx, studyID, tok); err != nil {
				return err
			}
			ok = true
			return nil
		})
	})
	if err != nil {
		return -1, false, err
	}
	return trialID, ok || found, nil
}

// insertRunning inserts a RUNNING trial numbered from the study's counter, in one statement so
// that the same instant is its start and its first heartbeat, and returns its ID.
func (s *Store) insertRunning(ctx context.Context, q rowQuerier, studyID int, tok []byte) (int, error) {
	id := -1
	err := q.QueryRow(ctx, `WITH n AS (UPDATE attnsearch_studies SET next_number = next_number + 1 WHERE id = $1 RETURNING next_number - 1 AS number)
		INSERT INTO attnsearch_trials (study_id, number, state, start_ns, heartbeat_ns, xact, op_token)
		SELECT $1, n.number, 0, `+nowSQL(2)+`, `+nowSQL(2)+`, `+xactSQL+`, $3 FROM n RETURNING id`, studyID, s.nowArg(), tok).Scan(&id)
	if errNoRows(err) {
		return -1, invalidStudy(studyID)
	}
	return id, err
}
