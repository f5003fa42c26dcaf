package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/c-bata/goptuna"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/attnsearch/attnsearch/store"
)

// pgCode returns the SQLSTATE of a server error, or "".
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// Unique and foreign key violations.
const (
	codeUnique     = "23505"
	codeForeignKey = "23503"
)

// invalidStudy is goptuna.ErrInvalidStudyID with the study's ID.
func invalidStudy(studyID int) error {
	return fmt.Errorf("postgres: study %d: %w", studyID, goptuna.ErrInvalidStudyID)
}

// invalidTrial is goptuna.ErrInvalidTrialID with the trial's ID.
func invalidTrial(trialID int) error {
	return fmt.Errorf("postgres: trial %d: %w", trialID, goptuna.ErrInvalidTrialID)
}

// whyNot explains a write that matched no unfinished trial: the trial does not exist, or it is finished.
func (s *Store) whyNot(ctx context.Context, trialID int) error {
	var state int16
	err := s.pool.QueryRow(ctx, `SELECT state FROM attnsearch_trials WHERE id = $1`, trialID).Scan(&state)
	if errNoRows(err) {
		return invalidTrial(trialID)
	}
	if err != nil {
		return err
	}
	return goptuna.ErrTrialCannotBeUpdated
}

// modify runs one statement that writes to an unfinished trial ($1 is its ID) and affects a row
// only if the trial exists and is unfinished. The statements are idempotent, so a retry after a
// lost answer is safe.
func (s *Store) modify(op string, trialID int, sql string, args ...any) error {
	return s.run(op, func(ctx context.Context, _ bool) error {
		tag, err := s.pool.Exec(ctx, sql, append([]any{trialID}, args...)...)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return s.whyNot(ctx, trialID)
		}
		return nil
	})
}

// touch is a common table expression that marks the unfinished trial $1 as changed (and locks its row).
const touch = `WITH t AS (UPDATE attnsearch_trials SET xact = ` + xactSQL + ` WHERE id = $1 AND state IN ` + unfinished + ` RETURNING id) `

// CreateNewStudy creates a study (a generated "no-name-" name when name is empty) and returns its ID.
func (s *Store) CreateNewStudy(name string) (int, error) {
	if name == "" {
		var err error
		if name, err = store.GeneratedStudyName(); err != nil {
			return -1, fmt.Errorf("postgres: create study: %w", err)
		}
	}
	id := -1
	_, err := s.runMarked("create study", "attnsearch_studies", &id, func(ctx context.Context, tok []byte) error {
		err := s.pool.QueryRow(ctx, `INSERT INTO attnsearch_studies (name, direction, created_ns, op_token)
			VALUES ($1, $2, `+nowSQL(3)+`, $4) RETURNING id`, []byte(name), string(goptuna.StudyDirectionMinimize), s.nowArg(), tok).Scan(&id)
		if pgCode(err) == codeUnique {
			return fmt.Errorf("postgres: create study: study %q: %w", name, store.ErrStudyExists)
		}
		return err
	})
	if err != nil {
		return -1, err
	}
	return id, nil
}

