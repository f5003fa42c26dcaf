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
	"strings"

	"github.com/attnsearch/attnsearch/record"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// SchemaVersion and AlembicVersion are the Optuna RDB schema this package writes and reads.
const (
	SchemaVersion  = 12
	AlembicVersion = "v3.0.0.d"
	// LibraryVersion is the Optuna version recorded in version_info (the version the schema was checked with).
	LibraryVersion = "3.1.0"
)

// schema is Optuna's RDB schema (version 12, v3.0.0.d) in SQLite.
var schema = []string{
	`CREATE TABLE studies (study_id INTEGER NOT NULL, study_name VARCHAR(512) NOT NULL, PRIMARY KEY (study_id))`,
	`CREATE UNIQUE INDEX ix_studies_study_name ON studies (study_name)`,
	`CREATE TABLE version_info (version_info_id INTEGER NOT NULL, schema_version INTEGER, library_version VARCHAR(256), PRIMARY KEY (version_info_id), CHECK (version_info_id=1))`,
	`CREATE TABLE study_directions (study_direction_id INTEGER NOT NULL, direction VARCHAR(8) NOT NULL, study_id INTEGER NOT NULL, objective INTEGER NOT NULL, PRIMARY KEY (study_direction_id), UNIQUE (study_id, objective), FOREIGN KEY(study_id) REFERENCES studies (study_id))`,
	`CREATE TABLE study_user_attributes (study_user_attribute_id INTEGER NOT NULL, study_id INTEGER, "key" VARCHAR(512), value_json TEXT, PRIMARY KEY (study_user_attribute_id), UNIQUE (study_id, "key"), FOREIGN KEY(study_id) REFERENCES studies (study_id))`,
	`CREATE TABLE study_system_attributes (study_system_attribute_id INTEGER NOT NULL, study_id INTEGER, "key" VARCHAR(512), value_json TEXT, PRIMARY KEY (study_system_attribute_id), UNIQUE (study_id, "key"), FOREIGN KEY(study_id) REFERENCES studies (study_id))`,
	`CREATE TABLE trials (trial_id INTEGER NOT NULL, number INTEGER, study_id INTEGER, state VARCHAR(8) NOT NULL, datetime_start DATETIME, datetime_complete DATETIME, PRIMARY KEY (trial_id), FOREIGN KEY(study_id) REFERENCES studies (study_id))`,
	`CREATE TABLE trial_user_attributes (trial_user_attribute_id INTEGER NOT NULL, trial_id INTEGER, "key" VARCHAR(512), value_json TEXT, PRIMARY KEY (trial_user_attribute_id), UNIQUE (trial_id, "key"), FOREIGN KEY(trial_id) REFERENCES trials (trial_id))`,
	`CREATE TABLE trial_system_attributes (trial_system_attribute_id INTEGER NOT NULL, trial_id INTEGER, "key" VARCHAR(512), value_json TEXT, PRIMARY KEY (trial_system_attribute_id), UNIQUE (trial_id, "key"), FOREIGN KEY(trial_id) REFERENCES trials (trial_id))`,
	`CREATE TABLE trial_params (param_id INTEGER NOT NULL, trial_id INTEGER, param_name VARCHAR(512), param_value FLOAT, distribution_json TEXT, PRIMARY KEY (param_id), UNIQUE (trial_id, param_name), FOREIGN KEY(trial_id) REFERENCES trials (trial_id))`,
	`CREATE TABLE trial_values (trial_value_id INTEGER NOT NULL, trial_id INTEGER NOT NULL, objective INTEGER NOT NULL, value FLOAT, value_type VARCHAR(7) NOT NULL, PRIMARY KEY (trial_value_id), UNIQUE (trial_id, objective), FOREIGN KEY(trial_id) REFERENCES trials (trial_id))`,
	`CREATE TABLE trial_intermediate_values (trial_intermediate_value_id INTEGER NOT NULL, trial_id INTEGER NOT NULL, step INTEGER NOT NULL, intermediate_value FLOAT, intermediate_value_type VARCHAR(7) NOT NULL, PRIMARY KEY (trial_intermediate_value_id), UNIQUE (trial_id, step), FOREIGN KEY(trial_id) REFERENCES trials (trial_id))`,
	`CREATE TABLE trial_heartbeats (trial_heartbeat_id INTEGER NOT NULL, trial_id INTEGER NOT NULL, heartbeat DATETIME NOT NULL, PRIMARY KEY (trial_heartbeat_id), UNIQUE (trial_id), FOREIGN KEY(trial_id) REFERENCES trials (trial_id))`,
	`CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))`,
}

