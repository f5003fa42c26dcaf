package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/attnsearch/attnsearch/store"
)

// SchemaVersion is the schema version this build reads and writes.
const SchemaVersion = 2

// schemaLockKey is the advisory lock that serialises schema creation and upgrades between processes.
const schemaLockKey = 0x617474_6e73_6561 // "attnsea"

// migrations[v] upgrades a database from schema version v to v+1; version 0 is an empty database.
//
// Every table has the attnsearch_ prefix so a database can be shared with other applications.
// Names, keys and attribute values are bytea (PostgreSQL's text refuses NUL bytes and invalid
// UTF-8, which goptuna's strings may hold); times are nanoseconds since the Unix epoch; floats are
// float8, sent in binary, so every bit pattern, NaN and ±Inf included, survives.
var migrations = []string{
	0: `
CREATE TABLE attnsearch_studies (
	id          bigserial PRIMARY KEY,
	name        bytea  NOT NULL UNIQUE,
	direction   text   NOT NULL,
	created_ns  bigint NOT NULL,
	next_number bigint NOT NULL DEFAULT 0, -- the number of the study's next trial
	op_token    bytea                      -- the request that created it (settles a retry)
);
CREATE TABLE attnsearch_study_attrs (
	study_id bigint  NOT NULL REFERENCES attnsearch_studies(id) ON DELETE CASCADE,
	system   boolean NOT NULL,
	key      bytea   NOT NULL,
	value    bytea   NOT NULL,
	PRIMARY KEY (study_id, system, key)
);
CREATE TABLE attnsearch_trials (
	id           bigserial PRIMARY KEY,
	study_id     bigint   NOT NULL REFERENCES attnsearch_studies(id) ON DELETE CASCADE,
	number       bigint   NOT NULL,
	state        smallint NOT NULL,
	value        float8   NOT NULL DEFAULT 0,
	start_ns     bigint,
	complete_ns  bigint,
	heartbeat_ns bigint,
	xact         bigint   NOT NULL, -- the transaction that last changed the trial or its rows
	op_token     bytea,             -- the request that created or claimed it (settles a retry)
	UNIQUE (study_id, number)
);
CREATE INDEX attnsearch_trials_changed  ON attnsearch_trials (study_id, xact);
CREATE INDEX attnsearch_trials_waiting  ON attnsearch_trials (study_id, number) WHERE state = 4;
CREATE INDEX attnsearch_trials_running  ON attnsearch_trials (study_id, heartbeat_ns) WHERE state = 0;
CREATE INDEX attnsearch_trials_complete ON attnsearch_trials (study_id, value) WHERE state = 1;
CREATE INDEX attnsearch_trials_token    ON attnsearch_trials (op_token) WHERE op_token IS NOT NULL;
CREATE TABLE attnsearch_trial_params (
	trial_id     bigint NOT NULL REFERENCES attnsearch_trials(id) ON DELETE CASCADE,
	name         bytea  NOT NULL,
	internal     float8 NOT NULL,
	distribution text   NOT NULL, -- goptuna's distribution JSON
	PRIMARY KEY (trial_id, name)
);
CREATE TABLE attnsearch_trial_values (
	trial_id bigint NOT NULL REFERENCES attnsearch_trials(id) ON DELETE CASCADE,
	step     bigint NOT NULL,
	value    float8 NOT NULL,
	PRIMARY KEY (trial_id, step)
);
CREATE TABLE attnsearch_trial_attrs (
	trial_id bigint  NOT NULL REFERENCES attnsearch_trials(id) ON DELETE CASCADE,
	system   boolean NOT NULL,
	key      bytea   NOT NULL,
	value    bytea   NOT NULL,
	PRIMARY KEY (trial_id, system, key)
);`,
	// Version 2: named blobs per study (store.Blobs: the supernet strategy's checkpoint), stored
	// uncompressed out of line (EXTERNAL: float weights do not compress, and trying costs time).
	1: `
CREATE TABLE attnsearch_blobs (
	study_id   bigint NOT NULL REFERENCES attnsearch_studies(id) ON DELETE CASCADE,
	name       text   NOT NULL,
	sha256     bytea  NOT NULL,
	data       bytea  NOT NULL,
	updated_ns bigint NOT NULL,
	PRIMARY KEY (study_id, name)
);
ALTER TABLE attnsearch_blobs ALTER COLUMN data SET STORAGE EXTERNAL;`,
}

// migrate creates the schema in an empty database or upgrades an older one, under an advisory
// lock so that workers starting together do it once; a newer schema is refused with store.ErrSchema.
// A read-only open only checks the version (an older one is read as it is); a database without
// the schema is then store.ErrNoStore.
func migrate(ctx context.Context, pool *pgxpool.Pool, readOnly bool) error {
	if readOnly {
		return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT to_regclass('attnsearch_meta') IS NOT NULL`).Scan(&exists); err != nil {
				return err
			}
			if !exists {
				return fmt.Errorf("%w: the database has no attnsearch tables (start a study in it with attnsearch run)", store.ErrNoStore)
			}
			version, err := readVersion(ctx, tx)
			if err != nil {
				return err
			}
			if version == 0 {
				return fmt.Errorf("%w: the database has no attnsearch schema", store.ErrNoStore)
			}
			// Every later schema only added tables that reads do not use (attnsearch_blobs), so
			// a reader reads an older schema as it is, without upgrading it.
			if version > SchemaVersion {
				return fmt.Errorf("%w: database has schema %d, this build reads %d", store.ErrSchema, version, SchemaVersion)
			}
			return nil
		})
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(schemaLockKey)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS attnsearch_meta (key text PRIMARY KEY, value text NOT NULL)`); err != nil {
			return fmt.Errorf("create attnsearch_meta: %w", err)
		}
		version, err := readVersion(ctx, tx)
		if err != nil {
			return err
		}
		if version > SchemaVersion {
			return fmt.Errorf("%w: database has schema %d, this build reads %d (upgrade attnsearch)", store.ErrSchema, version, SchemaVersion)
		}
		for v := version; v < SchemaVersion; v++ {
			if _, err := tx.Exec(ctx, migrations[v]); err != nil {
				return fmt.Errorf("upgrade schema %d to %d: %w", v, v+1, err)
			}
		}
		if version == SchemaVersion {
			return nil
		}
		_, err = tx.Exec(ctx, `INSERT INTO attnsearch_meta (key, value) VALUES ('format', $1), ('schema', $2)
			ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, store.FormatName, strconv.Itoa(SchemaVersion))
		return err
	})
}

// readVersion returns the schema version recorded in attnsearch_meta (0 when none is).
func readVersion(ctx context.Context, tx pgx.Tx) (int, error) {
	var format, schema string
	err := tx.QueryRow(ctx, `SELECT
		COALESCE((SELECT value FROM attnsearch_meta WHERE key = 'format'), ''),
		COALESCE((SELECT value FROM attnsearch_meta WHERE key = 'schema'), '')`).Scan(&format, &schema)
	if err != nil {
		return 0, fmt.Errorf("read attnsearch_meta: %w", err)
	}
	if format == "" && schema == "" {
		return 0, nil
	}
	if format != store.FormatName {
		return 0, fmt.Errorf("%w: attnsearch_meta has format %q", store.ErrNotStore, format)
	}
	v, err := strconv.Atoi(schema)
	if err != nil || v < 1 {
		return 0, fmt.Errorf("%w: attnsearch_meta has schema version %q", store.ErrNotStore, schema)
	}
	return v, nil
}

// errNoRows reports whether err is pgx's "no rows".
func errNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
