package postgres

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/jackc/pgx/v5"

	"github.com/attnsearch/attnsearch/store"
)

// SQL fragments shared by the statements.
const (
	// xactSQL is the ID of the current transaction, stored in every trial it changes (see studyCache).
	xactSQL = `pg_current_xact_id()::text::bigint`
	// unfinished are the states in which a trial may still be written.
	unfinished = `(0, 4)`
)

// nowSQL is the time in nanoseconds: the argument $n when not NULL (Options.Clock), else the server's clock.
func nowSQL(n int) string {
	return fmt.Sprintf(`COALESCE($%d::bigint, (extract(epoch from statement_timestamp()) * 1000000000)::bigint)`, n)
}

// querier is what reads need of a pool or a transaction.
type querier interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// rawTrial is a trial as read from its rows.
type rawTrial struct {
	id, studyID, number int
	state               goptuna.TrialState
	value               float64
	start, complete     *int64
	params              []store.Param
	steps               map[int]float64
	user, system        map[string]string
}

// nsTime converts stored nanoseconds (NULL: the zero time) to a time.
func nsTime(ns *int64) time.Time {
	if ns == nil {
		return time.Time{}
	}
	return time.Unix(0, *ns)
}

// timeNs converts a time to stored nanoseconds (the zero time: NULL).
func timeNs(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	ns := t.UnixNano()
	return &ns
}

// loadTrials reads every trial matching filter (a condition on attnsearch_trials t, with args)
// and its params, intermediate values and attributes, in one round trip.
func loadTrials(ctx context.Context, q querier, filter string, args ...any) (map[int]*rawTrial, error) {
	b := &pgx.Batch{}
	queueLoad(b, filter, args...)
	br := q.SendBatch(ctx, b)
	defer br.Close()
	out, err := readLoad(br)
	if err != nil {
		return nil, err
	}
	return out, br.Close()
}

// queueLoad queues the four queries of loadTrials.
func queueLoad(b *pgx.Batch, filter string, args ...any) {
	queueLoadProj(b, store.Projection{}, filter, args...)
}

// queueLoadProj is queueLoad reading only what p keeps: a query that p leaves out is sent
// anyway, with a condition that is never true, so that readLoad reads the same four results.
func queueLoadProj(b *pgx.Batch, p store.Projection, filter string, args ...any) {
	b.Queue(`SELECT t.id, t.study_id, t.number, t.state, t.value, t.start_ns, t.complete_ns FROM attnsearch_trials t WHERE `+filter, args...)
	none := func(skip bool) string {
		if skip {
			return ` AND false`
		}
		return ``
	}
	b.Queue(`SELECT p.trial_id, p.name, p.internal, p.distribution FROM attnsearch_trial_params p JOIN attnsearch_trials t ON t.id = p.trial_id WHERE `+filter+none(p.NoParams), args...)
	b.Queue(`SELECT v.trial_id, v.step, v.value FROM attnsearch_trial_values v JOIN attnsearch_trials t ON t.id = v.trial_id WHERE `+filter+none(p.NoIntermediate), args...)
	attrs := `SELECT a.trial_id, a.system, a.key, a.value FROM attnsearch_trial_attrs a JOIN attnsearch_trials t ON t.id = a.trial_id WHERE ` + filter
	bytesOf := func(keys []string) [][]byte {
		out := make([][]byte, len(keys))
		for i, k := range keys {
			out[i] = []byte(k)
		}
		return out
	}
	if p.UserAttrs != nil {
		args = append(args, bytesOf(p.UserAttrs))
		attrs += fmt.Sprintf(` AND (a.system OR a.key = ANY($%d))`, len(args))
	}
	if len(p.OmitUserAttrs) > 0 {
		args = append(args, bytesOf(p.OmitUserAttrs))
		attrs += fmt.Sprintf(` AND (a.system OR NOT a.key = ANY($%d))`, len(args))
	}
	b.Queue(attrs, args...)
}

