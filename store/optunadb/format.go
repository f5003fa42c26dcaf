package optunadb

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
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

// studyLine is the first line of attnsearch's export format.
type studyLine struct {
	Kind        string            `json:"kind"`
	Format      string            `json:"format"`
	Schema      int               `json:"schema"`
	Name        string            `json:"name"`
	Direction   string            `json:"direction"`
	Created     time.Time         `json:"created"`
	UserAttrs   map[string]string `json:"user_attrs"`
	SystemAttrs map[string]string `json:"system_attrs"`
	Trials      int               `json:"trials"`
}

// paramLine is one parameter of a trial line.
type paramLine struct {
	Internal     jfloat          `json:"internal"`
	External     any             `json:"external"`
	Distribution json.RawMessage `json:"distribution"`
}

// trialLine is one trial line of attnsearch's export format.
type trialLine struct {
	Kind               string               `json:"kind"`
	Number             int                  `json:"number"`
	TrialID            int                  `json:"trial_id"`
	State              string               `json:"state"`
	Value              jfloat               `json:"value"`
	DatetimeStart      *time.Time           `json:"datetime_start"`
	DatetimeComplete   *time.Time           `json:"datetime_complete"`
	Heartbeat          *time.Time           `json:"heartbeat"`
	IntermediateValues [][2]jfloat          `json:"intermediate_values"`
	Params             map[string]paramLine `json:"params"`
	UserAttrs          map[string]string    `json:"user_attrs"`
	SystemAttrs        map[string]string    `json:"system_attrs"`
}

// jfloat is a float64 in the export format's JSON: a number, or "NaN", "+Inf", "-Inf".
type jfloat float64

// MarshalJSON writes a number, or a string for NaN and the infinities.
func (f jfloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Inf"`), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

// UnmarshalJSON reads a number or a string naming a non-finite value (any NaN payload reads as NaN).
func (f *jfloat) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		switch {
		case s == "+Inf" || s == "Inf":
			*f = jfloat(math.Inf(1))
		case s == "-Inf":
			*f = jfloat(math.Inf(-1))
		case len(s) >= 3 && s[:3] == "NaN":
			*f = jfloat(math.NaN())
		default:
			return fmt.Errorf("bad float %q", s)
		}
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("bad float %s", b)
	}
	*f = jfloat(v)
	return nil
}

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
