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

// countSQL counts a study's trials by state, rejection and retry in one statement (the grouping
// of store.TrialCounts.Add: a FAIL is retried when record.SysRetry is "1" or its
// record.SysFailReason starts with "stale", as record.Retried says), with each group's best
// COMPLETE value (NaN left out).
const countSQL = `SELECT t.state,
	t.state IN (1, 2, 3) AND EXISTS (SELECT 1 FROM attnsearch_trial_attrs a
		WHERE a.trial_id = t.id AND NOT a.system AND a.key = $2 AND a.value = 'true'::bytea),
	t.state = 3 AND EXISTS (SELECT 1 FROM attnsearch_trial_attrs a
		WHERE a.trial_id = t.id AND a.system AND ((a.key = $3 AND a.value = '1'::bytea) OR (a.key = $4 AND substr(a.value, 1, 5) = 'stale'::bytea))),
	count(*), max(t.value) FILTER (WHERE t.state = 1 AND t.value <> 'NaN'::float8)
	FROM attnsearch_trials t WHERE t.study_id = $1 GROUP BY 1, 2, 3`

// countTrials runs countSQL on q; found reports whether the study has any trial.
func countTrials(ctx context.Context, q querier, studyID int) (c store.TrialCounts, found bool, err error) {
	c.Best = math.NaN()
	b := &pgx.Batch{}
	b.Queue(countSQL, studyID, []byte(record.KeyRejected), []byte(record.SysRetry), []byte(record.SysFailReason))
	br := q.SendBatch(ctx, b)
	defer br.Close()
	rows, err := br.Query()
	if err != nil {
		return c, false, err
	}
	for rows.Next() {
		var state int16
		var rejected, retried bool
		var n int
		var best *float64
		if err := rows.Scan(&state, &rejected, &retried, &n, &best); err != nil {
			rows.Close()
			return c, false, err
		}
		found = true
		switch {
		case state == 0:
			c.Running += n
		case state == 4:
			c.Waiting += n
		case retried:
		case rejected:
			c.Rejected += n
		default:
			c.Finished += n
		}
		if best != nil && (math.IsNaN(c.Best) || *best > c.Best) {
			c.Best = *best
		}
	}
	if err := rows.Err(); err != nil {
		return c, false, err
	}
	return c, found, br.Close()
}

// CountTrials counts studyID's trials (store.Turns) in one statement.
func (s *Store) CountTrials(studyID int) (store.TrialCounts, error) {
	var c store.TrialCounts
	err := s.run("count trials", func(ctx context.Context, _ bool) error {
		var found bool
		var err error
		if c, found, err = countTrials(ctx, s.pool, studyID); err != nil || found {
			return err
		}
		return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
			return studyExists(ctx, tx, studyID)
		})
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
			c, _, err := countTrials(ctx, tx, studyID)
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
