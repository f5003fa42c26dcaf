package optunadb

import (
	"fmt"
	"time"

	"github.com/attnsearch/attnsearch/store"
)

// System attributes that keep what goptuna cannot hold of an Optuna study (see the package doc).
const (
	SysDirections    = "attnsearch:optuna_directions"    // study: JSON list of Optuna directions ("MAXIMIZE", "MINIMIZE")
	SysValues        = "attnsearch:optuna_values"        // trial: JSON list of the trial's values ("inf", "-inf" for infinities)
	SysDistributions = "attnsearch:optuna_distributions" // trial: JSON object of Optuna distribution JSON by parameter name
	SysJSONKeys      = "attnsearch:optuna_json_keys"     // study or trial: JSON object {"user": [...], "system": [...]} of keys whose value is JSON text
	SysState         = "attnsearch:state"                // trial written as FAIL: its attnsearch state
)

// exportFormat and exportSchema name attnsearch's export format, the header every Import checks.
const (
	exportFormat = "attnsearch-store"
	exportSchema = 2
)

// The export format's lines and numbers are store's (store/exportformat.go): the file this
// package reads is what store.Exporter writes, and what it writes is what store.Importer reads.
type (
	studyLine = store.ExportStudy // the first line: the study
	paramLine = store.ExportParam // a trial's parameter
	trialLine = store.ExportTrial // every further line: a trial
	jfloat    = store.Float       // a float64: a number, or "NaN", "+Inf", "-Inf"
)

// stateNames maps goptuna's state names (the export format's) to Optuna's.
var stateNames = [][2]string{{"Running", "RUNNING"}, {"Complete", "COMPLETE"}, {"Pruned", "PRUNED"}, {"Fail", "FAIL"}, {"Waiting", "WAITING"}}

// toOptunaState returns Optuna's name of an export state.
func toOptunaState(s string) (string, bool) {
	for _, p := range stateNames {
		if p[0] == s {
			return p[1], true
		}
	}
	return "", false
}

// fromOptunaState returns the export name of an Optuna state.
func fromOptunaState(s string) (string, bool) {
	for _, p := range stateNames {
		if p[1] == s {
			return p[0], true
		}
	}
	return "", false
}

// jsonKeys is the value of SysJSONKeys.
type jsonKeys struct {
	User   []string `json:"user,omitempty"`
	System []string `json:"system,omitempty"`
}

// has reports whether key is in keys.
func has(keys []string, key string) bool {
	for _, k := range keys {
		if k == key {
			return true
		}
	}
	return false
}

// Optuna stores datetimes as naive local times with microseconds.
const sqlTime = "2006-01-02 15:04:05.000000"

// fmtTime renders t for a DATETIME column (nil for the zero time).
func fmtTime(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return t.Local().Format(sqlTime)
}

// parseTime reads a DATETIME column as Optuna writes it (local time, microseconds optional).
func parseTime(s *string) (*time.Time, error) {
	if s == nil || *s == "" {
		return nil, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", time.RFC3339Nano} {
		if t, err := time.ParseInLocation(layout, *s, time.Local); err == nil {
			return &t, nil
		}
	}
	return nil, fmt.Errorf("bad datetime %q", *s)
}
