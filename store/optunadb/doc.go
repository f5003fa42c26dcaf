// Package optunadb converts a study between attnsearch's export format (the JSON Lines that
// every store writes with Export and reads with Import) and Optuna's RDB storage in an SQLite
// file, so that Optuna, optuna-dashboard and the tools around them read attnsearch studies, and
// studies written by Optuna come into an attnsearch store.
//
// # Schema
//
// Write creates the tables of Optuna's RDB storage at schema version 12, alembic revision
// v3.0.0.d: the schema of Optuna 3.0 and 3.1 (checked against Optuna 3.1.0, Debian's
// python3-optuna, by creating a storage and dumping it, and by reading and loading every file
// this package writes with optuna.load_study). The driver is modernc.org/sqlite: pure Go, so the
// binary keeps building without cgo.
//
// # Mapping
//
// States map by name (Complete → COMPLETE, …). Directions and values: an attnsearch study writes
// one direction per goal of its objective (record.StudyInfo) and each trial's objective vector
// (record.KeyObjectives) as its values; a study without goals writes its one direction and each
// trial's value. Optuna refuses a COMPLETE trial without a value for every direction, so such a
// trial (say, a COMPLETE trial of an older store without an objective vector) is written as FAIL
// with the system attribute "attnsearch:state" = "COMPLETE". Parameters keep their internal
// values; goptuna's distributions become Optuna's FloatDistribution, IntDistribution and
// CategoricalDistribution; an integer attnsearch draws on a log scale (a log-uniform float on
// [low−0.5, high+0.5], rounded) becomes IntDistribution(log=True) with the rounded value. User
// attributes that are JSON numbers are written as numbers, others as JSON strings; intermediate values keep NaN and infinities (Optuna's value types).
//
// Read does the reverse. What goptuna cannot hold is kept in system attributes, so that a study
// read from Optuna and written back is the same study: the directions (SysDirections, the first
// is the goptuna direction), every trial's values (SysValues; the goptuna value is the first),
// Optuna's distribution of each parameter (SysDistributions: goptuna has no log-scaled integers
// and only string categories) and the keys of attributes whose Optuna value is not a JSON string
// (SysJSONKeys; goptuna attributes are strings, such a value is kept as its JSON text).
package optunadb