// readLoad reads the results of the queries queueLoad queued.
func readLoad(br pgx.BatchResults) (map[int]*rawTrial, error) {
	out := map[int]*rawTrial{}
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		r := &rawTrial{steps: map[int]float64{}, user: map[string]string{}, system: map[string]string{}}
		var state int16
		if err := rows.Scan(&r.id, &r.studyID, &r.number, &state, &r.value, &r.start, &r.complete); err != nil {
			rows.Close()
			return nil, err
		}
		r.state = goptuna.TrialState(state)
		out[r.id] = r
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Rows of the child tables whose trial is not in out were written between the queries
	// (possible outside a repeatable-read transaction); they are skipped, and read next time.
	if rows, err = br.Query(); err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int
		var name []byte
		var p store.Param
		if err := rows.Scan(&id, &name, &p.Internal, &p.Dist); err != nil {
			rows.Close()
			return nil, err
		}
		p.Name = string(name)
		if r := out[id]; r != nil {
			r.params = append(r.params, p)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if rows, err = br.Query(); err != nil {
		return nil, err
	}
	for rows.Next() {
		var id, step int
		var v float64
		if err := rows.Scan(&id, &step, &v); err != nil {
			rows.Close()
			return nil, err
		}
		if r := out[id]; r != nil {
			r.steps[step] = v
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if rows, err = br.Query(); err != nil {
		return nil, err
	}
	err = readAttrs(rows, func(id int, system bool, k, v string) {
		if r := out[id]; r != nil {
			if system {
				r.system[k] = v
			} else {
				r.user[k] = v
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// readAttrs hands each row of rows (owner ID, system, key, value) to put, and closes rows.
func readAttrs(rows pgx.Rows, put func(id int, system bool, key, value string)) error {
	defer rows.Close()
	for rows.Next() {
		var id int
		var system bool
		var k, v []byte
		if err := rows.Scan(&id, &system, &k, &v); err != nil {
			return err
		}
		put(id, system, string(k), string(v))
	}
	return rows.Err()
}

// frozen converts a read trial into a goptuna.FrozenTrial that shares no memory with r.
func (s *Store) frozen(r *rawTrial) (goptuna.FrozenTrial, error) {
	steps := make(map[int]float64, len(r.steps))
	maps.Copy(steps, r.steps)
	head := goptuna.FrozenTrial{ID: r.id, StudyID: r.studyID, Number: r.number, State: r.state, Value: r.value,
		DatetimeStart: nsTime(r.start), DatetimeComplete: nsTime(r.complete), IntermediateValues: steps}
	return s.dists.Frozen(head, r.params, r.user, r.system)
}

// byNumber returns the trials of m ordered by number.
func byNumber(m map[int]*rawTrial) []*rawTrial {
	recs := make([]*rawTrial, 0, len(m))
	for _, r := range m {
		recs = append(recs, r)
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].number < recs[j].number })
	return recs
}

// frozenSorted converts read trials into FrozenTrials ordered by number.
func (s *Store) frozenSorted(m map[int]*rawTrial) ([]goptuna.FrozenTrial, error) {
	out := make([]goptuna.FrozenTrial, 0, len(m))
	for _, r := range m {
		ft, err := s.frozen(r)
		if err != nil {
			return nil, err
		}
		out = append(out, ft)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out, nil
}

// studyCache holds a study's trials as last read, so that GetAllTrials reads only what changed.
//
// Every write to a trial (or to its params, values and attributes) stores its transaction's ID
// in the trial's xact column. A read runs in a repeatable-read transaction and notes the oldest
// transaction still running at its snapshot (pg_snapshot_xmin): every transaction older than that
// had finished, so its writes were in the read. The next read fetches only the trials whose
// xact is at least that mark; some of them were seen already and are simply read again. Trial
// rows are never deleted except with their study.
type studyCache struct {
	mu     sync.Mutex
	xmin   int64                 // trials with xact >= xmin may have changed since the last read; -1: never read
	sorted []goptuna.FrozenTrial // the study's trials by number
}

// cacheOf returns the cache of studyID, creating it.
func (s *Store) cacheOf(studyID int) *studyCache {
	s.cacheM.Lock()
	defer s.cacheM.Unlock()
	c := s.caches[studyID]
	if c == nil {
		c = &studyCache{xmin: -1}
		s.caches[studyID] = c
	}
	return c
}

// dropCache forgets a study's cache (after DeleteStudy).
func (s *Store) dropCache(studyID int) {
	s.cacheM.Lock()
	delete(s.caches, studyID)
	s.cacheM.Unlock()
}

// refresh brings c up to date with the database in one round trip (a repeatable-read
// transaction sent as one batch); it reports false when the study does not exist.
func (s *Store) refresh(ctx context.Context, studyID int, c *studyCache) (bool, error) {
	b := &pgx.Batch{}
	b.Queue(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`)
	b.Queue(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, EXISTS (SELECT 1 FROM attnsearch_studies WHERE id = $1)`, studyID)
	queueLoad(b, `t.study_id = $1 AND t.xact >= $2`, studyID, c.xmin)
	b.Queue(`COMMIT`)
	br := s.pool.SendBatch(ctx, b)
	defer br.Close() // a failed batch leaves its connection inside a transaction: the pool drops it
	if _, err := br.Exec(); err != nil {
		return false, err
	}
	var xmin int64
	var exists bool
	if err := br.QueryRow().Scan(&xmin, &exists); err != nil {
		return false, err
	}
	changed, err := readLoad(br)
	if err != nil {
		return false, err
	}
	if _, err := br.Exec(); err != nil {
		return false, err
	}
	if err := br.Close(); err != nil {
		return false, err
	}
	if !exists {
		return false, nil
	}
	fts, err := s.frozenSorted(changed)
	if err != nil {
		return true, err
	}
	for _, ft := range fts {
		// Replace the trial in place, or insert it (new trials usually go at the end).
		i, found := slices.BinarySearchFunc(c.sorted, ft.Number, func(t goptuna.FrozenTrial, n int) int { return t.Number - n })
		if found {
			c.sorted[i] = ft
		} else {
			c.sorted = slices.Insert(c.sorted, i, ft)
		}
	}
	c.xmin = xmin
	return true, nil
}

// allTrials returns deep copies of the study's trials in number order, reading only what changed since the last call.
func (s *Store) allTrials(studyID int) ([]goptuna.FrozenTrial, error) {
	c := s.cacheOf(studyID)
	c.mu.Lock()
	defer c.mu.Unlock()
	var exists bool
	err := s.run("read trials", func(ctx context.Context, _ bool) (err error) {
		exists, err = s.refresh(ctx, studyID, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !exists {
		s.dropCache(studyID)
		return nil, fmt.Errorf("postgres: study %d: %w", studyID, goptuna.ErrInvalidStudyID)
	}
	out := make([]goptuna.FrozenTrial, len(c.sorted))
	for i, ft := range c.sorted {
		out[i] = store.CloneTrial(ft)
	}
	return out, nil
}
