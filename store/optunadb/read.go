package optunadb

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/c-bata/goptuna"
)

// ErrNotOptuna means the file is not an Optuna RDB storage of a schema this package reads.
var ErrNotOptuna = errors.New("not an Optuna storage of schema version 12 (Optuna 3.0, 3.1)")

// openRead opens an existing Optuna SQLite file for reading and checks its schema version.
func openRead(ctx context.Context, path string) (*sql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("optunadb: %w", err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return nil, fmt.Errorf("optunadb: open %s: %w", path, err)
	}
	var v int
	if err := db.QueryRowContext(ctx, `SELECT schema_version FROM version_info WHERE version_info_id = 1`).Scan(&v); err != nil {
		db.Close()
		return nil, fmt.Errorf("optunadb: %s: %w (%v)", path, ErrNotOptuna, err)
	}
	if v != SchemaVersion {
		db.Close()
		return nil, fmt.Errorf("optunadb: %s: %w: schema_version is %d", path, ErrNotOptuna, v)
	}
	return db, nil
}

// Studies lists the names of the studies in the Optuna file at path, sorted.
func Studies(ctx context.Context, path string) ([]string, error) {
	db, err := openRead(ctx, path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT study_name FROM studies ORDER BY study_name`)
	if err != nil {
		return nil, fmt.Errorf("optunadb: %s: list studies: %w", path, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("optunadb: %s: list studies: %w", path, err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Read writes the study named study of the Optuna file at path to w in attnsearch's export
// format, which every store's Import reads; it returns the number of trials.
func Read(ctx context.Context, path, study string, w io.Writer) (int, error) {
	db, err := openRead(ctx, path)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	n, err := read(ctx, db, study, w)
	if err != nil {
		return 0, fmt.Errorf("optunadb: read %s study %q: %w", path, study, err)
	}
	return n, nil
}

// attrRows reads (owner, key, value_json) rows into per-owner string attributes and the keys whose value is JSON text, not a string.
func attrRows(ctx context.Context, db *sql.DB, query string, args ...any) (map[int64]map[string]string, map[int64][]string, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	attrs := map[int64]map[string]string{}
	raw := map[int64][]string{}
	for rows.Next() {
		var owner int64
		var key string
		var js sql.NullString
		if err := rows.Scan(&owner, &key, &js); err != nil {
			return nil, nil, err
		}
		if attrs[owner] == nil {
			attrs[owner] = map[string]string{}
		}
		var s string
		if err := json.Unmarshal([]byte(js.String), &s); err == nil {
			attrs[owner][key] = s
			continue
		}
		attrs[owner][key] = js.String
		raw[owner] = append(raw[owner], key)
	}
	return attrs, raw, rows.Err()
}

// setJSONKeys records the keys whose values are JSON text in sys (nothing when there are none).
func setJSONKeys(sys map[string]string, user, system []string) {
	if len(user)+len(system) == 0 {
		return
	}
	sort.Strings(user)
	sort.Strings(system)
	b, _ := json.Marshal(jsonKeys{User: user, System: system})
	sys[SysJSONKeys] = string(b)
}

// read converts one study.
func read(ctx context.Context, db *sql.DB, study string, w io.Writer) (int, error) {
	var sid int64
	if err := db.QueryRowContext(ctx, `SELECT study_id FROM studies WHERE study_name = ?`, study).Scan(&sid); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, errors.New("no such study")
		}
		return 0, err
	}
	var dirs []string
	rows, err := db.QueryContext(ctx, `SELECT direction FROM study_directions WHERE study_id = ? ORDER BY objective`, sid)
	if err != nil {
		return 0, fmt.Errorf("directions: %w", err)
	}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			rows.Close()
			return 0, fmt.Errorf("directions: %w", err)
		}
		if d != "MAXIMIZE" && d != "MINIMIZE" {
			rows.Close()
			return 0, fmt.Errorf("directions: unknown direction %q", d)
		}
		dirs = append(dirs, d)
	}
	rows.Close()
	if len(dirs) == 0 {
		return 0, errors.New("directions: the study has none")
	}
	suser, suraw, err := attrRows(ctx, db, `SELECT study_id, "key", value_json FROM study_user_attributes WHERE study_id = ?`, sid)
	if err != nil {
		return 0, fmt.Errorf("study user attributes: %w", err)
	}
	ssys, ssraw, err := attrRows(ctx, db, `SELECT study_id, "key", value_json FROM study_system_attributes WHERE study_id = ?`, sid)
	if err != nil {
		return 0, fmt.Errorf("study system attributes: %w", err)
	}
	head := studyLine{Kind: "study", Format: exportFormat, Schema: exportSchema, Name: study,
		Direction: goptuna.StudyDirection(strings.ToLower(dirs[0])), UserAttrs: suser[sid], SystemAttrs: ssys[sid]}
	if head.UserAttrs == nil {
		head.UserAttrs = map[string]string{}
	}
	if head.SystemAttrs == nil {
		head.SystemAttrs = map[string]string{}
	}
	dj, _ := json.Marshal(dirs)
	head.SystemAttrs[SysDirections] = string(dj)
	setJSONKeys(head.SystemAttrs, suraw[sid], ssraw[sid])

	trials, err := readTrials(ctx, db, sid)
	if err != nil {
		return 0, err
	}
	head.Trials = len(trials)
	for i, t := range trials {
		if t.Number != i {
			return 0, fmt.Errorf("trial numbers: want 0..%d in order, found %d at position %d", len(trials)-1, t.Number, i)
		}
		if len(t.IntermediateValues) == 0 {
			t.IntermediateValues = [][2]jfloat{}
		}
	}
	if len(trials) > 0 && trials[0].DatetimeStart != nil {
		head.Created = *trials[0].DatetimeStart
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(head); err != nil {
		return 0, err
	}
	for _, t := range trials {
		if err := enc.Encode(t); err != nil {
			return 0, fmt.Errorf("trial %d: %w", t.Number, err)
		}
	}
	return len(trials), bw.Flush()
}

// readTrials reads every trial of the study with its rows, in number order.
func readTrials(ctx context.Context, db *sql.DB, sid int64) ([]*trialLine, error) {
	rows, err := db.QueryContext(ctx, `SELECT trial_id, number, state, datetime_start, datetime_complete FROM trials WHERE study_id = ? ORDER BY number`, sid)
	if err != nil {
		return nil, fmt.Errorf("trials: %w", err)
	}
	byID := map[int64]*trialLine{}
	var trials []*trialLine
	for rows.Next() {
		var id, number int64
		var state string
		var start, complete sql.NullString
		if err := rows.Scan(&id, &number, &state, &start, &complete); err != nil {
			rows.Close()
			return nil, fmt.Errorf("trials: %w", err)
		}
		st, ok := fromOptunaState(state)
		if !ok {
			rows.Close()
			return nil, fmt.Errorf("trial %d: unknown state %q", number, state)
		}
		t := &trialLine{Kind: "trial", Number: int(number), TrialID: int(id), State: st, Value: jfloat(math.NaN()),
			Params: map[string]paramLine{}, UserAttrs: map[string]string{}, SystemAttrs: map[string]string{}}
		for _, p := range []struct {
			src *sql.NullString
			dst **time.Time
		}{{&start, &t.DatetimeStart}, {&complete, &t.DatetimeComplete}} {
			if !p.src.Valid {
				continue
			}
			tm, err := parseTime(&p.src.String)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("trial %d: %w", number, err)
			}
			*p.dst = tm
		}
		byID[id] = t
		trials = append(trials, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("trials: %w", err)
	}
	if err := readValues(ctx, db, sid, byID); err != nil {
		return nil, err
	}
	if err := readParams(ctx, db, sid, byID); err != nil {
		return nil, err
	}
	uattrs, uraw, err := attrRows(ctx, db, `SELECT a.trial_id, a."key", a.value_json FROM trial_user_attributes a JOIN trials t ON t.trial_id = a.trial_id WHERE t.study_id = ?`, sid)
	if err != nil {
		return nil, fmt.Errorf("trial user attributes: %w", err)
	}
	sattrs, sraw, err := attrRows(ctx, db, `SELECT a.trial_id, a."key", a.value_json FROM trial_system_attributes a JOIN trials t ON t.trial_id = a.trial_id WHERE t.study_id = ?`, sid)
	if err != nil {
		return nil, fmt.Errorf("trial system attributes: %w", err)
	}
	for id, t := range byID {
		for k, v := range uattrs[id] {
			t.UserAttrs[k] = v
		}
		for k, v := range sattrs[id] {
			t.SystemAttrs[k] = v
		}
		setJSONKeys(t.SystemAttrs, uraw[id], sraw[id])
	}
	beats, err := db.QueryContext(ctx, `SELECT h.trial_id, h.heartbeat FROM trial_heartbeats h JOIN trials t ON t.trial_id = h.trial_id WHERE t.study_id = ?`, sid)
	if err != nil {
		return nil, fmt.Errorf("heartbeats: %w", err)
	}
	defer beats.Close()
	for beats.Next() {
		var id int64
		var hb string
		if err := beats.Scan(&id, &hb); err != nil {
			return nil, fmt.Errorf("heartbeats: %w", err)
		}
		tm, err := parseTime(&hb)
		if err != nil {
			return nil, fmt.Errorf("heartbeat of trial id %d: %w", id, err)
		}
		if t := byID[id]; t != nil {
			t.Heartbeat = tm
		}
	}
	return trials, beats.Err()
}

// stored reads Optuna's stored form of a value back.
func stored(v sql.NullFloat64, typ string) (float64, error) {
	switch typ {
	case "FINITE":
		if !v.Valid {
			return math.NaN(), nil
		}
		return v.Float64, nil
	case "INF_POS":
		return math.Inf(1), nil
	case "INF_NEG":
		return math.Inf(-1), nil
	case "NAN":
		return math.NaN(), nil
	}
	return 0, fmt.Errorf("unknown value type %q", typ)
}

// readValues reads the values and intermediate values of the study's trials.
func readValues(ctx context.Context, db *sql.DB, sid int64, byID map[int64]*trialLine) error {
	rows, err := db.QueryContext(ctx, `SELECT v.trial_id, v.objective, v.value, v.value_type FROM trial_values v JOIN trials t ON t.trial_id = v.trial_id WHERE t.study_id = ? ORDER BY v.trial_id, v.objective`, sid)
	if err != nil {
		return fmt.Errorf("values: %w", err)
	}
	vals := map[int64][]jsonValue{}
	for rows.Next() {
		var id, obj int64
		var v sql.NullFloat64
		var typ string
		if err := rows.Scan(&id, &obj, &v, &typ); err != nil {
			rows.Close()
			return fmt.Errorf("values: %w", err)
		}
		f, err := stored(v, typ)
		if err != nil {
			rows.Close()
			return fmt.Errorf("values of trial id %d: %w", id, err)
		}
		if int(obj) != len(vals[id]) {
			rows.Close()
			return fmt.Errorf("values of trial id %d: objective %d missing", id, len(vals[id]))
		}
		vals[id] = append(vals[id], jsonValue(f))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("values: %w", err)
	}
	for id, v := range vals {
		t := byID[id]
		if t == nil {
			continue
		}
		t.Value = jfloat(v[0])
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("values of trial %d: %w", t.Number, err)
		}
		t.SystemAttrs[SysValues] = string(b)
	}
	rows, err = db.QueryContext(ctx, `SELECT v.trial_id, v.step, v.intermediate_value, v.intermediate_value_type FROM trial_intermediate_values v JOIN trials t ON t.trial_id = v.trial_id WHERE t.study_id = ? ORDER BY v.trial_id, v.step`, sid)
	if err != nil {
		return fmt.Errorf("intermediate values: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, step int64
		var v sql.NullFloat64
		var typ string
		if err := rows.Scan(&id, &step, &v, &typ); err != nil {
			return fmt.Errorf("intermediate values: %w", err)
		}
		f, err := stored(v, typ)
		if err != nil {
			return fmt.Errorf("intermediate values of trial id %d: %w", id, err)
		}
		if t := byID[id]; t != nil {
			t.IntermediateValues = append(t.IntermediateValues, [2]jfloat{jfloat(step), jfloat(f)})
		}
	}
	return rows.Err()
}

// readParams reads the parameters of the study's trials, converting each distribution to goptuna's.
func readParams(ctx context.Context, db *sql.DB, sid int64, byID map[int64]*trialLine) error {
	rows, err := db.QueryContext(ctx, `SELECT p.trial_id, p.param_name, p.param_value, p.distribution_json FROM trial_params p JOIN trials t ON t.trial_id = p.trial_id WHERE t.study_id = ?`, sid)
	if err != nil {
		return fmt.Errorf("params: %w", err)
	}
	defer rows.Close()
	orig := map[int64]map[string]json.RawMessage{}
	for rows.Next() {
		var id int64
		var name, dist string
		var v float64
		if err := rows.Scan(&id, &name, &v, &dist); err != nil {
			return fmt.Errorf("params: %w", err)
		}
		t := byID[id]
		if t == nil {
			continue
		}
		gd, err := fromOptunaDist(dist)
		if err != nil {
			return fmt.Errorf("trial %d param %q: %w", t.Number, name, err)
		}
		d, err := goptuna.JSONToDistribution(gd)
		if err != nil {
			return fmt.Errorf("trial %d param %q: %w", t.Number, name, err)
		}
		ext, err := goptuna.ToExternalRepresentation(d, v)
		if err != nil {
			return fmt.Errorf("trial %d param %q: %w", t.Number, name, err)
		}
		t.Params[name] = paramLine{Internal: jfloat(v), External: ext, Distribution: gd}
		if orig[id] == nil {
			orig[id] = map[string]json.RawMessage{}
		}
		orig[id][name] = json.RawMessage(dist)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("params: %w", err)
	}
	for id, m := range orig {
		b, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("params of trial id %d: %w", id, err)
		}
		byID[id].SystemAttrs[SysDistributions] = string(b)
	}
	return nil
}
