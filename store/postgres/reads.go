package postgres

import (
	"context"
	"fmt"

	"github.com/c-bata/goptuna"
	"github.com/jackc/pgx/v5"

	"github.com/attnsearch/attnsearch/store"
)

// Compile-time checks of the read capabilities.
var (
	_ store.TrialScanner    = (*Store)(nil)
	_ store.TrialFinder     = (*Store)(nil)
	_ store.StudyLister     = (*Store)(nil)
	_ store.TrialTailReader = (*Store)(nil)
)

// scanChunk is how many trials one round trip of ScanTrials reads.
const scanChunk = 2000

// ScanTrials reads the study's trials in chunks of scanChunk numbers (one round trip each, through
// the (study_id, number) index, only the rows p keeps) and hands them to fn in number order; at
// most one chunk is held at a time. Each chunk is read in its own snapshot, so a trial changed
// during a long scan is seen as it is when its chunk is read.
func (s *Store) ScanTrials(studyID int, p store.Projection, fn func(goptuna.FrozenTrial) error) error {
	last := -1
	for {
		var recs []*rawTrial
		err := s.run("scan trials", func(ctx context.Context, _ bool) error {
			return s.inTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
				if last < 0 {
					if err := studyExists(ctx, tx, studyID); err != nil {
						return err
					}
				}
				b := &pgx.Batch{}
				queueLoadProj(b, p, `t.id IN (SELECT id FROM attnsearch_trials WHERE study_id = $1 AND number > $2 ORDER BY number LIMIT $3)`, studyID, last, scanChunk)
				br := tx.SendBatch(ctx, b)
				m, err := readLoad(br)
				if cerr := br.Close(); err == nil {
					err = cerr
				}
				recs = byNumber(m)
				return err
			})
		})
		if err != nil {
			return err
		}
		for _, r := range recs {
			ft, err := s.frozen(r)
			if err != nil {
				return err
			}
			if err := fn(ft); err != nil {
				return err
			}
			last = r.number
		}
		if len(recs) < scanChunk {
			return nil
		}
	}
}

// TrialsFrom reads the study's trials numbered number or above (the unique index on study and
// number) in one repeatable-read transaction, one round trip for the trials and their rows.
func (s *Store) TrialsFrom(studyID, number int) ([]goptuna.FrozenTrial, error) {
	m, err := s.studyTrials("read trials", studyID, `t.study_id = $1 AND t.number >= $2`, number)
	if err != nil {
		return nil, err
	}
	return s.frozenSorted(m)
}

// TrialByNumber reads one trial through the (study_id, number) index.
func (s *Store) TrialByNumber(studyID, number int) (goptuna.FrozenTrial, error) {
	m, err := s.studyTrials("read trial", studyID, `t.study_id = $1 AND t.number = $2`, number)
	if err != nil {
		return goptuna.FrozenTrial{}, err
	}
	for _, r := range m {
		return s.frozen(r)
	}
	return goptuna.FrozenTrial{}, fmt.Errorf("postgres: study %d trial %d: %w", studyID, number, store.ErrNoTrial)
}

// studyTrials reads the trials of studyID that filter ($1 is the study, args follow) keeps, in one
// repeatable-read transaction; a study that does not exist is goptuna.ErrInvalidStudyID.
func (s *Store) studyTrials(op string, studyID int, filter string, args ...any) (map[int]*rawTrial, error) {
	var m map[int]*rawTrial
	err := s.run(op, func(ctx context.Context, _ bool) error {
		return s.inTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
			if err := studyExists(ctx, tx, studyID); err != nil {
				return err
			}
			var err error
			m, err = loadTrials(ctx, tx, filter, append([]any{studyID}, args...)...)
			return err
		})
	})
	return m, err
}

// StudyNames reads the names of the studies table alone.
func (s *Store) StudyNames() ([]string, error) {
	var names []string
	err := s.run("list study names", func(ctx context.Context, _ bool) error {
		names = []string{}
		rows, err := s.pool.Query(ctx, `SELECT name FROM attnsearch_studies ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name []byte
			if err := rows.Scan(&name); err != nil {
				return err
			}
			names = append(names, string(name))
		}
		return rows.Err()
	})
	return names, err
}
