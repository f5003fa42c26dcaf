package postgres

import (
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/attnsearch/attnsearch/store"
)

var (
	_ store.Blobs       = (*Store)(nil)
	_ store.StudyLocker = (*Store)(nil)
)

// studyLockClass is the first key of a study's advisory lock (LockStudy); the study's ID is the second.
const studyLockClass = int32(0x61747473) // "atts"

// PutBlob stores data as studyID's blob name (store.Blobs) with its SHA-256, replacing the one
// before in one statement: readers see the old blob or the new one. The statement is idempotent,
// so a retry after a lost answer is safe.
func (s *Store) PutBlob(studyID int, name string, data []byte) error {
	return s.run("put blob", func(ctx context.Context, _ bool) error {
		_, err := s.pool.Exec(ctx, `INSERT INTO attnsearch_blobs (study_id, name, sha256, data, updated_ns)
			VALUES ($1, $2, $3, $4, `+nowSQL(5)+`)
			ON CONFLICT (study_id, name) DO UPDATE SET sha256 = EXCLUDED.sha256, data = EXCLUDED.data, updated_ns = EXCLUDED.updated_ns`,
			studyID, name, store.BlobSum(data), data, s.nowArg())
		if pgCode(err) == codeForeignKey {
			return invalidStudy(studyID)
		}
		return err
	})
}

// GetBlob returns studyID's blob name (store.Blobs), checked against its SHA-256.
func (s *Store) GetBlob(studyID int, name string) ([]byte, error) {
	var sum, data []byte
	err := s.run("get blob", func(ctx context.Context, _ bool) error {
		err := s.pool.QueryRow(ctx, `SELECT b.sha256, b.data FROM attnsearch_studies st
			LEFT JOIN attnsearch_blobs b ON b.study_id = st.id AND b.name = $2 WHERE st.id = $1`, studyID, name).Scan(&sum, &data)
		if errNoRows(err) {
			return invalidStudy(studyID)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if sum == nil {
		return nil, fmt.Errorf("postgres: study %d, blob %s: %w", studyID, name, store.ErrNoBlob)
	}
	return store.CheckBlob(data, sum, fmt.Sprintf("postgres: %s: study %d, blob %s", s.display, studyID, name))
}

// LockStudy takes studyID for this handle alone (store.StudyLocker): a session-level advisory
// lock on a connection taken out of the pool for as long as it is held, so that the server
// releases it when the process dies or the connection is lost. release must be called before
// Close (the pool waits for the connection).
func (s *Store) LockStudy(studyID int) (held func() error, release func() error, err error) {
	var conn *pgxpool.Conn
	err = s.run("lock study", func(ctx context.Context, _ bool) error {
		c, err := s.pool.Acquire(ctx)
		if err != nil {
			return err
		}
		var ok bool
		err = c.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, studyLockClass, int32(studyID)).Scan(&ok)
		if err == nil && !ok {
			err = fmt.Errorf("postgres: %s: study %d: %w", s.display, studyID, store.ErrStudyBusy)
		}
		if err != nil {
			c.Release()
			return err
		}
		conn = c
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	var mu sync.Mutex
	released := false
	held = func() error {
		mu.Lock()
		defer mu.Unlock()
		if released {
			return fmt.Errorf("postgres: %s: study %d: lock released", s.display, studyID)
		}
		ctx, cancel := context.WithTimeout(s.bg(), s.opts.AttemptTimeout)
		defer cancel()
		var ok bool
		err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
			AND classid = $1::bigint::oid AND objid = $2::bigint::oid AND objsubid = 2 AND granted)`, int64(studyLockClass), int64(studyID)).Scan(&ok)
		if err == nil && !ok {
			err = store.ErrStudyBusy
		}
		if err != nil {
			return fmt.Errorf("postgres: %s: study %d: the study's lock is lost: %w", s.display, studyID, err)
		}
		return nil
	}
	release = func() error {
		mu.Lock()
		defer mu.Unlock()
		if released {
			return nil
		}
		released = true
		ctx, cancel := context.WithTimeout(context.Background(), s.opts.AttemptTimeout)
		defer cancel()
		_, err := conn.Exec(ctx, `SELECT pg_advisory_unlock($1, $2)`, studyLockClass, int32(studyID))
		if err != nil {
			_ = conn.Conn().Close(ctx) // the session ends, and its locks with it
		}
		conn.Release()
		return nil
	}
	return held, release, nil
}