// DeleteStudy deletes a study and all its trials.
func (s *Store) DeleteStudy(studyID int) error {
	err := s.run("delete study", func(ctx context.Context, ambiguous bool) error {
		tag, err := s.pool.Exec(ctx, `DELETE FROM attnsearch_studies WHERE id = $1`, studyID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 && !ambiguous {
			return invalidStudy(studyID)
		}
		return nil
	})
	s.dropCache(studyID)
	return err
}

// SetStudyDirection sets the direction of the study's objective.
func (s *Store) SetStudyDirection(studyID int, direction goptuna.StudyDirection) error {
	if direction != goptuna.StudyDirectionMinimize && direction != goptuna.StudyDirectionMaximize {
		return fmt.Errorf("postgres: study %d: unknown direction %q", studyID, direction)
	}
	return s.run("set study direction", func(ctx context.Context, _ bool) error {
		tag, err := s.pool.Exec(ctx, `UPDATE attnsearch_studies SET direction = $2 WHERE id = $1`, studyID, string(direction))
		if err == nil && tag.RowsAffected() == 0 {
			return invalidStudy(studyID)
		}
		return err
	})
}

// setStudyAttr stores one study attribute.
func (s *Store) setStudyAttr(studyID int, system bool, key, value string) error {
	return s.run("set study attribute", func(ctx context.Context, _ bool) error {
		_, err := s.pool.Exec(ctx, `INSERT INTO attnsearch_study_attrs (study_id, system, key, value) VALUES ($1, $2, $3, $4)
			ON CONFLICT (study_id, system, key) DO UPDATE SET value = EXCLUDED.value`, studyID, system, []byte(key), []byte(value))
		if pgCode(err) == codeForeignKey {
			return invalidStudy(studyID)
		}
		return err
	})
}

// SetStudyUserAttr stores a user attribute of the study.
func (s *Store) SetStudyUserAttr(studyID int, key string, value string) error {
	return s.setStudyAttr(studyID, false, key, value)
}

// SetStudySystemAttr stores a system attribute of the study.
func (s *Store) SetStudySystemAttr(studyID int, key string, value string) error {
	return s.setStudyAttr(studyID, true, key, value)
}

// GetStudyIDFromName returns the ID of the named study (store.ErrStudyNotFound if none).
func (s *Store) GetStudyIDFromName(name string) (int, error) {
	return s.rowInt("find study", func() error { return fmt.Errorf("postgres: study %q: %w", name, store.ErrStudyNotFound) },
		`SELECT id FROM attnsearch_studies WHERE name = $1`, []byte(name))
}

// GetStudyIDFromTrialID returns the ID of the study the trial belongs to.
func (s *Store) GetStudyIDFromTrialID(trialID int) (int, error) {
	return s.rowInt("find study of trial", func() error { return invalidTrial(trialID) },
		`SELECT study_id FROM attnsearch_trials WHERE id = $1`, trialID)
}

// studyRow reads a study's name and direction.
func (s *Store) studyRow(studyID int) (name string, direction goptuna.StudyDirection, err error) {
	var n []byte
	var d string
	err = s.readRow("read study", func() error { return invalidStudy(studyID) },
		`SELECT name, direction FROM attnsearch_studies WHERE id = $1`, []any{studyID}, &n, &d)
	return string(n), goptuna.StudyDirection(d), err
}

// GetStudyNameFromID returns the study's name.
func (s *Store) GetStudyNameFromID(studyID int) (string, error) {
	name, _, err := s.studyRow(studyID)
	if err != nil {
		return "", err
	}
	return name, nil
}

// GetStudyDirection returns the direction of the study's objective.
func (s *Store) GetStudyDirection(studyID int) (goptuna.StudyDirection, error) {
	_, d, err := s.studyRow(studyID)
	if err != nil {
		return goptuna.StudyDirectionMinimize, err
	}
	return d, nil
}

// getStudyAttrs returns a copy of the study's user or system attributes.
func (s *Store) getStudyAttrs(studyID int, system bool) (map[string]string, error) {
	var m map[string]string
	err := s.run("read study attributes", func(ctx context.Context, _ bool) error {
		m = map[string]string{}
		rows, err := s.pool.Query(ctx, `SELECT a.key, a.value FROM attnsearch_studies s
			LEFT JOIN attnsearch_study_attrs a ON a.study_id = s.id AND a.system = $2 WHERE s.id = $1`, studyID, system)
		if err != nil {
			return err
		}
		found := false
		for rows.Next() {
			found = true
			var k, v []byte
			if err := rows.Scan(&k, &v); err != nil {
				rows.Close()
				return err
			}
			if k != nil {
				m[string(k)] = string(v)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if !found {
			return invalidStudy(studyID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// GetStudyUserAttrs returns a copy of the study's user attributes.
func (s *Store) GetStudyUserAttrs(studyID int) (map[string]string, error) {
	return s.getStudyAttrs(studyID, false)
}

// GetStudySystemAttrs returns a copy of the study's system attributes.
func (s *Store) GetStudySystemAttrs(studyID int) (map[string]string, error) {
	return s.getStudyAttrs(studyID, true)
}

// bestSQL is the ID of the best complete trial of study s (NaN values ignored, lowest number on ties), or NULL.
const bestSQL = `(SELECT t.id FROM attnsearch_trials t WHERE t.study_id = s.id AND t.state = 1 AND t.value <> 'NaN'::float8
	ORDER BY CASE WHEN s.direction = 'maximize' THEN -t.value ELSE t.value END, t.number LIMIT 1)`

// GetAllStudySummaries returns a summary of every study, ordered by ID.
func (s *Store) GetAllStudySummaries() ([]goptuna.StudySummary, error) {
	var out []goptuna.StudySummary
	err := s.run("list studies", func(ctx context.Context, _ bool) error {
		out = nil
		return s.inTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `SELECT s.id, s.name, s.direction,
				(SELECT min(t.start_ns) FROM attnsearch_trials t WHERE t.study_id = s.id), `+bestSQL+`
				FROM attnsearch_studies s ORDER BY s.id`)
			if err != nil {
				return err
			}
			var bestIDs []int64
			bestOf := map[int]int{} // study ID → best trial ID
			index := map[int]int{}  // study ID → index in out
			for rows.Next() {
				var sum goptuna.StudySummary
				var name []byte
				var dir string
				var start, best *int64
				if err := rows.Scan(&sum.ID, &name, &dir, &start, &best); err != nil {
					rows.Close()
					return err
				}
				sum.Name, sum.Direction, sum.DatetimeStart = string(name), goptuna.StudyDirection(dir), nsTime(start)
				sum.UserAttrs, sum.SystemAttrs = map[string]string{}, map[string]string{}
				if best != nil {
					bestIDs = append(bestIDs, *best)
					bestOf[sum.ID] = int(*best)
				}
				index[sum.ID] = len(out)
				out = append(out, sum)
			}
			if err := rows.Err(); err != nil {
				return err
			}
			rows, err = tx.Query(ctx, `SELECT study_id, system, key, value FROM attnsearch_study_attrs`)
			if err != nil {
				return err
			}
			err = readAttrs(rows, func(id int, system bool, k, v string) {
				i, ok := index[id]
				if !ok {
					return
				}
				if system {
					out[i].SystemAttrs[k] = v
				} else {
					out[i].UserAttrs[k] = v
				}
			})
			if err != nil {
				return err
			}
			if len(bestIDs) == 0 {
				return nil
			}
			best, err := loadTrials(ctx, tx, `t.id = ANY($1)`, bestIDs)
			if err != nil {
				return err
			}
			for studyID, trialID := range bestOf {
				if r := best[trialID]; r != nil {
					if out[index[studyID]].BestTrial, err = s.frozen(r); err != nil {
						return err
					}
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// newTrial is the content of a trial to insert.
type newTrial struct {
	state           goptuna.TrialState
	value           float64
	start, complete *int64
	heartbeat       *int64 // stored as is unless beatNow
	beatNow         bool   // heartbeat = now (a RUNNING trial starting)
	params          []store.Param
	steps           map[int]float64
	user, system    map[string]string
}

// insertTrial stores r as the next trial of studyID inside tx and returns its ID and number.
func (s *Store) insertTrial(ctx context.Context, tx pgx.Tx, studyID int, r *newTrial, tok []byte) (id, number int, err error) {
	err = tx.QueryRow(ctx, `WITH n AS (UPDATE attnsearch_studies SET next_number = next_number + 1 WHERE id = $1 RETURNING next_number - 1 AS number)
		INSERT INTO attnsearch_trials (study_id, number, state, value, start_ns, complete_ns, heartbeat_ns, xact, op_token)
		SELECT $1, n.number, $2, $3, $4, $5, CASE WHEN $6 THEN `+nowSQL(7)+` ELSE $8 END, `+xactSQL+`, $9 FROM n
		RETURNING id, number`,
		studyID, int16(r.state), r.value, r.start, r.complete, r.beatNow, s.nowArg(), r.heartbeat, tok).Scan(&id, &number)
	if errNoRows(err) {
		return -1, -1, invalidStudy(studyID)
	}
	if err != nil {
		return -1, -1, err
	}
	b := &pgx.Batch{}
	if len(r.params) > 0 {
		names, internals, dists := make([][]byte, len(r.params)), make([]float64, len(r.params)), make([]string, len(r.params))
		for i, p := range r.params {
			names[i], internals[i], dists[i] = []byte(p.Name), p.Internal, p.Dist
		}
		b.Queue(`INSERT INTO attnsearch_trial_params (trial_id, name, internal, distribution)
			SELECT $1, * FROM unnest($2::bytea[], $3::float8[], $4::text[])`, id, names, internals, dists)
	}
	if len(r.steps) > 0 {
		steps, values := make([]int64, 0, len(r.steps)), make([]float64, 0, len(r.steps))
		for st, v := range r.steps {
			steps, values = append(steps, int64(st)), append(values, v)
		}
		b.Queue(`INSERT INTO attnsearch_trial_values (trial_id, step, value) SELECT $1, * FROM unnest($2::bigint[], $3::float8[])`, id, steps, values)
	}
	if len(r.user)+len(r.system) > 0 {
		var systems []bool
		var keys, values [][]byte
		for _, m := range []struct {
			system bool
			attrs  map[string]string
		}{{false, r.user}, {true, r.system}} {
			for k, v := range m.attrs {
				systems, keys, values = append(systems, m.system), append(keys, []byte(k)), append(values, []byte(v))
			}
		}
		b.Queue(`INSERT INTO attnsearch_trial_attrs (trial_id, system, key, value) SELECT $1, * FROM unnest($2::bool[], $3::bytea[], $4::bytea[])`, id, systems, keys, values)
	}
	if b.Len() > 0 {
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return -1, -1, err
		}
	}
	return id, number, nil
}

// createTrial inserts r in its own transaction, retrying safely: a retry after a lost answer first
// looks for the trial the earlier attempt may have stored.
func (s *Store) createTrial(op string, studyID int, r *newTrial) (int, error) {
	id := -1
	_, err := s.runMarked(op, "attnsearch_trials", &id, func(ctx context.Context, tok []byte) error {
		return s.inTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
			var err error
			id, _, err = s.insertTrial(ctx, tx, studyID, r, tok)
			return err
		})
	})
	if err != nil {
		return -1, err
	}
	return id, nil
}

// CreateNewTrial creates a RUNNING trial with a fresh heartbeat and returns its ID; its number
// comes from the study's counter, so numbers are unique and dense under any concurrency.
func (s *Store) CreateNewTrial(studyID int) (int, error) {
	id := -1
	_, err := s.runMarked("create trial", "attnsearch_trials", &id, func(ctx context.Context, tok []byte) error {
		var err error
		id, err = s.insertRunning(ctx, s.pool, studyID, tok)
		return err
	})
	if err != nil {
		return -1, err
	}
	return id, nil
}

// fromFrozen builds the content of a new trial from a FrozenTrial.
func fromFrozen(base goptuna.FrozenTrial) (*newTrial, error) {
	r := &newTrial{
		state: base.State, value: base.Value,
		start: timeNs(base.DatetimeStart), complete: timeNs(base.DatetimeComplete),
		steps: base.IntermediateValues, user: base.UserAttrs, system: base.SystemAttrs,
	}
	names := make([]string, 0, len(base.InternalParams))
	for name := range base.InternalParams {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		js, err := store.ParamDistJSON(base, name)
		if err != nil {
			return nil, err
		}
		r.params = append(r.params, store.Param{Name: name, Internal: base.InternalParams[name], Dist: js})
	}
	return r, nil
}

// CloneTrial stores a new trial of studyID with baseTrial's contents and returns its ID.
func (s *Store) CloneTrial(studyID int, baseTrial goptuna.FrozenTrial) (int, error) {
	if baseTrial.State < goptuna.TrialStateRunning || baseTrial.State > goptuna.TrialStateWaiting {
		return -1, fmt.Errorf("postgres: clone trial into study %d: unknown state %d", studyID, baseTrial.State)
	}
	r, err := fromFrozen(baseTrial)
	if err != nil {
		return -1, fmt.Errorf("postgres: clone trial into study %d: %w", studyID, err)
	}
	r.beatNow = r.state == goptuna.TrialStateRunning
	return s.createTrial("clone trial", studyID, r)
}

// SetTrialValue sets the objective value of an unfinished trial.
func (s *Store) SetTrialValue(trialID int, value float64) error {
	return s.modify("set trial value", trialID, `UPDATE attnsearch_trials SET value = $2, xact = `+xactSQL+`
		WHERE id = $1 AND state IN `+unfinished, value)
}

// SetTrialIntermediateValue records the value at step of an unfinished trial; a step already present gives store.ErrDuplicateStep.
func (s *Store) SetTrialIntermediateValue(trialID int, step int, value float64) error {
	return s.run("set intermediate value", func(ctx context.Context, ambiguous bool) error {
		tag, err := s.pool.Exec(ctx, touch+`INSERT INTO attnsearch_trial_values (trial_id, step, value) SELECT id, $2, $3 FROM t`, trialID, step, value)
		if pgCode(err) == codeUnique {
			if ambiguous { // the lost attempt may have stored it: then it is done
				var v float64
				if qerr := s.pool.QueryRow(ctx, `SELECT value FROM attnsearch_trial_values WHERE trial_id = $1 AND step = $2`, trialID, step).Scan(&v); qerr == nil &&
					math.Float64bits(v) == math.Float64bits(value) {
					return nil
				}
			}
			return fmt.Errorf("postgres: trial %d step %d: %w", trialID, step, store.ErrDuplicateStep)
		}
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return s.whyNot(ctx, trialID)
		}
		return nil
	})
}

// SetTrialParam stores (or replaces) a sampled parameter of an unfinished trial.
func (s *Store) SetTrialParam(trialID int, paramName string, paramValueInternal float64, distribution interface{}) error {
	if _, err := store.ExternalOf(distribution, paramValueInternal); err != nil {
		return fmt.Errorf("postgres: trial %d param %q: %w", trialID, paramName, err)
	}
	js, err := goptuna.DistributionToJSON(distribution)
	if err != nil {
		return fmt.Errorf("postgres: trial %d param %q: %w", trialID, paramName, err)
	}
	return s.modify("set trial param", trialID, touch+`INSERT INTO attnsearch_trial_params (trial_id, name, internal, distribution)
		SELECT id, $2, $3, $4 FROM t ON CONFLICT (trial_id, name) DO UPDATE SET internal = EXCLUDED.internal, distribution = EXCLUDED.distribution`,
		[]byte(paramName), paramValueInternal, string(js))
}

// SetTrialState changes a trial's state by compare-and-set: finished trials, an unchanged state and
// RUNNING→WAITING give goptuna.ErrTrialCannotBeUpdated. WAITING→RUNNING (re)starts the trial's clock and heartbeat.
func (s *Store) SetTrialState(trialID int, state goptuna.TrialState) error {
	if state < goptuna.TrialStateRunning || state > goptuna.TrialStateWaiting {
		return fmt.Errorf("postgres: trial %d: unknown state %d", trialID, state)
	}
	return s.run("set trial state", func(ctx context.Context, ambiguous bool) error {
		tag, err := s.pool.Exec(ctx, `UPDATE attnsearch_trials SET state = $2,
			start_ns     = CASE WHEN $2 = 0 THEN `+nowSQL(3)+` ELSE start_ns END,
			heartbeat_ns = CASE WHEN $2 = 0 THEN `+nowSQL(3)+` ELSE heartbeat_ns END,
			complete_ns  = CASE WHEN $2 IN (1, 2, 3) THEN `+nowSQL(3)+` ELSE complete_ns END,
			xact = `+xactSQL+`
			WHERE id = $1 AND state IN `+unfinished+` AND state <> $2 AND $2 <> 4`, trialID, int16(state), s.nowArg())
		if err != nil {
			return err
		}
		if tag.RowsAffected() > 0 {
			return nil
		}
		werr := s.whyNot(ctx, trialID)
		if werr == goptuna.ErrTrialCannotBeUpdated && ambiguous {
			// The lost attempt may have made this very change.
			var cur int16
			if err := s.pool.QueryRow(ctx, `SELECT state FROM attnsearch_trials WHERE id = $1`, trialID).Scan(&cur); err == nil && goptuna.TrialState(cur) == state {
				return nil
			}
		}
		return werr
	})
}

// setTrialAttr stores one attribute of an unfinished trial.
func (s *Store) setTrialAttr(trialID int, system bool, key, value string) error {
	return s.modify("set trial attribute", trialID, touch+`INSERT INTO attnsearch_trial_attrs (trial_id, system, key, value)
		SELECT id, $2, $3, $4 FROM t ON CONFLICT (trial_id, system, key) DO UPDATE SET value = EXCLUDED.value`,
		system, []byte(key), []byte(value))
}

// SetTrialUserAttr stores a user attribute of an unfinished trial.
func (s *Store) SetTrialUserAttr(trialID int, key string, value string) error {
	return s.setTrialAttr(trialID, false, key, value)
}

// SetTrialSystemAttr stores a system attribute of an unfinished trial.
func (s *Store) SetTrialSystemAttr(trialID int, key string, value string) error {
	return s.setTrialAttr(trialID, true, key, value)
}

// SetTrialAttrs stores user and system attributes of an unfinished trial in one statement (one
// commit and one round trip for all of them, where SetTrialUserAttr takes one each).
func (s *Store) SetTrialAttrs(trialID int, user, system map[string]string) error {
	n := len(user) + len(system)
	sys, keys, vals := make([]bool, 0, n), make([][]byte, 0, n), make([][]byte, 0, n)
	for _, m := range []struct {
		system bool
		kv     map[string]string
	}{{false, user}, {true, system}} {
		ks := make([]string, 0, len(m.kv))
		for k := range m.kv {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			sys, keys, vals = append(sys, m.system), append(keys, []byte(k)), append(vals, []byte(m.kv[k]))
		}
	}
	if n == 0 { // nothing to store: still refuse a finished or missing trial, as a write would
		return s.modify("set trial attributes", trialID, touch+`SELECT id FROM t`)
	}
	return s.modify("set trial attributes", trialID, touch+`INSERT INTO attnsearch_trial_attrs (trial_id, system, key, value)
		SELECT t.id, u.system, u.key, u.value FROM t, unnest($2::bool[], $3::bytea[], $4::bytea[]) AS u(system, key, value)
		ON CONFLICT (trial_id, system, key) DO UPDATE SET value = EXCLUDED.value`, sys, keys, vals)
}

// GetTrialNumberFromID returns the trial's number within its study.
func (s *Store) GetTrialNumberFromID(trialID int) (int, error) {
	return s.rowInt("read trial number", func() error { return invalidTrial(trialID) },
		`SELECT number FROM attnsearch_trials WHERE id = $1`, trialID)
}

// GetTrialParam returns the internal value of a trial's parameter.
func (s *Store) GetTrialParam(trialID int, paramName string) (float64, error) {
	var v float64
	err := s.run("read trial param", func(ctx context.Context, _ bool) error {
		var found *float64
		var exists bool
		err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM attnsearch_trials WHERE id = $1),
			(SELECT internal FROM attnsearch_trial_params WHERE trial_id = $1 AND name = $2)`, trialID, []byte(paramName)).Scan(&exists, &found)
		switch {
		case err != nil:
			return err
		case !exists:
			return invalidTrial(trialID)
		case found == nil:
			return fmt.Errorf("postgres: trial %d param %q: %w", trialID, paramName, store.ErrParamNotFound)
		}
		v = *found
		return nil
	})
	if err != nil {
		return -1, err
	}
	return v, nil
}

// GetTrial returns a deep copy of the trial.
func (s *Store) GetTrial(trialID int) (goptuna.FrozenTrial, error) {
	var ft goptuna.FrozenTrial
	err := s.run("read trial", func(ctx context.Context, _ bool) error {
		m, err := loadTrials(ctx, s.pool, `t.id = $1`, trialID)
		if err != nil {
			return err
		}
		r := m[trialID]
		if r == nil {
			return invalidTrial(trialID)
		}
		ft, err = s.frozen(r)
		return err
	})
	return ft, err
}

// GetAllTrials returns deep copies of the study's trials, ordered by number. It reads only the
// trials changed since this Store's previous call for the study (see studyCache).
func (s *Store) GetAllTrials(studyID int) ([]goptuna.FrozenTrial, error) {
	return s.allTrials(studyID)
}

// GetBestTrial returns the complete trial with the best value for the study's direction (lowest number on ties, NaN values ignored), or goptuna.ErrNoCompletedTrials.
func (s *Store) GetBestTrial(studyID int) (goptuna.FrozenTrial, error) {
	var best *int64
	if err := s.readRow("find best trial", func() error { return invalidStudy(studyID) },
		`SELECT `+bestSQL+` FROM attnsearch_studies s WHERE s.id = $1`, []any{studyID}, &best); err != nil {
		return goptuna.FrozenTrial{}, err
	}
	if best == nil {
		return goptuna.FrozenTrial{}, goptuna.ErrNoCompletedTrials
	}
	return s.GetTrial(int(*best))
}

// GetTrialParams returns a copy of the trial's parameters in external representation.
func (s *Store) GetTrialParams(trialID int) (map[string]interface{}, error) {
	ft, err := s.GetTrial(trialID)
	if err != nil {
		return nil, err
	}
	return ft.Params, nil
}

// GetTrialUserAttrs returns a copy of the trial's user attributes.
func (s *Store) GetTrialUserAttrs(trialID int) (map[string]string, error) {
	ft, err := s.GetTrial(trialID)
	if err != nil {
		return nil, err
	}
	return ft.UserAttrs, nil
}

// GetTrialSystemAttrs returns a copy of the trial's system attributes.
func (s *Store) GetTrialSystemAttrs(trialID int) (map[string]string, error) {
	ft, err := s.GetTrial(trialID)
	if err != nil {
		return nil, err
	}
	return ft.SystemAttrs, nil
}
