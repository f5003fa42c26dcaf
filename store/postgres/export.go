package postgres

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/jackc/pgx/v5"

	"github.com/attnsearch/attnsearch/store"
)

// Export writes the study as JSON Lines in the bbolt store's export format (store.ExportStudy,
// then one store.ExportTrial per trial in number order), read in one consistent snapshot, so
// that store.Store.Import and Import read it back exactly.
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
	head := store.ExportStudy{Kind: "study", Format: store.FormatName, Schema: store.SchemaVersion, Name: string(name),
		Direction: goptuna.StudyDirection(dir), Created: time.Unix(0, created), Trials: trials,
		UserAttrs: map[string]string{}, SystemAttrs: map[string]string{}}
	rows, err := tx.Query(ctx, `SELECT system, key, value FROM attnsearch_study_attrs WHERE study_id = $1`, studyID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var system bool
		var k, v []byte
		if err := rows.Scan(&system, &k, &v); err != nil {
			rows.Close()
			return err
		}
		if system {
			head.SystemAttrs[string(k)] = string(v)
		} else {
			head.UserAttrs[string(k)] = string(v)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	beats := map[int]*int64{}
	rows, err = tx.Query(ctx, `SELECT id, heartbeat_ns FROM attnsearch_trials WHERE study_id = $1`, studyID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int
		var hb *int64
		if err := rows.Scan(&id, &hb); err != nil {
			rows.Close()
			return err
		}
		beats[id] = hb
	}
	if err := rows.Err(); err != nil {
		return err
	}
	m, err := loadTrials(ctx, tx, `t.study_id = $1`, studyID)
	if err != nil {
		return err
	}
	recs := make([]*rawTrial, 0, len(m))
	for _, r := range m {
		recs = append(recs, r)
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].number < recs[j].number })
	enc := json.NewEncoder(w)
	if err := enc.Encode(head); err != nil {
		return err
	}
	for _, r := range recs {
		et := store.ExportTrial{
			Kind: "trial", Number: r.number, TrialID: r.id, State: r.state.String(), Value: store.Float(r.value),
			DatetimeStart: timePtr(r.start), DatetimeComplete: timePtr(r.complete), Heartbeat: timePtr(beats[r.id]),
			IntermediateValues: make([][2]store.Float, 0, len(r.steps)),
			Params:             make(map[string]store.ExportParam, len(r.params)),
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
		for _, p := range r.params {
			d, err := s.dists.get(p.dist)
			if err != nil {
				return fmt.Errorf("trial %d: %w", r.id, err)
			}
			x, err := externalOf(d, p.internal)
			if err != nil {
				return fmt.Errorf("trial %d param %q: %w", r.id, p.name, err)
			}
			et.Params[p.name] = store.ExportParam{Internal: store.Float(p.internal), External: x, Distribution: json.RawMessage(p.dist)}
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

// lineErr is an import error at one line and field.
func lineErr(line int, field string, err error) error {
	return fmt.Errorf("line %d: %s: %w", line, field, err)
}

// strictDecode parses one JSON line, refusing unknown fields.
func strictDecode(line []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// parseState maps an exported state name (TrialState.String) back to the state.
func parseState(name string) (goptuna.TrialState, bool) {
	for st := goptuna.TrialStateRunning; st <= goptuna.TrialStateWaiting; st++ {
		if st.String() == name {
			return st, true
		}
	}
	return 0, false
}

// oldestExportSchema is the oldest export schema Import reads.
const oldestExportSchema = 1

// Import reads a study written by Export (of either store) into a new study named name (the
// exported name when empty), in one transaction, keeping trial numbers, states, values, times,
// heartbeats and attributes; it returns the new study's ID. Bad input names its line and field.
func (s *Store) Import(r io.Reader, name string) (int, error) {
	head, recs, err := s.parseExport(r)
	if err != nil {
		return -1, fmt.Errorf("postgres: import: %w", err)
	}
	if name == "" {
		name = head.Name
	}
	tok := token()
	studyID := -1
	err = s.run("import study", func(ctx context.Context, ambiguous bool) error {
		if ambiguous {
			err := s.pool.QueryRow(ctx, `SELECT id FROM attnsearch_studies WHERE op_token = $1`, tok).Scan(&studyID)
			if err == nil || !errNoRows(err) {
				return err
			}
		}
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
	return studyID, nil
}

// parseExport reads and checks an export: its study line and its trials, in number order from 0.
func (s *Store) parseExport(r io.Reader) (store.ExportStudy, []*newTrial, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 64<<20)
	line := 0
	var head store.ExportStudy
	var recs []*newTrial
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		if line == 1 {
			if err := strictDecode(text, &head); err != nil {
				return head, nil, lineErr(line, "study", err)
			}
			if head.Kind != "study" || head.Format != store.FormatName {
				return head, nil, lineErr(line, "kind", fmt.Errorf("%w: want a %q study header, got kind %q format %q", store.ErrNotStore, store.FormatName, head.Kind, head.Format))
			}
			if head.Schema < oldestExportSchema || head.Schema > store.SchemaVersion {
				return head, nil, lineErr(line, "schema", fmt.Errorf("%w: export has schema %d, this build reads %d to %d", store.ErrSchema, head.Schema, oldestExportSchema, store.SchemaVersion))
			}
			if head.Direction != goptuna.StudyDirectionMaximize && head.Direction != goptuna.StudyDirectionMinimize {
				return head, nil, lineErr(line, "direction", fmt.Errorf("unknown direction %q", head.Direction))
			}
			continue
		}
		rec, err := s.parseTrial(text, line, len(recs))
		if err != nil {
			return head, nil, err
		}
		recs = append(recs, rec)
	}
	if err := sc.Err(); err != nil {
		return head, nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	if line == 0 {
		return head, nil, errors.New("empty input")
	}
	if head.Trials != len(recs) {
		return head, nil, lineErr(1, "trials", fmt.Errorf("header says %d trials, found %d (truncated export?)", head.Trials, len(recs)))
	}
	return head, recs, nil
}

// parseTrial parses and checks one trial line; want is the number it must carry.
func (s *Store) parseTrial(text []byte, line, want int) (*newTrial, error) {
	var et store.ExportTrial
	if err := strictDecode(text, &et); err != nil {
		return nil, lineErr(line, "trial", err)
	}
	if et.Kind != "trial" {
		return nil, lineErr(line, "kind", fmt.Errorf("want \"trial\", got %q", et.Kind))
	}
	if et.Number != want {
		return nil, lineErr(line, "number", fmt.Errorf("want %d (trials in number order from 0), got %d", want, et.Number))
	}
	state, ok := parseState(et.State)
	if !ok {
		return nil, lineErr(line, "state", fmt.Errorf("unknown state %q", et.State))
	}
	rec := &newTrial{state: state, value: float64(et.Value), steps: map[int]float64{}, user: et.UserAttrs, system: et.SystemAttrs}
	if et.DatetimeStart != nil {
		rec.start = timeNs(*et.DatetimeStart)
	}
	if et.DatetimeComplete != nil {
		rec.complete = timeNs(*et.DatetimeComplete)
	}
	if et.Heartbeat != nil {
		rec.heartbeat = timeNs(*et.Heartbeat)
	}
	for i, iv := range et.IntermediateValues {
		st := float64(iv[0])
		if st != math.Trunc(st) || math.Abs(st) > 1<<53 {
			return nil, lineErr(line, fmt.Sprintf("intermediate_values[%d]", i), fmt.Errorf("step %v is not an integer", st))
		}
		if _, dup := rec.steps[int(st)]; dup {
			return nil, lineErr(line, fmt.Sprintf("intermediate_values[%d]", i), store.ErrDuplicateStep)
		}
		rec.steps[int(st)] = float64(iv[1])
	}
	names := make([]string, 0, len(et.Params))
	for n := range et.Params {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := et.Params[n]
		field := "params." + n
		if len(p.Distribution) == 0 {
			return nil, lineErr(line, field+".distribution", errors.New("missing"))
		}
		d, err := s.dists.get(string(p.Distribution))
		if err != nil {
			return nil, lineErr(line, field+".distribution", err)
		}
		if _, err := externalOf(d, float64(p.Internal)); err != nil {
			return nil, lineErr(line, field, err)
		}
		js, err := goptuna.DistributionToJSON(d)
		if err != nil {
			return nil, lineErr(line, field+".distribution", err)
		}
		rec.params = append(rec.params, param{name: n, internal: float64(p.Internal), dist: string(js)})
	}
	return rec, nil
}
