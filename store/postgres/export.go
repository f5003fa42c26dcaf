package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/jackc/pgx/v5"

	"github.com/attnsearch/attnsearch/store"
)

// Export writes the study as JSON Lines in the bbolt store's export format (store.ExportStudy,
// then one store.ExportTrial per trial in number order), read in one consistent snapshot, so
// that store/bolt's Import and this package's read it back exactly.
func (s *Store) Export(w io.Writer, studyID int) error {
	var buf bytes.Buffer
	err := s.run("export study", func(ctx context.Context, _ bool) error {
		buf.Reset()
		return s.inTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
			return s.exportTx(ctx, tx, &buf, studyID)
		})
	})
	if err != nil {
		return fmt.Errorf("postgres: export study %d: %w", studyID, err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("postgres: export study %d: %w", studyID, err)
	}
	return nil
}

// exportTx writes the export of studyID read through tx.
func (s *Store) exportTx(ctx context.Context, tx pgx.Tx, w io.Writer, studyID int) error {
	var name []byte
	var dir string
	var created int64
	var trials int
	err := tx.QueryRow(ctx, `SELECT name, direction, created_ns, next_number FROM attnsearch_studies WHERE id = $1`, studyID).Scan(&name, &dir, &created, &trials)
	if errNoRows(err) {
		return invalidStudy(studyID)
	}
	if err != nil {
		return err
	}
	head := store.ExportStudy{Kind: "study", Format: store.FormatName, Schema: store.ExportVersion, Name: string(name),
		Direction: goptuna.StudyDirection(dir), Created: time.Unix(0, created), Trials: trials,
		UserAttrs: map[string]string{}, SystemAttrs: map[string]string{}}
	rows, err := tx.Query(ctx, `SELECT study_id, system, key, value FROM attnsearch_study_attrs WHERE study_id = $1`, studyID)
	if err != nil {
		return err
	}
	err = readAttrs(rows, func(_ int, system bool, k, v string) {
		if system {
			head.SystemAttrs[k] = v
		} else {
			head.UserAttrs[k] = v
		}
	})
	if err != nil {
		return err
	}
	beats, _, err := heartbeats(ctx, tx, `study_id = $1`, studyID)
	if err != nil {
		return err
	}
	m, err := loadTrials(ctx, tx, `t.study_id = $1`, studyID)
	if err != nil {
		return err
	}
	recs := byNumber(m)
	enc := json.NewEncoder(w)
	if err := enc.Encode(head); err != nil {
		return err
	}
	for _, r := range recs {
		et := store.ExportTrial{
			Kind: "trial", Number: r.number, TrialID: r.id, State: r.state.String(), Value: store.Float(r.value),
			DatetimeStart: timePtr(r.start), DatetimeComplete: timePtr(r.complete), Heartbeat: timePtr(beats[r.id]),
			IntermediateValues: make([][2]store.Float, 0, len(r.steps)),
			UserAttrs:          r.user, SystemAttrs: r.system,
		}
		steps := make([]int, 0, len(r.steps))
		for st := range r.steps {
			steps = append(steps, st)
		}
		sort.Ints(steps)
		for _, st := range steps {
			et.IntermediateValues = append(et.IntermediateValues, [2]store.Float{store.Float(st), store.Float(r.steps[st])})
		}
		var err error
		if et.Params, err = s.dists.ExportParams(r.id, r.params); err != nil {
			return err
		}
		if err := enc.Encode(et); err != nil {
			return err
		}
	}
	return nil
}

// timePtr converts stored nanoseconds to an export time (nil for NULL).
func timePtr(ns *int64) *time.Time {
	if ns == nil {
		return nil
	}
	t := time.Unix(0, *ns)
	return &t
}

// Import reads a study written by Export (of either store) into a new study named name (the
// exported name when empty), in one transaction, keeping trial numbers, states, values, times,
// heartbeats and attributes; it returns the new study's ID. Bad input names its line and field.
func (s *Store) Import(r io.Reader, name string) (int, error) {
	head, trials, err := store.ParseExport(r)
	if err != nil {
		return -1, fmt.Errorf("postgres: import: %w", err)
	}
	recs := make([]*newTrial, len(trials))
	for i, t := range trials {
		rec := &newTrial{state: t.State, value: t.Value, start: timeNs(t.Start), complete: timeNs(t.Complete), heartbeat: timeNs(t.Heartbeat),
			steps: t.Steps, user: t.UserAttrs, system: t.SystemAttrs}
		for _, p := range t.Params {
			rec.params = append(rec.params, store.Param{Name: p.Name, Internal: p.Internal, Dist: p.Distribution})
		}
		recs[i] = rec
	}
	if name == "" {
		name = head.Name
	}
	studyID := -1
	_, err = s.runMarked("import study", "attnsearch_studies", &studyID, func(ctx context.Context, tok []byte) error {
		return s.inTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
			created := head.Created
			var createdNs any
			if !created.IsZero() {
				ns := created.UnixNano()
				createdNs = &ns
			}
			err := tx.QueryRow(ctx, `INSERT INTO attnsearch_studies (name, direction, created_ns, op_token)
				VALUES ($1, $2, COALESCE($3::bigint, `+nowSQL(4)+`), $5) RETURNING id`,
				[]byte(name), string(head.Direction), createdNs, s.nowArg(), tok).Scan(&studyID)
			if pgCode(err) == codeUnique {
				return fmt.Errorf("study %q: %w", name, store.ErrStudyExists)
			}
			if err != nil {
				return err
			}
			b := &pgx.Batch{}
			for _, m := range []struct {
				system bool
				attrs  map[string]string
			}{{false, head.UserAttrs}, {true, head.SystemAttrs}} {
				for k, v := range m.attrs {
					b.Queue(`INSERT INTO attnsearch_study_attrs (study_id, system, key, value) VALUES ($1, $2, $3, $4)`, studyID, m.system, []byte(k), []byte(v))
				}
			}
			if b.Len() > 0 {
				if err := tx.SendBatch(ctx, b).Close(); err != nil {
					return err
				}
			}
			for _, rec := range recs {
				if _, _, err := s.insertTrial(ctx, tx, studyID, rec, nil); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		return -1, fmt.Errorf("postgres: import: %w", err)
	}
	// A bulk load leaves the planner without statistics until autovacuum's next analyze (a
	// minute or more): meanwhile it takes a study's trials for a few rows of the whole table and
	// reads a run's new trials with a sequential scan of every attribute (50–100 ms per read at
	// 10,000 trials, where the index takes 0.1 ms). Analysing now is what PostgreSQL's manual
	// advises after a bulk load; the study is stored either way, so a failure here is not the
	// import's (autovacuum analyses later).
	_ = s.run("analyze after import", func(ctx context.Context, _ bool) error {
		_, err := s.pool.Exec(ctx, `ANALYZE attnsearch_trials, attnsearch_trial_params, attnsearch_trial_values, attnsearch_trial_attrs`)
		return err
	})
	return studyID, nil
}