// Summary says what Write wrote.
type Summary struct {
	Study      string   // study name
	Directions []string // Optuna directions, one per objective
	Trials     int      // trials written
	AsFail     int      // COMPLETE trials written as FAIL for want of a value per direction
}

// Write reads one study in attnsearch's export format from export and writes it, in one
// transaction, into a new SQLite file at path in Optuna's RDB schema; an existing path is refused.
func Write(ctx context.Context, path string, export io.Reader) (Summary, error) {
	var sum Summary
	if _, err := os.Stat(path); err == nil {
		return sum, fmt.Errorf("optunadb: %s already exists (write into a new file)", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return sum, fmt.Errorf("optunadb: %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return sum, fmt.Errorf("optunadb: open %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	err = write(ctx, db, export, &sum)
	if cerr := db.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return sum, fmt.Errorf("optunadb: write %s: %w", path, err)
	}
	return sum, nil
}

// write creates the schema and the study in one transaction.
func write(ctx context.Context, db *sql.DB, export io.Reader, sum *Summary) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	for _, s := range schema {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO version_info VALUES (1, ?, ?)`, SchemaVersion, LibraryVersion); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO alembic_version VALUES (?)`, AlembicVersion); err != nil {
		return err
	}
	sc := bufio.NewScanner(export)
	sc.Buffer(make([]byte, 0, 64*1024), 64<<20)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return fmt.Errorf("read export: %w", err)
		}
		return errors.New("read export: empty")
	}
	var head studyLine
	if err := json.Unmarshal(sc.Bytes(), &head); err != nil {
		return fmt.Errorf("export line 1: %w", err)
	}
	if head.Kind != "study" || head.Format != exportFormat {
		return fmt.Errorf("export line 1: not an attnsearch study export (kind %q, format %q)", head.Kind, head.Format)
	}
	dirs, goals, err := directions(head)
	if err != nil {
		return fmt.Errorf("export line 1: %w", err)
	}
	sum.Study, sum.Directions = head.Name, dirs
	const studyID = 1
	if _, err := tx.ExecContext(ctx, `INSERT INTO studies VALUES (?, ?)`, studyID, head.Name); err != nil {
		return err
	}
	for i, d := range dirs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO study_directions (direction, study_id, objective) VALUES (?, ?, ?)`, d, studyID, i); err != nil {
			return err
		}
	}
	var skeys jsonKeys
	if js, ok := head.SystemAttrs[SysJSONKeys]; ok {
		if err := json.Unmarshal([]byte(js), &skeys); err != nil {
			return fmt.Errorf("export line 1: system_attrs.%s: %w", SysJSONKeys, err)
		}
	}
	imported := head.SystemAttrs[SysDirections] != ""
	if err := insertAttrs(ctx, tx, `INSERT INTO study_user_attributes (study_id, "key", value_json) VALUES (?, ?, ?)`, studyID, head.UserAttrs, skeys.User, !imported); err != nil {
		return err
	}
	if err := insertAttrs(ctx, tx, `INSERT INTO study_system_attributes (study_id, "key", value_json) VALUES (?, ?, ?)`, studyID, head.SystemAttrs, skeys.System, false); err != nil {
		return err
	}
	ins, err := prepare(ctx, tx)
	if err != nil {
		return err
	}
	defer ins.close()
	line := 1
	for sc.Scan() {
		line++
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		var t trialLine
		if err := json.Unmarshal(sc.Bytes(), &t); err != nil {
			return fmt.Errorf("export line %d: %w", line, err)
		}
		asFail, err := ins.write(ctx, studyID, t, goals, len(dirs), imported)
		if err != nil {
			return fmt.Errorf("export line %d (trial %d): %w", line, t.Number, err)
		}
		sum.Trials++
		if asFail {
			sum.AsFail++
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read export line %d: %w", line+1, err)
	}
	if sum.Trials != head.Trials {
		return fmt.Errorf("export: header says %d trials, found %d (truncated export?)", head.Trials, sum.Trials)
	}
	return tx.Commit()
}

// directions returns the study's Optuna directions and whether trials carry their values as
// record.KeyObjectives (an attnsearch study with goals).
func directions(head studyLine) ([]string, bool, error) {
	if js, ok := head.SystemAttrs[SysDirections]; ok {
		var dirs []string
		if err := json.Unmarshal([]byte(js), &dirs); err != nil || len(dirs) == 0 {
			return nil, false, fmt.Errorf("system_attrs.%s: want a list of directions, got %q", SysDirections, js)
		}
		return dirs, false, nil
	}
	if js, ok := head.SystemAttrs[record.SysStudyInfo]; ok {
		info, err := record.ParseStudyInfo(js)
		if err != nil {
			return nil, false, fmt.Errorf("system_attrs.%s: %w", record.SysStudyInfo, err)
		}
		if goals := info.Objective.Goals(); len(goals) > 0 {
			dirs := make([]string, len(goals))
			for i, g := range goals {
				dirs[i] = strings.ToUpper(g.Direction())
			}
			return dirs, true, nil
		}
	}
	switch head.Direction {
	case "maximize", "minimize":
		return []string{strings.ToUpper(string(head.Direction))}, false, nil
	}
	return nil, false, fmt.Errorf("direction: unknown %q", head.Direction)
}

// attrJSON renders an attribute value as Optuna's value_json: as is when its key is listed as
// JSON text (or, with numbers, when it is a JSON number), else as a JSON string.
func attrJSON(v string, raw bool, numbers bool) string {
	if raw && json.Valid([]byte(v)) {
		return v
	}
	if numbers && v != "" && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9')) && json.Valid([]byte(v)) {
		return v
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// insertAttrs writes attributes with stmt (owner ID, key, value_json), leaving out this package's own keys.
func insertAttrs(ctx context.Context, tx *sql.Tx, stmt string, owner int, attrs map[string]string, rawKeys []string, numbers bool) error {
	for k, v := range attrs {
		if ownKey(k) {
			continue
		}
		if _, err := tx.ExecContext(ctx, stmt, owner, k, attrJSON(v, has(rawKeys, k), numbers)); err != nil {
			return fmt.Errorf("attribute %q: %w", k, err)
		}
	}
	return nil
}

// ownKey reports whether a system attribute is one this package keeps for the way back.
func ownKey(k string) bool {
	switch k {
	case SysDirections, SysValues, SysDistributions, SysJSONKeys:
		return true
	}
	return false
}

// inserter holds the prepared statements of one trial's rows.
type inserter struct {
	trial, param, value, step, user, sys, beat *sql.Stmt
	nextID                                     int64
}

// prepare prepares the trial statements in tx.
func prepare(ctx context.Context, tx *sql.Tx) (*inserter, error) {
	in := &inserter{nextID: 1}
	for _, p := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&in.trial, `INSERT INTO trials VALUES (?, ?, ?, ?, ?, ?)`},
		{&in.param, `INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) VALUES (?, ?, ?, ?)`},
		{&in.value, `INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES (?, ?, ?, ?)`},
		{&in.step, `INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, intermediate_value_type) VALUES (?, ?, ?, ?)`},
		{&in.user, `INSERT INTO trial_user_attributes (trial_id, "key", value_json) VALUES (?, ?, ?)`},
		{&in.sys, `INSERT INTO trial_system_attributes (trial_id, "key", value_json) VALUES (?, ?, ?)`},
		{&in.beat, `INSERT INTO trial_heartbeats (trial_id, heartbeat) VALUES (?, ?)`},
	} {
		s, err := tx.PrepareContext(ctx, p.sql)
		if err != nil {
			in.close()
			return nil, fmt.Errorf("prepare: %w", err)
		}
		*p.dst = s
	}
	return in, nil
}

// close closes the prepared statements.
func (in *inserter) close() {
	for _, s := range []*sql.Stmt{in.trial, in.param, in.value, in.step, in.user, in.sys, in.beat} {
		if s != nil {
			_ = s.Close()
		}
	}
}

// valueType is Optuna's stored form of a value: the number (nil when not finite) and its type.
func valueType(v float64) (any, string) {
	switch {
	case math.IsNaN(v):
		return nil, "NAN"
	case math.IsInf(v, 1):
		return nil, "INF_POS"
	case math.IsInf(v, -1):
		return nil, "INF_NEG"
	}
	return v, "FINITE"
}

// trialValues returns the values to write for t (nil when it has none to write).
func trialValues(t trialLine, goals bool, n int) ([]float64, error) {
	if js, ok := t.SystemAttrs[SysValues]; ok {
		var raw []jsonValue
		if err := json.Unmarshal([]byte(js), &raw); err != nil {
			return nil, fmt.Errorf("system_attrs.%s: %w", SysValues, err)
		}
		out := make([]float64, len(raw))
		for i, v := range raw {
			out[i] = float64(v)
		}
		return out, nil
	}
	if goals {
		vec, err := record.ParseVector(t.UserAttrs[record.KeyObjectives])
		if err != nil || len(vec) != n {
			return nil, nil
		}
		return vec, nil
	}
	if t.State == "Complete" || (t.State == "Pruned" && !math.IsNaN(float64(t.Value))) {
		return []float64{float64(t.Value)}, nil
	}
	return nil, nil
}

// trial writes one trial and its rows; asFail says a COMPLETE trial was written as FAIL.
func (in *inserter) write(ctx context.Context, studyID int, t trialLine, goals bool, ndirs int, imported bool) (asFail bool, err error) {
	state, ok := toOptunaState(t.State)
	if !ok {
		return false, fmt.Errorf("state: unknown %q", t.State)
	}
	vals, err := trialValues(t, goals, ndirs)
	if err != nil {
		return false, err
	}
	for _, v := range vals {
		if math.IsNaN(v) {
			vals = nil
			break
		}
	}
	if state == "COMPLETE" && len(vals) != ndirs {
		state, asFail = "FAIL", true
	}
	if len(vals) != ndirs && !imported {
		vals = nil
	}
	id := in.nextID
	in.nextID++
	if _, err := in.trial.ExecContext(ctx, id, t.Number, studyID, state, fmtTime(t.DatetimeStart), fmtTime(t.DatetimeComplete)); err != nil {
		return false, err
	}
	for i, v := range vals {
		x, typ := valueType(v)
		if _, err := in.value.ExecContext(ctx, id, i, x, typ); err != nil {
			return false, fmt.Errorf("value %d: %w", i, err)
		}
	}
	for _, iv := range t.IntermediateValues {
		x, typ := valueType(float64(iv[1]))
		if _, err := in.step.ExecContext(ctx, id, int64(iv[0]), x, typ); err != nil {
			return false, fmt.Errorf("intermediate value at step %v: %w", float64(iv[0]), err)
		}
	}
	var origDists map[string]json.RawMessage
	if js, ok := t.SystemAttrs[SysDistributions]; ok {
		if err := json.Unmarshal([]byte(js), &origDists); err != nil {
			return false, fmt.Errorf("system_attrs.%s: %w", SysDistributions, err)
		}
	}
	for name, p := range t.Params {
		dist, internal := []byte(origDists[name]), float64(p.Internal)
		if len(dist) == 0 {
			if dist, internal, err = toOptunaDist(p.Distribution, internal); err != nil {
				return false, fmt.Errorf("param %q: %w", name, err)
			}
		}
		if _, err := in.param.ExecContext(ctx, id, name, internal, string(dist)); err != nil {
			return false, fmt.Errorf("param %q: %w", name, err)
		}
	}
	var keys jsonKeys
	if js, ok := t.SystemAttrs[SysJSONKeys]; ok {
		if err := json.Unmarshal([]byte(js), &keys); err != nil {
			return false, fmt.Errorf("system_attrs.%s: %w", SysJSONKeys, err)
		}
	}
	for k, v := range t.UserAttrs {
		if _, err := in.user.ExecContext(ctx, id, k, attrJSON(v, has(keys.User, k), !imported)); err != nil {
			return false, fmt.Errorf("user attribute %q: %w", k, err)
		}
	}
	sys := t.SystemAttrs
	if asFail {
		sys = make(map[string]string, len(t.SystemAttrs)+1)
		for k, v := range t.SystemAttrs {
			sys[k] = v
		}
		sys[SysState] = "COMPLETE"
	}
	for k, v := range sys {
		if ownKey(k) {
			continue
		}
		if _, err := in.sys.ExecContext(ctx, id, k, attrJSON(v, has(keys.System, k), false)); err != nil {
			return false, fmt.Errorf("system attribute %q: %w", k, err)
		}
	}
	if t.Heartbeat != nil && !t.Heartbeat.IsZero() {
		if _, err := in.beat.ExecContext(ctx, id, fmtTime(t.Heartbeat)); err != nil {
			return false, fmt.Errorf("heartbeat: %w", err)
		}
	}
	return asFail, nil
}

// jsonValue is one element of SysValues: a number, or "inf", "-inf", "nan".
type jsonValue float64

// MarshalJSON writes a number, or a string for a value that is not finite.
func (v jsonValue) MarshalJSON() ([]byte, error) {
	f := float64(v)
	switch {
	case math.IsNaN(f):
		return []byte(`"nan"`), nil
	case math.IsInf(f, 1):
		return []byte(`"inf"`), nil
	case math.IsInf(f, -1):
		return []byte(`"-inf"`), nil
	}
	return json.Marshal(f)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (v *jsonValue) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		switch s {
		case "inf":
			*v = jsonValue(math.Inf(1))
		case "-inf":
			*v = jsonValue(math.Inf(-1))
		case "nan":
			*v = jsonValue(math.NaN())
		default:
			return fmt.Errorf("bad value %q", s)
		}
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*v = jsonValue(f)
	return nil
}
